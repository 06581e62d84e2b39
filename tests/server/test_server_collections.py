"""Collections on the real local Hub, driven by the official ``huggingface_hub`` client."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from hubflow.testing import ALICE_WRITE, BOB_WRITE, HubProcess


@pytest.fixture
def apis(hub: HubProcess) -> tuple[HfApi, HfApi]:
    return HfApi(endpoint=hub.endpoint, token=ALICE_WRITE), HfApi(endpoint=hub.endpoint, token=BOB_WRITE)


def _title() -> str:
    return f"Best Models {uuid.uuid4().hex[:6]}"


def test_collection_lifecycle(apis: tuple[HfApi, HfApi], repo_factory: Callable[..., str], hub: HubProcess) -> None:
    alice, bob = apis
    model, dataset = repo_factory("cm"), repo_factory("cd")
    alice.create_repo(model)
    alice.create_repo(dataset, repo_type="dataset")
    title = _title()
    c = alice.create_collection(title, description="My picks")
    assert re.fullmatch(rf"alice/{title.lower().replace(' ', '-')}-[0-9a-f]{{24}}", c.slug)
    assert (c.title, c.description, c.private, c.items, c.upvotes) == (title, "My picks", False, [], 0)
    assert c.owner["name"] == "alice" and c.url == f"{hub.endpoint}/collections/{c.slug}"
    assert alice.create_collection(title, exists_ok=True).slug == c.slug
    with pytest.raises(HfHubHTTPError) as e:
        alice.create_collection(title)
    assert e.value.response.status_code == 409

    c = alice.add_collection_item(c.slug, model, "model", note="The best")
    c = alice.add_collection_item(c.slug, dataset, "dataset")
    c = alice.add_collection_item(c.slug, "2401.00001", "paper")
    assert [(i.item_type, i.item_id, i.position) for i in c.items] == [
        ("model", model, 0), ("dataset", dataset, 1), ("paper", "2401.00001", 2)]
    assert c.items[0].note == "The best" and c.items[1].note is None
    assert alice.add_collection_item(c.slug, model, "model", exists_ok=True).slug == c.slug
    with pytest.raises(HfHubHTTPError) as e:
        alice.add_collection_item(c.slug, model, "model")
    assert e.value.response.status_code == 409
    with pytest.raises(HfHubHTTPError) as e:
        alice.add_collection_item(c.slug, "alice/does-not-exist", "model")
    assert e.value.response.status_code == 404

    alice.update_collection_item(c.slug, c.items[2].item_object_id, position=0, note="Paper first")
    c = alice.get_collection(c.slug)
    assert [i.item_type for i in c.items] == ["paper", "model", "dataset"] and c.items[0].note == "Paper first"
    alice.delete_collection_item(c.slug, c.items[1].item_object_id)
    alice.delete_collection_item(c.slug, c.items[1].item_object_id, missing_ok=True)
    with pytest.raises(HfHubHTTPError):
        alice.delete_collection_item(c.slug, c.items[1].item_object_id)
    assert [(i.item_type, i.position) for i in alice.get_collection(c.slug).items] == [("paper", 0), ("dataset", 1)]

    updated = alice.update_collection_metadata(c.slug, title=f"{title}!", theme="pink", description="New")
    assert (updated.title, updated.theme, updated.description, updated.slug) == (f"{title}!", "pink", "New", c.slug)

    with pytest.raises(HfHubHTTPError) as e:  # bob cannot write alice's collection
        bob.add_collection_item(c.slug, model, "model")
    assert e.value.response.status_code == 403
    assert bob.get_collection(c.slug).slug == c.slug
    alice.delete_collection(c.slug)
    alice.delete_collection(c.slug, missing_ok=True)
    with pytest.raises(HfHubHTTPError) as e:
        alice.get_collection(c.slug)
    assert e.value.response.status_code == 404


def test_private_collections_and_listing(apis: tuple[HfApi, HfApi], repo_factory: Callable[..., str]) -> None:
    alice, bob = apis
    model = repo_factory("cl")
    alice.create_repo(model)
    public = alice.add_collection_item(alice.create_collection(_title()).slug, model, "model")
    secret = alice.create_collection(_title(), private=True, namespace="acme")
    assert secret.private and secret.owner["name"] == "acme" and secret.owner["type"] == "org"
    with pytest.raises(HfHubHTTPError) as e:
        bob.get_collection(secret.slug)
    assert e.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as e:
        bob.create_collection(_title(), namespace="acme")
    assert e.value.response.status_code == 403

    assert secret.slug not in [c.slug for c in bob.list_collections(owner="acme")]
    assert secret.slug in [c.slug for c in alice.list_collections(owner="acme")]
    listed = list(alice.list_collections(owner="alice", item=f"models/{model}"))
    assert [c.slug for c in listed] == [public.slug] and listed[0].position == 0
    assert len(list(alice.list_collections(owner=["alice", "acme"], limit=1))) == 1

    alice.update_repo_settings(model, private=True)  # items the caller cannot see are left out
    assert bob.get_collection(public.slug).items == []
    assert [i.item_id for i in alice.get_collection(public.slug).items] == [model]
    alice.update_collection_metadata(public.slug, private=True)
    with pytest.raises(HfHubHTTPError):
        bob.get_collection(public.slug)
