"""Downloads through every fault: the file ends complete and verified, or a typed error leaves nothing
in the cache that a later call would trust; the next call then completes the file."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import huggingface_hub
import pytest

from hubflow import (
    HfApi,
    HfHubHTTPError,
    HubConnectionError,
    LocalEntryNotFoundError,
    RetryPolicy,
    try_to_load_from_cache,
)
from hubflow._faults import Action, RestartServer
from hubflow.testing import (
    ALICE_WRITE,
    FaultProxy,
    HubProcess,
    rate_limited,
    reset_before_response,
    reset_mid_response_body,
    restart_server,
    stall,
    status,
)

pytestmark = pytest.mark.timeout(60)

RESOLVE = r"/resolve/"
RESTART_RETRY = RetryPolicy(max_retries=8, base_wait=0.1, max_wait=1.0, jitter=False, server_wait_padding=0.0)
FILES = {
    "a.txt": b"hello through faults\n" * 50,
    "weights.bin": os.urandom(300_000),
    "sub/b.bin": os.urandom(100_000),
}


@pytest.fixture(scope="module")
def dl_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    """A Hub of this module's own (restart faults stop and start it)."""
    with HubProcess(tmp_path_factory.mktemp("dl-hub")) as proc:
        yield proc


@pytest.fixture(scope="module")
def repo(dl_hub: HubProcess) -> str:
    official = huggingface_hub.HfApi(endpoint=dl_hub.endpoint, token=ALICE_WRITE)
    repo_id = "alice/downloads-through-faults"
    official.create_repo(repo_id)
    official.create_commit(repo_id, [huggingface_hub.CommitOperationAdd(path, data) for path, data in FILES.items()],
                           commit_message="files")
    return repo_id


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_cache_trustworthy(cache: Path) -> None:
    """Every blob has the content its name promises; every snapshot entry points at an existing blob."""
    for blob in cache.rglob("blobs/*"):
        assert not blob.name.endswith(".incomplete"), f"left over: {blob}"
        data = blob.read_bytes()
        if len(blob.name) == 64:
            assert sha(data) == blob.name, f"corrupt LFS blob {blob}"
        else:
            git_sha1 = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            assert git_sha1 == blob.name, f"corrupt blob {blob}"
    for link in cache.rglob("snapshots/**/*"):
        if link.is_symlink():
            assert link.exists(), f"dangling snapshot entry {link}"


DOWNLOAD_FAULTS = [
    ("head-503", "HEAD", RESOLVE, status(503), 2),
    ("head-reset", "HEAD", RESOLVE, reset_before_response(), 1),
    ("head-429", "HEAD", RESOLVE, rate_limited(retry_after=1), 1),
    ("get-500", "GET", RESOLVE, status(500), 2),
    ("get-502", "GET", RESOLVE, status(502), 1),
    ("get-504", "GET", RESOLVE, status(504), 1),
    ("get-429-ratelimit", "GET", RESOLVE, rate_limited(ratelimit=True), 1),
    ("get-reset-before-response", "GET", RESOLVE, reset_before_response(), 1),
    ("get-truncated-once", "GET", RESOLVE, reset_mid_response_body(1000), 1),
    ("get-truncated-thrice-resumed", "GET", RESOLVE, reset_mid_response_body(50_000), 3),
    ("get-stall", "GET", RESOLVE, stall(30), 1),
    ("restart-between-head-and-get", "GET", RESOLVE, restart_server(), 1),
]


@pytest.mark.parametrize(("method", "path", "action", "times"), [f[1:] for f in DOWNLOAD_FAULTS],
                         ids=[f[0] for f in DOWNLOAD_FAULTS])
def test_hf_hub_download_completes_through(
    dl_hub: HubProcess, repo: str, tmp_path: Path, make_api: Callable[..., HfApi],
    method: str, path: str, action: Action, times: int,
) -> None:
    extra: dict[str, object] = {"retry": RESTART_RETRY} if isinstance(action, RestartServer) else {}
    with FaultProxy(dl_hub) as proxy:
        rule = proxy.plan.add(action, method=method, path=path, times=times)
        api = make_api(proxy.url, api_timeout=1.0, **extra)
        got = api.hf_hub_download(repo, "weights.bin", cache_dir=tmp_path)
        assert rule.fired == times, proxy.log
    assert sha(Path(str(got)).read_bytes()) == sha(FILES["weights.bin"])
    assert_cache_trustworthy(tmp_path)


def test_exhausted_budget_leaves_nothing_trusted_and_the_next_call_completes(
    dl_hub: HubProcess, repo: str, tmp_path: Path, make_api: Callable[..., HfApi]
) -> None:
    with FaultProxy(dl_hub) as proxy:
        proxy.plan.add(reset_mid_response_body(100), method="GET", path=RESOLVE, times=None)
        api = make_api(proxy.url)
        with pytest.raises(HubConnectionError):
            api.hf_hub_download(repo, "weights.bin", cache_dir=tmp_path)
        assert len(proxy.entries("GET", "/resolve/")) >= 5  # resumed and retried, then it gave up
        assert try_to_load_from_cache(repo, "weights.bin", cache_dir=tmp_path) is None
        assert_cache_trustworthy(tmp_path)
        assert not list(tmp_path.rglob("blobs/*"))
        proxy.plan.clear()
        got = api.hf_hub_download(repo, "weights.bin", cache_dir=tmp_path)
    assert Path(str(got)).read_bytes() == FILES["weights.bin"]
    assert try_to_load_from_cache(repo, "weights.bin", cache_dir=tmp_path) == str(got)
    assert_cache_trustworthy(tmp_path)


