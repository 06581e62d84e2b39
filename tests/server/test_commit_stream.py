"""The commit NDJSON route: typed line parsing (msgspec), its error messages, streamed bodies.

Every rejected commit must leave the branch where it was and write nothing under ``repos/``.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from dulwich.object_format import SHA1
from dulwich.pack import PackData

from hubflow.server import _ndjson
from hubflow.testing import ALICE_WRITE, LocalHub

pytestmark = pytest.mark.anyio
ALICE = {"authorization": f"Bearer {ALICE_WRITE}", "content-type": "application/x-ndjson"}
URL = "/api/models/alice/m/commit/main"


def line(key: Any, value: Any) -> bytes:
    return json.dumps({"key": key, "value": value}).encode()


def add(path: str, data: bytes) -> bytes:
    return line("file", {"path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"})


HEADER = line("header", {"summary": "streamed", "description": "body"})


def files_under(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    hub = LocalHub(tmp_path / "hub")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
        assert (await c.post("/api/repos/create", json={"name": "m"}, headers=ALICE)).status_code == 200
        c.data_dir = hub.data_dir  # type: ignore[attr-defined]
        yield c


async def _head(c: httpx.AsyncClient) -> str:
    return str((await c.get("/api/models/alice/m/revision/main", headers=ALICE)).json()["sha"])


@pytest.mark.parametrize(("body", "message"), [
    (b"not json", "Invalid NDJSON line 2"),
    (b'{"key": "file"}', "Invalid NDJSON line 2"),
    (b'["key", "value"]', "Invalid NDJSON line 2"),
    (line("file", "a string"), "Invalid value on line 2"),
    (line("file", {"path": 5, "content": ""}), "Invalid value on line 2"),
    (line("lfsFile", {"path": "w.bin", "oid": "0" * 64, "size": "five"}), "Invalid value on line 2"),
    (line("rename", {"path": "a"}), "Unknown operation 'rename' on line 2"),
    (line(7, {"path": "a"}), "Unknown operation 7 on line 2"),
    (line("file", {"path": "a.txt", "content": "aGk"}), "Invalid base64 content for a.txt"),
    (line("file", {"path": "a.txt", "content": "aGk=\n"}), "Invalid base64 content for a.txt"),
    (line("file", {"path": "a.txt", "content": "aGk=é"}), "Invalid base64 content for a.txt"),
    (line("file", {"path": "../a.txt", "content": ""}), "Invalid path"),
    (line("lfsFile", {"path": "w.bin", "oid": "xyz"}), "Invalid LFS oid for w.bin"),
    (line("lfsFile", {"path": "w.bin", "oid": "a" * 64}), "was not uploaded to this repo"),
    (add("p.bin", f"version https://git-lfs.github.com/spec/v1\noid sha256:{'b' * 64}\nsize 3\n".encode()),
     "p.bin is an LFS pointer to an object that was not uploaded to this repo"),
])
async def test_bad_line_rejects_the_whole_commit(client: httpx.AsyncClient, body: bytes, message: str) -> None:
    root = client.data_dir / "repos"  # type: ignore[attr-defined]
    before, head = files_under(root), await _head(client)
    content = b"\n".join([HEADER, body, add("after.txt", b"x")])
    r = await client.post(URL, content=content, headers=ALICE)
    assert r.status_code == 400, r.text
    assert message in r.json()["error"]
    assert await _head(client) == head and files_under(root) == before


async def test_header_checks(client: httpx.AsyncClient) -> None:
    r = await client.post(URL, content=add("a.txt", b"x"), headers=ALICE)
    assert r.status_code == 400 and "no header line" in r.json()["error"]
    r = await client.post(URL, content=b"\n".join([line("header", {"summary": "  "}), add("a.txt", b"x")]),
                          headers=ALICE)
    assert r.status_code == 400 and "summary must not be empty" in r.json()["error"]
    r = await client.post(URL, content=b"\n".join([line("header", {"summary": "s", "parentCommit": "zz"}),
                                                   add("a.txt", b"x")]), headers=ALICE)
    assert r.status_code == 400 and "Invalid parentCommit" in r.json()["error"]
    stale = line("header", {"summary": "s", "parentCommit": "0" * 40})
    assert (await client.post(URL, content=b"\n".join([stale, add("a.txt", b"x")]), headers=ALICE)).status_code == 412


async def test_crlf_blank_lines_and_every_operation(client: httpx.AsyncClient) -> None:
    body = b"\r\n".join([HEADER, b"", add("a.txt", b"one"), add("d/b.txt", b"two"), b"  "]) + b"\r\n"
    r = await client.post(URL, content=body, headers=ALICE)
    assert r.status_code == 200, r.text
    body = b"\n".join([HEADER, line("deletedFile", {"path": "a.txt"}), line("deletedFolder", {"path": "d/"}),
                       line("file", {"path": "plain.txt", "content": "héllo", "encoding": "utf-8"})])
    r = await client.post(URL, content=body, headers=ALICE)
    assert r.status_code == 200, r.text
    tree = (await client.get("/api/models/alice/m/tree/main", headers=ALICE)).json()
    assert sorted(e["path"] for e in tree) == [".gitattributes", "plain.txt"]
    got = await client.get("/alice/m/resolve/main/plain.txt", headers=ALICE)
    assert got.content == "héllo".encode()
    commit = (await client.get("/api/models/alice/m/commits/main", headers=ALICE)).json()[1]
    assert commit["title"] == "streamed" and commit["message"].strip() == "body"


async def test_content_is_decoded_by_its_encoding(client: httpx.AsyncClient) -> None:
    body = b"\n".join([
        HEADER,
        line("file", {"path": "text.txt", "content": "aGk=", "encoding": "utf-8"}),  # valid base64, kept as text
        b'{"key": "file", "value": {"encoding": "base64", "content": "\\u0061Gk=", "path": "escaped.txt"}}',
        b'{"key": "file", "value": {"content": "\\/\\/\\/\\/", "path": "slashes.bin"}}',  # JSON's escaped "/"
        line("file", {"path": "empty.txt", "content": ""}),
    ])
    r = await client.post(URL, content=body, headers=ALICE)
    assert r.status_code == 200, r.text
    for path, data in [("text.txt", b"aGk="), ("escaped.txt", b"hi"), ("slashes.bin", b"\xff\xff\xff"),
                       ("empty.txt", b"")]:
        assert (await client.get(f"/alice/m/resolve/main/{path}", headers=ALICE)).content == data
    r = await client.post(URL, content=b"\n".join([HEADER, line("file", {"path": "n.txt", "content": 5})]),
                          headers=ALICE)
    assert r.status_code == 400 and r.json()["error"] == "Invalid value on line 2"


async def _chunks(data: bytes, sizes: list[int]) -> AsyncIterator[bytes]:
    pos = 0
    for size in sizes:
        yield data[pos : pos + size]
        pos += size
    if pos < len(data):
        yield data[pos:]


async def test_streamed_body_split_anywhere(client: httpx.AsyncClient) -> None:
    rnd = random.Random(5)
    files = {f"s/{i:03d}.bin": rnd.randbytes(rnd.randint(0, 70_000)) for i in range(120)}
    body = b"\n".join([HEADER, *(add(p, d) for p, d in files.items())]) + b"\n"
    sizes = [rnd.choice([1, 7, 1000, 65_536, 300_000]) for _ in range(200)]  # splits inside lines and "\n"s
    r = await client.post(URL, content=_chunks(body, sizes), headers=ALICE)
    assert r.status_code == 200, r.text
    for path in ("s/000.bin", "s/057.bin", "s/119.bin"):
        assert (await client.get(f"/alice/m/resolve/main/{path}", headers=ALICE)).content == files[path]
    listed = (await client.get("/api/models/alice/m/tree/main/s", headers=ALICE)).json()
    assert {e["path"]: e["size"] for e in listed} == {p: len(d) for p, d in files.items()}


async def test_bad_line_late_in_a_streamed_body(client: httpx.AsyncClient) -> None:
    root = client.data_dir / "repos"  # type: ignore[attr-defined]
    before, head = files_under(root), await _head(client)
    good = [add(f"g/{i}.bin", bytes([i % 256]) * 50_000) for i in range(300)]
    body = b"\n".join([HEADER, *good, b"{broken", *good[:5]])
    r = await client.post(URL, content=_chunks(body, [65_536] * 400), headers=ALICE)
    assert r.status_code == 400 and r.json()["error"] == "Invalid NDJSON line 302"
    assert await _head(client) == head and files_under(root) == before


async def test_parsing_starts_before_the_body_ends(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    parsers: list[_ndjson.CommitParser] = []
    real_feed = _ndjson.CommitParser.feed

    def recording_feed(self: _ndjson.CommitParser, data: bytes, first_line: int) -> int:
        if self not in parsers:
            parsers.append(self)
        return real_feed(self, data, first_line)

    monkeypatch.setattr(_ndjson.CommitParser, "feed", recording_feed)
    parsed_early: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield b"\n".join([HEADER, *(add(f"a/{i}.bin", bytes([i]) * 40_000) for i in range(60)), b""])
        for _ in range(300):  # the server parses (and hashes) those lines while this request is still open
            if parsers and len(parsers[0].ops) == 60:
                break
            await anyio.sleep(0.01)
        parsed_early.append(len(parsers[0].ops) if parsers else 0)
        yield add("last.bin", b"end")

    r = await client.post(URL, content=body(), headers=ALICE)
    assert r.status_code == 200, r.text
    assert parsed_early == [60]
    assert (await client.get("/alice/m/resolve/main/last.bin", headers=ALICE)).content == b"end"
    assert (await client.get("/alice/m/resolve/main/a/7.bin", headers=ALICE)).content == bytes([7]) * 40_000


async def test_streamed_body_over_the_limit(tmp_path: Path) -> None:
    hub = LocalHub(tmp_path / "hub", max_body_size=100_000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
        assert (await c.post("/api/repos/create", json={"name": "m"}, headers=ALICE)).status_code == 200
        root = hub.data_dir / "repos"
        before = files_under(root)
        body = b"\n".join([HEADER, *(add(f"{i}.bin", bytes(10_000)) for i in range(20))])
        r = await c.post(URL, content=_chunks(body, [5000] * 100), headers=ALICE)  # chunked: no Content-Length
        assert r.status_code == 413 and "too large" in r.json()["error"]
        assert files_under(root) == before
        r = await c.post(URL, content=body, headers=ALICE)  # declared: refused before reading
        assert r.status_code == 413


def test_bad_line_over_a_real_connection_is_a_clean_400(hub: Any, repo_factory: Any) -> None:
    """The server reads the rest of the body after a bad line, so the client sees the answer, not a reset."""
    from huggingface_hub import HfApi

    repo = repo_factory()
    HfApi(endpoint=hub.endpoint, token=ALICE_WRITE).create_repo(repo)
    body = b"\n".join([HEADER, b"{broken", *(add(f"{i}.bin", random.randbytes(60_000)) for i in range(300))])
    r = httpx.post(f"{hub.endpoint}/api/models/{repo}/commit/main", content=body, headers=ALICE, timeout=60)
    assert r.status_code == 400 and r.json()["error"] == "Invalid NDJSON line 2"


def _pack_dir(c: httpx.AsyncClient) -> Path:
    return c.data_dir / "repos" / "models" / "alice" / "m.git" / "objects" / "pack"  # type: ignore[attr-defined]


async def test_blobs_of_a_large_commit_are_packed_while_the_body_arrives(client: httpx.AsyncClient) -> None:
    pack_dir = _pack_dir(client)
    files = {f"big/{i:03d}.bin": random.Random(i).randbytes(3000 + i) for i in range(250)}
    written_early: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield b"\n".join([HEADER, *(add(p, d) for p, d in files.items()), b""])
        size = 0
        for _ in range(300):  # the server writes those blobs to a temporary pack while this request is open
            size = sum(p.stat().st_size for p in pack_dir.glob("tmp_pack_*"))
            if size >= sum(map(len, files.values())):
                break
            await anyio.sleep(0.01)
        written_early.append(size)
        assert list(pack_dir.glob("*.pack")) == []  # not visible before the commit finishes it
        yield add("last.txt", b"end")

    r = await client.post(URL, content=body(), headers=ALICE)
    assert r.status_code == 200, r.text
    assert written_early[0] >= sum(map(len, files.values()))
    names = sorted(p.suffix for p in pack_dir.iterdir())
    assert names == [".idx", ".pack"]  # the temporary file was renamed in, with its index
    with PackData(str(next(pack_dir.glob("*.pack"))), object_format=SHA1) as data:
        data.check()
        assert len(data) == 251 + 2 + 1  # blobs, the root and big/ trees, the commit
    for path in ("big/000.bin", "big/249.bin"):
        assert (await client.get(f"/alice/m/resolve/main/{path}", headers=ALICE)).content == files[path]
    assert (await client.get("/alice/m/resolve/main/last.txt", headers=ALICE)).content == b"end"
    git = shutil.which("git")
    if git is not None:
        done = subprocess.run([git, "fsck", "--full", "--strict"], cwd=pack_dir.parent.parent, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr


async def test_the_last_pack_of_a_large_commit_holds_only_its_tail(client: httpx.AsyncClient) -> None:
    # The pack hashed after the last byte is sealed apart once the body has TAIL_BYTES left
    # (its Content-Length tells): ~21 MB of blobs make a pack of ~15 MB and one of the rest.
    from hubflow.server._pack import TAIL_BYTES

    files = {f"w/{i:03d}.bin": random.Random(i).randbytes(100_000) for i in range(210)}
    async def body() -> AsyncIterator[bytes]:  # in pieces, as a socket delivers it
        whole = b"\n".join([HEADER, *(add(p, d) for p, d in files.items())])
        for start in range(0, len(whole), 256 * 1024):
            yield whole[start : start + 256 * 1024]

    size = len(b"\n".join([HEADER, *(add(p, d) for p, d in files.items())]))
    r = await client.post(URL, content=body(), headers={**ALICE, "content-length": str(size)})
    assert r.status_code == 200, r.text
    packs = sorted(_pack_dir(client).glob("*.pack"), key=lambda p: p.stat().st_size)
    assert len(packs) == 2
    tail, head = (p.stat().st_size for p in packs)
    assert tail <= TAIL_BYTES < head and head + tail > sum(map(len, files.values()))
    for path in ("w/000.bin", "w/209.bin"):
        assert (await client.get(f"/alice/m/resolve/main/{path}", headers=ALICE)).content == files[path]


async def test_a_large_commit_refused_after_its_body_leaves_no_pack(client: httpx.AsyncClient) -> None:
    root = client.data_dir / "repos"  # type: ignore[attr-defined]
    before, head = files_under(root), await _head(client)
    files = [add(f"x/{i}.bin", bytes([i % 256]) * 5000) for i in range(260)]
    stale = line("header", {"summary": "s", "parentCommit": "0" * 40})
    r = await client.post(URL, content=b"\n".join([stale, *files]), headers=ALICE)
    assert r.status_code == 412
    clash = [add("x/0.bin/inner.txt", b"a file where a folder is expected")]
    r = await client.post(URL, content=b"\n".join([HEADER, *files, *clash]), headers=ALICE)
    assert r.status_code == 400 and "A file exists where a folder is expected" in r.json()["error"]
    assert await _head(client) == head and files_under(root) == before


async def test_a_large_pull_request_packs_repeated_content_once(client: httpx.AsyncClient) -> None:
    head = await _head(client)
    same = [add(f"dup/{i}.txt", b"same content\n") for i in range(240)]
    unique = [add(f"dup/u{i}.txt", f"unique {i}\n".encode()) for i in range(20)]
    r = await client.post(URL, params={"create_pr": "1"}, content=b"\n".join([HEADER, *same, *unique]),
                          headers=ALICE)
    assert r.status_code == 200, r.text
    assert r.json()["pullRequestUrl"].endswith("/discussions/1") and await _head(client) == head
    with PackData(str(next(_pack_dir(client).glob("*.pack"))), object_format=SHA1) as data:
        assert len(data) == 21 + 2 + 1  # one copy of the repeated blob
    got = await client.get("/alice/m/resolve/refs%2Fpr%2F1/dup/17.txt", headers=ALICE)
    assert got.content == b"same content\n"


def test_a_disconnect_mid_body_removes_the_unfinished_pack(hub: Any, repo_factory: Any) -> None:
    from huggingface_hub import HfApi

    repo = repo_factory()
    HfApi(endpoint=hub.endpoint, token=ALICE_WRITE).create_repo(repo)
    pack_dir = hub.data_dir / "repos" / "models" / f"{repo}.git" / "objects" / "pack"
    body = b"\n".join([HEADER, *(add(f"{i}.bin", random.randbytes(20_000)) for i in range(300)), b""])
    host, port = httpx.URL(hub.endpoint).host, httpx.URL(hub.endpoint).port
    with socket.create_connection((host, port), timeout=10) as sock:
        head = (f"POST /api/models/{repo}/commit/main HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {ALICE_WRITE}\r\nContent-Type: application/x-ndjson\r\n"
                f"Content-Length: {len(body) + 1_000_000}\r\n\r\n")
        sock.sendall(head.encode() + body)
        deadline = time.monotonic() + 10
        while not list(pack_dir.glob("tmp_pack_*")) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert list(pack_dir.glob("tmp_pack_*")), "the blobs were not written while the body arrived"
    deadline = time.monotonic() + 10  # closed mid-body: the server drops the commit and its pack
    while list(pack_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(pack_dir.iterdir()) == []
