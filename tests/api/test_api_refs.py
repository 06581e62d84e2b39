"""Refs and history: list_repo_refs/commits, branches, tags, super-squash (real hub, ASGI, official client)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator

import httpx
import huggingface_hub
import pytest

from hubflow import AsyncHfApi, HfApi
from hubflow.errors import HfHubHTTPError, HFValidationError, RevisionNotFoundError
from hubflow.schema import GitCommitInfo, GitRefs
from hubflow.testing import HubProcess, LocalHub


def _commit(api: HfApi, repo_id: str, path: str, data: bytes, summary: str) -> None:
    lines = [
        json.dumps({"key": "header", "value": {"summary": summary, "description": "details"}}),
        json.dumps({"key": "file", "value": {"path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"}}),
    ]
    response = api.portal.call(
        lambda: api.hub.client.post(
            f"{api.endpoint}/api/models/{repo_id}/commit/main",
            content="\n".join(lines).encode(),
            headers={"authorization": "Bearer hf_alice_write", "content-type": "application/x-ndjson"},
        )
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def api(hub: HubProcess, token: str) -> Iterator[HfApi]:
    with HfApi(endpoint=hub.endpoint, token=token) as client:
        yield client


def test_refs_branches_tags_match_official(api: HfApi, hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory("refs")
    api.create_repo(repo_id)
    _commit(api, repo_id, "a.txt", b"a", "first file")
    head = api.model_info(repo_id).sha
    api.create_branch(repo_id, branch="dev")
    api.create_branch(repo_id, branch="dev", exist_ok=True)
    with pytest.raises(HfHubHTTPError) as info:
        api.create_branch(repo_id, branch="dev")
    assert info.value.response.status_code == 409
    api.create_branch(repo_id, branch="feat/x", revision="dev")
    api.create_tag(repo_id, tag="v1.0", tag_message="release")
    api.create_tag(repo_id, tag="v1.0", exist_ok=True)
    with pytest.raises(HfHubHTTPError):
        api.create_tag(repo_id, tag="v1.0")
    refs = api.list_repo_refs(repo_id)
    assert isinstance(refs, GitRefs) and refs.pull_requests is None
    assert sorted(b.name for b in refs.branches) == ["dev", "feat/x", "main"]
    assert {b.name: b.target_commit for b in refs.branches}["dev"] == head
    assert [(t.name, t.ref, t.target_commit) for t in refs.tags] == [("v1.0", "refs/tags/v1.0", head)]
    assert api.list_repo_refs(repo_id, include_pull_requests=True).pull_requests == []
    official = huggingface_hub.HfApi(endpoint=hub.endpoint, token="hf_alice_write").list_repo_refs(repo_id)
    assert [(b.name, b.ref, b.target_commit) for b in refs.branches] == [
        (b.name, b.ref, b.target_commit) for b in official.branches
    ]
    assert api.revision_exists(repo_id, "feat/x") and api.revision_exists(repo_id, "v1.0")
    api.delete_branch(repo_id, branch="feat/x")
    api.delete_tag(repo_id, tag="v1.0")
    refs = api.list_repo_refs(repo_id)
    assert sorted(b.name for b in refs.branches) == ["dev", "main"] and refs.tags == []
    with pytest.raises(RevisionNotFoundError):
        api.create_branch(repo_id, branch="bad-start", revision="no-such-rev")


def test_create_branch_exist_ok_on_403_checks_refs(api: HfApi, hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory("forbidden")
    api.create_repo(repo_id)
    api.create_branch(repo_id, branch="dev")
    with HfApi(endpoint=hub.endpoint, token="hf_bob_write") as bob:
        bob.create_branch(repo_id, branch="dev", exist_ok=True)  # 403, but the branch exists
        with pytest.raises(HfHubHTTPError) as info:
            bob.create_branch(repo_id, branch="other", exist_ok=True)
        assert info.value.response.status_code == 403
    with HfApi(endpoint=hub.endpoint, token="hf_alice_read") as reader:
        with pytest.raises(HfHubHTTPError) as info:
            reader.create_tag(repo_id, tag="t")
        assert info.value.response.status_code == 403


def test_commits_history_formatted_and_squash(api: HfApi, hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory("history")
    api.create_repo(repo_id)
    _commit(api, repo_id, "a.txt", b"a", "first file")
    _commit(api, repo_id, "b.txt", b"b", "second file")
    commits = api.list_repo_commits(repo_id)
    assert [type(c) for c in commits] == [GitCommitInfo] * 3
    assert [c.title for c in commits] == ["second file", "first file", "initial commit"]
    assert commits[0].commit_id == api.model_info(repo_id).sha
    assert commits[0].authors == ["alice"] and commits[0].message == "details"
    assert commits[0].formatted_title is None
    formatted = api.list_repo_commits(repo_id, formatted=True)
    assert formatted[0].formatted_title == "second file"
    official = huggingface_hub.HfApi(endpoint=hub.endpoint, token="hf_alice_write").list_repo_commits(repo_id)
    assert [(c.commit_id, c.title, c.created_at, c.authors) for c in commits] == [
        (c.commit_id, c.title, c.created_at, c.authors) for c in official
    ]
    api.create_branch(repo_id, branch="old")
    assert len(api.list_repo_commits(repo_id, revision="old")) == 3
    api.super_squash_history(repo_id, commit_message="squashed")
    squashed = api.list_repo_commits(repo_id)
    assert [c.title for c in squashed] == ["squashed"]
    assert api.list_repo_files(repo_id) == [".gitattributes", "a.txt", "b.txt"]
    with pytest.raises(RevisionNotFoundError):
        api.list_repo_commits(repo_id, revision="nope")


def test_bad_names_fail_before_any_request() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    with HfApi(endpoint="http://nowhere", token="t", transport=httpx.MockTransport(handler)) as api:
        with pytest.raises(HFValidationError):
            api.create_branch("alice/x", branch="")
        with pytest.raises(HFValidationError):
            api.create_tag("alice/x", tag="a/../b")
        with pytest.raises(HFValidationError):
            api.list_repo_commits("a/b/c")
        with pytest.raises(HFValidationError):
            api.super_squash_history("alice/x", branch="a/../b")
    assert sent == []


@pytest.mark.anyio
async def test_async_refs(asgi_hub: LocalHub, token: str) -> None:
    sent: list[str] = []

    async def hook(request: httpx.Request) -> None:
        sent.append(request.url.raw_path.decode())

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_hub.app), event_hooks={"request": [hook]})  # type: ignore[arg-type]
    async with AsyncHfApi(endpoint=asgi_hub.endpoint, token=token, client=client) as api:
        await api.create_repo("alice/r")
        await api.create_branch("alice/r", branch="feat/y")
        assert "/api/models/alice/r/branch/feat%2Fy" in sent  # names are quoted with no safe characters
        await api.create_tag("alice/r", tag="v2", revision="feat/y")
        assert "/api/models/alice/r/tag/feat%2Fy" in sent
        refs = await api.list_repo_refs("alice/r", include_pull_requests=True)
        assert {b.name for b in refs.branches} == {"main", "feat/y"} and refs.pull_requests == []
        assert [t.name for t in refs.tags] == ["v2"]
        commits = await api.list_repo_commits("alice/r", revision="v2")
        assert [c.title for c in commits] == ["initial commit"]
        await api.delete_tag("alice/r", tag="v2")
        await api.delete_branch("alice/r", branch="feat/y")
        refs = await api.list_repo_refs("alice/r")
        assert [b.name for b in refs.branches] == ["main"] and refs.tags == []
    await client.aclose()
