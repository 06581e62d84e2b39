"""Uploads through every fault: the repo ends equal to the local folder in exactly one commit, or a
typed error leaves it untouched (never a partial commit); a rerun after an error completes it."""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import huggingface_hub
import pytest

from hubflow import CommitOperationAdd, HfApi, HfHubHTTPError, HubConnectionError, RetryPolicy
from hubflow._events import NodeRetrying
from hubflow._faults import Action as _Action
from hubflow._faults import RestartServer
from hubflow.testing import (
    ALICE_WRITE,
    FaultProxy,
    HubProcess,
    rate_limited,
    reset_before_response,
    reset_mid_request_body,
    reset_mid_response_body,
    restart_server,
    stall,
    status,
)

pytestmark = pytest.mark.timeout(60)

PART = 100_000
RESTART_RETRY = RetryPolicy(max_retries=8, base_wait=0.1, max_wait=1.0, jitter=False, server_wait_padding=0.0)
PREUPLOAD = r"/preupload/"
BATCH = r"\.git/info/lfs/objects/batch$"
VERIFY = r"\.git/info/lfs/objects/verify$"
LFS_PUT = r"^/lfs-upload/[0-9a-f]{64}\?"
PART_PUT = r"^/lfs-upload/[0-9a-f]{64}/part/\d+\?"
COMPLETE = r"^/lfs-upload/[0-9a-f]{64}/complete\?"
COMMIT = r"/commit/"


