"""Declarative endpoints: path encoding, query/body from fields, decoding, pagination as a node."""

from __future__ import annotations

import json
from typing import Any

import httpx
import msgspec
import pytest

from hubflow._http import HubClient
from hubflow._settings import Settings
from hubflow.graph import Graph, run
from hubflow.tasks import Endpoint, result_type_of


class RepoThing(Endpoint[dict[str, Any]]):
    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/tree/{revision}/{path_in_repo}"
    result_type = dict[str, Any]
    repo_id: str
    repo_type: str = "model"
    revision: str = "main"
    path_in_repo: str = ""
    expand: list[str] | None = None
    recursive: bool = False
    limit: int | None = None


class Info(msgspec.Struct):
    oid: str


class Commit(Endpoint[Info]):
    method = "POST"
    path = "/api/{repo_type_plural}/{repo_id}/commit/{revision}"
    result_type = Info
    repo_id: str
    repo_type: str = "dataset"
    revision: str = "main"
    summary: str
    parent_commit: str | None = msgspec.field(default=None, name="parentCommit")


class Page(Endpoint[list[Info]]):
    path = "/api/items"
    result_type = Info
    paginated = True
    author: str


def test_path_query_encoding() -> None:
    node = RepoThing(repo_id="alice/m", revision="refs/pr/1", path_in_repo="dir/a b.txt",
                     expand=["x", "y"], recursive=True)
    assert node.request_path() == "/api/models/alice/m/tree/refs%2Fpr%2F1/dir/a%20b.txt"
    assert node.request_params() == [("expand", "x"), ("expand", "y"), ("recursive", "true")]
    assert node.request_body() is None
    assert result_type_of(RepoThing) == dict[str, Any]
    assert result_type_of(Page) == list[Info]


def test_body_uses_wire_names_and_omits_none() -> None:
    node = Commit(repo_id="acme/d", summary="s", parent_commit="abc", token="hf_secret")
    assert node.request_path() == "/api/datasets/acme/d/commit/main"
    assert node.request_body() == {"summary": "s", "parentCommit": "abc"}  # token never sent as data
    assert Commit(repo_id="acme/d", summary="s").request_body() == {"summary": "s"}
    assert "hf_secret" not in repr(node)


@pytest.mark.anyio
async def test_generic_run_decodes_and_paginates() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.startswith("/api/items"):
            if "cursor" in request.url.params:
                return httpx.Response(200, json=[{"oid": "c"}])
            return httpx.Response(200, json=[{"oid": "a"}, {"oid": "b"}],
                                  headers={"Link": '<http://h/api/items?cursor=1&author=al>; rel="next"'})
        return httpx.Response(200, json={"oid": "deadbeef", "ignored": 1})

    async with HubClient(Settings(endpoint="http://h"), transport=httpx.MockTransport(handler)) as hub:
        graph = Graph()
        commit = graph.add(Commit(repo_id="acme/d", summary="s", token="hf_call"))
        page = graph.add(Page(author="al"))
        results = await run(graph, hub)
    assert results[commit] == Info(oid="deadbeef")
    assert [i.oid for i in results[page]] == ["a", "b", "c"]
    post = next(r for r in seen if r.method == "POST")
    assert json.loads(post.content) == {"summary": "s"}
    assert post.headers["authorization"] == "Bearer hf_call"
