"""Repository CRUD, info, existence and auth checks through ``HfApi`` (real hub) and ``AsyncHfApi`` (ASGI)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator

import httpx
import huggingface_hub
import pytest

from hubflow import AsyncHfApi, HfApi
from hubflow.errors import (
    HfHubHTTPError,
    HFValidationError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from hubflow.schema import DatasetInfo, ModelInfo, RepoUrl, SpaceInfo
from hubflow.testing import HubProcess, LocalHub

BOB = "hf_bob_write"
ALICE_READ = "hf_alice_read"


def commit_files(api: HfApi, repo_id: str, files: dict[str, bytes], *, repo_type: str = "model", token: str = "hf_alice_write") -> None:
    """One commit of small regular files through the NDJSON commit endpoint (no upload pipeline needed)."""
    lines = [json.dumps({"key": "header", "value": {"summary": "add files", "description": ""}})]
    for path, data in files.items():
        value = {"path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"}
        lines.append(json.dumps({"key": "file", "value": value}))
    plural = {"model": "models", "dataset": "datasets", "space": "spaces"}[repo_type]
    response = api.portal.call(
        lambda: api.hub.client.post(
            f"{api.endpoint}/api/{plural}/{repo_id}/commit/main",
            content="\n".join(lines).encode(),
            headers={"authorization": f"Bearer {token}", "content-type": "application/x-ndjson"},
        )
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def api(hub: HubProcess, token: str) -> Iterator[HfApi]:
    with HfApi(endpoint=hub.endpoint, token=token) as client:
        yield client


@pytest.fixture
def official(hub: HubProcess, token: str) -> huggingface_hub.HfApi:
    return huggingface_hub.HfApi(endpoint=hub.endpoint, token=token)


def test_create_repo_returns_repo_url_and_exist_ok(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    url = api.create_repo(repo_id)
    assert isinstance(url, RepoUrl) and isinstance(url, str)
    assert (url.repo_id, url.repo_type, url.namespace, url.endpoint) == (repo_id, "model", "alice", api.endpoint)
    assert url == f"{api.endpoint}/{repo_id}"
    with pytest.raises(HfHubHTTPError) as info:
        api.create_repo(repo_id)
    assert info.value.response.status_code == 409
    again = api.create_repo(repo_id, exist_ok=True)  # url read from the 409 body
    assert again == url and again.repo_id == repo_id


def test_create_repo_types_visibility_and_info(api: HfApi, repo_factory: Callable[..., str]) -> None:
    dataset = repo_factory("ds")
    url = api.create_repo(dataset, repo_type="dataset", private=True)
    assert url.repo_type == "dataset" and "/datasets/" in url
    info = api.dataset_info(dataset)
    assert isinstance(info, DatasetInfo) and info.id == dataset and info.private is True
    space = repo_factory("space")
    assert api.create_repo(space, repo_type="space", space_sdk="gradio").repo_type == "space"
    space_info = api.space_info(space)
    # The local Hub does not keep the sdk yet (it answers sdk=None); the runtime stage is there.
    assert isinstance(space_info, SpaceInfo) and space_info.id == space
    assert space_info.runtime is not None and space_info.runtime.stage == "NO_APP_FILE"
    assert isinstance(api.repo_info(space, repo_type="space"), SpaceInfo)


def test_create_repo_exist_ok_on_foreign_namespace_falls_back_to_repo_info(
    api: HfApi, hub: HubProcess, repo_factory: Callable[..., str]
) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    # bob may not create under alice: 403, but the public repo exists, so exist_ok returns its URL.
    with HfApi(endpoint=hub.endpoint, token=BOB) as bob:
        url = bob.create_repo(repo_id, exist_ok=True)
        assert url.repo_id == repo_id
        with pytest.raises(HfHubHTTPError) as info:
            bob.create_repo(repo_id)
        assert info.value.response.status_code == 403


def test_model_info_fields_match_official_client(
    api: HfApi, official: huggingface_hub.HfApi, repo_factory: Callable[..., str]
) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    commit_files(api, repo_id, {"config.json": b'{"a": 1}', "sub/readme.txt": b"hello"})
    ours = api.model_info(repo_id, files_metadata=True)
    theirs = official.model_info(repo_id, files_metadata=True)
    assert isinstance(ours, ModelInfo)
    assert (ours.id, ours.sha, ours.private, ours.author) == (theirs.id, theirs.sha, theirs.private, theirs.author)
    assert ours.last_modified == theirs.last_modified
    assert ours.siblings is not None and theirs.siblings is not None
    assert [(s.rfilename, s.size, s.blob_id) for s in ours.siblings] == [
        (s.rfilename, s.size, s.blob_id) for s in theirs.siblings
    ]
    assert {s.rfilename: s.size for s in ours.siblings}["config.json"] == 8
    by_revision = api.model_info(repo_id, revision=ours.sha)
    assert by_revision.sha == ours.sha
    narrowed = api.model_info(repo_id, expand=["sha"])
    assert narrowed.sha == ours.sha and narrowed.private is None
    with pytest.raises(HFValidationError):
        api.model_info(repo_id, expand=["sha"], files_metadata=True)


def test_errors_missing_repo_bad_revision_private_and_read_token(
    api: HfApi, hub: HubProcess, repo_factory: Callable[..., str]
) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api.model_info(repo_factory("missing"))
    repo_id = repo_factory()
    api.create_repo(repo_id, private=True)
    with pytest.raises(RevisionNotFoundError):
        api.model_info(repo_id, revision="no-such-branch")
    with HfApi(endpoint=hub.endpoint, token=BOB) as bob:
        with pytest.raises(RepositoryNotFoundError):
            bob.model_info(repo_id)
        assert bob.repo_exists(repo_id) is False
    with HfApi(endpoint=hub.endpoint, token=ALICE_READ) as reader:
        assert reader.model_info(repo_id).private is True
        with pytest.raises(HfHubHTTPError) as info:
            reader.update_repo_settings(repo_id, private=False)
        assert info.value.response.status_code == 403
        with pytest.raises(HfHubHTTPError) as info:
            reader.auth_check(repo_id, write=True)
        assert info.value.response.status_code == 403
        reader.auth_check(repo_id)


def test_exists_helpers(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    assert api.repo_exists(repo_id) is False
    assert api.revision_exists(repo_id, "main") is False
    api.create_repo(repo_id)
    assert api.repo_exists(repo_id) is True
    assert api.revision_exists(repo_id, "main") is True
    assert api.revision_exists(repo_id, "nope") is False
    assert api.repo_exists(repo_id, repo_type="dataset") is False


def test_update_settings_move_and_delete(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    api.update_repo_settings(repo_id, private=True, gated="manual")
    info = api.model_info(repo_id)
    assert info.private is True and info.gated == "manual"
    api.update_repo_settings(repo_id, visibility="public", gated=False)
    info = api.model_info(repo_id)
    assert info.private is False and info.gated is False
    with pytest.raises(HFValidationError):
        api.update_repo_settings(repo_id)
    with pytest.raises(HFValidationError):
        api.update_repo_settings(repo_id, private=True, visibility="private")
    target = "acme/" + repo_id.split("/")[1]
    api.move_repo(repo_id, target)
    assert api.repo_exists(target) and not api.repo_exists(repo_id)
    with pytest.raises(HFValidationError):
        api.move_repo("no-namespace", target)
    api.delete_repo(target)
    assert not api.repo_exists(target)
    with pytest.raises(RepositoryNotFoundError):
        api.delete_repo(target)
    api.delete_repo(target, missing_ok=True)


@pytest.mark.parametrize("bad", ["a/b/c", "bad--id", "-x", "x" * 97, "a/b.git", ""])
def test_malformed_repo_ids_fail_before_any_request(bad: str) -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(500)

    with HfApi(endpoint="http://nowhere", token="t", transport=httpx.MockTransport(handler)) as api:
        for call in (
            lambda: api.model_info(bad), lambda: api.create_repo(bad), lambda: api.delete_repo(bad),
            lambda: api.repo_exists(bad), lambda: api.list_repo_refs(bad), lambda: api.auth_check(bad),
        ):
            with pytest.raises(HFValidationError) as info:
                call()
            assert repr(bad)[1:-1] in str(info.value) or bad == ""
        with pytest.raises(HFValidationError, match="revision"):
            api.model_info("alice/ok", revision="")
    assert requests == []


@pytest.mark.anyio
async def test_async_facade_repo_lifecycle(asgi_hub: LocalHub, token: str) -> None:
    transport = httpx.ASGITransport(app=asgi_hub.app)  # type: ignore[arg-type]
    async with AsyncHfApi(endpoint=asgi_hub.endpoint, token=token, transport=transport) as api:
        url = await api.create_repo("alice/async-repo", repo_type="dataset")
        assert url.repo_type == "dataset" and url.repo_id == "alice/async-repo"
        assert (await api.create_repo("alice/async-repo", repo_type="dataset", exist_ok=True)) == url
        info = await api.repo_info("alice/async-repo", repo_type="dataset", files_metadata=True)
        assert isinstance(info, DatasetInfo) and info.sha and info.siblings
        assert [s.rfilename for s in info.siblings] == [".gitattributes"]
        assert await api.repo_exists("alice/async-repo", repo_type="dataset")
        assert not await api.revision_exists("alice/async-repo", "v9", repo_type="dataset")
        await api.auth_check("alice/async-repo", repo_type="dataset", write=True)
        with pytest.raises(RepositoryNotFoundError):
            await api.auth_check("alice/none")
        await api.delete_repo("alice/async-repo", repo_type="dataset")
        assert not await api.repo_exists("alice/async-repo", repo_type="dataset")
