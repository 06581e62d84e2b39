"""hubflow's facade for collections: attribute-level results, numbering across pages, exists/missing rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from hubflow import HfApi, HfHubHTTPError
from hubflow.schema import Collection, CollectionItem
from hubflow.testing import ALICE_WRITE, BOB_WRITE, LocalHub


@pytest.fixture
def hub(tmp_path: Path) -> LocalHub:
    return LocalHub(tmp_path / "hub", page_size=2)


def _api(hub: LocalHub, token: str) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token, transport=httpx.ASGITransport(app=hub.app))


def test_collection_items_and_metadata(hub: LocalHub, repo_factory: Callable[..., str]) -> None:
    alice, bob = _api(hub, ALICE_WRITE), _api(hub, BOB_WRITE)
    model, space = repo_factory("m"), repo_factory("s")
    alice.create_repo(model)
    alice.create_repo(space, repo_type="space", space_sdk="static")
    c = alice.create_collection("My Picks", description="d")
    assert isinstance(c, Collection) and c.slug.startswith("alice/my-picks-") and len(c.slug.rsplit("-", 1)[1]) == 24
    assert (c.title, c.description, c.private, c.position, c.items) == ("My Picks", "d", False, 0, [])
    assert c.url == f"http://hub.local/collections/{c.slug}" and c.owner["name"] == "alice"
    assert alice.create_collection("My Picks", exists_ok=True).slug == c.slug

    inner = alice.create_collection("Inner")
    c = alice.add_collection_item(c.slug, model, "model", note="n1")
    c = alice.add_collection_item(c.slug, space, "space")
    c = alice.add_collection_item(c.slug, inner.slug, "collection")
    first, second, third = c.items
    assert isinstance(first, CollectionItem) and (first.item_id, first.item_type, first.note) == (model, "model", "n1")
    assert (second.item_type, second.position) == ("space", 1)
    assert third.item_type == "collection" and third.item_id == inner.slug  # slug overrides the id
    assert alice.add_collection_item(c.slug, model, "model", exists_ok=True).items == c.items

    assert alice.update_collection_item(c.slug, third.item_object_id, position=0, note="nested") is None
    c = alice.get_collection(c.slug)
    assert [i.item_type for i in c.items] == ["collection", "model", "space"] and c.items[0].note == "nested"
    alice.delete_collection_item(c.slug, second.item_object_id.upper())  # ids match case-insensitively
    alice.delete_collection_item(c.slug, second.item_object_id, missing_ok=True)
    assert [i.position for i in alice.get_collection(c.slug).items] == [0, 1]

    updated = alice.update_collection_metadata(c.slug, position=1, private=True, theme="indigo")
    assert (updated.position, updated.private, updated.theme) == (1, True, "indigo")
    assert alice.get_collection(inner.slug).position == 0
    with pytest.raises(HfHubHTTPError) as err:
        bob.get_collection(c.slug)
    assert err.value.status_code == 404
    with pytest.raises(HfHubHTTPError) as err:
        alice.update_collection_metadata(c.slug, theme="plaid")
    assert err.value.status_code == 400
    with pytest.raises(ValueError):
        alice.get_collection("no-slash")
    alice.delete_collection(c.slug)
    alice.delete_collection(c.slug, missing_ok=True)
    with pytest.raises(HfHubHTTPError) as err:
        alice.delete_collection(c.slug)
    assert err.value.status_code == 404


def test_listing_numbers_across_pages(hub: LocalHub) -> None:
    alice, bob = _api(hub, ALICE_WRITE), _api(hub, BOB_WRITE)
    slugs = [alice.create_collection(f"Coll {i}").slug for i in range(5)]
    bob.create_collection("Bob's")
    listed = alice.list_collections(owner="alice")
    got = list(listed)
    assert sorted(c.slug for c in got) == sorted(slugs) and listed.requests == 3  # page size 2
    assert [c.position for c in got] == [0, 1, 2, 3, 4] and all(c.endpoint == "http://hub.local" for c in got)
    limited = alice.list_collections(limit=3)
    assert len(list(limited)) == 3 and limited.requests == 2
    assert [c.title for c in bob.list_collections(owner="bob")] == ["Bob's"]
