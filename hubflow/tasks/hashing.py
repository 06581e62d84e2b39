"""Content sources and the ``HashFile`` node: one read of a file → sha256, git blob id, sample.

A ``Source`` names content to upload: a local file (absolute path + the ``size`` and
``mtime_ns`` seen when the upload was planned) or an in-memory buffer / file object registered
with ``memory_source`` (``path`` is then ``memory://<id>``). The file identity is part of
every node key, so a journal entry for ``HashFile`` is reused only while the file is unchanged.

Reading is always chunked (``read_chunks``): nothing holds a whole file in memory, and a local
file whose size or mtime differs from its ``Source`` raises ``FileChangedError`` naming it.

```python
source = file_source("weights.bin")
hashed = graph.add(HashFile(source=source))
results[hashed].sha256
```
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import uuid
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

import anyio.to_thread
import msgspec
from anyio import CapacityLimiter

from hubflow._hashing import CHUNK_SIZE, SAMPLE_SIZE, FileHashes, hash_file, hash_file_sync
from hubflow.errors import FileChangedError
from hubflow.tasks._base import Task

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = [
    "BATCH_HASH_SIZE",
    "INLINE_HASH_SIZE",
    "LFS_ONLY_SIZE",
    "MEMORY_PREFIX",
    "FileSample",
    "HashBatch",
    "HashFile",
    "SampleBatch",
    "SampleFile",
    "Source",
    "check_unchanged",
    "file_source",
    "hash_source_sync",
    "hash_sources",
    "listed_source",
    "memory_source",
    "read_chunks",
    "read_whole",
    "release_source",
    "sample_source_sync",
]

MEMORY_PREFIX = "memory://"
INLINE_HASH_SIZE = 256 * 1024
"""Sources up to this size are hashed on the event loop: a thread hop would cost more."""
BATCH_HASH_SIZE = 1024 * 1024
"""Sources up to this size are hashed together (``HashBatch``): a node per small file costs more than its hash."""
LFS_ONLY_SIZE = 10 * 1024 * 1024
"""The Hub stores larger files in LFS whatever their type: ``HashFile`` skips their git blob id."""
# In-memory contents (bytes, file objects) are not data a node can carry; nodes carry their id.
_MEMORY: dict[str, tuple[bytes | BinaryIO, threading.Lock]] = {}


class Source(msgspec.Struct, frozen=True, kw_only=True):
    """Content to upload: a local file (absolute ``path``, ``size``, ``mtime_ns``) or ``memory://<id>``."""

    path: str
    size: int
    mtime_ns: int = 0
    inode: int = 0
    """The file's inode when planned (0: unknown); a file replaced by rename changes it."""

    @property
    def in_memory(self) -> bool:
        return self.path.startswith(MEMORY_PREFIX)


def file_source(path: str | os.PathLike[str]) -> Source:
    """A ``Source`` for a local file, with its current size and mtime.

    ```python
    file_source("model.safetensors").size
    ```
    """
    return listed_source(os.path.abspath(path))  # os.path, not pathlib: ~4x cheaper per file (2,000-file folders)


def listed_source(path: str) -> Source:
    """``file_source`` for an absolute, normalised path a directory listing just found (no ``abspath``).

    ```python
    listed_source("/data/out/config.json").size
    ```
    """
    stat = os.stat(path)
    return Source(path=path, size=stat.st_size, mtime_ns=stat.st_mtime_ns, inode=stat.st_ino)


def memory_source(content: bytes | BinaryIO) -> Source:
    """Register ``bytes`` or a seekable binary file object; release it with ``release_source``.

    A file object is read from its current position to its end, as huggingface_hub does.

    ```python
    source = memory_source(b"hello")
    ```
    """
    if isinstance(content, bytes):
        size = len(content)
        stored: bytes | BinaryIO = content
    else:
        start = content.tell()
        size = content.seek(0, os.SEEK_END) - start
        content.seek(start)
        stored = _Window(content, start)  # type: ignore[assignment]
    key = uuid.uuid4().hex
    _MEMORY[key] = (stored, threading.Lock())
    return Source(path=MEMORY_PREFIX + key, size=size)


def release_source(source: Source) -> None:
    """Forget an in-memory source (no-op for files)."""
    if source.in_memory:
        _MEMORY.pop(source.path[len(MEMORY_PREFIX):], None)


class _Window:
    """A file object seen from ``start``: positions are relative to where the caller left it."""

    def __init__(self, handle: BinaryIO, start: int) -> None:
        self.handle = handle
        self.start = start

    def read_at(self, offset: int, size: int) -> bytes:
        self.handle.seek(self.start + offset)
        return self.handle.read(size)


