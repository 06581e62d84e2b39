"""Users, organisations, follows and likes on the real local Hub, read by the official ``huggingface_hub`` client."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from hubflow.testing import ALICE_READ, ALICE_WRITE, BOB_WRITE, HubProcess


def _http(hub: HubProcess, token: str) -> httpx.Client:
    return httpx.Client(base_url=hub.endpoint, headers={"authorization": f"Bearer {token}"})


def test_overviews_and_members(hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    alice = HfApi(endpoint=hub.endpoint, token=ALICE_WRITE)
    org_repo = f"acme/tool-{uuid.uuid4().hex[:8]}"
    alice.create_repo(org_repo)
    user = alice.get_user_overview("alice")
    assert (user.username, user.fullname, user.user_type) == ("alice", "Alice A.", "user")
    assert user.num_models is not None and user.num_models >= 0 and user.is_pro is False
    assert "acme" in [o.name for o in user.orgs]
    org = alice.get_organization_overview("acme")
    assert (org.name, org.fullname, org.num_users) == ("acme", "Acme Corp", 1)
    assert org.num_models is not None and org.num_models >= 1
    assert [m.username for m in alice.list_organization_members("acme")] == ["alice"]
    with pytest.raises(HfHubHTTPError) as e:
        alice.get_user_overview("acme")  # an org is not a user
    assert e.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError):
        alice.get_organization_overview("nobody-" + uuid.uuid4().hex[:6])


def test_follows(hub: HubProcess) -> None:
    alice, bob = HfApi(endpoint=hub.endpoint, token=ALICE_WRITE), HfApi(endpoint=hub.endpoint, token=BOB_WRITE)
    with _http(hub, BOB_WRITE) as http:
        assert http.post("/api/users/alice/follow").status_code == 200
        assert http.post("/api/organizations/acme/follow").status_code == 200
        assert http.post("/api/users/bob/follow").status_code == 400
    try:
        assert [u.username for u in alice.list_user_followers("alice")] == ["bob"]
        assert [getattr(u, "name", u.username) for u in bob.list_user_following("bob")] == ["alice", "acme"]
        assert [u.username for u in alice.list_organization_followers("acme")] == ["bob"]
        assert alice.get_user_overview("alice").num_followers == 1
        assert bob.get_user_overview("alice").is_following is True
        assert alice.get_organization_overview("acme").num_followers == 1
    finally:
        with _http(hub, BOB_WRITE) as http:
            http.delete("/api/users/alice/follow")
            http.delete("/api/organizations/acme/follow")
    assert list(alice.list_user_followers("alice")) == []


def test_likes(hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    alice, bob = HfApi(endpoint=hub.endpoint, token=ALICE_WRITE), HfApi(endpoint=hub.endpoint, token=BOB_WRITE)
    model, dataset = repo_factory("liked"), repo_factory("liked-ds")
    alice.create_repo(model)
    alice.create_repo(dataset, repo_type="dataset")
    with _http(hub, BOB_WRITE) as http:  # `like` is gone from the official 2.x client; the route remains
        assert http.post(f"/api/models/{model}/like").status_code == 200
        assert http.post(f"/api/models/{model}/like").status_code == 200  # idempotent
        assert http.post(f"/api/datasets/{dataset}/like").status_code == 200
    with _http(hub, ALICE_READ) as http:
        assert http.post(f"/api/models/{model}/like").status_code == 403
    assert alice.model_info(model).likes == 1
    likers = list(alice.list_repo_likers(model))
    assert [(u.username, u.fullname) for u in likers] == [("bob", "Bob B.")]
    likes = alice.list_liked_repos("bob")
    assert (likes.user, likes.total, likes.models, likes.datasets, likes.spaces) == ("bob", 2, [model], [dataset], [])
    assert bob.list_liked_repos().total == 2  # whoami names the user

    alice.update_repo_settings(dataset, private=True, repo_type="dataset")
    assert HfApi(endpoint=hub.endpoint, token=False).list_liked_repos("bob").datasets == []  # private: hidden
    alice.update_repo_settings(dataset, private=False, repo_type="dataset")

    bob.unlike(model)
    bob.unlike(dataset, repo_type="dataset")
    assert alice.model_info(model).likes == 0 and list(alice.list_repo_likers(model)) == []
    assert bob.list_liked_repos().total == 0
    alice.update_repo_settings(model, private=True)
    with pytest.raises(RepositoryNotFoundError):
        list(bob.list_repo_likers(model))
