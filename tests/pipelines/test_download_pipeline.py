"""hf_hub_download / snapshot_download against a real local Hub (content uploaded by the official client)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import huggingface_hub as hh
import pytest
from download_helpers import FaultTransport, make_api, random_bytes, seed_repo

from hubflow import (
    DryRunFileInfo,
    IncompleteSnapshotError,
    LocalEntryNotFoundError,
    NodeProgress,
    RemoteEntryNotFoundError,
    RevisionNotFoundError,
    try_to_load_from_cache,
)
from hubflow._cache import CACHED_NO_EXIST
from hubflow.testing import HubProcess

WEIGHTS = random_bytes(1_500_000)
FILES = {
    "README.md": b"# test repo\n",
    "config.json": b'{"hidden": 8}',
    "sub/a.txt": b"alpha",
    "sub/deeper/b.txt": b"beta",
    "weights.bin": WEIGHTS,
}


class Repo:
    def __init__(self, repo_id: str, official: hh.HfApi) -> None:
        self.repo_id = repo_id
        self.official = official
        self.main = official.repo_info(repo_id).sha
        official.create_tag(repo_id, tag="v1")
        official.create_branch(repo_id, branch="dev")
        official.upload_file(path_or_fileobj=b'{"hidden": 16}', path_in_repo="config.json", repo_id=repo_id,
                             revision="dev")
        pr = official.upload_file(path_or_fileobj=b'{"hidden": 32}', path_in_repo="config.json", repo_id=repo_id,
                                  create_pr=True)
        self.pr_revision = pr.pr_revision
        self.dev = official.repo_info(repo_id, revision="dev").sha


@pytest.fixture(scope="module")
def repo(hub: HubProcess, tmp_path_factory: pytest.TempPathFactory) -> Repo:
    repo_id = f"alice/dl-{os.urandom(4).hex()}"
    official = seed_repo(hub.endpoint, "hf_alice_write", repo_id, FILES, tmp_path_factory.mktemp("seed"))
    return Repo(repo_id, official)


@pytest.fixture
def counting(hub: HubProcess, token: str) -> tuple[Any, FaultTransport]:
    transport = FaultTransport()
    api = make_api(hub.endpoint, token, transport)
    yield api, transport
    api.close()


def test_hf_hub_download_cache_layout(counting: tuple[Any, FaultTransport], repo: Repo, tmp_path: Path) -> None:
    api, transport = counting
    path = api.hf_hub_download(repo.repo_id, "weights.bin", cache_dir=tmp_path)
    folder = tmp_path / f"models--{repo.repo_id.replace('/', '--')}"
    assert Path(path) == folder / "snapshots" / repo.main / "weights.bin"
    assert os.path.islink(path) and Path(path).read_bytes() == WEIGHTS
    assert (folder / "refs" / "main").read_text() == repo.main
    assert not list((folder / "blobs").glob("*.incomplete"))
    assert transport.count("HEAD") == 1 and transport.count("GET", "/resolve/") == 1
    # At a sha already cached: no request at all.
    before = len(transport.requests)
    assert api.hf_hub_download(repo.repo_id, "weights.bin", cache_dir=tmp_path, revision=repo.main) == path
    assert len(transport.requests) == before


@pytest.mark.parametrize(
    ("revision", "expected"),
    [("v1", b'{"hidden": 8}'), ("dev", b'{"hidden": 16}'), ("sha", b'{"hidden": 8}'), ("pr", b'{"hidden": 32}')],
)
def test_revisions(counting: tuple[Any, FaultTransport], repo: Repo, tmp_path: Path, revision: str,
                   expected: bytes) -> None:
    api, _ = counting
    rev = {"sha": repo.main, "pr": repo.pr_revision}.get(revision, revision)
    path = api.hf_hub_download(repo.repo_id, "config.json", revision=rev, cache_dir=tmp_path)
    assert Path(path).read_bytes() == expected
    folder = tmp_path / f"models--{repo.repo_id.replace('/', '--')}"
    if rev != repo.main:
        commit = (folder / "refs" / rev).read_text()  # refs/pr/1 nests under refs/refs/pr/1
        assert Path(path).parent.name == commit


def test_subfolder_and_local_dir(counting: tuple[Any, FaultTransport], repo: Repo, tmp_path: Path) -> None:
    api, transport = counting
    path = api.hf_hub_download(repo.repo_id, "b.txt", subfolder="sub/deeper", cache_dir=tmp_path / "c")
    assert path.endswith("sub/deeper/b.txt") and Path(path).read_bytes() == b"beta"

    out = tmp_path / "out"
    local = api.hf_hub_download(repo.repo_id, "sub/a.txt", local_dir=out, cache_dir=tmp_path / "c2")
    assert Path(local) == out.resolve() / "sub" / "a.txt" and not os.path.islink(local)
    assert Path(local).read_bytes() == b"alpha"
    lines = (out / ".cache/huggingface/download/sub/a.txt.metadata").read_text().splitlines()
    assert lines[0] == repo.main and len(lines) == 3
    before = len(transport.requests)
    api.hf_hub_download(repo.repo_id, "sub/a.txt", local_dir=out, revision=repo.main)
    assert len(transport.requests) == before  # metadata says this commit: no request
    # The official client trusts hubflow's local_dir metadata too.
    assert hh.hf_hub_download(repo.repo_id, "sub/a.txt", local_dir=out, revision=repo.main,
                              endpoint=api.endpoint) == str(Path(local))


def test_local_dir_copies_from_cache(counting: tuple[Any, FaultTransport], repo: Repo, tmp_path: Path) -> None:
    api, transport = counting
    api.hf_hub_download(repo.repo_id, "weights.bin", cache_dir=tmp_path / "c")
    gets = transport.count("GET", "/resolve/")
    out = api.hf_hub_download(repo.repo_id, "weights.bin", cache_dir=tmp_path / "c", local_dir=tmp_path / "o")
    assert Path(out).read_bytes() == WEIGHTS and transport.count("GET", "/resolve/") == gets


def test_snapshot_patterns_and_no_head(counting: tuple[Any, FaultTransport], repo: Repo, tmp_path: Path) -> None:
    api, transport = counting
    events: list[Any] = []
    api.on_event = events.append
    folder = api.snapshot_download(repo.repo_id, cache_dir=tmp_path, allow_patterns=["*.json", "sub/"])
    got = {p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file()}
    assert got == {"config.json", "sub/a.txt", "sub/deeper/b.txt"}
    assert transport.count("HEAD") == 0
    assert transport.count("GET", "/resolve/") == 3
    assert (Path(folder).parent.parent / "trees" / f"{repo.main}.json").is_file()
    moved = sum(e.delta_bytes for e in events if isinstance(e, NodeProgress))
    assert moved == sum(len(FILES[p]) for p in got)

    everything = api.snapshot_download(repo.repo_id, cache_dir=tmp_path, ignore_patterns="sub/*")
    got = {p.relative_to(everything).as_posix() for p in Path(everything).rglob("*") if p.is_file()}
    assert got == {".gitattributes", "README.md", "config.json", "weights.bin", "sub/a.txt", "sub/deeper/b.txt"}
    # Only the 3 new files were fetched; the cached tree listing saved the listing call.
    assert transport.count("GET", "/resolve/") == 3 + 3
    assert transport.count("GET", "/tree/") == 1
    assert transport.count("HEAD") == 0


def test_snapshot_local_dir_and_dry_run(counting: tuple[Any, FaultTransport], repo: Repo, tmp_path: Path) -> None:
    api, _ = counting
    plan = api.snapshot_download(repo.repo_id, cache_dir=tmp_path, dry_run=True)
    assert all(isinstance(i, DryRunFileInfo) and i.will_download for i in plan)
    assert {i.filename for i in plan} == {".gitattributes", *FILES}
    out = api.snapshot_download(repo.repo_id, cache_dir=tmp_path, local_dir=tmp_path / "ld")
    assert (Path(out) / "sub/deeper/b.txt").read_bytes() == b"beta"
    assert (Path(out) / ".cache/huggingface/trees" / f"{repo.main}.json").is_file()
    plan = api.snapshot_download(repo.repo_id, cache_dir=tmp_path, local_dir=tmp_path / "ld", dry_run=True)
    assert not any(i.will_download for i in plan)


def test_no_exist_marker(counting: tuple[Any, FaultTransport], repo: Repo, tmp_path: Path) -> None:
    api, _ = counting
    with pytest.raises(RemoteEntryNotFoundError):
        api.hf_hub_download(repo.repo_id, "missing.txt", cache_dir=tmp_path)
    folder = tmp_path / f"models--{repo.repo_id.replace('/', '--')}"
    assert (folder / ".no_exist" / repo.main / "missing.txt").is_file()
    assert try_to_load_from_cache(repo.repo_id, "missing.txt", cache_dir=tmp_path) is CACHED_NO_EXIST
    assert hh.try_to_load_from_cache(repo.repo_id, "missing.txt", cache_dir=tmp_path) is hh.file_download._CACHED_NO_EXIST
    with pytest.raises(RevisionNotFoundError):
        api.hf_hub_download(repo.repo_id, "config.json", revision="nope", cache_dir=tmp_path)


def test_offline_and_local_files_only(hub: HubProcess, counting: tuple[Any, FaultTransport], repo: Repo,
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    api, transport = counting
    cached = api.hf_hub_download(repo.repo_id, "config.json", cache_dir=tmp_path)
    api.snapshot_download(repo.repo_id, cache_dir=tmp_path, allow_patterns="*.md")
    before = len(transport.requests)
    assert api.hf_hub_download(repo.repo_id, "config.json", cache_dir=tmp_path, local_files_only=True) == cached
    with pytest.raises(LocalEntryNotFoundError):
        api.hf_hub_download(repo.repo_id, "weights.bin", cache_dir=tmp_path, local_files_only=True)
    folder = api.snapshot_download(repo.repo_id, cache_dir=tmp_path, local_files_only=True, allow_patterns="*.md")
    assert (Path(folder) / "README.md").is_file()
    with pytest.raises(IncompleteSnapshotError) as info:  # the cached listing says weights.bin is missing
        api.snapshot_download(repo.repo_id, cache_dir=tmp_path, local_files_only=True)
    assert info.value.snapshot_path == folder
    assert len(transport.requests) == before

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = make_api(hub.endpoint, token, transport)
    try:
        assert offline.hf_hub_download(repo.repo_id, "config.json", cache_dir=tmp_path) == cached
        with pytest.raises(LocalEntryNotFoundError):
            offline.hf_hub_download(repo.repo_id, "weights.bin", cache_dir=tmp_path)
        assert offline.snapshot_download(repo.repo_id, cache_dir=tmp_path, allow_patterns="*.md") == folder
        with pytest.raises(IncompleteSnapshotError):
            offline.snapshot_download(repo.repo_id, cache_dir=tmp_path)
        with pytest.raises(LocalEntryNotFoundError):
            offline.snapshot_download("alice/never-downloaded", cache_dir=tmp_path)
    finally:
        offline.close()
    assert len(transport.requests) == before


def test_network_failure_serves_cache(counting: tuple[Any, FaultTransport], repo: Repo, tmp_path: Path,
                                      token: str) -> None:
    api, _ = counting
    cached = api.hf_hub_download(repo.repo_id, "config.json", cache_dir=tmp_path)
    folder = api.snapshot_download(repo.repo_id, cache_dir=tmp_path, allow_patterns="sub/")
    down = make_api("http://127.0.0.1:9", token)  # nothing listens on the discard port
    try:
        assert down.hf_hub_download(repo.repo_id, "config.json", cache_dir=tmp_path) == cached
        assert down.snapshot_download(repo.repo_id, cache_dir=tmp_path, allow_patterns="sub/") == folder
        with pytest.raises(LocalEntryNotFoundError):
            down.hf_hub_download(repo.repo_id, "weights.bin", cache_dir=tmp_path)
        with pytest.raises(ValueError, match="Force download failed"):
            down.hf_hub_download(repo.repo_id, "config.json", cache_dir=tmp_path, force_download=True)
    finally:
        down.close()


def test_force_download(counting: tuple[Any, FaultTransport], repo: Repo, tmp_path: Path) -> None:
    api, transport = counting
    path = api.hf_hub_download(repo.repo_id, "weights.bin", cache_dir=tmp_path)
    api.hf_hub_download(repo.repo_id, "weights.bin", cache_dir=tmp_path)
    assert transport.count("GET", "/resolve/") == 1
    assert api.hf_hub_download(repo.repo_id, "weights.bin", cache_dir=tmp_path, force_download=True) == path
    assert transport.count("GET", "/resolve/") == 2
    assert Path(path).read_bytes() == WEIGHTS


def test_get_hf_file_metadata_and_file_exists(counting: tuple[Any, FaultTransport], repo: Repo) -> None:
    api, _ = counting
    url = hh.hf_hub_url(repo.repo_id, "weights.bin", endpoint=api.endpoint)
    meta = api.get_hf_file_metadata(url=url)
    official = hh.get_hf_file_metadata(url)
    assert (meta.commit_hash, meta.etag, meta.size) == (official.commit_hash, official.etag, official.size)
    assert meta.size == len(WEIGHTS) and len(meta.etag) == 64
    assert api.file_exists(repo.repo_id, "sub/a.txt")
    assert not api.file_exists(repo.repo_id, "sub/zzz.txt")
    assert not api.file_exists("alice/no-such-repo", "a.txt")


def test_module_level_functions(repo: Repo, hub: HubProcess, tmp_path: Path,
                                repo_factory: Callable[..., str]) -> None:
    import hubflow

    assert hubflow.hf_hub_url(repo.repo_id, "a b.txt", subfolder="sub", revision="refs/pr/1", endpoint="http://h") == (
        hh.hf_hub_url(repo.repo_id, "a b.txt", subfolder="sub", revision="refs/pr/1", endpoint="http://h")
    )
    path = hubflow.hf_hub_download(repo.repo_id, "README.md", endpoint=hub.endpoint, cache_dir=tmp_path)
    assert Path(path).read_bytes() == FILES["README.md"]
    folder = hubflow.snapshot_download(repo.repo_id, endpoint=hub.endpoint, cache_dir=tmp_path, allow_patterns="*.md")
    assert Path(folder, "README.md").is_file()


def test_lfs_range_reads_across_server_chunks(repo: Repo, hub: HubProcess) -> None:
    # The server streams LFS objects in 1 MiB reads; ranges spanning a chunk boundary must stay exact.
    import httpx

    url = hh.hf_hub_url(repo.repo_id, "weights.bin", endpoint=hub.endpoint)
    auth = {"authorization": "Bearer hf_alice_write"}
    for start, end in [(0, 100), (1_048_000, 1_049_000), (1_000_000, len(WEIGHTS) - 1)]:
        response = httpx.get(url, headers={**auth, "range": f"bytes={start}-{end}"})
        assert response.status_code == 206 and response.content == WEIGHTS[start : end + 1]
    assert httpx.get(url, headers=auth).content == WEIGHTS
