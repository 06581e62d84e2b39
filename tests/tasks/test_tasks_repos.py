"""Repos/listing/refs nodes as data: request shapes, validation at construction, composing them in a graph."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from hubflow import Graph, HfApi
from hubflow.errors import HFValidationError
from hubflow.schema import GitRefs, ModelInfo, RepoUrl
from hubflow.tasks import (
    CreateBranch,
    CreateRepo,
    CreateTag,
    DeleteRepo,
    ListModels,
    ListRepoCommits,
    ListRepoRefs,
    ListRepoTree,
    MoveRepo,
    RepoInfo,
    UpdateRepoSettings,
)
from hubflow.testing import LocalHub


def test_repo_info_request_shape() -> None:
    node = RepoInfo(repo_id="alice/m", repo_type="dataset", revision="refs/pr/1", blobs=True, expand=["sha", "private"])
    assert node.request_path() == "/api/datasets/alice/m/revision/refs%2Fpr%2F1"
    assert node.request_params() == [("expand", "sha"), ("expand", "private"), ("blobs", "true")]
    assert RepoInfo(repo_id="alice/m").request_path() == "/api/models/alice/m"
    assert RepoInfo(repo_id="m", security_status=True).request_params() == [("securityStatus", "true")]


def test_listing_and_refs_request_shapes() -> None:
    tree = ListRepoTree(repo_id="alice/m", path_in_repo="sub/dir", revision="v 1", recursive=True)
    assert tree.request_path() == "/api/models/alice/m/tree/v%201/sub%2Fdir"
    assert tree.request_params() == [("recursive", "true"), ("expand", "false")]
    models = ListModels(author="alice", filter=["a", "b"], card_data=True, limit=3)
    assert sorted(models.request_params() or []) == [("author", "alice"), ("cardData", "true"), ("filter", "a"), ("filter", "b"), ("limit", "3")]
    commits = ListRepoCommits(repo_id="alice/m", expand=["formatted"])
    assert commits.request_params() == [("expand[]", "formatted")]
    assert ListRepoRefs(repo_id="alice/m", include_prs=1).request_params() == [("include_prs", "1")]
    branch = CreateBranch(repo_id="alice/m", branch="feat/x", starting_point="v1")
    assert branch.request_path() == "/api/models/alice/m/branch/feat%2Fx"
    assert branch.request_body() == {"startingPoint": "v1"}
    assert CreateBranch(repo_id="alice/m", branch="b").request_body() == {}
    tag = CreateTag(repo_id="alice/m", tag="v1", message="m", exist_ok=True)
    assert tag.request_path() == "/api/models/alice/m/tag/main" and tag.request_body() == {"tag": "v1", "message": "m"}
    assert DeleteRepo(repo_id="x", repo_type="dataset").request_body() == {"name": "x", "organization": None, "type": "dataset"}
    assert MoveRepo(from_repo="a/b", to_repo="c/d").request_body() == {"fromRepo": "a/b", "toRepo": "c/d", "type": "model"}
    assert CreateRepo(repo_id="acme/x", visibility="private").body() == {"name": "x", "organization": "acme", "visibility": "private"}


@pytest.mark.parametrize(
    "build",
    [
        lambda: RepoInfo(repo_id="a/b/c"),
        lambda: RepoInfo(repo_id="alice/m", revision=""),
        lambda: RepoInfo(repo_id="alice/m", repo_type="bucket"),
        lambda: ListRepoTree(repo_id="alice/m", path_in_repo="../x"),
        lambda: ListRepoTree(repo_id="alice/m", path_in_repo="/abs"),
        lambda: CreateBranch(repo_id="alice/m", branch=""),
        lambda: MoveRepo(from_repo="nonamespace", to_repo="a/b"),
        lambda: UpdateRepoSettings(repo_id="alice/m"),
        lambda: UpdateRepoSettings(repo_id="alice/m", gated="sometimes"),
        lambda: CreateRepo(repo_id="bad--name"),
    ],
)
def test_invalid_nodes_cannot_be_built(build: object) -> None:
    with pytest.raises(HFValidationError):
        build()  # type: ignore[operator]


def test_nodes_compose_in_a_graph(tmp_path: Path, token: str) -> None:
    hub = LocalHub(tmp_path / "hub")
    seen: list[tuple[str, dict[str, str]]] = []

    async def hook(request: httpx.Request) -> None:
        seen.append((request.url.path, dict(parse_qsl(request.url.query.decode()))))

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), event_hooks={"request": [hook]})  # type: ignore[arg-type]
    with HfApi(endpoint=hub.endpoint, token=token, client=client) as api:
        graph = Graph()
        create = graph.add(CreateRepo(repo_id="alice/g"))
        branch = graph.add(CreateBranch(repo_id="alice/g", branch="dev"), after=[create])
        info = graph.add(RepoInfo(repo_id="alice/g", revision="dev"), after=[branch])
        refs = graph.add(ListRepoRefs(repo_id="alice/g"), after=[branch])
        listing = graph.add(ListModels(author="alice"), after=[create])
        results = api.run(graph)
        url, model, git_refs, models = results[create], results[info], results[refs], results[listing]
        assert isinstance(url, RepoUrl) and url.repo_id == "alice/g"
        assert isinstance(model, ModelInfo) and model.id == "alice/g" and model.sha
        assert isinstance(git_refs, GitRefs) and {b.name for b in git_refs.branches} == {"main", "dev"}
        assert [m.id for m in models] == ["alice/g"]  # a paginated node run as a node returns every item
        assert ("/api/models/alice/g/revision/dev", {}) in seen
        api.portal.call(client.aclose)
