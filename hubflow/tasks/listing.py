"""Listing nodes: repositories (``/api/models`` ...), trees, paths info and LFS files.

The listings are paginated ``Endpoint`` declarations: run as a node they return every item;
the facade consumes them lazily page by page (``hubflow._api._paging``). Each page is decoded
by one ``msgspec.json.decode(body, type=list[T])``.

```python
files = await ctx.submit(ListRepoTree(repo_id="alice/m1", recursive=True))
models = await ctx.submit(ListModels(author="alice", limit=10))
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from urllib.parse import quote, urlencode

import msgspec

from hubflow._constants import REPO_TYPE_PLURAL
from hubflow._validation import normalize_repo_type, validate_path_in_repo, validate_revision
from hubflow.schema import DatasetInfo, LFSFileInfo, ModelInfo, RepoTreeEntry, SpaceInfo
from hubflow.tasks._base import Endpoint, Task
from hubflow.tasks.repos import _check_repo

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = [
    "PATHS_INFO_BATCH",
    "GetPathsInfo",
    "ListDatasets",
    "ListLfsFiles",
    "ListModels",
    "ListRepoTree",
    "ListSpaces",
    "PermanentlyDeleteLfsFiles",
]

PATHS_INFO_BATCH = 500
"""Paths per ``paths-info`` request (the Hub answers 413 past ~1000)."""
LFS_DELETE_BATCH = 1000


def _plural(repo_type: str | None) -> str:
    return REPO_TYPE_PLURAL[normalize_repo_type(repo_type)]


class _ListRepos(Endpoint[list[object]], kw_only=True):
    """Query fields shared by the three repository listings (wire names as the Hub spells them)."""

    method = "GET"
    paginated = True

    search: list[str] | str | None = None
    author: str | None = None
    filter: list[str] | None = None
    sort: str | None = None
    limit: int | None = None
    full: bool | None = None
    expand: list[str] | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 0:
            raise ValueError(f"limit must be >= 0, got {self.limit}")


class ListModels(_ListRepos, kw_only=True):
    """``GET /api/models`` (paginated) → ``ModelInfo`` items.

    ```python
    ListModels(author="alice", filter=["dataset:squad"], sort="downloads", limit=5)
    ```
    """

    path = "/api/models"
    result_type = ModelInfo

    apps: list[str] | None = None
    gated: bool | None = None
    inference: str | None = None
    inference_provider: list[str] | str | None = None
    pipeline_tag: str | None = None
    num_parameters: str | None = None
    config: bool | None = None
    card_data: bool | None = msgspec.field(default=None, name="cardData")


class ListDatasets(_ListRepos, kw_only=True):
    """``GET /api/datasets`` (paginated) → ``DatasetInfo`` items.

    ```python
    ListDatasets(filter=["language:en"], search=["squad"])
    ```
    """

    path = "/api/datasets"
    result_type = DatasetInfo

    gated: bool | None = None


class ListSpaces(_ListRepos, kw_only=True):
    """``GET /api/spaces`` (paginated) → ``SpaceInfo`` items.

    ```python
    ListSpaces(author="alice", models=["alice/m1"], linked=True)
    ```
    """

    path = "/api/spaces"
    result_type = SpaceInfo

    linked: bool | None = None
    datasets: list[str] | None = None
    models: list[str] | None = None


class ListRepoTree(Endpoint[list[RepoTreeEntry]], kw_only=True):
    """``GET /api/{T}/{R}/tree/{rev}[/{path}]`` (paginated) → ``RepoFile | RepoFolder`` items.

    ``path_in_repo`` is sent percent-encoded with no safe characters (``sub%2Fdir``), as
    huggingface_hub does; ``recursive`` and ``expand`` are always sent.

    ```python
    ListRepoTree(repo_id="alice/m1", path_in_repo="weights", recursive=True)
    ```
    """

    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/tree/{revision}"
    result_type = RepoTreeEntry
    paginated = True
    exclude = frozenset({"path_in_repo"})

    repo_id: str
    path_in_repo: str | None = None
    repo_type: str = "model"
    revision: str = "main"
    recursive: bool = False
    expand: bool = False

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)
        validate_revision(self.revision)
        if self.path_in_repo:
            validate_path_in_repo(self.path_in_repo.rstrip("/"))

    def request_path(self) -> str:
        base = super().request_path()
        sub = (self.path_in_repo or "").rstrip("/")
        return f"{base}/{quote(sub, safe='')}" if sub else base


class GetPathsInfo(Task[list[RepoTreeEntry]], kw_only=True):
    """``POST /api/{T}/{R}/paths-info/{rev}`` (form body) in batches of 500, answers kept in order.

    Paths that do not exist are left out of the result, as the Hub does.

    ```python
    GetPathsInfo(repo_id="alice/m1", paths=["config.json", "weights"], expand=True)
    ```
    """

    repo_id: str
    paths: list[str]
    repo_type: str = "model"
    revision: str = "main"
    expand: bool = False

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)
        validate_revision(self.revision)

    def request_path(self) -> str:
        return f"/api/{_plural(self.repo_type)}/{self.repo_id}/paths-info/{quote(self.revision, safe='')}"

    async def run(self, ctx: Context) -> list[RepoTreeEntry]:
        entries: list[RepoTreeEntry] = []
        url = self.request_path()
        headers = {"content-type": "application/x-www-form-urlencoded"}
        expand = "true" if self.expand else "false"
        for start in range(0, len(self.paths), PATHS_INFO_BATCH):
            batch = self.paths[start : start + PATHS_INFO_BATCH]
            form = urlencode([*(("paths", p) for p in batch), ("expand", expand)])
            response = await ctx.hub.request("POST", url, token=self.token, content=form, headers=headers)
            entries.extend(msgspec.json.decode(response.content, type=list[RepoTreeEntry]))
        return entries


class ListLfsFiles(Endpoint[list[LFSFileInfo]], kw_only=True):
    """``GET /api/{T}/{R}/lfs-files`` (paginated) → ``LFSFileInfo`` items.

    ```python
    ListLfsFiles(repo_id="alice/m1")
    ```
    """

    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/lfs-files"
    result_type = LFSFileInfo
    paginated = True

    repo_id: str
    repo_type: str = "model"

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)


class PermanentlyDeleteLfsFiles(Task[None], kw_only=True):
    """``POST /api/{T}/{R}/lfs-files/batch`` deleting LFS objects by ``file_oid``, 1000 per request.

    ```python
    PermanentlyDeleteLfsFiles(repo_id="alice/m1", file_oids=["<sha256>"], rewrite_history=True)
    ```
    """

    idempotent: ClassVar[bool] = False

    repo_id: str
    file_oids: list[str]
    repo_type: str = "model"
    rewrite_history: bool = True

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)

    async def run(self, ctx: Context) -> None:
        url = f"/api/{_plural(self.repo_type)}/{self.repo_id}/lfs-files/batch"
        for start in range(0, len(self.file_oids), LFS_DELETE_BATCH):
            shas = self.file_oids[start : start + LFS_DELETE_BATCH]
            body = {"deletions": {"sha": shas, "rewriteHistory": self.rewrite_history}}
            await ctx.hub.request("POST", url, token=self.token, json=body)
