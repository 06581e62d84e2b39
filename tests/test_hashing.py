"""One-pass hashing: sha256, git blob sha1 (as git computes it), 512-byte sample, progress, change detection."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import anyio
import pytest

from hubflow._hashing import hash_file, hash_file_sync
from hubflow.errors import FileChangedError


def test_hashes_match_git_and_sha256(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000  # 1.28 MB: several chunks at chunk_size=64 KiB
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    deltas: list[int] = []
    hashes = hash_file_sync(path, deltas.append, chunk_size=64 * 1024)
    assert hashes.size == len(data)
    assert hashes.sha256 == hashlib.sha256(data).hexdigest()
    git = subprocess.run(["git", "hash-object", str(path)], capture_output=True, text=True, check=True)
    assert hashes.git_sha1 == git.stdout.strip()
    assert hashes.sample == data[:512]
    assert sum(deltas) == len(data) and len(deltas) == 20


def test_empty_and_small_files(tmp_path: Path) -> None:
    (tmp_path / "e").write_bytes(b"")
    empty = hash_file_sync(tmp_path / "e")
    assert empty.git_sha1 == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git's empty blob
    assert empty.sample == b""
    (tmp_path / "s").write_bytes(b"hi")
    assert hash_file_sync(tmp_path / "s").sample == b"hi"


def test_file_growing_during_hash_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "grow.bin"
    path.write_bytes(b"x" * 100_000)

    def grow(_: int) -> None:
        with path.open("ab") as handle:
            handle.write(b"y")

    with pytest.raises(FileChangedError, match="changed while"):
        hash_file_sync(path, grow, chunk_size=10_000)


@pytest.mark.anyio
async def test_async_hash_runs_in_thread_under_limiter(tmp_path: Path) -> None:
    paths = []
    for i in range(4):
        paths.append(tmp_path / f"f{i}")
        paths[-1].write_bytes(bytes([i]) * 50_000)
    limiter = anyio.CapacityLimiter(2)
    results = {}

    async def one(p: Path) -> None:
        results[p] = await hash_file(p, limiter=limiter)

    async with anyio.create_task_group() as tg:
        for p in paths:
            tg.start_soon(one, p)
    assert {results[p].sha256 for p in paths} == {hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
