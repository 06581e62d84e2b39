"""Multipart LFS uploads assembled in place: parts in any order, re-sent parts, verification at completion."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from hubflow.testing import ALICE_WRITE, LocalHub

pytestmark = pytest.mark.anyio
ALICE = {"authorization": f"Bearer {ALICE_WRITE}"}
DATA = bytes(range(256)) * 3 + b"tail"  # 772 bytes: 25 parts of 32


async def _start(c: httpx.AsyncClient, data: bytes) -> tuple[str, int, list[str]]:
    oid = hashlib.sha256(data).hexdigest()
    r = await c.post("/alice/m.git/info/lfs/objects/batch", headers=ALICE, json={
        "operation": "upload", "transfers": ["basic", "multipart"], "objects": [{"oid": oid, "size": len(data)}]})
    action = r.json()["objects"][0]["actions"]["upload"]
    parts = [url for _, url in sorted(((int(k), v) for k, v in action["header"].items() if k.isdigit()))]
    return action["href"], int(action["header"]["chunk_size"]), parts


async def test_parts_out_of_order_and_a_resent_part(tmp_path: Path) -> None:
    hub = LocalHub(tmp_path / "hub", multipart_threshold=64, multipart_chunk_size=32)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
        assert (await c.post("/api/repos/create", json={"name": "m"}, headers=ALICE)).status_code == 200
        href, chunk, urls = await _start(c, DATA)
        etags: dict[int, str] = {}
        for number in reversed(range(1, len(urls) + 1)):  # last part first
            piece = DATA[(number - 1) * chunk : number * chunk]
            wrong = b"X" * len(piece) if number == 3 else piece
            r = await c.put(urls[number - 1], content=wrong)
            assert r.status_code == 200
            etags[number] = r.headers["etag"]
        oid = hashlib.sha256(DATA).hexdigest()
        body = {"oid": oid, "parts": [{"partNumber": n, "etag": etags[n]} for n in sorted(etags)]}
        r = await c.post(href, json=body)
        assert r.status_code == 400 and "verification failed" in r.text  # part 3 was wrong
        # the parts stay: re-send part 3, its new ETag completes the object
        r = await c.put(urls[2], content=DATA[2 * chunk : 3 * chunk])
        assert r.headers["etag"] != etags[3]
        stale = await c.post(href, json=body)
        assert stale.status_code == 400  # the old ETag of part 3 no longer counts
        etags[3] = r.headers["etag"]
        body = {"oid": oid, "parts": [{"partNumber": n, "etag": etags[n]} for n in sorted(etags)]}
        assert (await c.post(href, json=body)).status_code == 200
        stored = hub.app.state.hub.lfs.path(oid)
        assert stored.read_bytes() == DATA
        assert (await c.post(href, json=body)).status_code == 200  # completing again is idempotent
