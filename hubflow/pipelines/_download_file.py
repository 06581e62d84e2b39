"""One file into the cache or a local_dir: the body of the ``DownloadFile`` node.

Cache mode (protocol §10.1): a 40-hex revision already in ``snapshots/`` returns at once; else
the metadata comes from the node (tree listing) or a ``HEAD`` (``.no_exist`` marker on
``EntryNotFound``); a failed ``HEAD`` falls back to the cached copy (§9.4). The bytes are
streamed under the blob lock into ``blobs/<etag>.<8 hex>.incomplete``, sha256-hashed while
streaming, verified (size, sha256) and renamed to ``blobs/<etag>``; only then is the snapshot
pointer created. A failure at any point removes the temp file: nothing half-written is ever
reachable from ``snapshots/``.

local_dir mode (§10.2): the same metadata, then the ``.cache/huggingface/download`` record
decides whether the local file is current; else a copy from the main cache, else a download
into the local_dir's temp file, verified and renamed.

```python
path = await download_one(DownloadFile(repo_id="alice/m", filename="w.bin"), ctx)
```
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import anyio.to_thread
import msgspec

from hubflow._cache import (
    BlobIntegrityError,
    RepoCache,
    is_commit_hash,
    is_sha256,
    local_dir_paths,
    read_download_metadata,
    try_to_load_from_cache,
    write_download_metadata,
)
from hubflow._cache._fs import chmod_like_directory
from hubflow._hashing import hash_file
from hubflow._http import is_retryable, retry_delay
from hubflow.errors import (
    FileMetadataError,
    GatedRepoError,
    HfHubHTTPError,
    HubConnectionError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from hubflow.pipelines._download_fetch import (
    fetch_bytes,
    fetch_file_metadata,
    hf_hub_url,
    is_same_or_hub_host,
    require_metadata,
    stream_to_file,
)

if TYPE_CHECKING:
    from hubflow._http import HubClient
    from hubflow.graph._context import Context
    from hubflow.tasks.downloads import DownloadFile

__all__ = ["HeadCallFailed", "Resolved", "download_one", "raise_on_head_error", "resolve_metadata"]

logger = logging.getLogger("hubflow.download")

SMALL_FILE = 256 * 1024
"""Files up to this size are fetched whole and stored with one worker-thread call: per small file
the cost is the requests and file creations, not the bytes, so chunked streaming only adds hops.
Larger files stream (and resume with ``Range``); a restarted small file loses at most this much."""


class Resolved(msgspec.Struct, frozen=True, kw_only=True):
    """What the metadata step settled: commit, etag, size, where to GET and whether auth goes along."""

    commit_hash: str
    etag: str
    size: int | None
    location: str
    keep_auth: bool = True


class HeadCallFailed(Exception):
    """The metadata step could not reach a usable answer; ``error`` says why (cache fallback next)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def raise_on_head_error(error: Exception, *, force_download: bool, local_files_only: bool) -> NoReturn:
    """Raise what huggingface_hub raises when the metadata failed and nothing usable is cached."""
    if force_download:
        if local_files_only:
            raise ValueError("Cannot pass 'force_download=True' and 'local_files_only=True' at the same time.")
        if isinstance(error, OfflineModeIsEnabled):
            raise ValueError("Cannot pass 'force_download=True' when offline mode is enabled.") from error
        raise ValueError("Force download failed due to the above error.") from error
    if local_files_only:
        raise LocalEntryNotFoundError(
            "Cannot find the requested files in the disk cache and outgoing traffic has been disabled. To enable"
            " hf.co look-ups and downloads online, set 'local_files_only' to False."
        )
    if isinstance(error, (RepositoryNotFoundError, GatedRepoError)) or (
        isinstance(error, HfHubHTTPError) and error.status_code == 401
    ):
        raise error
    if isinstance(error, FileMetadataError):
        raise LocalEntryNotFoundError(f"{error} We also cannot find the requested files in the local cache.") from error
    raise LocalEntryNotFoundError(
        "An error happened while trying to locate the file on the Hub and we cannot find the requested files"
        " in the local cache. Please check your connection and try again or make sure your Internet connection"
        " is on."
    ) from error