def check_unchanged(source: Source) -> None:
    """Raise ``FileChangedError`` if a local file's size or mtime differs from ``source``."""
    if source.in_memory:
        return
    try:
        stat = os.stat(source.path)
    except FileNotFoundError:
        raise _removed(source) from None
    _check_identity(source, stat)


def _removed(source: Source) -> FileChangedError:
    return FileChangedError(f"{source.path} was removed after it was planned for upload.", source.path)


def _check_identity(source: Source, stat: os.stat_result) -> None:
    if (stat.st_size != source.size or stat.st_mtime_ns != source.mtime_ns
            or (source.inode and stat.st_ino != source.inode)):
        raise FileChangedError(
            f"{source.path} changed since it was hashed (size {source.size} → {stat.st_size}).", source.path
        )


def _reader(source: Source) -> tuple[Callable[[int, int], bytes], Callable[[], None]]:
    """``(read_at(offset, size), close)`` for a source; file objects are read under a lock."""
    if source.in_memory:
        try:
            content, lock = _MEMORY[source.path[len(MEMORY_PREFIX):]]
        except KeyError:
            raise FileChangedError(f"in-memory content {source.path} was released", source.path) from None
        if isinstance(content, bytes):
            view = memoryview(content)
            return (lambda offset, size: bytes(view[offset : offset + size])), (lambda: None)
        window = content

        def read_window(offset: int, size: int) -> bytes:
            with lock:
                return window.read_at(offset, size)  # type: ignore[attr-defined, no-any-return]

        return read_window, (lambda: None)
    check_unchanged(source)
    handle: io.BufferedReader = open(source.path, "rb")  # noqa: SIM115 - closed by the caller

    def read_file(offset: int, size: int) -> bytes:
        handle.seek(offset)
        return handle.read(size)

    return read_file, handle.close


async def read_chunks(
    source: Source, start: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
) -> AsyncGenerator[bytes, None]:
    """Yield ``source[start:start+length]`` in chunks; a local file shorter than planned raises ``FileChangedError``.

    A chunk the page cache already holds (a file just hashed or written) is copied on the
    event loop without blocking (``preadv`` with ``RWF_NOWAIT``); any other chunk is read in a
    worker thread, so a slow disk never stalls the loop. A thread hop costs as much CPU as the
    copy of the MiB it carries, or more (0.1-0.3 ms measured on a 2-core VM).

    ```python
    async for chunk in read_chunks(source, start=0, length=1024):
        ...
    ```
    """
    end = source.size if length is None else min(source.size, start + length)
    cached: Callable[[int, int], bytes | None] | None = None
    if source.in_memory or _RWF_NOWAIT is None:
        read_at, close = await anyio.to_thread.run_sync(_reader, source)
    else:
        reader = _CachedReader(await anyio.to_thread.run_sync(_open_unchanged, source), min(chunk_size, end - start))
        read_at, close, cached = reader.pread, reader.close, reader.cached
    try:
        offset = start
        while offset < end:
            size = min(chunk_size, end - offset)
            chunk = cached(offset, size) if cached is not None else None
            if chunk is None:
                chunk = await anyio.to_thread.run_sync(read_at, offset, size)
            if len(chunk) != size:
                raise FileChangedError(f"{source.path} became shorter while it was uploaded.", source.path)
            offset += size
            yield chunk
    finally:
        close()


_RWF_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None) if hasattr(os, "preadv") else None


def _open_unchanged(source: Source) -> int:
    """A descriptor of a local file, checked against ``source`` (size, mtime, inode) once open."""
    try:
        fd = os.open(source.path, os.O_RDONLY)
    except FileNotFoundError:
        raise _removed(source) from None
    try:
        _check_identity(source, os.fstat(fd))
    except BaseException:
        os.close(fd)
        raise
    return fd


class _CachedReader:
    """Reads of one open file: ``cached`` copies what the page cache holds without blocking, ``pread`` blocks.

    ``cached(offset, size)`` is ``None`` unless all ``size`` bytes are cached (then read them with
    ``pread`` in a worker thread); one buffer is reused for every chunk. A file system that
    refuses ``RWF_NOWAIT`` makes it ``None`` from then on.
    """

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.buffer = memoryview(bytearray(max(size, 0)))
        self.nowait = True

    def cached(self, offset: int, size: int) -> bytes | None:
        if not self.nowait:
            return None
        view = self.buffer[:size]
        try:
            got = os.preadv(self.fd, [view], offset, _RWF_NOWAIT)  # type: ignore[arg-type]
        except BlockingIOError:  # none of it is cached
            return None
        except OSError:  # EOPNOTSUPP, EINVAL: not on this file system
            self.nowait = False
            return None
        return bytes(view) if got == size else None

    def pread(self, offset: int, size: int) -> bytes:
        return os.pread(self.fd, size, offset)

    def close(self) -> None:
        self.buffer.release()
        os.close(self.fd)


