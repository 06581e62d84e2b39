"""Compatibility odds and ends on the facade: ``resolve_revision``, tag lists, sharded safetensors
metadata, ``search_spaces``, ``get_zero_gpu_quota``, and ``HfApi.run_as_future``.

```python
api = HfApi(token="hf_alice_write")
rev = api.resolve_revision("alice/m")            # a str ("main") carrying .resolved (the commit)
api.hf_hub_download("alice/m", "config.json", revision=rev)
api.get_model_tags()["library"][0]["id"]         # "transformers"
future = api.run_as_future(api.whoami)           # one worker per HfApi: FIFO
```
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from hubflow._api._base import AsyncHfApiBase
from hubflow._api._safetensors import parse_header_bytes
from hubflow._cache import RepoCache, is_commit_hash
from hubflow._settings import TokenArg
from hubflow._validation import normalize_repo_type, validate_repo_id
from hubflow.errors import HfHubHTTPError, HubConnectionError, OfflineModeIsEnabled, RevisionResolutionError
from hubflow.schema import ResolvedRevision, SafetensorsRepoMetadata, SpaceSearchResult, ZeroGpuQuota
from hubflow.tasks.misc import (
    GetDatasetTags,
    GetModelTags,
    GetShardedSafetensorsMetadata,
    GetZeroGpuQuota,
    SearchSpaces,
)

__all__ = ["MiscMixin", "run_as_future"]

R = TypeVar("R")
_EXECUTOR_LOCK = threading.Lock()


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


class MiscMixin(AsyncHfApiBase):
    """``resolve_revision``, ``get_model_tags``, ``get_dataset_tags``, ``get_sharded_safetensors_metadata``,
    ``search_spaces``, ``get_zero_gpu_quota``."""

    async def resolve_revision(
        self,
        repo_id: str,
        *,
        repo_type: str | None = None,
        revision: str | None = None,
        cache_dir: str | Path | None = None,
        local_files_only: bool = False,
        token: TokenArg = None,
    ) -> ResolvedRevision:
        """Resolve a branch, tag or PR ref to its commit, once, for several downloads to share.

        The ``revision → commit`` mapping is written to the cache's ``refs/`` (best effort) and used
        when the Hub cannot be reached (offline, connection error, 5xx). A commit hash is returned
        as is; a ``ResolvedRevision`` resolved for this repo too. ``RevisionResolutionError`` when the
        Hub is unreachable (or ``local_files_only=True``) and nothing is cached.

        ```python
        rev = await api.resolve_revision("alice/m", revision="v1")
        rev, rev.resolved                      # "v1", "3f2a…"
        ```
        """
        validate_repo_id(repo_id)
        kind = normalize_repo_type(repo_type)
        if isinstance(revision, ResolvedRevision):
            # a commit only means something for the repo it was resolved against
            if revision._repo_id is None or (revision._repo_id, revision._repo_type) == (repo_id, kind):
                return revision
            revision = revision.initial
        if revision is not None and is_commit_hash(revision):
            return ResolvedRevision(revision, revision, repo_id=repo_id, repo_type=kind)
        cache = RepoCache(cache_dir if cache_dir is not None else self.settings.cache_dir, repo_id, kind)
        wanted = revision or "main"
        error: Exception | None = None
        if not local_files_only:
            try:
                info = await self.repo_info(repo_id, repo_type=kind, revision=revision, token=token)  # type: ignore[attr-defined]
                sha = str(info.sha)
                with contextlib.suppress(OSError):  # a read-only cache must not fail the resolution
                    cache.write_ref(wanted, sha)
                return ResolvedRevision(sha, revision, repo_id=repo_id, repo_type=kind)
            except (HubConnectionError, OfflineModeIsEnabled) as exc:
                error = exc
            except HfHubHTTPError as exc:
                if exc.status_code < 500:
                    raise  # the Hub answered: no such repo/revision, no rights
                error = exc
        cached = cache.read_ref(wanted)
        if cached is not None:
            return ResolvedRevision(cached, revision, repo_id=repo_id, repo_type=kind)
        reason = (
            "'local_files_only=True' is set" if error is None
            else f"the Hub could not be reached ({type(error).__name__}: {error})"
        )
        raise RevisionResolutionError(
            f"Cannot resolve revision '{wanted}' for {kind} '{repo_id}': {reason} and no matching entry was found"
            f" in the local cache ('{cache.folder / 'refs' / wanted}')."
        ) from error

    async def get_model_tags(self) -> dict[str, Any]:
        """Every model tag the Hub knows, grouped by type.

        ```python
        [t["id"] for t in (await api.get_model_tags())["pipeline_tag"]][:2]
        ```
        """
        return await self._run(GetModelTags())

    async def get_dataset_tags(self) -> dict[str, Any]:
        """Every dataset tag the Hub knows, grouped by type.

        ```python
        (await api.get_dataset_tags())["task_categories"][0]["id"]   # "task_categories:text-classification"
        ```
        """
        return await self._run(GetDatasetTags())

    async def get_sharded_safetensors_metadata(
        self,
        repo_id: str,
        *,
        filename: str = "model.safetensors.index.json",
        token: TokenArg = None,
        timeout: float | None = 10,
    ) -> SafetensorsRepoMetadata:
        """Metadata of a sharded safetensors model in one call (the index and every shard header, at ``main``).

        ```python
        meta = await api.get_sharded_safetensors_metadata("alice/big")
        meta.sharded, sorted(meta.files_metadata)
        ```
        """
        answer = await self._run(
            GetShardedSafetensorsMetadata(repo_id=repo_id, filename=filename, timeout=timeout, token=token)
        )
        context = f"repo '{repo_id}', revision 'main'"
        files = {
            shard: parse_header_bytes(msgspec.json.encode(header), shard, context)
            for shard, header in answer.headers.items()
        }
        metadata = answer.index.get("metadata")
        return SafetensorsRepoMetadata(
            metadata=metadata if isinstance(metadata, dict) else None,
            sharded=True,
            # the answer leaves the weight map out: the shard headers name the same tensors
            weight_map={tensor: shard for shard, meta in files.items() for tensor in meta.tensors},
            files_metadata=files,
        )

    async def search_spaces(
        self,
        query: str,
        *,
        filter: str | Iterable[str] | None = None,
        sdk: str | list[str] | None = None,
        include_non_running: bool = False,
        token: TokenArg = None,
    ) -> list[SpaceSearchResult]:
        """Spaces matching ``query``, best first (the local Hub: word search in id, title and tags).

        ```python
        [hit.id for hit in await api.search_spaces("demo", sdk="gradio")]
        ```
        """
        return await self._run(SearchSpaces(
            query=query, filter=_as_list(filter), sdk=_as_list(sdk),
            include_non_running=True if include_non_running else None, token=token,
        ))

    async def get_zero_gpu_quota(self, *, token: TokenArg = None) -> ZeroGpuQuota:
        """The token owner's ZeroGPU quota in GPU-seconds (a token is required).

        ```python
        quota = await api.get_zero_gpu_quota()
        quota.base, quota.remaining
        ```
        """
        return await self._run(GetZeroGpuQuota(token=token))


def run_as_future(self: Any, fn: Callable[..., R], *args: Any, **kwargs: Any) -> Future[R]:
    """Run ``fn(*args, **kwargs)`` in this ``HfApi``'s single background worker; returns a ``Future``.

    As huggingface_hub: one worker thread per ``HfApi`` instance, so submitted calls run one at a
    time, in submission order; an exception is stored in the future and the worker goes on.

    ```python
    future = api.run_as_future(api.upload_file, path_or_fileobj=b"x", path_in_repo="x", repo_id="alice/m")
    future.result().oid
    ```
    """
    with _EXECUTOR_LOCK:
        executor: ThreadPoolExecutor | None = self.__dict__.get("_thread_pool")
        if executor is None:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubflow-future")
            self.__dict__["_thread_pool"] = executor
    return executor.submit(fn, *args, **kwargs)
