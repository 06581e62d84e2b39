"""Hostile input: paths, revisions, names, body sizes, gzip bombs, ranges, pagination.

Every refusal must leave the repositories on disk unchanged.
"""

from __future__ import annotations

import base64
import gzip
import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dulwich.objects import Blob, Tree

from hubflow.testing import ALICE_WRITE, LocalHub

pytestmark = pytest.mark.anyio
ALICE = {"authorization": f"Bearer {ALICE_WRITE}"}
NDJSON = {"content-type": "application/x-ndjson"}
HEADER = ("header", {"summary": "test"})


def ndjson(*lines: tuple[str, dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps({"key": k, "value": v}) for k, v in lines).encode()


def add(path: str, data: bytes = b"x") -> tuple[str, dict[str, Any]]:
    return ("file", {"path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"})


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
async def client(asgi_hub: LocalHub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_hub.app), base_url=asgi_hub.endpoint) as c:
        c.data_dir = asgi_hub.data_dir  # type: ignore[attr-defined]
        c.hub = asgi_hub.app.state.hub  # type: ignore[attr-defined]
        assert (await c.post("/api/repos/create", json={"name": "pub"}, headers=ALICE)).status_code == 200
        r = await c.post("/api/models/alice/pub/commit/main",
                         content=ndjson(HEADER, add("a.txt", b"hello"), add("sub/b.txt", b"world")),
                         headers={**ALICE, **NDJSON})
        assert r.status_code == 200
        yield c


BAD_PATHS = ["..", "../x", "sub/../../x", "/etc/passwd", "sub\\..\\x", "a\\b", ".git/config", "sub/.git/HEAD",
             "x\x00y", "a//b", "./..", "sub/./b.txt", "x" * 5000]


@pytest.mark.parametrize("path", BAD_PATHS)
async def test_bad_paths_in_every_commit_operation(client: httpx.AsyncClient, path: str) -> None:
    repos = client.data_dir / "repos"  # type: ignore[attr-defined]
    before = snapshot(repos)
    for op in (add(path), ("deletedFile", {"path": path}), ("deletedFolder", {"path": path}),
               ("lfsFile", {"path": path, "algo": "sha256", "oid": "0" * 64, "size": 1})):
        r = await client.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("ok.txt"), op),
                              headers={**ALICE, **NDJSON})
        assert r.status_code == 400, (op, r.status_code)
    r = await client.post("/api/models/alice/pub/paths-info/main", json={"paths": [path]}, headers=ALICE)
    assert r.status_code == 400
    r = await client.post("/api/models/alice/pub/preupload/main", json={"files": [{"path": path, "size": 1}]},
                          headers=ALICE)
    assert r.status_code == 400
    assert snapshot(repos) == before


@pytest.mark.parametrize("raw", ["%2e%2e/%2e%2e/hub.db", "..%2F..%2Fhub.db", "sub%2F..%2F..%2Fx", "%2Fetc%2Fpasswd",
                                 "sub%5C..%5Cx", ".git%2Fconfig", "a%00b", "%2e%2e"])
async def test_percent_encoded_traversal_in_urls(client: httpx.AsyncClient, raw: str) -> None:
    for url in (f"/alice/pub/resolve/main/{raw}", f"/api/models/alice/pub/tree/main/{raw}",
                f"/api/models/alice/pub/safetensors-metadata/{raw}"):
        r = await client.get(url, headers=ALICE)
        assert r.status_code in (400, 404), (url, r.status_code)
        assert b"SQLite" not in r.content and b"root:" not in r.content


@pytest.mark.parametrize("rev", ["refs%2F..%2F..%2Fconfig", "refs%2Fheads%2F..%2F..%2F..%2Fhub.db", "HEAD",
                                 "%2E%2E", "main..dev", "refs%2Fheads%2Fmain.lock", "main%00", "%2Fmain", "-main",
                                 "a" * 300])
