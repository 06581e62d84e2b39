"""Cache interop, both ways: what hubflow downloads the official client finds, and the reverse."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import huggingface_hub as hh
import pytest

sys.path.insert(0, str(Path(__file__).parent / "pipelines"))
from download_helpers import FaultTransport, make_api, random_bytes, seed_repo

import hubflow
from hubflow.testing import HubProcess

FILES = {"config.json": b'{"a": 1}', "sub/tok.txt": b"tokens", "model.bin": random_bytes(300_000)}
ALL = {".gitattributes", *FILES}


@pytest.fixture(scope="module")
def repo_id(hub: HubProcess, tmp_path_factory: pytest.TempPathFactory) -> str:
    repo_id = f"alice/interop-{os.urandom(4).hex()}"
    seed_repo(hub.endpoint, "hf_alice_write", repo_id, FILES, tmp_path_factory.mktemp("seed"))
    return repo_id


@pytest.fixture
def api(hub: HubProcess, token: str) -> Iterator[tuple[Any, FaultTransport]]:
    transport = FaultTransport()
    client = make_api(hub.endpoint, token, transport)
    yield client, transport
    client.close()


def _files(folder: str | Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file()}


def test_hubflow_download_is_found_by_huggingface_hub(
    api: tuple[Any, FaultTransport], repo_id: str, tmp_path: Path, hub: HubProcess
) -> None:
    client, _ = api
    single = client.hf_hub_download(repo_id, "model.bin", cache_dir=tmp_path)
    assert hh.try_to_load_from_cache(repo_id, "model.bin", cache_dir=tmp_path) == single
    assert hh.hf_hub_download(repo_id, "model.bin", cache_dir=tmp_path, local_files_only=True) == single

    folder = client.snapshot_download(repo_id, cache_dir=tmp_path)
    assert hh.snapshot_download(repo_id, cache_dir=tmp_path, local_files_only=True) == folder
    # With the network on, the official client finds every file cached (its tree listing reads ours).
    assert hh.snapshot_download(repo_id, cache_dir=tmp_path, endpoint=hub.endpoint, token="hf_alice_write") == folder

    info = hh.scan_cache_dir(tmp_path)
    assert not info.warnings
    (repo,) = [r for r in info.repos if r.repo_id == repo_id]
    (revision,) = repo.revisions
    assert {f.file_name for f in revision.files} == {Path(p).name for p in ALL}
    assert revision.refs == frozenset({"main"})
    assert repo.size_on_disk == sum(len(v) for v in FILES.values()) + len(
        Path(folder, ".gitattributes").read_bytes()
    )


def test_huggingface_hub_download_is_found_by_hubflow(
    api: tuple[Any, FaultTransport], repo_id: str, tmp_path: Path, hub: HubProcess
) -> None:
    client, transport = api
    folder = hh.snapshot_download(repo_id, cache_dir=tmp_path, endpoint=hub.endpoint, token="hf_alice_write")
    single = hh.try_to_load_from_cache(repo_id, "sub/tok.txt", cache_dir=tmp_path)
    assert hubflow.try_to_load_from_cache(repo_id, "sub/tok.txt", cache_dir=tmp_path) == single
    assert client.hf_hub_download(repo_id, "sub/tok.txt", cache_dir=tmp_path, local_files_only=True) == single
    assert client.snapshot_download(repo_id, cache_dir=tmp_path, local_files_only=True) == folder
    assert transport.requests == []

    # Online: one revision lookup, the official client's cached tree listing, and no file request.
    assert client.snapshot_download(repo_id, cache_dir=tmp_path) == folder
    assert transport.count("GET", "/resolve/") == 0 and transport.count("HEAD") == 0
    assert [r.url.path for r in transport.requests] == [f"/api/models/{repo_id}/revision/main"]
    assert _files(folder) == ALL


def test_hubflow_uses_blobs_fetched_by_huggingface_hub(
    api: tuple[Any, FaultTransport], repo_id: str, tmp_path: Path, hub: HubProcess
) -> None:
    client, transport = api
    hh.hf_hub_download(repo_id, "model.bin", cache_dir=tmp_path, endpoint=hub.endpoint, token="hf_alice_write")
    path = client.hf_hub_download(repo_id, "model.bin", cache_dir=tmp_path)
    assert Path(path).read_bytes() == FILES["model.bin"]
    assert transport.count("GET", "/resolve/") == 0  # HEAD only: the blob was already there
