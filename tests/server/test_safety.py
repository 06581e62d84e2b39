"""Safety rules of the local Hub, checked with httpx against the in-process app.

Each test asserts the status, the ``X-Error-Code`` and that nothing changed on disk.
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

from hubflow.server._gitstore import GitRepo
from hubflow.testing import ALICE_READ, ALICE_WRITE, BOB_WRITE, LocalHub

pytestmark = pytest.mark.anyio
ALICE = {"authorization": f"Bearer {ALICE_WRITE}"}
BOB = {"authorization": f"Bearer {BOB_WRITE}"}
NDJSON = {"content-type": "application/x-ndjson"}


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (except LFS temp files) with its size and mtime."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts[:2]
        and p.name != "hub.db-wal" and p.name != "hub.db-shm" and p.name != "hub.db"
    }


def ndjson(*lines: tuple[str, dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps({"key": k, "value": v}) for k, v in lines).encode()


def add(path: str, data: bytes = b"x") -> tuple[str, dict[str, Any]]:
    return ("file", {"path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"})


HEADER = ("header", {"summary": "test"})


@pytest.fixture
async def client(asgi_hub: LocalHub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=asgi_hub.app)
    async with httpx.AsyncClient(transport=transport, base_url=asgi_hub.endpoint) as c:
        for name, private in (("pub", False), ("priv", True)):
            r = await c.post("/api/repos/create", json={"name": name, "private": private}, headers=ALICE)
            assert r.status_code == 200
        r = await c.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("a.txt", b"hello")),
                         headers={**ALICE, **NDJSON})
        assert r.status_code == 200
        yield c


async def test_unknown_token_is_401(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/models/alice/pub", headers={"authorization": "Bearer hf_nope"})
    assert r.status_code == 401
    assert r.headers["x-error-message"] == "Invalid credentials in Authorization header"


@pytest.mark.parametrize("url", ["/api/models/alice/priv", "/alice/priv/resolve/main/.gitattributes",
                                 "/api/models/alice/priv/tree/main", "/api/models/alice/priv/refs"])
async def test_private_repo_is_not_found_for_others(client: httpx.AsyncClient, url: str) -> None:
    for headers in (BOB, {}):
        r = await client.get(url, headers=headers)
        assert r.status_code == 404 and r.headers["x-error-code"] == "RepoNotFound"
        assert r.json()["error"]
    assert (await client.get(url, headers=ALICE)).status_code == 200


async def test_read_token_cannot_write(client: httpx.AsyncClient, asgi_hub: LocalHub) -> None:
    before = snapshot(asgi_hub.data_dir / "repos")
    r = await client.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("b.txt")),
                          headers={"authorization": f"Bearer {ALICE_READ}", **NDJSON})
    assert r.status_code == 403
    r = await client.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("b.txt")),
                          headers={**BOB, **NDJSON})
    assert r.status_code == 403
    assert snapshot(asgi_hub.data_dir / "repos") == before


@pytest.mark.parametrize("path", ["../evil.txt", "/abs.txt", "a/../../b", "sub/.git/config", ".git/HEAD",
                                  "a//b", "a/./b", "nul\x00.txt", ""])
async def test_bad_paths_are_refused(client: httpx.AsyncClient, asgi_hub: LocalHub, path: str) -> None:
    before = snapshot(asgi_hub.data_dir / "repos")
    r = await client.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("ok.txt"), add(path)),
                          headers={**ALICE, **NDJSON})
    assert r.status_code == 400
    assert snapshot(asgi_hub.data_dir / "repos") == before
    r = await client.get(f"/alice/pub/resolve/main/{path.replace(chr(0), '%00')}", headers=ALICE)
    assert r.status_code in (400, 404)


async def test_parent_commit_mismatch_changes_nothing(client: httpx.AsyncClient, asgi_hub: LocalHub) -> None:
    before = snapshot(asgi_hub.data_dir / "repos")
    body = ndjson(("header", {"summary": "t", "parentCommit": "0" * 40}), add("b.txt"))
    r = await client.post("/api/models/alice/pub/commit/main", content=body, headers={**ALICE, **NDJSON})
    assert r.status_code == 412
    refs = (await client.get("/api/models/alice/pub/refs", headers=ALICE)).json()
    tree = (await client.get("/api/models/alice/pub/tree/main", headers=ALICE)).json()
    assert "b.txt" not in [t["path"] for t in tree]
    assert refs["branches"][0]["targetCommit"] == (await client.get("/api/models/alice/pub")).json()["sha"]
    assert {k for k in snapshot(asgi_hub.data_dir / "repos") if "refs" in k} == {k for k in before if "refs" in k}


async def test_crash_mid_commit_keeps_previous_commit(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = (await client.get("/api/models/alice/pub")).json()["sha"]
    real = GitRepo.write_objects

    def crash(self: GitRepo, objects: list[Any]) -> None:
        real(self, objects[: len(objects) // 2])  # some objects hit the disk, then the process "dies"
        raise RuntimeError("injected crash")

    monkeypatch.setattr(GitRepo, "write_objects", crash)
    with pytest.raises(RuntimeError):
        await client.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("c.txt")),
                          headers={**ALICE, **NDJSON})
    monkeypatch.setattr(GitRepo, "write_objects", real)
    assert (await client.get("/api/models/alice/pub")).json()["sha"] == head
    r = await client.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("c.txt")),
                          headers={**ALICE, **NDJSON})
    assert r.status_code == 200


async def _batch(client: httpx.AsyncClient, oid: str, size: int) -> dict[str, Any]:
    r = await client.post("/alice/pub.git/info/lfs/objects/batch", headers=ALICE, json={
        "operation": "upload", "transfers": ["basic", "multipart"], "objects": [{"oid": oid, "size": size}]})
    assert r.status_code == 200
    obj: dict[str, Any] = r.json()["objects"][0]
    return obj


async def test_lfs_upload_is_verified_before_it_exists(client: httpx.AsyncClient, asgi_hub: LocalHub) -> None:
    data = b"real content"
    oid = hashlib.sha256(data).hexdigest()
    href = (await _batch(client, oid, len(data)))["actions"]["upload"]["href"]
    store = asgi_hub.app.state.hub.lfs
    r = await client.put(href, content=b"fake content")  # same size, wrong bytes
    assert r.status_code == 400 and not store.exists(oid)
    r = await client.put(href.replace("sig=", "sig=0"), content=data)  # tampered signature
    assert r.status_code == 403 and not store.exists(oid)
    # committing a pointer to an object that was never uploaded is refused
    r = await client.post("/api/models/alice/pub/commit/main", headers={**ALICE, **NDJSON}, content=ndjson(
        HEADER, ("lfsFile", {"path": "w.bin", "algo": "sha256", "oid": oid, "size": len(data)})))
    assert r.status_code == 400
    r = await client.put(href, content=data)
    assert r.status_code == 200 and store.path(oid).read_bytes() == data
    assert (await _batch(client, oid, len(data))).get("actions") is None  # now known: nothing to upload
    r = await client.post("/api/models/alice/pub/commit/main", headers={**ALICE, **NDJSON}, content=ndjson(
        HEADER, ("lfsFile", {"path": "w.bin", "algo": "sha256", "oid": oid})))  # size looked up
    assert r.status_code == 200
    r = await client.get("/alice/pub/resolve/main/w.bin", headers={**ALICE, "range": "bytes=5-"})
    assert r.status_code == 206 and r.content == data[5:]
    assert r.headers["x-linked-etag"] == f'"{oid}"' and r.headers["content-range"] == f"bytes 5-11/{len(data)}"


async def test_multipart_parts_are_checked(tmp_path: Path) -> None:
    hub = LocalHub(tmp_path / "hub", multipart_threshold=10, multipart_chunk_size=8)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
        await c.post("/api/repos/create", json={"name": "pub"}, headers=ALICE)
        data = b"0123456789abcdefXYZ"
        oid = hashlib.sha256(data).hexdigest()
        upload = (await _batch(c, oid, len(data)))["actions"]["upload"]
        parts = sorted((k, v) for k, v in upload["header"].items() if k.isdigit())
        assert upload["header"]["chunk_size"] == "8" and len(parts) == 3
        etags = []
        for i, (_, url) in enumerate(parts):
            r = await c.put(url, content=data[i * 8 : (i + 1) * 8])
            assert r.status_code == 200
            etags.append(r.headers["etag"])
        bad = {"oid": oid, "parts": [{"partNumber": i + 1, "etag": '"x"'} for i in range(3)]}
        assert (await c.post(upload["href"], json=bad)).status_code == 400
        assert not hub.app.state.hub.lfs.exists(oid)
        good = {"oid": oid, "parts": [{"partNumber": i + 1, "etag": e} for i, e in enumerate(etags)]}
        assert (await c.post(upload["href"], json=good)).status_code == 200
        assert hub.app.state.hub.lfs.path(oid).read_bytes() == data


async def test_body_size_is_bounded(tmp_path: Path) -> None:
    hub = LocalHub(tmp_path / "hub", max_body_size=1000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
        await c.post("/api/repos/create", json={"name": "pub"}, headers=ALICE)
        before = snapshot(hub.data_dir / "repos")
        r = await c.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("big.txt", b"x" * 2000)),
                         headers={**ALICE, **NDJSON})
        assert r.status_code == 413
        assert snapshot(hub.data_dir / "repos") == before


async def test_gated_repo_downloads(client: httpx.AsyncClient) -> None:
    r = await client.put("/api/models/alice/pub/settings", json={"gated": "manual"}, headers=ALICE)
    assert r.status_code == 200
    r = await client.get("/alice/pub/resolve/main/a.txt", headers=BOB)
    assert r.status_code == 403 and r.headers["x-error-code"] == "GatedRepo"
    r = await client.get("/alice/pub/resolve/main/a.txt")
    assert r.status_code == 401 and r.headers["x-error-code"] == "GatedRepo"
    assert (await client.get("/alice/pub/resolve/main/a.txt", headers=ALICE)).content == b"hello"
    assert (await client.get("/api/models/alice/pub", headers=BOB)).json()["gated"] == "manual"


async def test_not_found_codes(client: httpx.AsyncClient) -> None:
    sha = (await client.get("/api/models/alice/pub")).json()["sha"]
    r = await client.head("/alice/pub/resolve/main/missing.txt")
    assert r.status_code == 404 and r.headers["x-error-code"] == "EntryNotFound"
    assert r.headers["x-repo-commit"] == sha
    r = await client.get("/alice/pub/resolve/nope/a.txt")
    assert r.headers["x-error-code"] == "RevisionNotFound"
    r = await client.get("/alice/nothere/resolve/main/a.txt")
    assert r.headers["x-error-code"] == "RepoNotFound"
    r = await client.head("/alice/pub/resolve/main/a.txt")
    assert r.headers["etag"] == f'"{hashlib.sha1(b"blob 5" + bytes(1) + b"hello").hexdigest()}"'
    assert r.headers["content-length"] == "5" and r.headers["x-repo-commit"] == sha
    r = await client.get("/api/models/alice/pub/xet-read-token/main")
    assert r.status_code == 404 and "x-xet-hash" not in r.headers


@pytest.mark.parametrize("rev", ["refs%2F..%2F..%2Fconfig", "..%2Fconfig", "refs%2Fheads%2F..%2F..%2FHEAD"])
async def test_revisions_cannot_escape_the_refs(client: httpx.AsyncClient, asgi_hub: LocalHub, rev: str) -> None:
    before = snapshot(asgi_hub.data_dir / "repos")
    r = await client.get(f"/api/models/alice/pub/revision/{rev}", headers=ALICE)
    assert r.status_code == 404 and r.headers["x-error-code"] == "RevisionNotFound"
    r = await client.delete(f"/api/models/alice/pub/branch/{rev}", headers=ALICE)
    assert r.status_code == 404
    r = await client.post(f"/api/models/alice/pub/branch/{rev}", json={}, headers=ALICE)
    assert r.status_code == 400
    assert snapshot(asgi_hub.data_dir / "repos") == before
