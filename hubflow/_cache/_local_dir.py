"""local_dir mode bookkeeping: `<local_dir>/.cache/huggingface/`, shared with huggingface_hub.

```
<local_dir>/<path>                                        the file itself (no symlinks)
<local_dir>/.cache/huggingface/.gitignore                 "*"
<local_dir>/.cache/huggingface/CACHEDIR.TAG
<local_dir>/.cache/huggingface/download/<path>.metadata   commit \\n etag \\n unix timestamp \\n
<local_dir>/.cache/huggingface/download/<path>.lock
<local_dir>/.cache/huggingface/download/<b64 sha1>.<etag>.<8 hex>.incomplete
<local_dir>/.cache/huggingface/trees/<commit>.json
```

Metadata is trusted only while the file's mtime is at most its timestamp + 1 s: a user who edits
the file invalidates it.

```python
>>> write_download_metadata(local_dir, "dir/f.txt", commit, etag)  # doctest: +SKIP
>>> read_download_metadata(local_dir, "dir/f.txt").etag  # doctest: +SKIP
```
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import time
import uuid
from contextlib import AbstractContextManager
from pathlib import Path

import msgspec

from hubflow._cache._errors import HFValidationError
from hubflow._cache._fs import atomic_write_text
from hubflow._cache._layout import create_cachedir_tag, validate_relative_path
from hubflow._cache._locks import file_lock

__all__ = [
    "LocalDirPaths",
    "LocalDownloadMetadata",
    "huggingface_dir",
    "local_dir_paths",
    "read_download_metadata",
    "write_download_metadata",
]

# stat().st_mtime may be coarser than time.time(); the official client allows the same slack.
_MTIME_SLACK_SECONDS = 1.0


class LocalDownloadMetadata(msgspec.Struct, frozen=True, kw_only=True):
    """What was downloaded to `<local_dir>/<filename>`: commit, etag and when it was recorded.

    ```python
    >>> LocalDownloadMetadata(filename="f", commit_hash="a" * 40, etag="e", timestamp=0.0).etag
    'e'
    ```
    """

    filename: str
    commit_hash: str
    etag: str
    timestamp: float


class LocalDirPaths(msgspec.Struct, frozen=True, kw_only=True):
    """The paths belonging to one file of a local_dir download.

    ```python
    >>> local_dir_paths(Path("out"), "dir/f.txt").metadata_path  # doctest: +SKIP
    PosixPath('out/.cache/huggingface/download/dir/f.txt.metadata')
    ```
    """

    file_path: Path
    lock_path: Path
    metadata_path: Path

    def incomplete_path(self, etag: str) -> Path:
        """A process-unique temp file to stream a download into, next to the metadata.

        The name is `<urlsafe b64 of sha1(metadata basename)>.<etag>.<8 hex>.incomplete`, as
        huggingface_hub names it, so either client recognises the other's leftovers.
        """
        if "/" in etag or "\\" in etag or etag in ("", ".", ".."):
            raise HFValidationError(f"Invalid etag {etag!r}")
        short = base64.urlsafe_b64encode(hashlib.sha1(self.metadata_path.name.encode()).digest()).decode()
        return self.metadata_path.parent / f"{short}.{etag}.{uuid.uuid4().hex[:8]}.incomplete"

    def lock(self, *, timeout: float | None = None) -> AbstractContextManager[Path]:
        """The `<path>.lock` huggingface_hub also takes around this file's download and metadata."""
        return file_lock(self.lock_path, timeout=timeout)


def huggingface_dir(local_dir: str | os.PathLike[str]) -> Path:
    """Create (once) and return `<local_dir>/.cache/huggingface` with its `.gitignore` and tag.

    ```python
    >>> huggingface_dir("out")  # doctest: +SKIP
    PosixPath('out/.cache/huggingface')
    ```
    """
    path = Path(local_dir) / ".cache" / "huggingface"
    path.mkdir(parents=True, exist_ok=True)
    create_cachedir_tag(path)
    gitignore = path / ".gitignore"
    if not gitignore.exists():
        # A read-only local_dir still works; git would just see the folder.
        with contextlib.suppress(OSError):
            atomic_write_text(gitignore, "*")
    return path


def local_dir_paths(local_dir: str | os.PathLike[str], filename: str) -> LocalDirPaths:
    """Paths of `filename` (a repo path) under `local_dir`; parent folders are created.

    ```python
    >>> local_dir_paths("out", "a/b.bin").lock_path  # doctest: +SKIP
    PosixPath('out/.cache/huggingface/download/a/b.bin.lock')
    ```
    """
    validate_relative_path(filename)
    parts = filename.split("/")
    file_path = Path(local_dir).joinpath(*parts)
    metadata_path = huggingface_dir(local_dir).joinpath("download", *parts[:-1], f"{parts[-1]}.metadata")
    # with_suffix, as upstream does: "f.txt.metadata" -> "f.txt.lock"
    paths = LocalDirPaths(
        file_path=file_path, lock_path=metadata_path.with_suffix(".lock"), metadata_path=metadata_path
    )
    file_path.parent.mkdir(parents=True, exist_ok=True)
    metadata_path.parent.mkdir(parents=True, exist_ok=True)
    return paths


def _parse(filename: str, text: str) -> LocalDownloadMetadata:
    lines = text.split("\n")
    commit, etag, timestamp = lines[0].strip(), lines[1].strip(), float(lines[2].strip())
    if not commit or not etag:
        raise ValueError("empty commit or etag")
    return LocalDownloadMetadata(filename=filename, commit_hash=commit, etag=etag, timestamp=timestamp)


def read_download_metadata(local_dir: str | os.PathLike[str], filename: str) -> LocalDownloadMetadata | None:
    """The metadata of a local_dir file, or `None` if missing, corrupted or outdated.

    A corrupted metadata file is removed (as upstream does); metadata older than the file's
    mtime (+1 s) is ignored because the file was modified after the download.

    ```python
    >>> read_download_metadata("out", "config.json")  # doctest: +SKIP
    LocalDownloadMetadata(filename='config.json', commit_hash='...', etag='...', timestamp=...)
    ```
    """
    paths = local_dir_paths(local_dir, filename)
    with paths.lock():
        try:
            text = paths.metadata_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            metadata = _parse(filename, text)
        except (ValueError, IndexError):
            paths.metadata_path.unlink(missing_ok=True)
            return None
        try:
            mtime = paths.file_path.stat().st_mtime
        except FileNotFoundError:
            return None
        return metadata if mtime - _MTIME_SLACK_SECONDS <= metadata.timestamp else None


def write_download_metadata(
    local_dir: str | os.PathLike[str], filename: str, commit_hash: str, etag: str
) -> None:
    """Record that `<local_dir>/<filename>` now holds `etag` at `commit_hash` (timestamp = now).

    Written under the file's lock through a temp file, so a reader never sees half a record.

    ```python
    >>> write_download_metadata("out", "config.json", "a" * 40, "b" * 40)  # doctest: +SKIP
    ```
    """
    paths = local_dir_paths(local_dir, filename)
    with paths.lock():
        atomic_write_text(paths.metadata_path, f"{commit_hash}\n{etag}\n{time.time()}\n")