def _read_head(source: Source, size: int, *, recheck: bool = False) -> bytes:
    """``source[:size]`` (shorter at EOF), the identity of a local file checked first (and after, with ``recheck``).

    Local files: open, fstat, read, close — no buffered file object, no second path lookup.
    """
    if source.in_memory:
        read_at, close = _reader(source)
        try:
            return read_at(0, size)
        finally:
            close()
    fd = _open_unchanged(source)
    try:
        parts = [os.read(fd, size)]
        got = len(parts[0])
        while got < size and parts[-1]:  # a short read: keep reading until the end or EOF
            parts.append(os.read(fd, size - got))
            got += len(parts[-1])
        if recheck:
            _check_identity(source, os.fstat(fd))
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_whole(source: Source, *, recheck: bool = False) -> bytes:
    """A small source's whole content, read in the calling thread (blocking; for worker threads).

    Checks the file's identity first, like ``read_chunks`` (and after the read too with
    ``recheck``: a same-size rewrite during the read moves the mtime); a shorter read raises
    ``FileChangedError``.

    ```python
    data = await anyio.to_thread.run_sync(read_whole, source)
    ```
    """
    data = _read_head(source, source.size, recheck=recheck)
    if len(data) != source.size:
        raise FileChangedError(f"{source.path} became shorter while it was uploaded.", source.path)
    return data


def _hash_source_sync(source: Source, on_progress: Callable[[int], None], git_sha1: bool = True) -> FileHashes:
    read_at, close = _reader(source)
    try:
        sha256 = hashlib.sha256()
        sha1 = hashlib.sha1(f"blob {source.size}\0".encode()) if git_sha1 else None
        sample = b""
        offset = 0
        while offset < source.size:
            chunk = read_at(offset, min(CHUNK_SIZE, source.size - offset))
            if not chunk:
                raise FileChangedError(f"{source.path} became shorter while it was hashed.", source.path)
            if offset < SAMPLE_SIZE:
                sample += chunk[: SAMPLE_SIZE - offset]
            sha256.update(chunk)
            if sha1 is not None:
                sha1.update(chunk)
            offset += len(chunk)
            on_progress(len(chunk))
    finally:
        close()
    return FileHashes(size=source.size, sha256=sha256.hexdigest(), git_sha1=sha1.hexdigest() if sha1 else "",
                      sample=sample)


def hash_source_sync(source: Source, on_progress: Callable[[int], None] | None = None) -> FileHashes:
    """Every hash of a source (git blob id included), blocking: for a worker thread.

    ``on_progress(delta_bytes)`` is called per chunk read. A local file whose identity changes
    before or during the read raises ``FileChangedError``.

    ```python
    hashes = await anyio.to_thread.run_sync(hash_source_sync, source)
    ```
    """
    if source.in_memory:
        return _hash_source_sync(source, on_progress or (lambda _: None))
    check_unchanged(source)
    hashes = hash_file_sync(source.path, on_progress)
    check_unchanged(source)  # a same-size rewrite during hashing moves the mtime
    return hashes


async def hash_sources(sources: Sequence[Source], limiter: CapacityLimiter | None = None) -> list[FileHashes]:
    """``hash_source_sync`` of each source, in one worker-thread call (one hop for many small files).

    ```python
    hashes = await hash_sources([file_source("a.bin"), file_source("b.txt")], limiter=ctx.thread_limiter)
    ```
    """
    return await anyio.to_thread.run_sync(lambda: [hash_source_sync(source) for source in sources], limiter=limiter)


class HashFile(Task[FileHashes], kw_only=True):
    """Hash one source (sha256 + git sha1 + 512-byte sample), one read.

    Sources up to ``INLINE_HASH_SIZE`` are hashed on the event loop, larger ones in a worker
    thread; above ``LFS_ONLY_SIZE`` the git blob id is skipped (``git_sha1 == ""``): the Hub
    stores such files in LFS, keyed by sha256. Journaled and keyed by the source's path, size and mtime: a resumed run skips it while the
    file is unchanged. Emits progress in bytes hashed.

    ```python
    hashed = graph.add(HashFile(source=file_source("a.bin")))
    ```
    """

    resource = "hash"
    journaled = True

    source: Source

    @property
    def label(self) -> str:
        return os.path.basename(self.source.path)

    def total_bytes(self) -> int | None:
        return self.source.size

    async def run(self, ctx: Context) -> FileHashes:
        if self.source.size <= INLINE_HASH_SIZE:
            # A worker-thread round trip costs more than hashing a small file (~60 µs for 32 KB):
            # hash it right here, between two awaits of the loop.
            hashes = (_hash_source_sync(self.source, ctx.emit_progress) if self.source.in_memory
                      else hash_file_sync(self.source.path, ctx.emit_progress))
        elif self.source.in_memory:
            return await anyio.to_thread.run_sync(
                _hash_source_sync, self.source, ctx.emit_progress, self.source.size <= LFS_ONLY_SIZE,
                limiter=ctx.thread_limiter,
            )
        else:
            check_unchanged(self.source)
            hashes = await hash_file(self.source.path, ctx.emit_progress, limiter=ctx.thread_limiter,
                                     git_sha1=self.source.size <= LFS_ONLY_SIZE)
        if not self.source.in_memory:
            check_unchanged(self.source)  # a same-size rewrite during hashing moves the mtime
        return hashes