@pytest.fixture(scope="module")
def parts_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    """A Hub of this module's own with tiny multipart sizes (and one we may restart)."""
    args = ["--multipart-threshold", str(2 * PART), "--multipart-chunk-size", str(PART)]
    with HubProcess(tmp_path_factory.mktemp("parts-hub"), args=args) as proc:
        yield proc


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Inline text files, a basic-transfer LFS file and a multipart (5 parts) LFS file."""
    root = tmp_path / "folder"
    (root / "sub").mkdir(parents=True)
    (root / "README.md").write_text("# through faults\n")
    (root / "sub" / "config.json").write_text('{"a": 1}\n')
    (root / "small.bin").write_bytes(os.urandom(50_000))
    (root / "sub" / "big.bin").write_bytes(os.urandom(5 * PART - 123))
    return root


def local_digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file()}


def remote_digests(endpoint: str, repo_id: str) -> dict[str, str]:
    """sha256 of every file of ``main``, read straight from the Hub (not through the proxy)."""
    official = huggingface_hub.HfApi(endpoint=endpoint, token=ALICE_WRITE)
    out = {}
    for path in official.list_repo_files(repo_id):
        if path == ".gitattributes":
            continue
        body = httpx.get(f"{endpoint}/{repo_id}/resolve/main/{path}", follow_redirects=True,
                         headers={"authorization": f"Bearer {ALICE_WRITE}"}).content
        out[path] = hashlib.sha256(body).hexdigest()
    return out


def commit_count(endpoint: str, repo_id: str) -> int:
    return len(huggingface_hub.HfApi(endpoint=endpoint, token=ALICE_WRITE).list_repo_commits(repo_id))


@pytest.fixture
def repo(parts_hub: HubProcess, repo_factory: Callable[..., str]) -> str:
    repo_id = repo_factory()
    huggingface_hub.HfApi(endpoint=parts_hub.endpoint, token=ALICE_WRITE).create_repo(repo_id)
    return repo_id


RECOVERABLE = [
    ("preupload-503", "POST", PREUPLOAD, status(503), 2),
    ("preupload-reset-mid-request", "POST", PREUPLOAD, reset_mid_request_body(10), 1),
    ("preupload-reset-mid-response", "POST", PREUPLOAD, reset_mid_response_body(5), 1),
    ("batch-502", "POST", BATCH, status(502), 2),
    ("batch-429-retry-after", "POST", BATCH, rate_limited(retry_after=1), 1),
    ("batch-429-ratelimit", "POST", BATCH, rate_limited(ratelimit=True), 1),
    ("batch-reset", "POST", BATCH, reset_before_response(), 1),
    ("put-reset-mid-body", "PUT", LFS_PUT, reset_mid_request_body(20_000), 1),
    ("put-500", "PUT", LFS_PUT, status(500), 2),
    ("put-504", "PUT", LFS_PUT, status(504), 1),
    ("put-stall", "PUT", LFS_PUT, stall(30), 1),
    ("put-answer-lost", "PUT", LFS_PUT, reset_before_response(forward=True), 1),
    ("part-reset-mid-body", "PUT", PART_PUT, reset_mid_request_body(5_000), 2),
    ("part-503", "PUT", PART_PUT, status(503), 3),
    ("complete-503", "POST", COMPLETE, status(503), 1),
    ("complete-answer-lost", "POST", COMPLETE, reset_before_response(forward=True), 1),
    ("verify-502", "POST", VERIFY, status(502), 2),
    ("restart-before-put", "PUT", LFS_PUT, restart_server(), 1),
    ("restart-before-commit", "POST", COMMIT, restart_server(), 1),
]


@pytest.mark.parametrize(("method", "path", "action", "times"), [r[1:] for r in RECOVERABLE],
                         ids=[r[0] for r in RECOVERABLE])
def test_upload_folder_completes_through(
    parts_hub: HubProcess, repo: str, folder: Path, make_api: Callable[..., HfApi],
    method: str, path: str, action: _Action, times: int,
) -> None:
    # A restart takes about a second: requests in flight meanwhile need a budget that outlasts it.
    slow: dict[str, object] = {"retry": RESTART_RETRY} if isinstance(action, RestartServer) else {}
    with FaultProxy(parts_hub) as proxy:
        rule = proxy.plan.add(action, method=method, path=path, times=times)
        api = make_api(proxy.url, api_timeout=2.0, **slow)
        info = api.upload_folder(repo_id=repo, folder_path=folder)
        assert rule.fired == times, proxy.log
    assert remote_digests(parts_hub.endpoint, repo) == local_digests(folder)
    assert commit_count(parts_hub.endpoint, repo) == 2  # the initial commit + exactly one
    assert info.oid == huggingface_hub.HfApi(endpoint=parts_hub.endpoint).model_info(repo).sha


@pytest.mark.parametrize(
    ("fault", "error"),
    [(status(503), HfHubHTTPError), (reset_mid_request_body(50), HubConnectionError),
     (reset_before_response(), HubConnectionError)],
    ids=["503", "reset-mid-request", "reset-before-response"],
)
def test_commit_fault_without_parent_commit_is_a_typed_error_and_nothing_lands(
    parts_hub: HubProcess, repo: str, folder: Path, make_api: Callable[..., HfApi],
    fault: _Action, error: type[Exception],
) -> None:
    # Without parent_commit a commit is not idempotent: it is never retried blindly.
    with FaultProxy(parts_hub) as proxy:
        proxy.plan.add(fault, method="POST", path=COMMIT)
        api = make_api(proxy.url)
        with pytest.raises(error):
            api.upload_folder(repo_id=repo, folder_path=folder)
        assert commit_count(parts_hub.endpoint, repo) == 1  # no partial commit
        assert len(proxy.entries("POST", "/commit/")) == 1
        api.upload_folder(repo_id=repo, folder_path=folder)  # a rerun completes it
    assert remote_digests(parts_hub.endpoint, repo) == local_digests(folder)
    assert commit_count(parts_hub.endpoint, repo) == 2


def test_commit_cut_off_while_its_body_is_sent_is_sent_again(
    parts_hub: HubProcess, repo: str, make_api: Callable[..., HfApi], tmp_path: Path
) -> None:
    # The connection drops 1 MB into a ~40 MB body: the Hub cannot have applied that commit (it
    # never had the whole body), so it is sent again, even without parent_commit — exactly once.
    folder = tmp_path / "inline"
    folder.mkdir()
    for i in range(30):  # text: inline (base64) in the commit body
        (folder / f"part-{i:02d}.txt").write_text(f"{i:02d} " * 350_000)
    with FaultProxy(parts_hub) as proxy:
        proxy.plan.add(reset_mid_request_body(1_000_000), method="POST", path=COMMIT, times=1)
        api = make_api(proxy.url)
        events: list[object] = []
        api.on_event = events.append
        info = api.upload_folder(repo_id=repo, folder_path=folder)
        assert [e.status for e in proxy.entries("POST", "/commit/")] == [None, 200]
    # retried by the executor like any node: visible as a NodeRetrying event
    assert [e.kind for e in events if isinstance(e, NodeRetrying)] == ["Commit"]
    assert remote_digests(parts_hub.endpoint, repo) == local_digests(folder)
    assert commit_count(parts_hub.endpoint, repo) == 2  # the initial commit + exactly one
    assert info.oid == huggingface_hub.HfApi(endpoint=parts_hub.endpoint).model_info(repo).sha


def test_rerun_skips_lfs_objects_already_uploaded(
    parts_hub: HubProcess, repo: str, folder: Path, make_api: Callable[..., HfApi]
) -> None:
    with FaultProxy(parts_hub) as proxy:
        proxy.plan.add(status(503), method="POST", path=COMMIT)
        api = make_api(proxy.url)
        with pytest.raises(HfHubHTTPError):
            api.upload_folder(repo_id=repo, folder_path=folder)
        puts = len(proxy.entries("PUT", "/lfs-upload/"))
        assert puts == 1 + 5  # small.bin + the 5 parts of big.bin
        api.upload_folder(repo_id=repo, folder_path=folder)
        assert len(proxy.entries("PUT", "/lfs-upload/")) == puts  # the Hub already has both objects
    assert remote_digests(parts_hub.endpoint, repo) == local_digests(folder)


def test_commit_with_parent_commit_is_retried_through_5xx(
    parts_hub: HubProcess, repo: str, folder: Path, make_api: Callable[..., HfApi]
) -> None:
    parent = huggingface_hub.HfApi(endpoint=parts_hub.endpoint).model_info(repo).sha
    with FaultProxy(parts_hub) as proxy:
        proxy.plan.add(status(503), method="POST", path=COMMIT, times=2)
        make_api(proxy.url).upload_folder(repo_id=repo, folder_path=folder, parent_commit=parent)
        assert [e.status for e in proxy.entries("POST", "/commit/")] == [503, 503, 200]
    assert remote_digests(parts_hub.endpoint, repo) == local_digests(folder)
    assert commit_count(parts_hub.endpoint, repo) == 2


def test_upload_file_and_create_commit_through_faults(
    parts_hub: HubProcess, repo: str, tmp_path: Path, make_api: Callable[..., HfApi]
) -> None:
    data = os.urandom(3 * PART)  # multipart
    (tmp_path / "w.bin").write_bytes(data)
    with FaultProxy(parts_hub) as proxy:
        proxy.plan.add(reset_mid_request_body(1000), method="PUT", path=PART_PUT, nth=2)
        proxy.plan.add(status(502), method="POST", path=PREUPLOAD)
        api = make_api(proxy.url)
        api.upload_file(path_or_fileobj=str(tmp_path / "w.bin"), path_in_repo="w.bin", repo_id=repo)
        proxy.plan.add(rate_limited(ratelimit=True), method="POST", path=BATCH)
        api.create_commit(repo, [CommitOperationAdd(path_in_repo="c.bin", path_or_fileobj=data[::-1])],
                          commit_message="c")
        assert len(proxy.fired()) == 3
    assert remote_digests(parts_hub.endpoint, repo) == {
        "w.bin": hashlib.sha256(data).hexdigest(), "c.bin": hashlib.sha256(data[::-1]).hexdigest()}
    assert commit_count(parts_hub.endpoint, repo) == 3


def test_exhausted_budget_on_lfs_transfer_is_typed_and_commits_nothing(
    parts_hub: HubProcess, repo: str, folder: Path, make_api: Callable[..., HfApi]
) -> None:
    with FaultProxy(parts_hub) as proxy:
        proxy.plan.add(status(503), method="PUT", path=LFS_PUT, times=None)
        with pytest.raises(HfHubHTTPError) as info:
            make_api(proxy.url).upload_folder(repo_id=repo, folder_path=folder)
        assert info.value.status_code == 503
        assert not proxy.entries("POST", "/commit/")
    assert commit_count(parts_hub.endpoint, repo) == 1


def _open_files_under(root: Path) -> list[str]:
    """Paths under ``root`` this process holds open (Linux ``/proc/self/fd``)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile (the listing's own fd)
            continue
        if target.startswith(str(root)):
            found.append(target)
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd (Linux)")
@pytest.mark.parametrize(
    ("method", "path", "action", "error"),
    [("POST", COMMIT, reset_mid_request_body(50), HubConnectionError),
     ("PUT", LFS_PUT, reset_mid_request_body(20_000), None)],
    ids=["commit-reset", "put-reset"],
)
def test_a_body_abandoned_by_a_reset_closes_its_files_without_gc(
    parts_hub: HubProcess, repo: str, folder: Path, make_api: Callable[..., HfApi],
    method: str, path: str, action: _Action, error: type[Exception] | None,
) -> None:
    # The HTTP client drops a request body on a reset without closing it. Left to the garbage
    # collector, the files it reads were finalized in arbitrary order (an intermittent
    # ResourceWarning / "I/O operation on closed file"); they must be closed when the request ends.
    gc.disable()
    try:
        with FaultProxy(parts_hub) as proxy:
            proxy.plan.add(action, method=method, path=path)
            api = make_api(proxy.url)
            if error is None:
                api.upload_folder(repo_id=repo, folder_path=folder)
            else:
                with pytest.raises(error):
                    api.upload_folder(repo_id=repo, folder_path=folder)
            assert _open_files_under(folder) == []
    finally:
        gc.enable()
