"""hubflow's facade for users, organisations and likes (``like`` included), with one-item pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from hubflow import HfApi, HfHubHTTPError
from hubflow.schema import Organization, User
from hubflow.testing import ALICE_WRITE, BOB_WRITE, LocalHub


@pytest.fixture
def hub(tmp_path: Path) -> LocalHub:
    local = LocalHub(tmp_path / "hub", page_size=1)
    db = local.app.state.hub.db
    db.add_user("carol", token="hf_carol_write", fullname="Carol C.")
    db.add_org("acme", members=["bob", "carol"])
    return local


def _api(hub: LocalHub, token: str) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token, transport=httpx.ASGITransport(app=hub.app))


def test_overviews_members_followers(hub: LocalHub, repo_factory: Callable[..., str]) -> None:
    alice, bob = _api(hub, ALICE_WRITE), _api(hub, BOB_WRITE)
    alice.create_repo(repo_factory("m"))
    alice.create_repo(repo_factory("d"), repo_type="dataset")
    alice.create_repo(repo_factory("p"), private=True)
    me = alice.get_user_overview("alice")
    assert isinstance(me, User) and (me.username, me.fullname, me.user_type) == ("alice", "Alice A.", "user")
    assert (me.num_models, me.num_datasets, me.num_spaces) == (2, 1, 0)  # alice sees her private repo
    assert bob.get_user_overview("alice").num_models == 1
    assert [o.name for o in me.orgs] == ["acme"]
    org = bob.get_organization_overview("acme")
    assert isinstance(org, Organization) and (org.name, org.fullname, org.num_users) == ("acme", "Acme Corp", 3)

    members = alice.list_organization_members("acme")
    assert [m.username for m in members] == ["alice", "bob", "carol"] and members.requests == 3
    for follower in (bob, _api(hub, "hf_carol_write")):
        follower.portal.call(lambda f=follower: f.hub.request("POST", "/api/users/alice/follow"))
    bob.portal.call(lambda: bob.hub.request("POST", "/api/organizations/acme/follow"))
    assert [u.username for u in alice.list_user_followers("alice")] == ["bob", "carol"]
    assert [u.username for u in alice.list_user_following("bob")] == ["alice", ""]  # the org has `name`, not `user`
    assert [u.username for u in alice.list_organization_followers("acme")] == ["bob"]
    assert alice.get_user_overview("alice").num_followers == 2
    assert bob.get_organization_overview("acme").is_following is True
    with pytest.raises(HfHubHTTPError) as err:
        alice.get_user_overview("nobody")
    assert err.value.status_code == 404


def test_like_unlike_and_listings(hub: LocalHub, repo_factory: Callable[..., str]) -> None:
    alice, bob = _api(hub, ALICE_WRITE), _api(hub, BOB_WRITE)
    model, space = repo_factory("m"), repo_factory("s")
    alice.create_repo(model)
    alice.create_repo(space, repo_type="space", space_sdk="static")
    bob.like(model)
    bob.like(space, repo_type="space")
    alice.like(model)
    assert alice.model_info(model).likes == 2
    assert [u.username for u in alice.list_repo_likers(model)] == ["bob", "alice"]
    assert [u.fullname for u in alice.list_repo_likers(space, repo_type="space")] == ["Bob B."]
    likes = alice.list_liked_repos("bob")
    assert (likes.user, likes.total, likes.models, likes.spaces, likes.datasets) == ("bob", 2, [model], [space], [])
    assert bob.list_liked_repos().user == "bob"
    bob.unlike(model)
    bob.unlike(model)  # nothing to remove: still fine
    assert alice.model_info(model).likes == 1
    assert bob.list_liked_repos().models == []
    with pytest.raises(ValueError):
        bob.like(model, repo_type="kernel")
