"""The download pipeline: ``hf_hub_download`` (one node) and ``snapshot_download`` (a graph).

``snapshot_download`` = ``ResolveRevision`` → ``ListSnapshotFiles`` (cached in ``trees/<sha>.json``)
→ pattern filter → one ``DownloadFile`` per file, run in parallel under the ``transfer`` limit
(``max_workers``). Every ``DownloadFile`` carries its etag and size from the tree listing, so no
file needs a ``HEAD``, and files already in ``snapshots/<sha>/`` need no request at all. When
the Hub cannot be reached the cached snapshot is served (``IncompleteSnapshotError`` if the
cached listing shows files missing), as huggingface_hub does (protocol §10.3-10.4).

```python
async with AsyncHfApi(endpoint=e, token=t) as api:
    folder = await snapshot_download(api, "alice/m", allow_patterns=["*.json", "sub/"])
    path = await hf_hub_download(api, "alice/m", "config.json", revision="v1.0")
```
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from hubflow._cache import (
    RepoCache,
    TreeEntry,
    huggingface_dir,
    is_commit_hash,
    read_download_metadata,
    read_tree,
)
from hubflow._http import HubClient, is_retryable
from hubflow._validation import normalize_repo_type, validate_repo_id
from hubflow.errors import (
    GatedRepoError,
    HfHubHTTPError,
    HubConnectionError,
    IncompleteSnapshotError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from hubflow.graph import Graph, run
from hubflow.pipelines._download_file import HeadCallFailed, resolve_metadata
from hubflow.pipelines._download_types import DryRunFileInfo, filter_repo_paths
from hubflow.tasks.downloads import DownloadFile, ListSnapshotFiles, ResolveRevision

if TYPE_CHECKING:
    from hubflow._api._base import AsyncHfApiBase
    from hubflow._settings import TokenArg

__all__ = ["file_node", "hf_hub_download", "snapshot_download"]

logger = logging.getLogger("hubflow.download")


def _cache_dir(api: AsyncHfApiBase, cache_dir: str | os.PathLike[str] | None) -> str:
    return str(Path(cache_dir if cache_dir is not None else api.settings.cache_dir).expanduser().resolve())


def _headers(headers: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((headers or {}).items()))


def file_node(
    repo_id: str,
    filename: str,
    *,
    cache_dir: str,
    subfolder: str | None = None,
    repo_type: str | None = None,
    revision: str | None = None,
    local_dir: str | os.PathLike[str] | None = None,
    force_download: bool = False,
    etag_timeout: float = 10.0,
    token: TokenArg = None,
    local_files_only: bool = False,
    headers: Mapping[str, str] | None = None,
) -> DownloadFile:
    """The ``DownloadFile`` node for ``hf_hub_download``'s arguments (validated, paths resolved)."""
    validate_repo_id(repo_id)
    if subfolder:
        filename = f"{subfolder}/{filename}"
    return DownloadFile(
        repo_id=repo_id,
        filename=filename,
        repo_type=normalize_repo_type(repo_type),
        revision=revision or "main",
        cache_dir=cache_dir,
        local_dir=str(Path(local_dir).expanduser().resolve()) if local_dir is not None else None,
        force_download=force_download,
        local_files_only=local_files_only,
        etag_timeout=etag_timeout,
        headers=_headers(headers),
        token=token,
    )


