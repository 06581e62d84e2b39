"""`RepoCache`: one repo's folder in the Hub cache, shared with huggingface_hub.

```
<cache>/.locks/models--alice--m1/<etag>.lock
<cache>/models--alice--m1/
    blobs/<etag>                      content, etag = git sha1 or (LFS) sha256
    blobs/<etag>.<8 hex>.incomplete   a download in progress (never read as cached)
    refs/main, refs/refs/pr/1         the commit sha, no newline
    snapshots/<commit>/<path>         relative symlink to ../../blobs/<etag>
    .no_exist/<commit>/<path>         empty: "path does not exist at commit"
    trees/<commit>.json               cached recursive listing
```

All methods are synchronous filesystem code; the download pipeline calls them from threads.

```python
>>> repo = RepoCache(cache_dir, "alice/m1")  # doctest: +SKIP
>>> tmp = repo.new_incomplete_path(etag)  # stream the bytes into tmp, then:
>>> repo.finalize_blob(tmp, etag, expected_size=n)
>>> repo.link_snapshot(commit, "config.json", etag)
>>> repo.write_ref("main", commit)
```
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path

from hubflow._cache._errors import BlobIntegrityError, HFValidationError
from hubflow._cache._fs import atomic_write_text, chmod_like_directory, place_pointer
from hubflow._cache._layout import (
    check_repo_type,
    create_cachedir_tag,
    default_cache_dir,
    is_commit_hash,
    is_sha256,
    repo_folder_name,
    validate_relative_path,
)
from hubflow._cache._locks import file_lock
from hubflow._cache._trees import TreeEntry, read_tree, write_tree

__all__ = ["RepoCache"]

_HASH_CHUNK = 1 << 20


def _check_name(kind: str, value: str) -> str:
    """Etags and commits come from HTTP headers: they must be one plain path segment."""
    if not value or "/" in value or "\\" in value or value in (".", "..") or "\0" in value:
        raise HFValidationError(f"Invalid {kind} {value!r}: must be a single path segment")
    return value


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class RepoCache:
    """The cache folder of one repo: paths, refs, no-exist markers, blobs, snapshots, trees, locks.

    `cache_dir=None` means `default_cache_dir()` at construction time.

    ```python
    >>> repo = RepoCache("/tmp/hub", "alice/m1", "model")
    >>> repo.folder.name
    'models--alice--m1'
    ```
    """

    __slots__ = ("cache_dir", "folder", "repo_id", "repo_type")

    def __init__(
        self, cache_dir: str | os.PathLike[str] | None, repo_id: str, repo_type: str | None = "model"
    ):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.repo_id = repo_id
        self.repo_type = check_repo_type(repo_type)
        self.folder = self.cache_dir / repo_folder_name(repo_id, self.repo_type)

    def __repr__(self) -> str:
        return f"RepoCache({str(self.cache_dir)!r}, {self.repo_id!r}, {self.repo_type!r})"

    # ---- paths -------------------------------------------------------------------------------

    def blob_path(self, etag: str) -> Path:
        """`blobs/<etag>`: the content-addressed file shared by every revision."""
        return self.folder / "blobs" / _check_name("etag", etag)

    def snapshot_dir(self, commit: str) -> Path:
        """`snapshots/<commit>`: the folder a snapshot download returns."""
        return self.folder / "snapshots" / _check_name("commit", commit)

    def snapshot_path(self, commit: str, path: str) -> Path:
        """`snapshots/<commit>/<path>`: where a file of the repo is read from."""
        validate_relative_path(path)
        return self.snapshot_dir(commit).joinpath(*path.split("/"))

    def lock_path(self, etag: str) -> Path:
        """`<cache>/.locks/<repo folder>/<etag>.lock`, the lock huggingface_hub also takes."""
        return self.cache_dir / ".locks" / self.folder.name / f"{_check_name('etag', etag)}.lock"

    def _ref_path(self, revision: str) -> Path:
        validate_relative_path(revision)
        return self.folder.joinpath("refs", *revision.split("/"))

    def _no_exist_path(self, commit: str, path: str) -> Path:
        validate_relative_path(path)
        return self.folder.joinpath(".no_exist", _check_name("commit", commit), *path.split("/"))

    # ---- refs --------------------------------------------------------------------------------

    def read_ref(self, revision: str) -> str | None:
        """The commit stored in `refs/<revision>`, or `None` if that ref is not cached.

        ```python
        >>> repo.read_ref("refs/pr/1")  # doctest: +SKIP
        'a3f...'
        ```
        """
        try:
            return self._ref_path(revision).read_text(encoding="utf-8").strip() or None
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def resolve(self, revision: str) -> str | None:
        """The commit a revision names offline: its cached ref, else itself if it is a full sha."""
        commit = self.read_ref(revision)
        if commit is None and is_commit_hash(revision):
            return revision
        return commit

    def write_ref(self, revision: str, commit: str) -> None:
        """Record `revision -> commit` atomically; nothing happens if `revision` is the sha itself.

        Slashed revisions nest (`refs/pr/1` → `refs/refs/pr/1`). An unchanged ref is not rewritten,
        so a read-only cache that is already up to date does not fail.

        ```python
        >>> repo.write_ref("main", "a" * 40)  # doctest: +SKIP
        ```
        """
        _check_name("commit", commit)
        if revision == commit:
            return
        path = self._ref_path(revision)
        if self.read_ref(revision) == commit:
            return
        atomic_write_text(path, commit)

    # ---- no-exist markers --------------------------------------------------------------------

    def mark_no_exist(self, commit: str, path: str) -> None:
        """Remember that `path` does not exist at `commit` (an empty `.no_exist` file)."""
        marker = self._no_exist_path(commit, path)
        if not marker.is_file():
            atomic_write_text(marker, "")

    def is_no_exist(self, commit: str, path: str) -> bool:
        """Whether `path` is recorded as absent at `commit`."""
        return self._no_exist_path(commit, path).is_file()

    # ---- blobs -------------------------------------------------------------------------------

    def new_incomplete_path(self, etag: str) -> Path:
        """A fresh, process-unique `blobs/<etag>.<8 hex>.incomplete` to stream a download into.

        Creates the blobs folder and the cache's `CACHEDIR.TAG`. Two downloads never share a
        temp file, so a lock that the filesystem silently ignores only costs bandwidth.
        """
        blob = self.blob_path(etag)
        blob.parent.mkdir(parents=True, exist_ok=True)
        create_cachedir_tag(self.cache_dir)
        return blob.with_name(f"{etag}.{uuid.uuid4().hex[:8]}.incomplete")

    def has_blob(self, etag: str) -> bool:
        """Whether `blobs/<etag>` is complete on disk."""
        return self.blob_path(etag).is_file()

    def lock(self, etag: str, *, timeout: float | None = None) -> AbstractContextManager[Path]:
        """Exclusive lock for downloading `etag`, shared with huggingface_hub's `WeakFileLock`.

        ```python
        >>> with repo.lock(etag):  # doctest: +SKIP
        ...     if not repo.has_blob(etag):
        ...         download()
        ```
        """
        return file_lock(self.lock_path(etag), timeout=timeout)

    def finalize_blob(
        self,
        incomplete_path: str | os.PathLike[str],
        etag: str,
        *,
        expected_size: int | None,
        expected_sha256: str | None = None,
    ) -> Path:
        """Verify a finished download and move it atomically to `blobs/<etag>`.

        The size must equal `expected_size` (skipped when `None`). For an LFS etag (64-hex sha256)
        the content's sha256 must equal the etag; pass `expected_sha256` — the digest computed
        while streaming — to avoid re-reading the file. On mismatch the temp file is deleted and
        `BlobIntegrityError` (an `OSError` and `CorruptedCacheException`) is raised.

        ```python
        >>> repo.finalize_blob(tmp, etag, expected_size=1024)  # doctest: +SKIP
        PosixPath('.../blobs/<etag>')
        ```
        """
        tmp = Path(incomplete_path)
        blob = self.blob_path(etag)
        try:
            size = tmp.stat().st_size
            if expected_size is not None and size != expected_size:
                raise BlobIntegrityError(
                    f"Consistency check failed: file should be of size {expected_size} but has size "
                    f"{size} (etag {etag}). This is usually due to network issues while downloading."
                )
            if is_sha256(etag):
                actual = (expected_sha256 or _file_sha256(tmp)).lower()
                if actual != etag:
                    raise BlobIntegrityError(
                        f"Consistency check failed: sha256 {actual} does not match the etag {etag}."
                    )
            chmod_like_directory(tmp)
            os.replace(tmp, blob)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return blob

    # ---- snapshots ---------------------------------------------------------------------------

    def link_snapshot(self, commit: str, path: str, etag: str, *, new_blob: bool = False) -> Path:
        """Point `snapshots/<commit>/<path>` at `blobs/<etag>` and return the pointer path.

        A relative symlink like huggingface_hub's `_create_symlink`; where symlinks are unsupported
        or `HF_HUB_DISABLE_SYMLINKS` is set, the blob is copied (or moved, if `new_blob=True`).

        ```python
        >>> repo.link_snapshot(commit, "dir/weights.bin", etag)  # doctest: +SKIP
        ```
        """
        blob = self.blob_path(etag)
        pointer = self.snapshot_path(commit, path)
        if not blob.is_file():
            raise FileNotFoundError(f"blob {etag} is not in the cache: finalize it before linking")
        if pointer.is_symlink() and os.path.realpath(pointer) == os.path.realpath(blob):
            return pointer
        place_pointer(blob, pointer, new_blob=new_blob)
        return pointer

    def cached_file(self, revision: str, path: str) -> Path | None:
        """The snapshot file for `revision` (a sha or a cached ref) if it is fully cached, else `None`.

        Used for the "already cached" shortcut: no request is needed when this returns a path.

        ```python
        >>> repo.cached_file("main", "config.json")  # doctest: +SKIP
        PosixPath('.../snapshots/<sha>/config.json')
        ```
        """
        commit = self.resolve(revision)
        if commit is None:
            return None
        pointer = self.snapshot_path(commit, path)
        # is_file() follows the symlink: a pointer to a missing blob does not count as cached.
        return pointer if pointer.is_file() else None

    # ---- trees -------------------------------------------------------------------------------

    def write_tree(self, commit: str, files: Mapping[str, TreeEntry]) -> bool:
        """Store `trees/<commit>.json`; `False` if the listing is invalid (then nothing is written)."""
        return write_tree(self.folder, _check_name("commit", commit), files)

    def read_tree(self, commit: str) -> dict[str, TreeEntry] | None:
        """The cached listing of `commit`, or `None`."""
        return read_tree(self.folder, _check_name("commit", commit))