def test_exhausted_budget_on_5xx_is_a_typed_http_error(
    dl_hub: HubProcess, repo: str, tmp_path: Path, make_api: Callable[..., HfApi]
) -> None:
    with FaultProxy(dl_hub) as proxy:
        proxy.plan.add(status(503), method="GET", path=RESOLVE, times=None)
        with pytest.raises(HfHubHTTPError) as info:
            make_api(proxy.url).hf_hub_download(repo, "a.txt", cache_dir=tmp_path)
    assert info.value.status_code == 503
    assert try_to_load_from_cache(repo, "a.txt", cache_dir=tmp_path) is None
    assert_cache_trustworthy(tmp_path)


def test_truncated_download_into_local_dir_is_never_presented_as_complete(
    dl_hub: HubProcess, repo: str, tmp_path: Path, make_api: Callable[..., HfApi]
) -> None:
    local = tmp_path / "local"
    with FaultProxy(dl_hub) as proxy:
        proxy.plan.add(reset_mid_response_body(5000), method="GET", path=RESOLVE, times=None)
        api = make_api(proxy.url)
        with pytest.raises(HubConnectionError):
            api.hf_hub_download(repo, "sub/b.bin", local_dir=local, cache_dir=tmp_path / "cache")
        assert not (local / "sub" / "b.bin").exists()
        proxy.plan.clear()
        proxy.plan.add(reset_mid_response_body(5000), method="GET", path=RESOLVE, times=2)
        got = api.hf_hub_download(repo, "sub/b.bin", local_dir=local, cache_dir=tmp_path / "cache")
    assert Path(str(got)).read_bytes() == FILES["sub/b.bin"]


SNAPSHOT_FAULTS = [
    ("revision-503", "GET", r"^/api/models/[^/]+/[^/]+(/revision/[^/]+)?(\?|$)", status(503), 1),
    ("tree-reset", "GET", r"/tree/", reset_mid_response_body(20), 1),
    ("files-truncated", "GET", RESOLVE, reset_mid_response_body(2000), 3),
    ("files-502", "GET", RESOLVE, status(502), 3),
    ("files-stall", "GET", RESOLVE, stall(30), 1),
    ("restart-mid-snapshot", "GET", RESOLVE, restart_server(), 1),
]


@pytest.mark.parametrize(("method", "path", "action", "times"), [f[1:] for f in SNAPSHOT_FAULTS],
                         ids=[f[0] for f in SNAPSHOT_FAULTS])
def test_snapshot_download_completes_through(
    dl_hub: HubProcess, repo: str, tmp_path: Path, make_api: Callable[..., HfApi],
    method: str, path: str, action: Action, times: int,
) -> None:
    extra: dict[str, object] = {"retry": RESTART_RETRY} if isinstance(action, RestartServer) else {}
    with FaultProxy(dl_hub) as proxy:
        rule = proxy.plan.add(action, method=method, path=path, times=times)
        folder = Path(str(make_api(proxy.url, api_timeout=1.0, **extra).snapshot_download(repo, cache_dir=tmp_path)))
        assert rule.fired == times, proxy.log
    got = {p.relative_to(folder).as_posix(): sha(p.read_bytes()) for p in folder.rglob("*") if p.is_file()}
    got.pop(".gitattributes", None)
    assert got == {name: sha(data) for name, data in FILES.items()}
    assert_cache_trustworthy(tmp_path)


def test_interrupted_snapshot_then_rerun_completes(
    dl_hub: HubProcess, repo: str, tmp_path: Path, make_api: Callable[..., HfApi]
) -> None:
    with FaultProxy(dl_hub) as proxy:
        proxy.plan.add(reset_mid_response_body(1000), method="GET", path=r"/weights\.bin$", times=None)
        api = make_api(proxy.url)
        with pytest.raises(HubConnectionError):
            api.snapshot_download(repo, cache_dir=tmp_path)
        assert try_to_load_from_cache(repo, "weights.bin", cache_dir=tmp_path) is None
        assert_cache_trustworthy(tmp_path)
        proxy.plan.clear()
        folder = Path(str(api.snapshot_download(repo, cache_dir=tmp_path)))
    assert (folder / "weights.bin").read_bytes() == FILES["weights.bin"]
    assert_cache_trustworthy(tmp_path)


def test_metadata_failures_past_the_budget_end_in_local_entry_not_found(
    dl_hub: HubProcess, repo: str, tmp_path: Path, make_api: Callable[..., HfApi]
) -> None:
    with FaultProxy(dl_hub) as proxy:
        proxy.plan.add(status(503), method="HEAD", path=RESOLVE, times=None)
        proxy.plan.add(reset_before_response(), method="GET", path=r"/revision/", times=None)
        api = make_api(proxy.url)
        with pytest.raises(LocalEntryNotFoundError):
            api.hf_hub_download(repo, "a.txt", cache_dir=tmp_path)
        assert len(proxy.entries("HEAD", "/resolve/")) == 5  # the fast attempt + max_retries
        with pytest.raises(LocalEntryNotFoundError):
            api.snapshot_download(repo, cache_dir=tmp_path)
        assert len(proxy.entries("GET", "/revision/")) == 6  # the fast attempt, then 1 + max_retries
    assert_cache_trustworthy(tmp_path)
    assert try_to_load_from_cache(repo, "a.txt", cache_dir=tmp_path) is None
