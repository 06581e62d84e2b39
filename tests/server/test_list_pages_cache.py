"""Listing pages are kept encoded until the database changes: every change shows at once."""

from __future__ import annotations

import httpx
import pytest

from hubflow.testing import LocalHub

pytestmark = pytest.mark.anyio

ALICE = {"authorization": "Bearer hf_alice_write"}
BOB = {"authorization": "Bearer hf_bob_write"}


async def _ids(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    r = await client.get("/api/models", params={"author": "alice"}, headers=headers)
    assert r.status_code == 200
    return [m["id"] for m in r.json()]


async def test_cached_pages_follow_every_change(asgi_hub: LocalHub) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_hub.app), base_url=asgi_hub.endpoint) as client:
        assert await client.post("/api/repos/create", json={"name": "one"}, headers=ALICE)
        assert await _ids(client, BOB) == ["alice/one"]
        assert await _ids(client, BOB) == ["alice/one"]  # answered from the cache
        await client.post("/api/repos/create", json={"name": "two"}, headers=ALICE)
        assert await _ids(client, BOB) == ["alice/one", "alice/two"]  # a new repo shows at once
        r = await client.put("/api/models/alice/two/settings", json={"private": True}, headers=ALICE)
        assert r.status_code == 200, r.text
        assert await _ids(client, BOB) == ["alice/one"]  # made private: hidden from bob at once
        assert await _ids(client, ALICE) == ["alice/one", "alice/two"]  # the owner still sees it
        await client.post("/api/models/alice/one/like", headers=BOB)
        r = await client.get("/api/models", params={"author": "alice"}, headers=BOB)
        assert r.json()[0]["likes"] == 1  # a like is a change too
        await client.request("DELETE", "/api/repos/delete", json={"name": "alice/one"}, headers=ALICE)
        assert await _ids(client, BOB) == []