class HashBatch(Task[list[FileHashes]], kw_only=True):
    """Hash many small sources in one worker-thread call; answers ``HashFile`` for each (``provides``).

    Each file is read once, as ``HashFile`` would; the batch saves the per-node scheduling and
    thread round trip that cost more than hashing a small file. Batches run in parallel under
    the ``hash`` limit. Journaled as a whole: a resumed run skips a batch whose files are all
    unchanged (their identities are in its key).

    ```python
    batch = graph.add(HashBatch(sources=[file_source(p) for p in small_files]))
    results[HashFile(source=batch.sources[0])].sha256  # answered by the batch
    ```
    """

    resource = "hash"
    journaled = True

    sources: list[Source]

    @property
    def label(self) -> str:
        return f"{len(self.sources)} file(s)"

    def total_bytes(self) -> int | None:
        return sum(source.size for source in self.sources)

    def provides(self, result: list[FileHashes]) -> list[tuple[Task[Any], Any]]:
        return [(HashFile(source=source), hashes) for source, hashes in zip(self.sources, result, strict=True)]

    async def run(self, ctx: Context) -> list[FileHashes]:
        def hash_all() -> list[FileHashes]:
            out: list[FileHashes] = []
            pending = 0

            def count(delta: int) -> None:
                nonlocal pending
                pending += delta

            for source in self.sources:
                out.append(hash_source_sync(source, count))
                if pending >= CHUNK_SIZE:  # progress in ~chunk steps: one loop wake-up per few MB, not per file
                    ctx.emit_progress(pending)
                    pending = 0
            if pending:
                ctx.emit_progress(pending)
            return out

        return await anyio.to_thread.run_sync(hash_all, limiter=ctx.thread_limiter, abandon_on_cancel=False)


class FileSample(msgspec.Struct, frozen=True, kw_only=True):
    """What the Hub's upload-mode check needs of a file, without hashing it: size and first 512 bytes."""

    size: int
    sample: bytes


def sample_source_sync(source: Source) -> FileSample:
    """A source's size and 512-byte sample, blocking (identity checked, only the sample read).

    ```python
    sample = await anyio.to_thread.run_sync(sample_source_sync, source)
    ```
    """
    want = min(SAMPLE_SIZE, source.size)
    sample = _read_head(source, want)
    if len(sample) != want:
        raise FileChangedError(f"{source.path} became shorter after it was planned for upload.", source.path)
    return FileSample(size=source.size, sample=sample)


class SampleFile(Task[FileSample], kw_only=True):
    """Read a source's size and 512-byte sample: enough to ask the Hub for its upload mode.

    Used instead of ``HashFile`` where no hash is needed before the preupload call: a small file
    the Hub then stores inline is read once more, by the commit, and never hashed before it
    (its hashes are computed later only if needed: an LFS answer, or a remote file to compare).

    ```python
    sampled = graph.add(SampleFile(source=file_source("config.json")))
    results[sampled].sample
    ```
    """

    resource = "hash"

    source: Source

    @property
    def label(self) -> str:
        return os.path.basename(self.source.path)

    async def run(self, ctx: Context) -> FileSample:
        return sample_source_sync(self.source)  # one small read: cheaper here than a thread hop


class SampleBatch(Task[list[FileSample]], kw_only=True):
    """``SampleFile`` for many sources in one worker-thread call; answers ``SampleFile`` for each.

    ```python
    batch = graph.add(SampleBatch(sources=[file_source(p) for p in small_files]))
    results[SampleFile(source=batch.sources[0])].size  # answered by the batch
    ```
    """

    resource = "hash"

    sources: list[Source]

    @property
    def label(self) -> str:
        return f"{len(self.sources)} file(s)"

    def provides(self, result: list[FileSample]) -> list[tuple[Task[Any], Any]]:
        return [(SampleFile(source=source), sample) for source, sample in zip(self.sources, result, strict=True)]

    async def run(self, ctx: Context) -> list[FileSample]:
        return await anyio.to_thread.run_sync(
            lambda: [sample_source_sync(source) for source in self.sources],
            limiter=ctx.thread_limiter, abandon_on_cancel=False,
        )
