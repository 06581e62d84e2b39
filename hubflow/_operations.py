"""Commit operations: ``CommitOperationAdd``, ``CommitOperationDelete``, ``CommitOperationCopy``.

Same constructors as huggingface_hub's. Paths are checked at construction with
``hubflow._validation.validate_path_in_repo`` (absolute paths, ``..``, ``.git``, NUL bytes →
``HFValidationError`` naming the path), so a bad path fails before anything is sent.

```python
ops = [
    CommitOperationAdd(path_in_repo="weights.bin", path_or_fileobj="local/weights.bin"),
    CommitOperationAdd(path_in_repo="notes.txt", path_or_fileobj=b"hello"),
    CommitOperationDelete(path_in_repo="old/"),                       # a folder (trailing /)
    CommitOperationCopy(src_path_in_repo="a.bin", path_in_repo="b.bin"),
]
api.create_commit("alice/m", ops, commit_message="Update")
```
"""

from __future__ import annotations

import io
import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from hubflow._hashing import FileHashes
from hubflow._validation import validate_path_in_repo

if TYPE_CHECKING:
    from hubflow.tasks.hashing import Source

__all__ = ["CommitOperation", "CommitOperationAdd", "CommitOperationCopy", "CommitOperationDelete"]


def _check_path(path_in_repo: str) -> str:
    """Validate and return the path (a leading ``./`` is dropped, as huggingface_hub does)."""
    if isinstance(path_in_repo, str) and path_in_repo.startswith("./"):
        path_in_repo = path_in_repo[2:]
    return validate_path_in_repo(path_in_repo)


@dataclass
class CommitOperationDelete:
    """Delete a file, or a folder when ``path_in_repo`` ends with ``/`` (or ``is_folder=True``).

    ```python
    CommitOperationDelete(path_in_repo="logs/")          # deletedFolder
    CommitOperationDelete(path_in_repo="a.txt")          # deletedFile
    ```
    """

    path_in_repo: str
    is_folder: bool | Literal["auto"] = "auto"

    def __post_init__(self) -> None:
        raw = self.path_in_repo
        trailing = isinstance(raw, str) and raw.endswith("/") and raw != "/"
        _check_path(raw[:-1] if trailing else raw)
        if self.is_folder == "auto":
            self.is_folder = trailing
        if not isinstance(self.is_folder, bool):
            raise ValueError(f"Wrong value for `is_folder`. Must be one of [True, False, 'auto']. Got {self.is_folder!r}.")
        if raw.startswith("./"):
            self.path_in_repo = raw[2:]


@dataclass
class CommitOperationCopy:
    """Copy a file already on the Hub (LFS files server-side, regular files re-sent).

    ```python
    CommitOperationCopy(src_path_in_repo="w.bin", path_in_repo="backup/w.bin", src_revision="v1")
    ```
    """

    src_path_in_repo: str
    path_in_repo: str
    src_revision: str | None = None
    src_repo_id: str | None = None
    src_repo_type: str | None = None

    def __post_init__(self) -> None:
        self.src_path_in_repo = _check_path(self.src_path_in_repo)
        self.path_in_repo = _check_path(self.path_in_repo)
        if self.src_repo_id is not None and self.src_repo_type is None:
            raise ValueError("`src_repo_type` is required when `src_repo_id` is set.")
        if self.src_repo_type is not None and self.src_repo_id is None:
            raise ValueError("`src_repo_id` is required when `src_repo_type` is set.")


@dataclass
class CommitOperationAdd:
    """Upload a file: ``path_or_fileobj`` is a local path, ``bytes`` or a seekable binary file object.

    Files given by path are streamed from disk (never loaded whole); ``bytes`` and file
    objects are read in chunks too. After ``preupload_lfs_files`` the object remembers its
    hashes (``upload_info``) and that it is uploaded, so ``create_commit`` does not redo it.

    ```python
    CommitOperationAdd(path_in_repo="data/train.csv", path_or_fileobj=Path("train.csv"))
    CommitOperationAdd(path_in_repo="x.bin", path_or_fileobj=open("x.bin", "rb"))
    ```
    """

    path_in_repo: str
    path_or_fileobj: str | Path | bytes | BinaryIO
    upload_info: FileHashes | None = field(default=None, init=False, repr=False)
    _upload_mode: str | None = field(default=None, init=False, repr=False)
    _should_ignore: bool | None = field(default=None, init=False, repr=False)
    _remote_oid: str | None = field(default=None, init=False, repr=False)
    _is_uploaded: bool = field(default=False, init=False, repr=False)
    _is_committed: bool = field(default=False, init=False, repr=False)
    _source: Source | None = field(default=None, init=False, repr=False, compare=False)
    """Set by ``_of_listed_file``: the file as a folder listing just found it (path, size, mtime)."""

    def __post_init__(self) -> None:
        self.path_in_repo = _check_path(self.path_in_repo)
        source = self.path_or_fileobj
        if isinstance(source, Path):
            source = self.path_or_fileobj = str(source)
        if isinstance(source, str):
            self.path_or_fileobj = os.path.normpath(os.path.expanduser(source))
            if not os.path.isfile(self.path_or_fileobj):
                raise ValueError(f"Provided path: '{self.path_or_fileobj}' is not a file on the local file system")
        elif isinstance(source, io.BufferedIOBase) or _is_binary_file(source):
            assert not isinstance(source, bytes)
            try:
                source.tell()
                source.seek(0, os.SEEK_CUR)
            except (OSError, AttributeError) as exc:
                raise ValueError("path_or_fileobj is a file object but does not support seek() and tell()") from exc
        elif not isinstance(source, bytes):
            raise ValueError(
                "path_or_fileobj must be either an instance of str, bytes or io.BufferedIOBase."
                " If you passed a file-like object, make sure it is in binary mode."
            )

    @classmethod
    def _of_listed_file(cls, path_in_repo: str, source: Source) -> CommitOperationAdd:
        """An addition of a regular file ``upload_folder``'s listing just found and stat-ed.

        ``__post_init__`` is skipped: the listing checked the file (one ``stat`` per file, not
        three), and the upload checks its identity again before reading it. The path in the
        repo is validated as usual.
        """
        op = cls.__new__(cls)
        op.__dict__.update(_ADD_DEFAULTS)
        op.path_in_repo = _check_path(path_in_repo)
        op.path_or_fileobj = source.path
        op._source = source
        return op

    @property
    def _local_oid(self) -> str | None:
        """The oid the Hub would report for this content: sha256 (LFS) or the git blob id (regular)."""
        if self.upload_info is None or self._upload_mode is None:
            return None
        return self.upload_info.sha256 if self._upload_mode == "lfs" else self.upload_info.git_sha1


_ADD_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(CommitOperationAdd) if f.default is not MISSING}


def _is_binary_file(obj: object) -> bool:
    return hasattr(obj, "read") and hasattr(obj, "seek") and not isinstance(obj, io.TextIOBase)


CommitOperation = CommitOperationAdd | CommitOperationCopy | CommitOperationDelete
"""Any operation accepted by ``create_commit``."""
