"""hubflow's facade for gated-repo access requests: lazy paged lists, handling, grants, validation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from hubflow import HfApi, HfHubHTTPError
from hubflow.schema import AccessRequest
from hubflow.testing import ALICE_WRITE, BOB_WRITE, LocalHub


@pytest.fixture
def hub(tmp_path: Path) -> LocalHub:
    local = LocalHub(tmp_path / "hub", page_size=1)  # one request per page: paging is exercised
    local.app.state.hub.db.add_user("carol", token="hf_carol_write", fullname="Carol C.", email="carol@example.com")
    return local


def _api(hub: LocalHub, token: str) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token, transport=httpx.ASGITransport(app=hub.app))


def _ask(hub: LocalHub, token: str, repo_id: str, fields: dict[str, str]) -> None:
    with _api(hub, token) as api:  # the browser's form post; no HfApi method exists for it
        response = api.portal.call(lambda: api.hub.request("POST", f"/{repo_id}/ask-access", token=token, json=fields))
        assert response.status_code == 200


def test_lists_handle_and_grant(hub: LocalHub, repo_factory: Callable[..., str]) -> None:
    alice = _api(hub, ALICE_WRITE)
    repo = repo_factory("gated")
    alice.create_repo(repo)
    alice.update_repo_settings(repo, gated="manual")
    _ask(hub, BOB_WRITE, repo, {"Use": "research"})
    _ask(hub, "hf_carol_write", repo, {"Use": "fun"})

    pending = alice.list_pending_access_requests(repo)
    first = next(pending)
    assert isinstance(first, AccessRequest) and pending.requests == 1  # lazy: one page so far
    rest = list(pending)
    assert [r.username for r in [first, *rest]] == ["bob", "carol"] and pending.requests == 2  # no Link after the last
    assert first.fullname == "Bob B." and first.email == "bob@example.com" and first.fields == {"Use": "research"}
    assert first.status == "pending" and isinstance(first.timestamp, datetime)

    alice.accept_access_request(repo, "bob")
    alice.reject_access_request(repo, request_id=rest[0].request_id, rejection_reason="no")
    assert [r.username for r in alice.list_accepted_access_requests(repo)] == ["bob"]
    assert [r.status for r in alice.list_rejected_access_requests(repo)] == ["rejected"]
    alice.cancel_access_request(repo, "carol")
    assert [r.username for r in alice.list_pending_access_requests(repo)] == ["carol"]
    alice.update_repo_settings(repo, gated=False)
    with pytest.raises(HfHubHTTPError) as err:  # not gated any more
        alice.grant_access(repo, "carol")
    assert err.value.status_code == 400
    alice.update_repo_settings(repo, gated="auto")
    assert alice.grant_access(repo, "carol") == {}
    assert [r.username for r in alice.list_accepted_access_requests(repo)] == ["bob", "carol"]
    alice.close()


def test_validation_and_rights(hub: LocalHub, repo_factory: Callable[..., str]) -> None:
    alice, bob = _api(hub, ALICE_WRITE), _api(hub, BOB_WRITE)
    repo = repo_factory("gated")
    alice.create_repo(repo)
    alice.update_repo_settings(repo, gated="manual")
    with pytest.raises(ValueError, match="One of"):
        alice.accept_access_request(repo)
    with pytest.raises(ValueError, match="both"):
        alice.cancel_access_request(repo, "bob", request_id="abc")
    with pytest.raises(ValueError):
        alice.list_pending_access_requests(repo, repo_type="kernel")
    with pytest.raises(HfHubHTTPError) as err:
        alice.accept_access_request(repo, "bob")  # no request yet
    assert err.value.status_code == 404
    with pytest.raises(HfHubHTTPError) as err:
        list(bob.list_pending_access_requests(repo))
    assert err.value.status_code == 403
    with pytest.raises(HfHubHTTPError) as err:
        bob.grant_access(repo, "bob")
    assert err.value.status_code == 403
    alice.close()
    bob.close()
