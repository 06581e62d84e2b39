"""Listing pages: ``HubClient.get_page`` (straight to the transport) and the blocking page iterator."""

from __future__ import annotations

import json

import httpx
import pytest

from hubflow import HfApi
from hubflow._http import HubClient
from hubflow._settings import RetryPolicy, Settings
from hubflow.errors import HfHubHTTPError, HubConnectionError, RevisionNotFoundError
from hubflow.schema import RepoFile
from hubflow.testing import HubProcess

FAST = RetryPolicy(base_wait=0.001, max_wait=0.002, server_wait_padding=0.0, max_server_wait=0.01)


@pytest.mark.anyio
async def test_get_page_carries_hub_headers_and_retries() -> None:
    seen: list[httpx.Request] = []
    answers = [httpx.Response(503, headers={"Retry-After": "0"}), httpx.Response(200, json=[{"id": 1}])]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    settings = Settings(endpoint="http://h", token="hf_x", retry=FAST)
    async with HubClient(settings, transport=httpx.MockTransport(handler)) as hub:
        response = await hub.get_page("/api/items", {"limit": "2"})
    assert json.loads(response.content) == [{"id": 1}] and len(seen) == 2
    assert response.request.url == "http://h/api/items?limit=2"
    assert seen[-1].headers["authorization"] == "Bearer hf_x" and "hubflow/" in seen[-1].headers["user-agent"]


@pytest.mark.anyio
async def test_get_page_errors_are_typed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/reset":
            raise httpx.ConnectError("connection refused")
        return httpx.Response(404, headers={"X-Error-Code": "RevisionNotFound"})

    settings = Settings(endpoint="http://h", retry=RetryPolicy(max_retries=0))
    async with HubClient(settings, transport=httpx.MockTransport(handler)) as hub:
        with pytest.raises(RevisionNotFoundError):
            await hub.get_page("/api/models/a/b/tree/nope")
        with pytest.raises(HubConnectionError):
            await hub.get_page("/reset")
    with pytest.raises(RuntimeError, match="closed"):
        await hub.get_page("/api/items")


@pytest.mark.anyio
async def test_get_page_redirect_is_followed_by_the_client() -> None:
    # A renamed repo answers API calls with a redirect: the page comes from the new place.
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/models/alice/old/"):
            return httpx.Response(307, headers={"Location": "http://h/api/models/alice/new/tree/main"})
        return httpx.Response(200, json=[{"path": request.url.path}])

    async with HubClient(Settings(endpoint="http://h"), transport=httpx.MockTransport(handler)) as hub:
        response = await hub.get_page("/api/models/alice/old/tree/main")
    assert json.loads(response.content) == [{"path": "/api/models/alice/new/tree/main"}]


@pytest.mark.anyio
async def test_get_page_goes_where_the_client_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a transport, httpx mounts no proxy from the environment: pages and requests alike.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    reached: list[str] = []
    transport = httpx.MockTransport(lambda r: reached.append(r.url.path) or httpx.Response(200, json=[]))
    async with HubClient(Settings(endpoint="http://h"), transport=transport) as hub:
        await hub.request("GET", "/api/a")
        await hub.get_page("/api/b")
    assert reached == ["/api/a", "/api/b"]
    # An injected client is the caller's (its hooks, auth, cookies): pages go through it.
    hooked: list[str] = []

    async def hook(request: httpx.Request) -> None:
        hooked.append(request.url.path)

    injected = httpx.AsyncClient(transport=transport, event_hooks={"request": [hook]})
    async with injected, HubClient(Settings(endpoint="http://h"), client=injected) as hub:
        await hub.get_page("/api/c")
    assert hooked == ["/api/c"]


@pytest.mark.anyio
async def test_get_page_reuses_one_connection(hub: HubProcess) -> None:
    async with HubClient(Settings(endpoint=hub.endpoint, token="hf_alice_write")) as client:
        for _ in range(5):
            response = await client.get_page("/api/models", {"author": "alice"})
            assert response.status_code == 200
        pool = client.client._transport._pool  # type: ignore[attr-defined]
        assert len(pool.connections) == 1  # every body read to the end, the connection back in the pool


def test_blocking_pages_raise_errors_of_later_pages() -> None:
    # The first page comes through the portal, later ones straight on the loop: errors must still surface.
    pages = {
        "0": (200, [{"type": "file", "oid": "a" * 40, "size": 1, "path": "a.txt"}]),
        "1": (200, [{"type": "file", "oid": "b" * 40, "size": 2, "path": "b.txt"}]),
        "2": (404, {"error": "gone"}),
    }
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor", "0")
        requested.append(cursor)
        status, body = pages[cursor]
        link = {"Link": f'<http://h/api/models/alice/m/tree/main?cursor={int(cursor) + 1}>; rel="next"'}
        return httpx.Response(status, json=body, headers=link if status == 200 else {"X-Error-Code": "RevisionNotFound"})

    with HfApi(endpoint="http://h", token="hf_x", transport=httpx.MockTransport(handler)) as api:
        entries = api.list_repo_tree("alice/m")
        first = next(entries)
        assert isinstance(first, RepoFile) and first.path == "a.txt" and requested == ["0"]
        assert next(entries).path == "b.txt" and requested == ["0", "1"]
        with pytest.raises(HfHubHTTPError):
            next(entries)
