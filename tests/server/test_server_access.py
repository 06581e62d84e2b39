"""Gated repos on the real local Hub: users ask (``POST /{repo}/ask-access``), owners handle, downloads follow.

Driven by the official ``huggingface_hub`` client, which must parse every answer unmodified.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError

from hubflow.testing import ALICE_READ, ALICE_WRITE, BOB_WRITE, HubProcess


def ask_access(endpoint: str, token: str, repo_id: str, fields: dict[str, Any] | None = None,
               prefix: str = "") -> httpx.Response:
    """What a user's browser does on a gated repo's page (the official client has no method for it)."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{endpoint}/{prefix}{repo_id}/ask-access", json=fields or {}, headers=headers)


@pytest.fixture
def apis(hub: HubProcess) -> tuple[HfApi, HfApi]:
    return HfApi(endpoint=hub.endpoint, token=ALICE_WRITE), HfApi(endpoint=hub.endpoint, token=BOB_WRITE)


@pytest.fixture
def gated(apis: tuple[HfApi, HfApi], repo_factory: Callable[..., str]) -> str:
    alice, _ = apis
    repo_id = repo_factory("gated")
    alice.create_repo(repo_id)
    alice.upload_file(path_or_fileobj=b"secret weights", path_in_repo="model.bin", repo_id=repo_id)
    alice.update_repo_settings(repo_id, gated="manual")
    return repo_id


def test_request_accept_reject_cancel(apis: tuple[HfApi, HfApi], gated: str, hub: HubProcess,
                                      tmp_path: Any) -> None:
    alice, bob = apis
    with pytest.raises(GatedRepoError, match="not in the authorized list"):
        bob.hf_hub_download(gated, "model.bin", cache_dir=tmp_path)

    r = ask_access(hub.endpoint, BOB_WRITE, gated, {"Country": "FR"})
    assert r.status_code == 200 and r.json()["status"] == "pending"
    with pytest.raises(GatedRepoError, match="awaiting a review"):
        bob.hf_hub_download(gated, "model.bin", cache_dir=tmp_path)

    (pending,) = alice.list_pending_access_requests(gated)
    assert (pending.username, pending.fullname, pending.email, pending.status) == (
        "bob", "Bob B.", "bob@example.com", "pending")
    assert pending.fields == {"Country": "FR"} and len(pending.request_id) == 24
    assert list(alice.list_accepted_access_requests(gated)) == []

    alice.accept_access_request(gated, "bob")
    assert [r.username for r in alice.list_accepted_access_requests(gated)] == ["bob"]
    path = bob.hf_hub_download(gated, "model.bin", cache_dir=tmp_path)
    assert Path(path).read_bytes() == b"secret weights"
    assert bob.auth_check(gated) is None

    alice.reject_access_request(gated, request_id=pending.request_id, rejection_reason="Research only")
    (rejected,) = alice.list_rejected_access_requests(gated)
    assert rejected.username == "bob" and rejected.status == "rejected"
    with pytest.raises(GatedRepoError, match="rejected"):
        bob.auth_check(gated)

    alice.cancel_access_request(gated, "bob")
    assert [r.username for r in alice.list_pending_access_requests(gated)] == ["bob"]
    with pytest.raises(HfHubHTTPError) as e:  # same-status transition: the Hub's 404
        alice.cancel_access_request(gated, "bob")
    assert e.value.response.status_code == 404
    with pytest.raises(ValueError):
        alice.accept_access_request(gated)
    with pytest.raises(ValueError):
        alice.accept_access_request(gated, "bob", request_id=pending.request_id)


def test_grant_and_owner_only(apis: tuple[HfApi, HfApi], gated: str, hub: HubProcess, tmp_path: Any) -> None:
    alice, bob = apis
    assert alice.grant_access(gated, "bob") == {}
    (granted,) = alice.list_accepted_access_requests(gated)
    assert granted.username == "bob" and granted.email is None  # granted manually: no form, no email
    assert Path(bob.hf_hub_download(gated, "model.bin", cache_dir=tmp_path)).read_bytes() == b"secret weights"
    with pytest.raises(HfHubHTTPError) as e:
        alice.grant_access(gated, "bob")
    assert e.value.response.status_code == 400
    with pytest.raises(HfHubHTTPError) as e:
        alice.grant_access(gated, "nobody-here")
    assert e.value.response.status_code == 404

    for call in (
        lambda: list(bob.list_pending_access_requests(gated)),
        lambda: bob.accept_access_request(gated, "bob"),
        lambda: bob.grant_access(gated, "bob"),
        lambda: HfApi(endpoint=hub.endpoint, token=ALICE_READ).grant_access(gated, "bob"),
    ):
        with pytest.raises(HfHubHTTPError) as e:
            call()
        assert e.value.response.status_code == 403

    anonymous = HfApi(endpoint=hub.endpoint, token=False)
    with pytest.raises(GatedRepoError, match="Please log in"):
        anonymous.hf_hub_download(gated, "model.bin", cache_dir=tmp_path / "anon")
    assert ask_access(hub.endpoint, "", gated).status_code == 401


def test_auto_gate_and_not_gated(apis: tuple[HfApi, HfApi], repo_factory: Callable[..., str],
                                 hub: HubProcess, tmp_path: Any) -> None:
    alice, bob = apis
    repo_id = repo_factory("auto")
    alice.create_repo(repo_id, repo_type="dataset")
    alice.upload_file(path_or_fileobj=b"rows", path_in_repo="data.csv", repo_id=repo_id, repo_type="dataset")
    assert ask_access(hub.endpoint, BOB_WRITE, repo_id, prefix="datasets/").status_code == 400  # not gated
    with pytest.raises(HfHubHTTPError) as e:
        alice.grant_access(repo_id, "bob", repo_type="dataset")
    assert e.value.response.status_code == 400

    alice.update_repo_settings(repo_id, gated="auto", repo_type="dataset")
    assert ask_access(hub.endpoint, BOB_WRITE, repo_id, prefix="datasets/").json()["status"] == "accepted"
    path = bob.hf_hub_download(repo_id, "data.csv", repo_type="dataset", cache_dir=tmp_path)
    assert Path(path).read_bytes() == b"rows"
    (req,) = alice.list_accepted_access_requests(repo_id, repo_type="dataset")
    assert req.username == "bob"