async def resolve_metadata(node: DownloadFile, hub: HubClient, repo: RepoCache | None) -> Resolved:
    """Metadata from the node's tree facts, else a ``HEAD``; ``HeadCallFailed`` for a cache fallback.

    ``RevisionNotFoundError`` and ``RemoteEntryNotFoundError`` propagate (the latter after writing
    the ``.no_exist`` marker and the ref into ``repo``).
    """
    if node.local_files_only:
        raise HeadCallFailed(OfflineModeIsEnabled("local_files_only=True: no request is made"))
    endpoint = hub.settings.endpoint
    if node.commit_hash is not None and node.etag is not None:
        url = hf_hub_url(node.repo_id, node.filename, repo_type=node.repo_type, revision=node.commit_hash,
                         endpoint=endpoint)
        return Resolved(commit_hash=node.commit_hash, etag=node.etag, size=node.size, location=url)
    url = hf_hub_url(node.repo_id, node.filename, repo_type=node.repo_type, revision=node.revision, endpoint=endpoint)
    try:
        meta = await fetch_file_metadata(
            hub, url, token=node.token, timeout=node.etag_timeout, headers=dict(node.headers)
        )
        commit, etag = require_metadata(meta, url)
    except RemoteEntryNotFoundError as err:
        commit_header = err.response.headers.get("x-repo-commit")
        if repo is not None and commit_header:
            try:
                repo.mark_no_exist(commit_header, node.filename)
                repo.write_ref(node.revision, commit_header)
            except OSError as exc:  # caching absence is an optimisation
                logger.warning("could not record that %s does not exist: %s", node.filename, exc)
        raise
    except RevisionNotFoundError:
        raise
    except (HubConnectionError, OfflineModeIsEnabled, HfHubHTTPError, FileMetadataError) as err:
        raise HeadCallFailed(err) from err
    location = meta.location if meta.location else url
    return Resolved(
        commit_hash=commit, etag=etag, size=meta.size, location=location,
        keep_auth=is_same_or_hub_host(url, location),
    )


async def retry_metadata(node: DownloadFile, hub: HubClient, repo: RepoCache | None, failed: HeadCallFailed) -> Resolved:
    """Nothing usable is cached: retry a retryable metadata failure with the back-off policy (as
    huggingface_hub retries its ``HEAD`` then), else raise what ``raise_on_head_error`` raises."""
    policy = hub.settings.retry
    for attempt in range(policy.max_retries):
        if node.local_files_only or not is_retryable(failed.error):
            break
        await anyio.sleep(retry_delay(failed.error, attempt, policy))
        try:
            return await resolve_metadata(node, hub, repo)
        except HeadCallFailed as again:
            failed = again
    raise_on_head_error(failed.error, force_download=node.force_download, local_files_only=node.local_files_only)


@asynccontextmanager
async def locked(lock: AbstractContextManager[Any]) -> AsyncIterator[None]:
    """Hold a blocking file lock without blocking the event loop (acquired in a worker thread)."""
    entered = False

    def enter() -> None:
        nonlocal entered
        lock.__enter__()
        entered = True

    try:
        await anyio.to_thread.run_sync(enter)
        yield
    finally:
        if entered:
            lock.__exit__(None, None, None)


async def _stream_into(node: DownloadFile, ctx: Context, meta: Resolved, tmp: Path) -> str | None:
    """GET ``meta.location`` into ``tmp`` (created); the sha256 hex for LFS etags."""
    headers = dict(node.headers)
    with open(tmp, "wb") as handle:
        return await stream_to_file(
            ctx.hub, meta.location, handle, etag=meta.etag, expected_size=meta.size,
            token=node.token if meta.keep_auth else False, headers=headers, hub_headers=meta.keep_auth,
            timeout=ctx.settings.timeouts.download, on_progress=ctx.emit_progress,
        )


def verify_download(tmp: Path, etag: str, size: int | None, sha256: str | None) -> None:
    """Size and (LFS) sha256 checks on a finished temp file; ``BlobIntegrityError`` if wrong."""
    actual_size = tmp.stat().st_size
    if size is not None and actual_size != size:
        raise BlobIntegrityError(
            f"Consistency check failed: file should be of size {size} but has size {actual_size} (etag {etag})."
            " This is usually due to network issues while downloading."
        )
    if is_sha256(etag) and sha256 is not None and sha256 != etag:
        raise BlobIntegrityError(f"Consistency check failed: sha256 {sha256} does not match the etag {etag}.")


async def download_one(node: DownloadFile, ctx: Context) -> str:
    """Run a ``DownloadFile`` node: cache mode or local_dir mode."""
    cache_dir = node.cache_dir if node.cache_dir is not None else str(ctx.cache_dir)
    repo = RepoCache(cache_dir, node.repo_id, node.repo_type)
    if node.local_dir is not None:
        return await _to_local_dir(node, ctx, repo, Path(node.local_dir))
    return await _to_cache(node, ctx, repo)


