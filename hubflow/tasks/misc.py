"""Compatibility nodes: tag lists, sharded safetensors metadata, Space search, ZeroGPU quota.

Each is one declarative call (protocol: api.md §5 for Spaces, core.md §12.3 for the sharded
safetensors route).

```python
tags = await ctx.submit(GetModelTags())
tags["pipeline_tag"][0]["id"]                          # "text-classification"
raw = await ctx.submit(GetShardedSafetensorsMetadata(repo_id="alice/big"))
raw.headers["model-00001-of-00002.safetensors"]        # that shard's header JSON
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from hubflow._validation import validate_repo_id
from hubflow.errors import HfHubHTTPError
from hubflow.schema import SpaceSearchResult, ZeroGpuQuota
from hubflow.tasks._base import Endpoint

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = [
    "GetDatasetTags",
    "GetModelTags",
    "GetShardedSafetensorsMetadata",
    "GetZeroGpuQuota",
    "SearchSpaces",
    "ShardedSafetensorsAnswer",
]


class GetModelTags(Endpoint[dict[str, Any]]):
    """``GET /api/models-tags-by-type``: every model tag, grouped by type (``pipeline_tag``, ``library``, ...).

    ```python
    tags = await ctx.submit(GetModelTags())
    ```
    """

    path = "/api/models-tags-by-type"
    result_type = dict[str, Any]


class GetDatasetTags(Endpoint[dict[str, Any]]):
    """``GET /api/datasets-tags-by-type``: every dataset tag, grouped by type (``task_categories``, ...).

    ```python
    tags = await ctx.submit(GetDatasetTags())
    ```
    """

    path = "/api/datasets-tags-by-type"
    result_type = dict[str, Any]


class ShardedSafetensorsAnswer(msgspec.Struct, frozen=True):
    """The route's answer: the index JSON (without its weight map) and every shard's header JSON.

    ```python
    ShardedSafetensorsAnswer(index={"metadata": {}}, headers={"a.safetensors": {"w": {...}}})
    ```
    """

    index: dict[str, Any]
    headers: dict[str, dict[str, Any]]


class GetShardedSafetensorsMetadata(Endpoint[ShardedSafetensorsAnswer], kw_only=True):
    """``GET /api/models/{repo_id}/safetensors-metadata/{filename}``: the index and all shard headers at once.

    ```python
    answer = await ctx.submit(GetShardedSafetensorsMetadata(repo_id="alice/big"))
    ```
    """

    path = "/api/models/{repo_id}/safetensors-metadata/{filename}"
    result_type = ShardedSafetensorsAnswer
    exclude: ClassVar[frozenset[str]] = frozenset({"timeout"})
    repo_id: str
    filename: str = "model.safetensors.index.json"
    timeout: float | None = 10.0

    def __post_init__(self) -> None:
        validate_repo_id(self.repo_id)

    async def run(self, ctx: Context) -> ShardedSafetensorsAnswer:
        response = await ctx.hub.request("GET", self.request_path(), token=self.token, timeout=self.timeout)
        return self.decode(response.content)


class SearchSpaces(Endpoint[list[SpaceSearchResult]], kw_only=True):
    """``GET /api/spaces/semantic-search?q=…``: Spaces matching a query, best first.

    ```python
    hits = await ctx.submit(SearchSpaces(query="image generation", sdk=["gradio"]))
    ```
    """

    path = "/api/spaces/semantic-search"
    result_type = list[SpaceSearchResult]
    query: str = msgspec.field(name="q")
    filter: list[str] | None = None
    sdk: list[str] | None = None
    include_non_running: bool | None = msgspec.field(default=None, name="includeNonRunning")


class GetZeroGpuQuota(Endpoint[ZeroGpuQuota]):
    """``GET /api/spaces/zero-gpu/quota``: the token owner's ZeroGPU quota, in GPU-seconds.

    A 401 becomes a plain ``HfHubHTTPError`` (the generic mapping would call it a missing Space
    named ``zero-gpu/quota``), as huggingface_hub does.

    ```python
    quota = await ctx.submit(GetZeroGpuQuota())
    quota.remaining
    ```
    """

    path = "/api/spaces/zero-gpu/quota"
    result_type = ZeroGpuQuota

    async def run(self, ctx: Context) -> ZeroGpuQuota:
        try:
            return await super().run(ctx)
        except HfHubHTTPError as err:
            if err.status_code != 401:
                raise
            raise HfHubHTTPError(
                "A valid user token is required to read the ZeroGPU quota: pass `token=` or log in.",
                response=err.response,
                server_message=err.server_message,
            ) from err
