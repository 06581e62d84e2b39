"""Collections on the facade (huggingface_hub 2.4.0 names, parameters and results).

```python
api = HfApi(token="hf_alice_write")
c = api.create_collection("Best models", exists_ok=True)
c = api.add_collection_item(c.slug, "alice/m", "model", note="my favourite")
api.update_collection_item(c.slug, c.items[0].item_object_id, position=0)
[x.slug for x in api.list_collections(owner="alice")]
```
"""

from __future__ import annotations

from typing import Literal

import msgspec

from hubflow._api._base import AsyncHfApiBase
from hubflow._api._paging import Paged
from hubflow._http import HubClient
from hubflow._settings import TokenArg
from hubflow.schema import Collection
from hubflow.tasks.collections import (
    AddCollectionItem,
    CreateCollection,
    DeleteCollection,
    DeleteCollectionItem,
    GetCollection,
    ListCollections,
    UpdateCollectionItem,
    UpdateCollectionMetadata,
)
from hubflow.tasks.users import WhoAmI

__all__ = ["CollectionsMixin"]


class _NumberedCollections(Paged[Collection]):
    """Listed collections carry no ``position``: number them in iteration order, as huggingface_hub does."""

    def __init__(self, hub: HubClient, node: ListCollections, *, limit: int | None, endpoint: str) -> None:
        super().__init__(hub, node, limit=limit)
        self._endpoint = endpoint
        self._numbered = 0

    async def _fetch(self) -> list[Collection]:
        page = await super()._fetch()
        start = self._numbered
        self._numbered = start + len(page)
        return [msgspec.structs.replace(c, position=start + i, endpoint=self._endpoint) for i, c in enumerate(page)]


class CollectionsMixin(AsyncHfApiBase):
    """Collections and their items (see the module docstring)."""

    def _with_endpoint(self, collection: Collection) -> Collection:
        return msgspec.structs.replace(collection, endpoint=self.endpoint)

    def list_collections(
        self,
        *,
        owner: list[str] | str | None = None,
        item: list[str] | str | None = None,
        sort: Literal["lastModified", "trending", "upvotes"] | None = None,
        limit: int | None = None,
        token: TokenArg = None,
    ) -> Paged[Collection]:
        """Collections, lazily, filtered by ``owner`` and/or contained ``item`` (``"models/alice/m"``).

        Listed collections hold at most 4 items; ``get_collection`` returns them all.

        ```python
        async for c in api.list_collections(owner="alice", item="models/alice/m"):
            print(c.slug, c.position)
        ```
        """
        node = ListCollections(
            owner=[owner] if isinstance(owner, str) else owner, item=[item] if isinstance(item, str) else item,
            sort=sort, limit=limit, token=token,
        )
        return _NumberedCollections(self.hub, node, limit=limit, endpoint=self.endpoint)

    async def get_collection(self, collection_slug: str, *, token: TokenArg = None) -> Collection:
        """One collection with all its items.

        ```python
        c = await api.get_collection("alice/best-models-65f0c0ffee0c0ffee0c0ffee")
        [(i.item_type, i.item_id, i.note) for i in c.items]
        ```
        """
        return self._with_endpoint(await self._run(GetCollection(collection_slug=collection_slug, token=token)))

    async def create_collection(
        self,
        title: str,
        *,
        namespace: str | None = None,
        description: str | None = None,
        private: bool = False,
        resource_group_id: str | None = None,
        exists_ok: bool = False,
        token: TokenArg = None,
    ) -> Collection:
        """Create a collection under ``namespace`` (default: the token's user).

        ``exists_ok=True`` returns the existing collection with the same title instead of failing.

        ```python
        c = await api.create_collection("Best models", namespace="acme", private=True, exists_ok=True)
        ```
        """
        if namespace is None:
            namespace = str((await self._run(WhoAmI(token=token)))["name"])
        node = CreateCollection(
            title=title, namespace=namespace, description=description, private=private,
            resource_group_id=resource_group_id, exists_ok=exists_ok, token=token,
        )
        return self._with_endpoint(await self._run(node))

    async def update_collection_metadata(
        self,
        collection_slug: str,
        *,
        title: str | None = None,
        description: str | None = None,
        position: int | None = None,
        private: bool | None = None,
        theme: str | None = None,
        token: TokenArg = None,
    ) -> Collection:
        """Change title, description, position on the owner's profile, visibility or theme.

        ```python
        c = await api.update_collection_metadata(slug, theme="pink", private=False)
        ```
        """
        node = UpdateCollectionMetadata(
            collection_slug=collection_slug, position=position, private=private, theme=theme, title=title,
            description=description, token=token,
        )
        return self._with_endpoint(await self._run(node))

    async def delete_collection(self, collection_slug: str, *, missing_ok: bool = False, token: TokenArg = None) -> None:
        """Delete a collection (``missing_ok=True``: no error if it is already gone).

        ```python
        await api.delete_collection(slug, missing_ok=True)
        ```
        """
        await self._run(DeleteCollection(collection_slug=collection_slug, missing_ok=missing_ok, token=token))

    async def add_collection_item(
        self,
        collection_slug: str,
        item_id: str,
        item_type: Literal["model", "dataset", "space", "paper", "collection", "bucket"],
        *,
        note: str | None = None,
        exists_ok: bool = False,
        token: TokenArg = None,
    ) -> Collection:
        """Append an item (repo id, paper id, collection slug) with an optional note; returns the collection.

        ```python
        c = await api.add_collection_item(slug, "alice/d", "dataset", note="cleaned", exists_ok=True)
        ```
        """
        node = AddCollectionItem(
            collection_slug=collection_slug, item_id=item_id, item_type=item_type, note=note, exists_ok=exists_ok,
            token=token,
        )
        return self._with_endpoint(await self._run(node))

    async def update_collection_item(
        self,
        collection_slug: str,
        item_object_id: str,
        *,
        note: str | None = None,
        position: int | None = None,
        token: TokenArg = None,
    ) -> None:
        """Change an item's note or move it (``item_object_id`` is ``CollectionItem.item_object_id``).

        ```python
        await api.update_collection_item(slug, c.items[-1].item_object_id, position=0)
        ```
        """
        node = UpdateCollectionItem(
            collection_slug=collection_slug, item_object_id=item_object_id, position=position, note=note, token=token
        )
        await self._run(node)

    async def delete_collection_item(
        self, collection_slug: str, item_object_id: str, *, missing_ok: bool = False, token: TokenArg = None
    ) -> None:
        """Remove an item (``missing_ok=True``: no error if it is not there).

        ```python
        await api.delete_collection_item(slug, item.item_object_id)
        ```
        """
        node = DeleteCollectionItem(
            collection_slug=collection_slug, item_object_id=item_object_id, missing_ok=missing_ok, token=token
        )
        await self._run(node)
