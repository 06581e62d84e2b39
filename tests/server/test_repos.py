"""Repositories through the official client against a real ``hubflow serve`` process."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from hubflow.testing import ALICE_READ, BOB_WRITE, HubProcess

DEFAULT_ATTRS_BLOB = "a6344aac8c09253b3b630fb776ae94478aa0275b"  # the Hub's own default .gitattributes


def test_whoami_reports_orgs_and_role(hub: HubProcess, token: str) -> None:
    me = HfApi(endpoint=hub.endpoint, token=token).whoami()
    assert me["name"] == "alice"
    assert [o["name"] for o in me["orgs"]] == ["acme"]
    assert me["auth"]["accessToken"]["role"] == "write"
    assert HfApi(endpoint=hub.endpoint, token=ALICE_READ).whoami()["auth"]["accessToken"]["role"] == "read"


def test_unknown_token_is_rejected(hub: HubProcess) -> None:
    with pytest.raises(HfHubHTTPError) as err:
        HfApi(endpoint=hub.endpoint, token="hf_nobody").model_info("alice/x")
    assert err.value.response.status_code == 401


def test_create_repo_then_info(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    repo_id = repo_factory()
    url = api.create_repo(repo_id.split("/")[1])  # a bare name lands under the token's user
    assert url.repo_id == repo_id and url.endpoint == hub.endpoint
    assert api.create_repo(repo_id, exist_ok=True).repo_id == repo_id
    with pytest.raises(HfHubHTTPError):
        api.create_repo(repo_id)
    info = api.model_info(repo_id, files_metadata=True)
    assert info.sha and len(info.sha) == 40
    assert [(s.rfilename, s.blob_id) for s in info.siblings or []] == [(".gitattributes", DEFAULT_ATTRS_BLOB)]
    assert api.repo_exists(repo_id) and not api.repo_exists(repo_id + "-missing")
    assert api.revision_exists(repo_id, "main") and not api.revision_exists(repo_id, "nope")


def test_private_org_dataset_hidden_from_others(hub: HubProcess, token: str, repo_factory: Callable[..., str]) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    repo_id = repo_factory("data", namespace="acme")
    url = api.create_repo(repo_id, repo_type="dataset", private=True)
    assert url.repo_type == "dataset"
    assert api.dataset_info(repo_id).private is True
    bob = HfApi(endpoint=hub.endpoint, token=BOB_WRITE)
    assert not bob.repo_exists(repo_id, repo_type="dataset")
    with pytest.raises(RepositoryNotFoundError):
        bob.dataset_info(repo_id)
    assert not HfApi(endpoint=hub.endpoint, token=False).repo_exists(repo_id, repo_type="dataset")


def test_read_token_cannot_create(hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    with pytest.raises(HfHubHTTPError) as err:
        HfApi(endpoint=hub.endpoint, token=ALICE_READ).create_repo(repo_factory())
    assert err.value.response.status_code == 403


def test_bob_cannot_create_in_acme(hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    with pytest.raises(HfHubHTTPError) as err:
        HfApi(endpoint=hub.endpoint, token=BOB_WRITE).create_repo(repo_factory(namespace="acme"))
    assert err.value.response.status_code == 403