async def test_weird_revisions(client: httpx.AsyncClient, rev: str) -> None:
    repos = client.data_dir / "repos"  # type: ignore[attr-defined]
    before = snapshot(repos)
    for method, url, body in (
        ("GET", f"/alice/pub/resolve/{rev}/a.txt", None), ("GET", f"/api/models/alice/pub/tree/{rev}", None),
        ("GET", f"/api/models/alice/pub/commits/{rev}", None), ("POST", f"/api/models/alice/pub/branch/{rev}", {}),
        ("DELETE", f"/api/models/alice/pub/branch/{rev}", None), ("DELETE", f"/api/models/alice/pub/tag/{rev}", None),
        ("POST", "/api/models/alice/pub/tag/main", {"tag": rev.replace("%2F", "/")}),
        ("POST", f"/api/models/alice/pub/super-squash/{rev}", {}),
    ):
        r = await client.request(method, url, json=body, headers=ALICE)
        assert r.status_code in (400, 404), (method, url, r.status_code)
    r = await client.post(f"/api/models/alice/pub/commit/{rev}", content=ndjson(HEADER, add("c.txt")),
                          headers={**ALICE, **NDJSON})
    assert r.status_code in (400, 404)
    assert snapshot(repos) == before


@pytest.mark.parametrize("name", ["a--b", "a..b", "..", "x.git", "-x", "x-", "a/b/c", "a%2Fb", "", "x" * 97,
                                  "naïve", "a b", ".hidden"])
async def test_bad_repo_names(client: httpx.AsyncClient, name: str) -> None:
    r = await client.post("/api/repos/create", json={"name": name}, headers=ALICE)
    assert r.status_code == 400, (name, r.status_code)
    if name:  # an empty organization means "mine"
        r = await client.post("/api/repos/create", json={"name": "ok", "organization": name}, headers=ALICE)
        assert r.status_code in (400, 403)
    r = await client.post("/api/repos/move", json={"fromRepo": "alice/pub", "toRepo": f"alice/{name}"}, headers=ALICE)
    assert r.status_code == 400
    r = await client.post("/api/models/alice/pub/duplicate", json={"repository": f"alice/{name}"}, headers=ALICE)
    assert r.status_code == 400
    assert not (client.data_dir / "repos" / "models" / "alice" / f"{name}.git").exists()  # type: ignore[attr-defined]


async def test_symlink_tree_entries_are_served_as_their_text(client: httpx.AsyncClient, tmp_path: Path) -> None:
    """A mode-120000 entry (only possible in hand-made data) is a blob: the server never follows it."""
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"host secret")
    hub = client.hub  # type: ignore[attr-defined]
    git = hub.open_git(hub.db.get_repo("model", "alice", "pub"))
    try:
        link = Blob.from_string(str(outside).encode())
        tree = Tree()
        tree.add(b"link.txt", stat.S_IFLNK, link.id)
        head = git.resolve("main")
        objects: list[Any] = [link, tree]
        commit = git.make_commit(tree.id, [head], "symlink\n", "alice", objects)
        git.write_objects(objects)
        assert git.set_ref("refs/heads/main", commit.id.decode(), old=head)
    finally:
        git.close()
    r = await client.get("/alice/pub/resolve/main/link.txt", headers=ALICE)
    assert r.status_code == 200 and r.content == str(outside).encode()
    tree_json = (await client.get("/api/models/alice/pub/tree/main", headers=ALICE)).json()
    assert [e["path"] for e in tree_json] == ["link.txt"]


