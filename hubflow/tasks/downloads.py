"""Download nodes: ``ResolveRevision`` → ``ListSnapshotFiles`` → ``DownloadFile`` (resolve → fetch → cache).

* ``ResolveRevision`` turns a branch / tag / ``refs/pr/N`` into a commit sha and records it in
  ``refs/<revision>`` of the cache.
* ``ListSnapshotFiles`` lists every file at a commit (recursive, paginated) and caches the
  listing in ``trees/<sha>.json`` — a commit never changes, so a cached listing means no request.
* ``DownloadFile`` (resource ``transfer``) puts one file in the cache (or a ``local_dir``): no
  request when it is already cached at a known sha; metadata from the tree listing when given
  (no ``HEAD``), else from a ``HEAD`` on ``/resolve``; the bytes are streamed under the blob lock
  into a temp file, hashed while streaming, verified and renamed into place.

```python
graph = Graph()
files = await AsyncHfApi().run(...)  # or compose by hand:
node = graph.add(DownloadFile(repo_id="alice/m", filename="config.json", revision=sha))
results = await run(graph, hub)
results[node]  # '/…/models--alice--m/snapshots/<sha>/config.json'
```
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import msgspec

from hubflow._cache import RepoCache, TreeEntry, read_tree, write_tree
from hubflow._constants import REPO_TYPE_PLURAL
from hubflow._validation import normalize_repo_type
from hubflow.schema import RepoFile, RepoFolder, RepoTreeEntry
from hubflow.tasks._base import Task

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = ["DownloadFile", "ListSnapshotFiles", "ResolveRevision"]


class _RevisionSha(msgspec.Struct):
    sha: str | None = None


class ResolveRevision(Task[str], kw_only=True):
    """``GET /api/{type}s/{repo_id}/revision/{revision}`` → the commit sha; writes ``refs/<revision>``.

    A 40-hex revision is returned as is, without a request. ``retries=False`` fails fast (the
    caller falls back to the cache). ``cache_dir=None`` writes no ref.

    ```python
    sha = await api._run(ResolveRevision(repo_id="alice/m", revision="v1.0", cache_dir=str(cache)))
    ```
    """

    resource = "api"
    repo_id: str
    repo_type: str = "model"
    revision: str = "main"
    cache_dir: str | None = None
    retries: bool = True

    def retry_safe(self, error: Exception | None = None) -> bool:
        return self.retries

    async def run(self, ctx: Context) -> str:
        from hubflow._cache import is_commit_hash

        if is_commit_hash(self.revision):
            return self.revision
        plural = REPO_TYPE_PLURAL[normalize_repo_type(self.repo_type)]
        path = f"/api/{plural}/{self.repo_id}/revision/{quote(self.revision, safe='')}"
        response = await ctx.hub.request("GET", path, token=self.token)
        sha = msgspec.json.decode(response.content, type=_RevisionSha).sha
        if sha is None:
            raise ValueError(f"The Hub returned no sha for {self.repo_id}@{self.revision}")
        if self.cache_dir is not None:
            # A read-only cache still downloads; the ref is an optimisation.
            with contextlib.suppress(OSError):
                RepoCache(self.cache_dir, self.repo_id, self.repo_type).write_ref(self.revision, sha)
        return sha


def tree_entry(file: RepoFile) -> TreeEntry:
    """The cached-tree form of a ``RepoFile`` (sizes and both ids)."""
    return TreeEntry(
        size=file.size,
        blob_id=file.blob_id,
        lfs_sha256=file.lfs.sha256 if file.lfs is not None else None,
        lfs_size=file.lfs.size if file.lfs is not None else None,
        xet_hash=file.xet_hash,
    )


class ListSnapshotFiles(Task[dict[str, TreeEntry]], kw_only=True):
    """Every file of the repo at ``commit`` (recursive tree, all pages), cached in ``trees/<commit>.json``.

    ``tree_folder`` is the repo's cache folder (or ``<local_dir>/.cache/huggingface``); a cached
    listing there answers without a request. ``write=False`` does not store it (dry runs).

    ```python
    files = await api._run(ListSnapshotFiles(repo_id="alice/m", commit=sha, tree_folder=str(folder)))
    files["config.json"].blob_id
    ```
    """

    resource = "api"
    repo_id: str
    commit: str
    repo_type: str = "model"
    tree_folder: str | None = None
    write: bool = True
    retries: bool = True

    def retry_safe(self, error: Exception | None = None) -> bool:
        return self.retries

    async def run(self, ctx: Context) -> dict[str, TreeEntry]:
        folder = Path(self.tree_folder) if self.tree_folder is not None else None
        if folder is not None and (cached := read_tree(folder, self.commit)) is not None:
            return cached
        plural = REPO_TYPE_PLURAL[normalize_repo_type(self.repo_type)]
        path = f"/api/{plural}/{self.repo_id}/tree/{quote(self.commit, safe='')}"
        files: dict[str, TreeEntry] = {}
        params = {"recursive": "true", "expand": "false"}
        entry: RepoFile | RepoFolder
        async for entry in ctx.hub.paginate(path, params, type=RepoTreeEntry, token=self.token):  # type: ignore[arg-type]
            if isinstance(entry, RepoFile):
                files[entry.path] = tree_entry(entry)
        if folder is not None and self.write:
            with contextlib.suppress(OSError):
                write_tree(folder, self.commit, files)
        return files


class DownloadFile(Task[str], kw_only=True):
    """Put one file of a repo in the cache (or ``local_dir``) and return its local path.

    ``filename`` is the full path in the repo. Give ``commit_hash`` + ``etag`` (+ ``size``) from a
    tree listing to skip the ``HEAD``; with ``revision`` a 40-hex sha and the file already in
    ``snapshots/<sha>/``, no request is made. ``local_files_only`` never touches the network.
    ``headers`` are extra request headers as ``(name, value)`` pairs. Not journaled: the cache is
    the durable record, checked first on every run.

    ```python
    path = await api._run(DownloadFile(repo_id="alice/m", filename="w.bin", revision="main"))
    ```
    """

    resource = "transfer"
    idempotent = True
    repo_id: str
    filename: str
    repo_type: str = "model"
    revision: str = "main"
    cache_dir: str | None = None
    local_dir: str | None = None
    force_download: bool = False
    local_files_only: bool = False
    etag_timeout: float = 10.0
    headers: tuple[tuple[str, str], ...] = ()
    commit_hash: str | None = None
    etag: str | None = None
    size: int | None = None

    @property
    def label(self) -> str:
        return self.filename

    def total_bytes(self) -> int | None:
        return self.size

    async def run(self, ctx: Context) -> str:
        from hubflow.pipelines._download_file import download_one

        return await download_one(self, ctx)
