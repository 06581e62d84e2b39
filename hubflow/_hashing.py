"""Hash a file in one read pass: sha256 + git blob sha1 + the first 512 bytes, in a worker thread.

Each byte is read once, in ``CHUNK_SIZE`` chunks (memory stays flat); ``hashlib`` releases the
GIL on large updates, so files hash in parallel across cores under the executor's ``hash``
limiter. A file whose size changes while it is read raises ``FileChangedError``.

```python
hashes = await hash_file(Path("model.safetensors"), on_progress=print)
hashes.sha256, hashes.git_sha1, hashes.size
```
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import anyio.to_thread
import msgspec
from anyio import CapacityLimiter

from hubflow.errors import FileChangedError

__all__ = ["CHUNK_SIZE", "SAMPLE_SIZE", "FileHashes", "hash_file", "hash_file_sync"]

CHUNK_SIZE = 4 * 1024 * 1024
SAMPLE_SIZE = 512


class FileHashes(msgspec.Struct, frozen=True, kw_only=True):
    """What the upload pipeline needs to know about a file's content.

    ```python
    hashes = await hash_file("weights.bin")
    hashes.size, hashes.sha256
    ```
    """

    size: int
    sha256: str
    """Hex sha256 of the content: the LFS oid."""
    git_sha1: str
    """Hex git blob id: ``sha1(b"blob {size}\\0" + content)``; ``""`` when not computed (LFS-only sizes)."""
    sample: bytes
    """The first 512 bytes (the preupload call sends them, base64)."""


def hash_file_sync(
    path: str | os.PathLike[str],
    on_progress: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    *,
    git_sha1: bool = True,
) -> FileHashes:
    """Blocking version of ``hash_file``; ``on_progress(delta_bytes)`` is called per chunk.

    ``git_sha1=False`` skips the git blob id (``FileHashes.git_sha1`` is then ``""``): a file
    the Hub always stores in LFS never needs it, and sha1 costs as much as sha256.

    ```python
    hash_file_sync("README.md").git_sha1
    ```
    """
    path = Path(path)
    with open(path, "rb", buffering=0) as handle:
        size = os.fstat(handle.fileno()).st_size
        sha256 = hashlib.sha256()
        # git hashes a header carrying the size first, so the size must be known up front;
        # a mismatch at the end means the file changed while we read it.
        sha1 = hashlib.sha1(f"blob {size}\0".encode()) if git_sha1 else None
        # One buffer, reused: a fresh bytes object per chunk costs page faults (~7% of the rate).
        # At most one byte past the expected size is read: a file that keeps growing must not
        # keep us reading forever; the extra byte is enough to know it changed.
        buffer = memoryview(bytearray(min(chunk_size, size + 1)))
        sample = b""
        done = 0
        while n := handle.readinto(buffer[: min(len(buffer), size - done + 1)]):
            chunk = buffer[:n]
            if done < SAMPLE_SIZE:
                sample += bytes(chunk[: SAMPLE_SIZE - done])
            sha256.update(chunk)
            if sha1 is not None:
                sha1.update(chunk)
            done += n
            if on_progress is not None:
                on_progress(n)
        final_size = os.fstat(handle.fileno()).st_size
    if done != size or final_size != size:
        raise FileChangedError(
            f"{path} changed while it was being hashed (size {size} → read {done}, now {final_size}).", path
        )
    return FileHashes(size=size, sha256=sha256.hexdigest(), git_sha1=sha1.hexdigest() if sha1 else "", sample=sample)


async def hash_file(
    path: str | os.PathLike[str],
    on_progress: Callable[[int], None] | None = None,
    *,
    limiter: CapacityLimiter | None = None,
    chunk_size: int = CHUNK_SIZE,
    git_sha1: bool = True,
) -> FileHashes:
    """Hash ``path`` in a worker thread (under ``limiter``, default anyio's shared one).

    ``on_progress`` is called from the worker thread; the executor's ``emit_progress`` is safe to
    pass (it hops back to the event loop).

    ```python
    hashes = await hash_file("weights.bin", limiter=anyio.CapacityLimiter(2))
    ```
    """
    return await anyio.to_thread.run_sync(
        lambda: hash_file_sync(path, on_progress, chunk_size, git_sha1=git_sha1), limiter=limiter,
        abandon_on_cancel=False,
    )
