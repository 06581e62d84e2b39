"""Integrity: a damaged body never becomes a cached file; an interrupted transfer resumes or retries cleanly."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from download_helpers import FaultTransport, make_api, random_bytes, seed_repo

from hubflow import HubConnectionError, try_to_load_from_cache
from hubflow._cache import BlobIntegrityError
from hubflow.pipelines._download_file import SMALL_FILE
from hubflow.testing import HubProcess

BIG = random_bytes(700_000)  # LFS (*.bin)
TEXT = b"regular git file " * 100


@pytest.fixture(scope="module")
def repo_id(hub: HubProcess, tmp_path_factory: pytest.TempPathFactory) -> str:
    repo_id = f"alice/integrity-{os.urandom(4).hex()}"
    seed_repo(hub.endpoint, "hf_alice_write", repo_id, {"big.bin": BIG, "notes.txt": TEXT},
              tmp_path_factory.mktemp("seed"))
    return repo_id


@pytest.fixture
def faulty(hub: HubProcess, token: str) -> Iterator[tuple[Any, FaultTransport]]:
    transport = FaultTransport()
    api = make_api(hub.endpoint, token, transport)
    yield api, transport
    api.close()


def _assert_nothing_cached(cache: Path, repo_id: str, filename: str) -> None:
    folder = cache / f"models--{repo_id.replace('/', '--')}"
    blobs = list((folder / "blobs").iterdir()) if (folder / "blobs").is_dir() else []
    assert blobs == [], blobs  # no blob, no leftover .incomplete
    assert not (folder / "snapshots").exists() or not any(p.is_file() for p in (folder / "snapshots").rglob("*"))
    assert try_to_load_from_cache(repo_id, filename, cache_dir=cache) is None


@pytest.mark.parametrize("filename", ["big.bin", "notes.txt"])
def test_truncated_body_is_never_cached(faulty: tuple[Any, FaultTransport], repo_id: str, tmp_path: Path,
                                        filename: str) -> None:
    api, transport = faulty
    transport.mode, transport.times = "truncate", 100
    with pytest.raises(BlobIntegrityError, match="Consistency check failed"):
        api.hf_hub_download(repo_id, filename, cache_dir=tmp_path)
    _assert_nothing_cached(tmp_path, repo_id, filename)
    transport.times = 0
    path = api.hf_hub_download(repo_id, filename, cache_dir=tmp_path)
    assert Path(path).read_bytes() == (BIG if filename == "big.bin" else TEXT)


def test_corrupted_lfs_body_fails_sha256(faulty: tuple[Any, FaultTransport], repo_id: str, tmp_path: Path) -> None:
    api, transport = faulty
    transport.mode, transport.times = "corrupt", 1
    with pytest.raises(BlobIntegrityError, match="sha256"):
        api.hf_hub_download(repo_id, "big.bin", cache_dir=tmp_path)
    _assert_nothing_cached(tmp_path, repo_id, "big.bin")
    path = api.hf_hub_download(repo_id, "big.bin", cache_dir=tmp_path)
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == hashlib.sha256(BIG).hexdigest()


def test_reset_mid_body_resumes_with_range(faulty: tuple[Any, FaultTransport], repo_id: str, tmp_path: Path) -> None:
    api, transport = faulty
    transport.mode, transport.times = "reset", 1
    path = api.hf_hub_download(repo_id, "big.bin", cache_dir=tmp_path)
    assert Path(path).read_bytes() == BIG
    gets = [r for r in transport.requests if r.method == "GET" and "/resolve/" in r.url.path]
    assert len(BIG) > SMALL_FILE  # streamed (resumable), not fetched whole
    assert len(transport.faulted) == 1
    resumed = gets[gets.index(transport.faulted[0]) + 1]  # the request right after the reset
    assert resumed.headers.get("range") == f"bytes={len(BIG) // 2}-"
    assert resumed is gets[-1]


def test_persistent_resets_fail_typed_then_next_call_completes(
    faulty: tuple[Any, FaultTransport], repo_id: str, tmp_path: Path
) -> None:
    api, transport = faulty
    transport.mode, transport.times = "reset", 1000
    with pytest.raises(HubConnectionError):
        api.hf_hub_download(repo_id, "big.bin", cache_dir=tmp_path)
    _assert_nothing_cached(tmp_path, repo_id, "big.bin")
    transport.times = 0
    assert Path(api.hf_hub_download(repo_id, "big.bin", cache_dir=tmp_path)).read_bytes() == BIG


def test_truncated_local_dir_leaves_no_file(faulty: tuple[Any, FaultTransport], repo_id: str, tmp_path: Path) -> None:
    api, transport = faulty
    transport.mode, transport.times = "truncate", 100
    out = tmp_path / "out"
    with pytest.raises(BlobIntegrityError):
        api.hf_hub_download(repo_id, "big.bin", local_dir=out, cache_dir=tmp_path / "c")
    assert not (out / "big.bin").exists()
    assert not list(out.rglob("*.incomplete"))
    assert not (out / ".cache/huggingface/download/big.bin.metadata").exists()
    transport.times = 0
    assert Path(api.hf_hub_download(repo_id, "big.bin", local_dir=out, cache_dir=tmp_path / "c")).read_bytes() == BIG


def test_snapshot_with_a_damaged_file_caches_only_good_files(
    faulty: tuple[Any, FaultTransport], repo_id: str, tmp_path: Path
) -> None:
    api, transport = faulty
    transport.mode, transport.times = "corrupt", 1000
    with pytest.raises(BlobIntegrityError):
        api.snapshot_download(repo_id, cache_dir=tmp_path, allow_patterns="*.bin")
    _assert_nothing_cached(tmp_path, repo_id, "big.bin")
    transport.times = 0
    folder = api.snapshot_download(repo_id, cache_dir=tmp_path)
    assert (Path(folder) / "big.bin").read_bytes() == BIG