async def _to_cache(node: DownloadFile, ctx: Context, repo: RepoCache) -> str:
    force = node.force_download
    if is_commit_hash(node.revision) and not force:
        cached = repo.cached_file(node.revision, node.filename)
        if cached is not None:
            return str(cached)
    try:
        meta = await resolve_metadata(node, ctx.hub, repo)
    except HeadCallFailed as failed:
        if not force:
            commit = repo.resolve(node.revision)
            if commit is not None and (pointer := repo.snapshot_path(commit, node.filename)).is_file():
                return str(pointer)
        meta = await retry_metadata(node, ctx.hub, repo, failed)

    pointer = repo.snapshot_path(meta.commit_hash, node.filename)
    if not force and pointer.is_file():
        with suppress(OSError):
            repo.write_ref(node.revision, meta.commit_hash)
        return str(pointer)
    repo.write_ref(node.revision, meta.commit_hash)
    if meta.size is not None and meta.size <= SMALL_FILE and (force or not repo.has_blob(meta.etag)):
        data = await fetch_bytes(
            ctx.hub, meta.location, token=node.token if meta.keep_auth else False, headers=dict(node.headers),
            hub_headers=meta.keep_auth, timeout=ctx.settings.timeouts.download,
        )
        ctx.emit_progress(len(data))
        await anyio.to_thread.run_sync(_store_small, repo, meta, node.filename, data, force)
        return str(pointer)
    async with locked(repo.lock(meta.etag)):
        new_blob = False
        if force or not repo.has_blob(meta.etag):
            tmp = repo.new_incomplete_path(meta.etag)
            try:
                digest = await _stream_into(node, ctx, meta, tmp)
                # finalize re-checks size and sha256 (with our digest: no second read) and renames.
                repo.finalize_blob(tmp, meta.etag, expected_size=meta.size, expected_sha256=digest)
            finally:
                tmp.unlink(missing_ok=True)
            new_blob = True
        if force or not pointer.is_file():
            repo.link_snapshot(meta.commit_hash, node.filename, meta.etag, new_blob=new_blob)
    return str(pointer)


def _store_small(repo: RepoCache, meta: Resolved, filename: str, data: bytes, force: bool) -> None:
    """Lock, write, verify, rename and link a fetched small file (one worker-thread call)."""
    with repo.lock(meta.etag):
        new_blob = False
        if force or not repo.has_blob(meta.etag):
            tmp = repo.new_incomplete_path(meta.etag)
            try:
                with open(tmp, "wb") as handle:
                    handle.write(data)
                digest = hashlib.sha256(data).hexdigest() if is_sha256(meta.etag) else None
                repo.finalize_blob(tmp, meta.etag, expected_size=meta.size, expected_sha256=digest)
            finally:
                tmp.unlink(missing_ok=True)
            new_blob = True
        if force or not repo.snapshot_path(meta.commit_hash, filename).is_file():
            repo.link_snapshot(meta.commit_hash, filename, meta.etag, new_blob=new_blob)


async def _to_local_dir(node: DownloadFile, ctx: Context, repo: RepoCache, local_dir: Path) -> str:
    force = node.force_download
    paths = await anyio.to_thread.run_sync(local_dir_paths, local_dir, node.filename)
    record = await anyio.to_thread.run_sync(read_download_metadata, local_dir, node.filename)
    target = paths.file_path
    if (
        not force
        and is_commit_hash(node.revision)
        and record is not None
        and record.commit_hash == node.revision
        and target.is_file()
    ):
        return str(target)
    try:
        meta = await resolve_metadata(node, ctx.hub, None)
    except HeadCallFailed as failed:
        if target.is_file() and not force:
            logger.warning("Couldn't access the Hub to check for update; using the existing %s (%s)", target, failed.error)
            return str(target)
        meta = await retry_metadata(node, ctx.hub, None, failed)

    def record_it() -> None:
        write_download_metadata(local_dir, node.filename, meta.commit_hash, meta.etag)

    if not force and target.is_file():
        if record is not None and record.etag == meta.etag:
            await anyio.to_thread.run_sync(record_it)
            return str(target)
        if record is None and is_sha256(meta.etag):
            hashes = await hash_file(target, limiter=ctx.thread_limiter)
            if hashes.sha256 == meta.etag:
                await anyio.to_thread.run_sync(record_it)
                return str(target)
    if not force:
        cached = try_to_load_from_cache(
            node.repo_id, node.filename, cache_dir=repo.cache_dir, revision=meta.commit_hash, repo_type=node.repo_type
        )
        if isinstance(cached, str):
            async with locked(paths.lock()):
                await anyio.to_thread.run_sync(_copy_atomic, Path(cached), target)
            await anyio.to_thread.run_sync(record_it)
            return str(target)

    async with locked(paths.lock()):
        target.unlink(missing_ok=True)  # an outdated file must not survive a failed download
        tmp = paths.incomplete_path(meta.etag)
        try:
            digest = await _stream_into(node, ctx, meta, tmp)
            verify_download(tmp, meta.etag, meta.size, digest)
            chmod_like_directory(tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    await anyio.to_thread.run_sync(record_it)
    return str(target)


def _copy_atomic(source: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.copy.incomplete")
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
