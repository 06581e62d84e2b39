"""``read_chunks``: cached chunks are copied on the event loop, others read in worker threads; changes are caught."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest

from hubflow.errors import FileChangedError
from hubflow.tasks import hashing
from hubflow.tasks.hashing import file_source, memory_source, read_chunks, release_source

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(30)]

MiB = 1024 * 1024


class ThreadCalls:
    """Wraps ``anyio.to_thread.run_sync`` (an injected spy): counts the hops, then makes them."""

    def __init__(self) -> None:
        self.count = 0
        self._run_sync = anyio.to_thread.run_sync

    async def __call__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return await self._run_sync(func, *args, **kwargs)


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> ThreadCalls:
    spy = ThreadCalls()
    monkeypatch.setattr(anyio.to_thread, "run_sync", spy)
    return spy


def _write(path: Path, size: int) -> bytes:
    data = os.urandom(size)
    path.write_bytes(data)
    return data


async def _read(source: hashing.Source, **kwargs: Any) -> bytes:
    return b"".join([chunk async for chunk in read_chunks(source, **kwargs)])


@pytest.mark.skipif(hashing._RWF_NOWAIT is None, reason="preadv(RWF_NOWAIT) is Linux only; elsewhere every read hops")
async def test_cached_chunks_are_read_without_a_thread_hop(tmp_path: Path, hops: ThreadCalls) -> None:
    path = tmp_path / "cached.bin"
    data = _write(path, 4 * MiB + 123)  # just written: in the page cache
    assert await _read(file_source(path), chunk_size=MiB) == data
    assert hops.count == 1  # the open; none of the 5 chunks
    hops.count = 0
    assert await _read(file_source(path), start=MiB - 7, length=2 * MiB, chunk_size=MiB) == data[MiB - 7 : 3 * MiB - 7]
    assert hops.count == 1


@pytest.mark.skipif(hashing._RWF_NOWAIT is None, reason="preadv(RWF_NOWAIT) is Linux only; elsewhere every read hops")
async def test_chunks_not_in_the_page_cache_are_read_in_threads(tmp_path: Path, hops: ThreadCalls) -> None:
    path = tmp_path / "cold.bin"
    data = _write(path, 3 * MiB)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # drop the clean pages
        try:
            os.preadv(fd, [bytearray(MiB)], 0, os.RWF_NOWAIT)
            evicted = False  # a file system that keeps them (tmpfs): the reads stay on the loop
        except BlockingIOError:
            evicted = True
    finally:
        os.close(fd)
    assert await _read(file_source(path), chunk_size=MiB) == data
    if evicted:
        # The open and at least the first chunk hop; the kernel's readahead may bring the next ones.
        assert 2 <= hops.count <= 1 + 3
    else:
        assert hops.count == 1


async def test_reads_hop_to_threads_where_nowait_is_missing(
    tmp_path: Path, hops: ThreadCalls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing, "_RWF_NOWAIT", None)
    path = tmp_path / "portable.bin"
    data = _write(path, 2 * MiB + 1)
    assert await _read(file_source(path), chunk_size=MiB) == data
    assert hops.count == 1 + 3


async def test_a_file_cut_short_while_read_fails_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "shrinks.bin"
    _write(path, 3 * MiB)
    source = file_source(path)
    chunks = read_chunks(source, chunk_size=MiB)
    first = await chunks.__anext__()
    assert len(first) == MiB
    os.truncate(path, MiB + MiB // 2)
    with pytest.raises(FileChangedError, match=r"shrinks\.bin became shorter"):
        await chunks.__anext__()
    await chunks.aclose()


async def test_a_file_replaced_or_removed_before_reading_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "swapped.bin"
    _write(path, MiB)
    source = file_source(path)
    other = tmp_path / "other.bin"
    _write(other, MiB)
    os.utime(other, ns=(source.mtime_ns, source.mtime_ns))
    os.replace(other, path)  # same size and mtime, another inode
    with pytest.raises(FileChangedError, match=r"swapped\.bin changed"):
        await _read(source)
    path.unlink()
    with pytest.raises(FileChangedError, match=r"swapped\.bin was removed"):
        await _read(source)


async def test_in_memory_content_is_chunked_as_before(hops: ThreadCalls) -> None:
    data = os.urandom(MiB + 5)
    source = memory_source(data)
    try:
        assert await _read(source, start=3, chunk_size=MiB // 2) == data[3:]
    finally:
        release_source(source)
