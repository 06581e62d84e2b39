"""Security of LFS objects: they are stored once (content-addressed) but belong to repos.

A repo may only reference an LFS object whose bytes were uploaded *to that repo* (or copied with
the repo by ``duplicate``). Knowing an object's sha256 and size must never be enough to read it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hubflow.server._gitstore import lfs_pointer
from hubflow.testing import ALICE_WRITE, BOB_WRITE, LocalHub

pytestmark = pytest.mark.anyio
ALICE = {"authorization": f"Bearer {ALICE_WRITE}"}
BOB = {"authorization": f"Bearer {BOB_WRITE}"}
NDJSON = {"content-type": "application/x-ndjson"}
SECRET = b"alice's private weights " * 4  # 96 bytes: above the tiny multipart threshold below
OID = hashlib.sha256(SECRET).hexdigest()


def ndjson(*lines: tuple[str, dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps({"key": k, "value": v}) for k, v in lines).encode()


HEADER = ("header", {"summary": "test"})


async def batch(c: httpx.AsyncClient, repo: str, headers: dict[str, str], oid: str, size: int) -> dict[str, Any]:
    r = await c.post(f"/{repo}.git/info/lfs/objects/batch", headers=headers, json={
        "operation": "upload", "transfers": ["basic", "multipart"], "objects": [{"oid": oid, "size": size}]})
    assert r.status_code == 200
    obj: dict[str, Any] = r.json()["objects"][0]
    return obj


async def upload(c: httpx.AsyncClient, repo: str, headers: dict[str, str], data: bytes) -> str:
    """Upload ``data`` to ``repo`` the way the client does (multipart above the threshold)."""
    oid = hashlib.sha256(data).hexdigest()
    action = (await batch(c, repo, headers, oid, len(data)))["actions"]["upload"]
    if "header" not in action:
        assert (await c.put(action["href"], content=data)).status_code == 200
        return oid
    chunk = int(action["header"]["chunk_size"])
    parts = sorted((k, v) for k, v in action["header"].items() if k.isdigit())
    etags = []
    for i, (_, url) in enumerate(parts):
        r = await c.put(url, content=data[i * chunk : (i + 1) * chunk])
        etags.append(r.headers["etag"])
    body = {"oid": oid, "parts": [{"partNumber": i + 1, "etag": e} for i, e in enumerate(etags)]}
    assert (await c.post(action["href"], json=body)).status_code == 200
    return oid


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    hub = LocalHub(tmp_path / "hub", multipart_threshold=64, multipart_chunk_size=32)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
        c.hub = hub.app.state.hub  # type: ignore[attr-defined]
        assert (await c.post("/api/repos/create", json={"name": "priv", "private": True}, headers=ALICE)).status_code == 200
        assert (await c.post("/api/repos/create", json={"name": "mine"}, headers=BOB)).status_code == 200
        assert await upload(c, "alice/priv", ALICE, SECRET) == OID
        r = await c.post("/api/models/alice/priv/commit/main", headers={**ALICE, **NDJSON}, content=ndjson(
            HEADER, ("lfsFile", {"path": "w.bin", "algo": "sha256", "oid": OID, "size": len(SECRET)})))
        assert r.status_code == 200
        yield c


async def test_multipart_complete_needs_the_bytes(client: httpx.AsyncClient) -> None:
    """Completing a multipart upload of an object stored for another repo must not link it without parts."""
    action = (await batch(client, "bob/mine", BOB, OID, len(SECRET)))["actions"]["upload"]
    assert "header" in action  # multipart
    r = await client.post(action["href"], json={"oid": OID, "parts": []})
    assert r.status_code == 400
    r = await client.post("/api/models/bob/mine/commit/main", headers={**BOB, **NDJSON}, content=ndjson(
        HEADER, ("lfsFile", {"path": "stolen.bin", "algo": "sha256", "oid": OID, "size": len(SECRET)})))
    assert r.status_code == 400
    assert (await client.get("/bob/mine/resolve/main/stolen.bin", headers=BOB)).status_code == 404


async def test_multipart_complete_is_idempotent_for_its_own_repo(client: httpx.AsyncClient) -> None:
    data = b"bob's own big file " * 8
    oid = await upload(client, "bob/mine", BOB, data)
    # a retried completion (lost answer) after the parts were consumed still succeeds
    hub = client.hub  # type: ignore[attr-defined]
    exp_q = hub.lfs.sign(rid=hub.db.get_repo("model", "bob", "mine").id, oid=oid, size=len(data),
                         exp=2**40, part="complete")
    r = await client.post(f"/lfs-upload/{oid}/complete?{exp_q}", json={"oid": oid, "parts": []})
    assert r.status_code == 200


async def test_pointer_file_cannot_reference_another_repos_object(client: httpx.AsyncClient) -> None:
    """A regular file whose content is an LFS pointer is an LFS file: same rule as ``lfsFile``."""
    pointer = lfs_pointer(OID, len(SECRET))
    r = await client.post("/api/models/bob/mine/commit/main", headers={**BOB, **NDJSON}, content=ndjson(
        HEADER, ("file", {"path": "stolen.bin", "content": base64.b64encode(pointer).decode(), "encoding": "base64"})))
    assert r.status_code == 400
    r = await client.get("/bob/mine/resolve/main/stolen.bin", headers=BOB)
    assert r.status_code == 404 and SECRET not in r.content


async def test_resolve_serves_only_objects_linked_to_the_repo(client: httpx.AsyncClient) -> None:
    """Defence in depth: a pointer that got into a tree without a link (older data) is not served."""
    hub = client.hub  # type: ignore[attr-defined]
    row = hub.db.get_repo("model", "bob", "mine")
    git = hub.open_git(row)
    try:
        from hubflow.server._gitstore import AddBlob

        git.commit("refs/heads/main", [AddBlob("old.bin", lfs_pointer(OID, len(SECRET)))], "old data", author="bob")
    finally:
        git.close()
    r = await client.get("/bob/mine/resolve/main/old.bin", headers=BOB)
    assert r.status_code == 404 and SECRET not in r.content
    r = await client.get("/alice/priv/resolve/main/w.bin", headers=ALICE)
    assert r.status_code == 200 and r.content == SECRET


async def test_deleted_lfs_file_is_no_longer_served(client: httpx.AsyncClient) -> None:
    """``lfs-files/batch`` deletion unlinks the object from the repo: downloads stop."""
    r = await client.post("/api/models/alice/priv/lfs-files/batch", headers=ALICE,
                          json={"deletions": {"sha": [OID], "rewriteHistory": False}})
    assert r.status_code == 200
    assert (await client.get("/alice/priv/resolve/main/w.bin", headers=ALICE)).status_code == 404


async def test_lfs_download_and_verify_are_scoped(client: httpx.AsyncClient) -> None:
    r = await client.post("/bob/mine.git/info/lfs/objects/batch", headers=BOB, json={
        "operation": "download", "objects": [{"oid": OID, "size": len(SECRET)}]})
    assert r.status_code == 200 and r.json()["objects"][0]["error"]["code"] == 404
    assert (await client.get(f"/bob/mine.git/info/lfs/objects/{OID}", headers=BOB)).status_code == 404
    r = await client.post("/bob/mine.git/info/lfs/objects/verify", headers=BOB, json={"oid": OID, "size": len(SECRET)})
    assert r.status_code == 404
    for headers in (BOB, {}):  # the private repo itself: invisible
        r = await client.get(f"/alice/priv.git/info/lfs/objects/{OID}", headers=headers)
        assert r.status_code == 404 and r.headers["x-error-code"] == "RepoNotFound"
        r = await client.post("/alice/priv.git/info/lfs/objects/batch", headers=headers, json={
            "operation": "upload", "objects": [{"oid": OID, "size": len(SECRET)}]})
        assert r.status_code == 404 and r.headers["x-error-code"] == "RepoNotFound"


async def test_signed_urls_are_bound_to_repo_oid_size_and_expiry(client: httpx.AsyncClient) -> None:
    data = b"small"
    oid = hashlib.sha256(data).hexdigest()
    href = (await batch(client, "bob/mine", BOB, oid, len(data)))["actions"]["upload"]["href"]
    alice_rid = client.hub.db.get_repo("model", "alice", "priv").id  # type: ignore[attr-defined]
    for old, new in (("rid=", f"rid={alice_rid}0"), ("size=5", "size=6"), ("exp=", "exp=1")):
        assert (await client.put(href.replace(old, new, 1), content=data)).status_code == 403
    other = hashlib.sha256(b"other").hexdigest()
    assert (await client.put(href.replace(oid, other), content=b"other")).status_code == 403
    hub = client.hub  # type: ignore[attr-defined]
    rid = hub.db.get_repo("model", "bob", "mine").id
    expired = hub.lfs.sign(rid=rid, oid=oid, size=5, exp=1)
    r = await client.put(f"/lfs-upload/{oid}?{expired}", content=data)
    assert r.status_code == 403 and "expired" in r.json()["error"]
    bad_oid = "../../hub.db"
    assert (await client.put(f"/lfs-upload/{bad_oid.replace('/', '%2F')}?{expired}", content=data)).status_code in (400, 404)
    assert not hub.lfs.exists(oid)


async def test_safetensors_metadata_reads_only_linked_objects(client: httpx.AsyncClient) -> None:
    header = json.dumps({"secret_tensor": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    weights = len(header).to_bytes(8, "little") + header + b"\0\0\0\0"
    oid = await upload(client, "alice/priv", ALICE, weights)
    hub = client.hub  # type: ignore[attr-defined]
    git = hub.open_git(hub.db.get_repo("model", "bob", "mine"))
    try:  # bob's tree names alice's object (as data from before the commit rule would)
        from hubflow.server._gitstore import AddBlob

        index = json.dumps({"metadata": {}, "weight_map": {"x": "s.safetensors"}}).encode()
        git.commit("refs/heads/main", [AddBlob("model.safetensors.index.json", index),
                                       AddBlob("s.safetensors", lfs_pointer(oid, len(weights)))], "t", author="bob")
    finally:
        git.close()
    r = await client.get("/api/models/bob/mine/safetensors-metadata/model.safetensors.index.json", headers=BOB)
    assert r.status_code == 404 and b"secret_tensor" not in r.content
