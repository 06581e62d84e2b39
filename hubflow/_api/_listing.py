"""Listings on the facade: models, datasets, Spaces, repo trees and files, paths info, LFS files.

The ``list_*`` iterators are lazy (``Paged``): the first item costs one request, later pages
are fetched as they are consumed, ``limit`` stops early. ``HfApi`` mirrors them with
``blocking_paged`` (one thread hop per page). Same names and parameters as huggingface_hub 2.4.0.

```python
async for model in api.list_models(author="alice", sort="downloads", limit=10):
    print(model.id)
paths = await api.list_repo_files("alice/m1")
```
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

from hubflow._api._base import AsyncHfApiBase
from hubflow._api._paging import Paged
from hubflow._settings import TokenArg
from hubflow._validation import normalize_repo_type, validate_path_in_repo
from hubflow.errors import HFValidationError
from hubflow.schema import DatasetInfo, LFSFileInfo, ModelInfo, RepoFile, RepoFolder, SpaceInfo
from hubflow.tasks.listing import (
    GetPathsInfo,
    ListDatasets,
    ListLfsFiles,
    ListModels,
    ListRepoTree,
    ListSpaces,
    PermanentlyDeleteLfsFiles,
)

__all__ = ["ListingMixin"]

_SORT_WIRE = {"last_modified": "lastModified", "trending_score": "trendingScore", "created_at": "createdAt"}
_DATASET_FILTER_KEYS = (
    "language_creators", "language", "multilinguality", "size_categories", "task_categories", "task_ids",
)


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _sort(sort: str | None) -> str | None:
    return None if sort is None else _SORT_WIRE.get(sort, sort)


def _emissions_between(low: float | None, high: float | None) -> Any:
    # huggingface_hub's client-side filter over cardData["co2_eq_emissions"].
    low = -1 if low is None else low
    high = math.inf if high is None else high

    def keep(model: ModelInfo) -> bool:
        card = model.card_data
        emission = card.get("co2_eq_emissions") if isinstance(card, dict) else None
        if isinstance(emission, dict):
            emission = emission.get("emissions")
        if not emission:
            return False
        try:
            value = float(str(emission).split(" ")[0]) if isinstance(emission, str) else float(emission)
        except ValueError:
            return False
        return low <= value <= high

    return keep


class ListingMixin(AsyncHfApiBase):
    """Lazy listings and tree queries (see the module docstring)."""

    def list_models(
        self,
        *,
        filter: str | Iterable[str] | None = None,
        author: str | None = None,
        apps: str | list[str] | None = None,
        gated: bool | None = None,
        inference: Literal["warm"] | None = None,
        inference_provider: str | list[str] | None = None,
        trained_dataset: str | list[str] | None = None,
        search: str | None = None,
        pipeline_tag: str | None = None,
        num_parameters: str | None = None,
        emissions_thresholds: tuple[float, float] | None = None,
        sort: str | None = None,
        direction: Literal[-1] | None = None,
        limit: int | None = None,
        expand: list[str] | None = None,
        full: bool | None = None,
        cardData: bool = False,
        fetch_config: bool = False,
        token: TokenArg = None,
    ) -> Paged[ModelInfo]:
        """Models on the Hub, lazily: ``ModelInfo`` items, a page fetched as you get there.

        ``sort`` takes ``"downloads"``, ``"likes"``, ``"last_modified"``, ``"created_at"``,
        ``"trending_score"``; ``direction`` is accepted and not sent (the Hub sorts descending,
        as with huggingface_hub 2.x). ``limit`` is sent and also caps the iteration.

        ```python
        async for model in api.list_models(author="alice", limit=5):
            print(model.id, model.downloads)
        ```
        """
        if expand and (full or cardData or fetch_config):
            raise HFValidationError("`expand` cannot be used if `full`, `cardData` or `fetch_config` are passed.")
        if emissions_thresholds is not None and not cardData:
            raise HFValidationError("`emissions_thresholds` were passed without setting `cardData=True`.")
        filters = _as_list(filter)
        filters += [d if d.startswith("dataset:") else f"dataset:{d}" for d in _as_list(trained_dataset)]
        node = ListModels(
            filter=filters or None, author=author or None, apps=_as_list(apps) or None, gated=gated,
            inference=inference, inference_provider=inference_provider, pipeline_tag=pipeline_tag or None,
            num_parameters=num_parameters, search=search or None, sort=_sort(sort), limit=limit,
            full=full or None, config=fetch_config or None, card_data=cardData or None, expand=expand or None,
            token=token,
        )
        keep = _emissions_between(*emissions_thresholds) if emissions_thresholds is not None else None
        return Paged(self.hub, node, limit=limit, keep=keep)

    def list_datasets(
        self,
        *,
        filter: str | Iterable[str] | None = None,
        author: str | None = None,
        benchmark: Literal[True] | str | None = None,
        dataset_name: str | None = None,
        gated: bool | None = None,
        language_creators: str | list[str] | None = None,
        language: str | list[str] | None = None,
        multilinguality: str | list[str] | None = None,
        size_categories: str | list[str] | None = None,
        task_categories: str | list[str] | None = None,
        task_ids: str | list[str] | None = None,
        search: str | None = None,
        sort: str | None = None,
        direction: Literal[-1] | None = None,
        limit: int | None = None,
        expand: list[str] | None = None,
        full: bool | None = None,
        token: TokenArg = None,
    ) -> Paged[DatasetInfo]:
        """Datasets on the Hub, lazily (``DatasetInfo`` items); see ``list_models``.

        ``language="en"`` and friends become ``filter=language:en``; ``benchmark=True`` is
        ``filter=benchmark:official``; ``dataset_name`` and ``search`` are both sent as ``search``.

        ```python
        async for ds in api.list_datasets(author="alice", language="en"):
            print(ds.id)
        ```
        """
        if expand and full:
            raise HFValidationError("`expand` cannot be used if `full` is passed.")
        filters = _as_list(filter)
        values = (language_creators, language, multilinguality, size_categories, task_categories, task_ids)
        for key, value in zip(_DATASET_FILTER_KEYS, values, strict=True):
            filters += [v if v.startswith(f"{key}:") else f"{key}:{v}" for v in _as_list(value)]
        if benchmark is not None:
            filters.append(f"benchmark:{'official' if benchmark is True else benchmark}")
        searches = [s for s in (dataset_name, search) if s]
        node = ListDatasets(
            filter=filters or None, author=author or None, gated=gated, search=searches or None, sort=_sort(sort),
            limit=limit, expand=expand or None, full=full or None, token=token,
        )
        return Paged(self.hub, node, limit=limit)

    def list_spaces(
        self,
        *,
        filter: str | Iterable[str] | None = None,
        author: str | None = None,
        search: str | None = None,
        datasets: str | Iterable[str] | None = None,
        models: str | Iterable[str] | None = None,
        linked: bool = False,
        sort: str | None = None,
        direction: Literal[-1] | None = None,
        limit: int | None = None,
        expand: list[str] | None = None,
        full: bool | None = None,
        token: TokenArg = None,
    ) -> Paged[SpaceInfo]:
        """Spaces on the Hub, lazily (``SpaceInfo`` items); see ``list_models``.

        ```python
        async for space in api.list_spaces(author="alice", limit=3):
            print(space.id, space.sdk)
        ```
        """
        if expand and full:
            raise HFValidationError("`expand` cannot be used if `full` is passed.")
        node = ListSpaces(
            filter=_as_list(filter) or None, author=author, search=search, sort=_sort(sort), limit=limit,
            linked=linked or None, datasets=_as_list(datasets) or None, models=_as_list(models) or None,
            expand=expand or None, full=full or None, token=token,
        )
        return Paged(self.hub, node, limit=limit)

    def list_repo_tree(
        self,
        repo_id: str,
        path_in_repo: str | None = None,
        *,
        recursive: bool = False,
        expand: bool = False,
        revision: str | None = None,
        repo_type: str | None = None,
        token: TokenArg = None,
    ) -> Paged[RepoFile | RepoFolder]:
        """Files and folders under ``path_in_repo`` (the root by default), lazily.

        ``recursive=True`` walks sub-folders (folders are listed too); ``expand=True`` adds
        ``last_commit`` and ``security`` (the Hub then sends smaller pages). A missing path
        raises ``EntryNotFoundError``, a missing revision ``RevisionNotFoundError``.

        ```python
        async for entry in api.list_repo_tree("alice/m1", recursive=True):
            print(entry.path, getattr(entry, "size", None))
        ```
        """
        node = ListRepoTree(
            repo_id=repo_id, path_in_repo=path_in_repo or None, repo_type=normalize_repo_type(repo_type),
            revision=revision or "main", recursive=recursive, expand=expand, token=token,
        )
        return Paged(self.hub, node)

    async def list_repo_files(
        self, repo_id: str, *, revision: str | None = None, repo_type: str | None = None, token: TokenArg = None
    ) -> list[str]:
        """Paths of every file in the repo at ``revision`` (folders left out).

        ```python
        await api.list_repo_files("alice/m1")   # [".gitattributes", "config.json", ...]
        ```
        """
        entries = await self.list_repo_tree(
            repo_id, recursive=True, revision=revision, repo_type=repo_type, token=token
        ).collect()
        return [entry.path for entry in entries if isinstance(entry, RepoFile)]

    async def get_paths_info(
        self,
        repo_id: str,
        paths: list[str] | str,
        *,
        expand: bool = False,
        revision: str | None = None,
        repo_type: str | None = None,
        token: TokenArg = None,
    ) -> list[RepoFile | RepoFolder]:
        """Tree entries of the given paths (missing ones left out), in request order, 500 per request.

        ```python
        info = await api.get_paths_info("alice/m1", ["config.json", "weights"], expand=True)
        ```
        """
        wanted = [paths] if isinstance(paths, str) else list(paths)
        for path in wanted:
            validate_path_in_repo(path.rstrip("/") or path)
        node = GetPathsInfo(
            repo_id=repo_id, paths=wanted, repo_type=normalize_repo_type(repo_type), revision=revision or "main",
            expand=expand, token=token,
        )
        return await self._run(node)

    def list_lfs_files(
        self, repo_id: str, *, repo_type: str | None = None, token: TokenArg = None
    ) -> Paged[LFSFileInfo]:
        """LFS objects stored for the repo, lazily (``LFSFileInfo``: ``file_oid``, ``filename``, ``size``...).

        ```python
        async for lfs in api.list_lfs_files("alice/m1"):
            print(lfs.filename, lfs.size)
        ```
        """
        return Paged(self.hub, ListLfsFiles(repo_id=repo_id, repo_type=normalize_repo_type(repo_type), token=token))

    async def permanently_delete_lfs_files(
        self,
        repo_id: str,
        lfs_files: Iterable[LFSFileInfo],
        *,
        rewrite_history: bool = True,
        repo_type: str | None = None,
        token: TokenArg = None,
    ) -> None:
        """Delete LFS objects for good (1000 per request); history is rewritten by default.

        ```python
        files = [f async for f in api.list_lfs_files("alice/m1") if f.filename.endswith(".bin")]
        await api.permanently_delete_lfs_files("alice/m1", files)
        ```
        """
        oids = [item.file_oid for item in lfs_files]
        if not oids:
            return
        node = PermanentlyDeleteLfsFiles(
            repo_id=repo_id, file_oids=oids, repo_type=normalize_repo_type(repo_type),
            rewrite_history=rewrite_history, token=token,
        )
        await self._run(node)
