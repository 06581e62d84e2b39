"""Inter-process file locks that exclude huggingface_hub's `filelock.FileLock` on the same path.

On Unix `filelock` locks the whole lock file with `fcntl.flock` and leaves the file in place on
release; doing exactly the same here makes a hubflow download and an official-client download
of the same blob wait for each other. `flock` locks belong to an open file description, so two
threads of one process that each open the file also exclude each other.

```python
>>> with file_lock(Path("/tmp/cache/.locks/models--a--b/etag.lock")):  # doctest: +SKIP
...     ...
```
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock
    fcntl = None  # type: ignore[assignment]

__all__ = ["file_lock"]

# Group-writable like huggingface_hub's WeakFileLock so several users can share one cache.
_LOCK_MODE = 0o664
_POLL_SECONDS = 0.05


def _open_lock_file(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | os.O_EXCL, _LOCK_MODE)
    except FileExistsError:
        return os.open(path, flags, _LOCK_MODE)
    with contextlib.suppress(OSError):
        os.fchmod(fd, _LOCK_MODE)  # os.open applied the umask; undo it for a shared cache
    return fd


def _same_file(fd: int, path: Path) -> bool:
    """Whether the locked descriptor is still the file at `path` (a peer may have unlinked it)."""
    try:
        on_disk = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return os.path.samestat(os.fstat(fd), on_disk)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def file_lock(path: Path, *, timeout: float | None = None) -> Iterator[Path]:
    """Hold an exclusive `flock` on `path` (created with parents) for the `with` block.

    `timeout=None` waits forever; otherwise `TimeoutError` is raised after `timeout` seconds.
    The lock file is never deleted, so every waiter locks the same inode.

    ```python
    >>> with file_lock(Path("/tmp/x.lock"), timeout=5):  # doctest: +SKIP
    ...     pass
    ```
    """
    if fcntl is None:  # pragma: no cover
        raise NotImplementedError("hubflow cache locks need fcntl.flock (Unix)")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        fd = _open_lock_file(path)
        try:
            if deadline is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:
                while not _try_lock(fd):
                    if time.monotonic() >= deadline:
                        raise TimeoutError(f"could not lock {path} within {timeout} s")
                    time.sleep(_POLL_SECONDS)
            if _same_file(fd, path):
                break
        except BaseException:
            os.close(fd)
            raise
        # The file we locked was unlinked/replaced meanwhile: our lock guards nothing, retry.
        os.close(fd)
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