async def hf_hub_download(
    api: AsyncHfApiBase,
    repo_id: str,
    filename: str,
    *,
    subfolder: str | None = None,
    repo_type: str | None = None,
    revision: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    local_dir: str | os.PathLike[str] | None = None,
    force_download: bool = False,
    etag_timeout: float = 10.0,
    token: TokenArg = None,
    local_files_only: bool = False,
    headers: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> str | DryRunFileInfo:
    """Download one file (cache or ``local_dir``) through a single ``DownloadFile`` node; see the facade."""
    node = file_node(
        repo_id, filename, cache_dir=_cache_dir(api, cache_dir), subfolder=subfolder, repo_type=repo_type,
        revision=revision, local_dir=local_dir, force_download=force_download, etag_timeout=etag_timeout,
        token=token, local_files_only=local_files_only, headers=headers,
    )
    if dry_run:
        return await _dry_run_file(api, node)
    return await api._run(node)


async def _dry_run_file(api: AsyncHfApiBase, node: DownloadFile) -> DryRunFileInfo:
    """What ``node`` would do: one ``HEAD`` (or none when cached at a sha), no bytes moved."""
    repo = RepoCache(node.cache_dir, node.repo_id, node.repo_type)
    local = Path(node.local_dir) if node.local_dir is not None else None
    if local is None and is_commit_hash(node.revision) and (cached := repo.cached_file(node.revision, node.filename)):
        return DryRunFileInfo(
            commit_hash=node.revision, file_size=cached.stat().st_size, filename=node.filename,
            local_path=str(cached), is_cached=True, will_download=node.force_download,
        )
    try:
        meta = await resolve_metadata(node, api.hub, None)
    except HeadCallFailed as failed:
        raise LocalEntryNotFoundError(f"Dry run cannot reach the Hub: {failed.error}") from failed.error
    if local is not None:
        target = local.joinpath(*node.filename.split("/"))
        record = read_download_metadata(local, node.filename) if target.is_file() else None
        is_cached = record is not None and record.etag == meta.etag
        return DryRunFileInfo(
            commit_hash=meta.commit_hash, file_size=meta.size, filename=node.filename, local_path=str(target),
            is_cached=is_cached, will_download=node.force_download or not is_cached,
        )
    pointer = repo.snapshot_path(meta.commit_hash, node.filename)
    is_cached = pointer.is_file() or repo.has_blob(meta.etag)
    return DryRunFileInfo(
        commit_hash=meta.commit_hash, file_size=meta.size, filename=node.filename, local_path=str(pointer),
        is_cached=is_cached, will_download=node.force_download or not is_cached,
    )


def _raise_if_incomplete(
    tree_folder: Path, commit: str, base: Path, allow: list[str] | str | None, ignore: list[str] | str | None,
    repo_id: str, revision: str, error: Exception | None,
) -> None:
    tree = read_tree(tree_folder, commit)
    if tree is None:
        return  # no listing cached: we cannot tell, return the folder as is (as upstream)
    missing = [p for p in filter_repo_paths(tree, allow, ignore) if not base.joinpath(*p.split("/")).is_file()]
    if not missing:
        return
    sample = ", ".join(missing[:3]) + (f", ... ({len(missing) - 3} more)" if len(missing) > 3 else "")
    reason = (
        f"The Hub could not be reached ({type(error).__name__}: {error})." if error is not None
        else "Outgoing traffic is disabled ('local_files_only=True')."
    )
    raise IncompleteSnapshotError(
        f"The cached snapshot for '{repo_id}' (revision '{revision}', commit {commit}) is incomplete: "
        f"{len(missing)} file(s) are missing ({sample}). {reason} Re-run the download with network access "
        "to complete the snapshot.",
        snapshot_path=base,
    )


def _offline_snapshot(
    repo: RepoCache, local: Path | None, tree_folder: Path, revision: str, commit: str | None,
    allow: list[str] | str | None, ignore: list[str] | str | None, local_files_only: bool, error: Exception | None,
) -> str:
    """The cached snapshot (or local_dir) when the Hub is unreachable or not to be asked."""
    commit = commit or repo.read_ref(revision)
    if commit is not None and local is None:
        folder = repo.snapshot_dir(commit)
        if folder.is_dir():
            _raise_if_incomplete(tree_folder, commit, folder, allow, ignore, repo.repo_id, revision, error)
            return str(folder)
    if local is not None and local.is_dir() and any(local.iterdir()):
        if commit is not None:
            _raise_if_incomplete(tree_folder, commit, local, allow, ignore, repo.repo_id, revision, error)
        logger.warning("Returning existing local_dir %s as the Hub cannot be reached (%s)", local, error)
        return str(local)
    if local_files_only:
        raise LocalEntryNotFoundError(
            "Cannot find an appropriate cached snapshot folder for the specified revision on the local disk and "
            "outgoing traffic has been disabled. To enable repo look-ups and downloads online, pass "
            "'local_files_only=False' as input."
        )
    if isinstance(error, OfflineModeIsEnabled):
        raise LocalEntryNotFoundError(
            "Cannot find an appropriate cached snapshot folder for the specified revision on the local disk and "
            "outgoing traffic has been disabled. To enable repo look-ups and downloads online, set "
            "'HF_HUB_OFFLINE=0' as environment variable."
        ) from error
    if isinstance(error, (RepositoryNotFoundError, GatedRepoError)) or (
        isinstance(error, HfHubHTTPError) and error.status_code == 401
    ):
        raise error
    raise LocalEntryNotFoundError(
        f"Got: {type(error).__name__}: {error}\nAn error happened while trying to locate the files on the Hub, and"
        " we cannot find the appropriate snapshot folder for the specified revision on the local disk. Please"
        " check your internet connection and try again."
    ) from error


async def snapshot_download(
    api: AsyncHfApiBase,
    repo_id: str,
    *,
    repo_type: str | None = None,
    revision: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    local_dir: str | os.PathLike[str] | None = None,
    etag_timeout: float = 10.0,
    force_download: bool = False,
    token: TokenArg = None,
    local_files_only: bool = False,
    allow_patterns: list[str] | str | None = None,
    ignore_patterns: list[str] | str | None = None,
    max_workers: int = 8,
    headers: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> str | list[DryRunFileInfo]:
    """Download a repo snapshot as a graph of ``DownloadFile`` nodes; see the facade's docstring."""
    validate_repo_id(repo_id)
    repo_type = normalize_repo_type(repo_type)
    revision = revision or "main"
    cache = _cache_dir(api, cache_dir)
    repo = RepoCache(cache, repo_id, repo_type)
    local = Path(local_dir).expanduser().resolve() if local_dir is not None else None
    tree_folder = huggingface_dir(local) if local is not None else repo.folder

    commit: str | None = revision if is_commit_hash(revision) else None
    tree: dict[str, TreeEntry] | None = None
    error: Exception | None = None
    if not local_files_only:
        try:
            if commit is None:
                commit = await api._run(
                    ResolveRevision(repo_id=repo_id, repo_type=repo_type, revision=revision, cache_dir=cache,
                                    retries=False, token=token)
                )
            tree = await api._run(
                ListSnapshotFiles(repo_id=repo_id, repo_type=repo_type, commit=commit, tree_folder=str(tree_folder),
                                  write=not dry_run, retries=False, token=token)
            )
        except RevisionNotFoundError:
            raise
        except (HubConnectionError, OfflineModeIsEnabled, HfHubHTTPError) as exc:
            error = exc
    if tree is None and error is not None and is_retryable(error) and not dry_run:
        # The fast lookup failed transiently: serve the cache if it can, else retry the lookups with
        # the back-off policy (as hf_hub_download retries its HEAD) before giving up.
        try:
            return _offline_snapshot(
                repo, local, tree_folder, revision, commit, allow_patterns, ignore_patterns, local_files_only, error
            )
        except LocalEntryNotFoundError:
            try:
                if commit is None:
                    commit = await api._run(ResolveRevision(repo_id=repo_id, repo_type=repo_type, revision=revision,
                                                            cache_dir=cache, token=token))
                tree = await api._run(ListSnapshotFiles(repo_id=repo_id, repo_type=repo_type, commit=commit,
                                                        tree_folder=str(tree_folder), token=token))
            except (HubConnectionError, HfHubHTTPError) as exc:
                error = exc
    if tree is None or local_files_only:
        if dry_run:
            raise LocalEntryNotFoundError(
                "Dry run cannot be performed as the repository cannot be accessed."
            ) from error
        return _offline_snapshot(
            repo, local, tree_folder, revision, commit, allow_patterns, ignore_patterns, local_files_only, error
        )
    assert commit is not None
    paths = list(filter_repo_paths(tree, allow_patterns, ignore_patterns))
    if tree and not paths and (allow_patterns is not None or ignore_patterns is not None):
        logger.warning("No files matched allow_patterns=%r, ignore_patterns=%r", allow_patterns, ignore_patterns)
    nodes = [
        DownloadFile(
            repo_id=repo_id, filename=path, repo_type=repo_type, revision=commit, cache_dir=cache,
            local_dir=str(local) if local is not None else None, force_download=force_download,
            etag_timeout=etag_timeout, headers=_headers(headers), token=token, commit_hash=commit,
            etag=tree[path].lfs_sha256 or tree[path].blob_id, size=tree[path].lfs_size or tree[path].size,
        )
        for path in paths
    ]
    if dry_run:
        return [_dry_run_from_tree(repo, local, node) for node in nodes]
    graph = Graph()
    for node in nodes:
        graph.add(node)
    # max_workers bounds the parallel transfers of this call; the injected client is shared, not closed.
    limits = msgspec.structs.replace(api.settings.limits, transfer=max(1, max_workers))
    hub = HubClient(msgspec.structs.replace(api.settings, limits=limits), client=api.hub.client)
    await run(graph, hub, on_event=api.on_event)
    return str(local) if local is not None else str(repo.snapshot_dir(commit))


def _dry_run_from_tree(repo: RepoCache, local: Path | None, node: DownloadFile) -> DryRunFileInfo:
    assert node.commit_hash is not None and node.etag is not None
    if local is not None:
        target = local.joinpath(*node.filename.split("/"))
        record = read_download_metadata(local, node.filename) if target.is_file() else None
        is_cached = record is not None and record.etag == node.etag
        path = str(target)
    else:
        pointer = repo.snapshot_path(node.commit_hash, node.filename)
        is_cached = pointer.is_file() or repo.has_blob(node.etag)
        path = str(pointer)
    return DryRunFileInfo(
        commit_hash=node.commit_hash, file_size=node.size, filename=node.filename, local_path=path,
        is_cached=is_cached, will_download=node.force_download or not is_cached,
    )