# -- sizes -------------------------------------------------------------------------------------------------
async def test_json_bodies_are_capped_below_commit_bodies(tmp_path: Path) -> None:
    hub = LocalHub(tmp_path / "hub", max_json_size=4096)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
        await c.post("/api/repos/create", json={"name": "pub"}, headers=ALICE)
        big = {"paths": ["a.txt"] * 1000}  # > 4 KiB
        r = await c.post("/api/models/alice/pub/paths-info/main", json=big, headers=ALICE)
        assert r.status_code == 413
        r = await c.post("/api/validate-yaml", json={"content": "x" * 10_000})  # anonymous too
        assert r.status_code == 413
        r = await c.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("big.txt", b"x" * 10_000)),
                         headers={**ALICE, **NDJSON})
        assert r.status_code == 200  # commits carry inline files: the larger max_body_size applies
        # ... but only for authenticated callers: anonymous commit bodies are not buffered
        r = await c.post("/api/models/alice/pub/commit/main", content=ndjson(HEADER, add("big.txt", b"x" * 10_000)),
                         headers=NDJSON)
        assert r.status_code in (401, 413)


async def test_declared_content_length_is_checked_first(tmp_path: Path) -> None:
    hub = LocalHub(tmp_path / "hub", max_body_size=1000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
        r = await c.post("/api/repos/create", content=b"{}", headers={**ALICE, "content-length": "999999999"})
        assert r.status_code == 413


async def test_git_upload_pack_gzip_bomb_is_refused(client: httpx.AsyncClient) -> None:
    bomb = gzip.compress(b"0" * (40 * 1024 * 1024), compresslevel=9)  # 40 MiB inflated, ~40 KiB sent
    assert len(bomb) < 100_000
    r = await client.post("/alice/pub/git-upload-pack", content=bomb, headers={
        "content-type": "application/x-git-upload-pack-request", "content-encoding": "gzip"})
    assert r.status_code == 413
    r = await client.post("/alice/pub/git-upload-pack", content=b"\x1f\x8bnot gzip", headers={
        "content-type": "application/x-git-upload-pack-request", "content-encoding": "gzip"})
    assert r.status_code == 400
    r = await client.get("/alice/pub/info/refs?service=git-receive-pack", headers=ALICE)
    assert r.status_code == 403
    r = await client.post("/alice/pub/git-receive-pack", content=b"0000", headers=ALICE)
    assert r.status_code == 403


@pytest.mark.parametrize(("header", "status"), [
    ("bytes=0-1,2-3", 416), ("bytes=-0", 416), ("bytes=5-2", 416), ("bytes=99999999999999999999-", 416),
    ("bytes=-99999999999999999999", 206), ("bytes=0-99999999999999999999", 206), ("items=0-1", 416),
    ("bytes=--1", 416), ("bytes=1-2-3", 416),
])
async def test_range_headers(client: httpx.AsyncClient, header: str, status: int) -> None:
    r = await client.get("/alice/pub/resolve/main/a.txt", headers={**ALICE, "range": header})
    assert r.status_code == status
    if status == 206:
        assert r.content == b"hello"


@pytest.mark.parametrize("url", ["/api/models?limit=1000000000", "/api/models/alice/pub/tree/main?limit=99999999",
                                 "/api/collections?limit=9999999",
                                 "/api/models/alice/pub/likers?limit=99999999"])
async def test_pagination_limits_are_capped(tmp_path: Path, url: str) -> None:
    hub = LocalHub(tmp_path / "hub", page_size=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
        for i in range(3):
            await c.post("/api/repos/create", json={"name": f"r{i}"}, headers=ALICE)
            await c.post("/api/collections", json={"title": f"c{i}", "namespace": "alice"}, headers=ALICE)
        await c.post("/api/models/alice/pub/commit/main", headers={**ALICE, **NDJSON},
                     content=ndjson(HEADER, add("a"), add("b"), add("c")))
        await c.post("/api/repos/create", json={"name": "pub"}, headers=ALICE)
        for i in range(3):
            await c.post("/api/models/alice/pub/commit/main", headers={**ALICE, **NDJSON},
                         content=ndjson(HEADER, add(f"f{i}")))
        r = await c.get(url, headers=ALICE)
        assert r.status_code == 200
        assert len(r.json()) <= 2
        bad = await c.get(url.split("?")[0] + "?cursor=!!notbase64", headers=ALICE)
        assert bad.status_code in (200, 400)
