"""Collection nodes: list, get, create, update metadata, delete, and item add / update / delete.

Slugs (``alice/best-models-65f…``) go into paths as they are (one ``/``). ``exists_ok`` /
``missing_ok`` follow huggingface_hub: a 409 on create reads the existing slug from the error
body and gets it; a 409 on add-item gets the collection; a 404 on delete is ignored.

```python
c = await ctx.submit(CreateCollection(title="Best models", namespace="alice", exists_ok=True))
c = await ctx.submit(AddCollectionItem(collection_slug=c.slug, item_id="alice/m", item_type="model"))
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from hubflow.errors import HfHubHTTPError
from hubflow.schema import Collection
from hubflow.tasks._base import Endpoint, Task

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = [
    "AddCollectionItem",
    "CreateCollection",
    "DeleteCollection",
    "DeleteCollectionItem",
    "GetCollection",
    "ListCollections",
    "UpdateCollectionItem",
    "UpdateCollectionMetadata",
]


def _check_slug(slug: str) -> None:
    if slug.count("/") != 1 or not all(slug.split("/")):
        raise ValueError(f"Invalid collection slug {slug!r}: expected 'owner/title-id'")


class ListCollections(Endpoint[Collection], kw_only=True):
    """``GET /api/collections?owner=&item=&sort=&limit=`` (``Link``-paginated; items truncated to 4).

    ```python
    ListCollections(owner=["alice"], item=["models/alice/m"], sort="lastModified")
    ```
    """

    method = "GET"
    path = "/api/collections"
    result_type = Collection
    paginated = True

    owner: list[str] | None = None
    item: list[str] | None = None
    sort: str | None = None
    limit: int | None = None


class GetCollection(Endpoint[Collection], kw_only=True):
    """``GET /api/collections/{slug}``: the collection with every item.

    ```python
    GetCollection(collection_slug="alice/best-models-65f0c0ffee0c0ffee0c0ffee")
    ```
    """

    method = "GET"
    path = "/api/collections/{collection_slug}"
    result_type = Collection

    collection_slug: str

    def __post_init__(self) -> None:
        _check_slug(self.collection_slug)

    def request_path(self) -> str:
        return f"/api/collections/{self.collection_slug}"


class CreateCollection(Task[Collection], kw_only=True):
    """``POST /api/collections`` ``{"title", "namespace", "private", "description"?}``.

    ```python
    CreateCollection(title="Best models", namespace="acme", private=True, exists_ok=True)
    ```
    """

    idempotent: ClassVar[bool] = False

    title: str
    namespace: str
    description: str | None = None
    private: bool = False
    resource_group_id: str | None = None
    exists_ok: bool = False

    def body(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": self.title, "namespace": self.namespace, "private": self.private}
        if self.description is not None:
            payload["description"] = self.description
        if self.resource_group_id is not None:
            payload["resourceGroupId"] = self.resource_group_id
        return payload

    async def run(self, ctx: Context) -> Collection:
        try:
            response = await ctx.hub.request("POST", "/api/collections", token=self.token, json=self.body())
        except HfHubHTTPError as err:
            if not (self.exists_ok and err.status_code == 409 and err.response is not None):
                raise
            slug = str(msgspec.json.decode(err.response.content)["slug"])
            return await GetCollection(collection_slug=slug, token=self.token).run(ctx)
        return msgspec.json.decode(response.content, type=Collection)


class UpdateCollectionMetadata(Endpoint[Collection], kw_only=True):
    """``PATCH /api/collections/{slug}`` with the non-``None`` fields; the answer is ``{"data": ...}``.

    ```python
    UpdateCollectionMetadata(collection_slug=slug, theme="pink", position=0)
    ```
    """

    method = "PATCH"
    path = "/api/collections/{collection_slug}"
    idempotent: ClassVar[bool] = True

    collection_slug: str
    position: int | None = None
    private: bool | None = None
    theme: str | None = None
    title: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        _check_slug(self.collection_slug)

    def request_path(self) -> str:
        return f"/api/collections/{self.collection_slug}"

    def decode(self, content: bytes) -> Collection:
        return msgspec.json.decode(content, type=dict[str, Collection])["data"]


class DeleteCollection(Task[None], kw_only=True):
    """``DELETE /api/collections/{slug}``; ``missing_ok=True`` ignores a 404.

    ```python
    DeleteCollection(collection_slug=slug, missing_ok=True)
    ```
    """

    collection_slug: str
    missing_ok: bool = False

    def __post_init__(self) -> None:
        _check_slug(self.collection_slug)

    async def run(self, ctx: Context) -> None:
        await _delete(ctx, f"/api/collections/{self.collection_slug}", self.token, self.missing_ok)


async def _delete(ctx: Context, path: str, token: Any, missing_ok: bool) -> None:
    try:
        await ctx.hub.request("DELETE", path, token=token)
    except HfHubHTTPError as err:
        if not (missing_ok and err.status_code == 404):
            raise


class AddCollectionItem(Task[Collection], kw_only=True):
    """``POST /api/collections/{slug}/items`` ``{"item": {"id", "type"}, "note"?}`` → the collection.

    ```python
    AddCollectionItem(collection_slug=slug, item_id="alice/d", item_type="dataset", note="clean", exists_ok=True)
    ```
    """

    idempotent: ClassVar[bool] = False

    collection_slug: str
    item_id: str
    item_type: str
    note: str | None = None
    exists_ok: bool = False

    def __post_init__(self) -> None:
        _check_slug(self.collection_slug)

    async def run(self, ctx: Context) -> Collection:
        payload: dict[str, Any] = {"item": {"id": self.item_id, "type": self.item_type}}
        if self.note is not None:
            payload["note"] = self.note
        try:
            response = await ctx.hub.request(
                "POST", f"/api/collections/{self.collection_slug}/items", token=self.token, json=payload
            )
        except HfHubHTTPError as err:
            if not (self.exists_ok and err.status_code == 409):
                raise
            return await GetCollection(collection_slug=self.collection_slug, token=self.token).run(ctx)
        return msgspec.json.decode(response.content, type=Collection)


class UpdateCollectionItem(Endpoint[None], kw_only=True):
    """``PATCH /api/collections/{slug}/items/{item_object_id}`` with ``position`` and/or ``note``.

    ```python
    UpdateCollectionItem(collection_slug=slug, item_object_id=item.item_object_id, position=0)
    ```
    """

    method = "PATCH"
    path = "/api/collections/{collection_slug}/items/{item_object_id}"
    idempotent: ClassVar[bool] = True

    collection_slug: str
    item_object_id: str
    position: int | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        _check_slug(self.collection_slug)

    def request_path(self) -> str:
        return f"/api/collections/{self.collection_slug}/items/{self.item_object_id}"


class DeleteCollectionItem(Task[None], kw_only=True):
    """``DELETE /api/collections/{slug}/items/{item_object_id}``; ``missing_ok=True`` ignores a 404.

    ```python
    DeleteCollectionItem(collection_slug=slug, item_object_id=item.item_object_id)
    ```
    """

    collection_slug: str
    item_object_id: str
    missing_ok: bool = False

    def __post_init__(self) -> None:
        _check_slug(self.collection_slug)

    async def run(self, ctx: Context) -> None:
        path = f"/api/collections/{self.collection_slug}/items/{self.item_object_id}"
        await _delete(ctx, path, self.token, self.missing_ok)
