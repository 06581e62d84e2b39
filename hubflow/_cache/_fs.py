"""Crash-safe filesystem primitives: nothing half-written ever appears at a final path.

Every final path (blob, ref, metadata, snapshot pointer, tree listing) is produced by writing a
sibling temp file and `os.replace`-ing it into place, which is atomic on one filesystem.

```python
>>> atomic_write_text(Path("/tmp/x/refs/main"), "0" * 40)  # doctest: +SKIP
```
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import threading
import uuid
from pathlib import Path

from hubflow._cache._layout import env_flag

__all__ = ["atomic_write_text", "chmod_like_directory", "place_pointer", "symlinks_supported"]

_symlink_support: dict[str, bool] = {}
_new_file_modes: dict[str, int] = {}
"""Folder → the mode a new file gets there (``chmod_like_directory``'s probe, once per folder)."""
_symlink_support_lock = threading.Lock()


def _temp_sibling(path: Path, suffix: str = ".tmp") -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{suffix}")


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` through a temp sibling and `os.replace`, creating parent folders.

    ```python
    >>> atomic_write_text(Path("/tmp/demo/refs/pr/1"), "a" * 40)  # doctest: +SKIP
    ```
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_sibling(path)
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def chmod_like_directory(path: Path) -> None:
    """Give `path` the mode a new file in its folder would get (honours umask and setgid dirs).

    Temp files from `tempfile`/`mkstemp` are 0600; a shared cache needs the folder's default,
    probed with a fresh file because reading the umask is not thread-safe (as huggingface_hub does).

    ```python
    >>> chmod_like_directory(Path("/tmp/cache/blobs/abc.1234abcd.incomplete"))  # doctest: +SKIP
    ```
    """
    folder = str(path.parent)
    mode = _new_file_modes.get(folder)
    if mode is None:
        # Probed once per folder and process: a file creation costs ~0.2 ms on some disks, and a
        # snapshot of thousands of small files would otherwise pay it once more per file.
        probe = path.parent / f"tmp_{uuid.uuid4()}"
        try:
            probe.touch()
            mode = _new_file_modes[folder] = stat.S_IMODE(probe.stat().st_mode)
        except OSError:
            return  # best effort, like the official client: a wrong mode never corrupts the cache
        finally:
            probe.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # best effort, as above
        os.chmod(path, mode)


def symlinks_supported(directory: Path) -> bool:
    """Whether relative symlinks can be created in `directory` (probed once per folder).

    `HF_HUB_DISABLE_SYMLINKS` forces `False`.

    ```python
    >>> symlinks_supported(Path("/tmp"))  # doctest: +SKIP
    True
    ```
    """
    if env_flag("HF_HUB_DISABLE_SYMLINKS"):
        return False
    given = str(directory)
    with _symlink_support_lock:  # the unresolved name first: resolve() costs a syscall per component
        if given in _symlink_support:
            return _symlink_support[given]
    key = str(directory.expanduser().resolve())
    with _symlink_support_lock:
        if key in _symlink_support:
            return _symlink_support[key]
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        src = Path(tmp) / "src"
        src.touch()
        try:
            os.symlink("src", Path(tmp) / "dst")
            supported = True
        except OSError:
            supported = False
    with _symlink_support_lock:
        _symlink_support[key] = _symlink_support[given] = supported
    return supported


def place_pointer(blob: Path, pointer: Path, *, new_blob: bool = False) -> None:
    """Make `pointer` refer to `blob`: a relative symlink, else a moved (new blob) or copied file.

    The symlink target is `os.path.relpath(blob, pointer.parent)` on absolute, unresolved paths,
    exactly like huggingface_hub's `_create_symlink`, so a moved cache keeps working. The pointer
    appears atomically: it is built under a temp name and `os.replace`d.

    ```python
    >>> place_pointer(Path("c/blobs/e1"), Path("c/snapshots/s/dir/f.txt"))  # doctest: +SKIP
    ```
    """
    abs_blob = Path(os.path.abspath(os.path.expanduser(blob)))
    abs_pointer = Path(os.path.abspath(os.path.expanduser(pointer)))
    abs_pointer.parent.mkdir(parents=True, exist_ok=True)
    common = Path(os.path.commonpath([abs_blob, abs_pointer]))
    supported = symlinks_supported(common)
    if supported:
        # A new symlink appears atomically by itself: the temp name + rename is only needed to
        # replace an existing pointer.
        try:
            os.symlink(os.path.relpath(abs_blob, abs_pointer.parent), abs_pointer)
            return
        except FileExistsError:
            pass
    tmp = _temp_sibling(abs_pointer)
    try:
        if supported:
            os.symlink(os.path.relpath(abs_blob, abs_pointer.parent), tmp)
        elif new_blob:
            # No other revision can point at a blob that was just written: move, do not duplicate.
            os.replace(abs_blob, tmp)
        else:
            shutil.copyfile(abs_blob, tmp)
        os.replace(tmp, abs_pointer)
    finally:
        if os.path.lexists(tmp):
            tmp.unlink()
