"""Multipart LFS uploads hashed while the parts arrive: what completion still reads, and that it stays strict."""

from __future__ import annotations

import hashlib
import random
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from hubflow.server._lfs import LfsStore
from hubflow.testing import ALICE_WRITE, LocalHub

pytestmark = pytest.mark.anyio
ALICE = {"authorization": f"Bearer {ALICE_WRITE}"}
CHUNK = 4096
DATA = random.Random(1).randbytes(CHUNK * 6 + 1000)  # 7 parts, the last one short
OID = hashlib.sha256(DATA).hexdigest()


def _piece(number: int, data: bytes = DATA) -> bytes:
    return data[(number - 1) * CHUNK : number * CHUNK]


class Upload:
    def __init__(self, hub: LocalHub, client: httpx.AsyncClient) -> None:
        self.hub, self.client = hub, client
        self.href, self.urls, self.etags = "", list[str](), dict[int, str]()

    @property
    def store(self) -> LfsStore:
        store: LfsStore = self.hub.app.state.hub.lfs
        return store

    async def start(self, data: bytes = DATA) -> Upload:
        r = await self.client.post("/alice/m.git/info/lfs/objects/batch", headers=ALICE, json={
            "operation": "upload", "transfers": ["basic", "multipart"],
            "objects": [{"oid": hashlib.sha256(data).hexdigest(), "size": len(data)}]})
        action = r.json()["objects"][0]["actions"]["upload"]
        self.href = action["href"]
        self.urls = [url for _, url in sorted((int(k), v) for k, v in action["header"].items() if k.isdigit())]
        assert int(action["header"]["chunk_size"]) == CHUNK and len(self.urls) == 7
        return self

    async def put(self, number: int, content: bytes | AsyncIterator[bytes]) -> None:
        r = await self.client.put(self.urls[number - 1], content=content)
        assert r.status_code == 200, r.text
        self.etags[number] = r.headers["etag"]

    async def complete(self, oid: str = OID) -> httpx.Response:
        body = {"oid": oid, "parts": [{"partNumber": n, "etag": self.etags[n]} for n in sorted(self.etags)]}
        return await self.client.post(self.href, json=body)

    def covered(self) -> int:
        running = self.store._running.get((1, OID))
        return running.covered if running is not None else -1


@pytest.fixture
async def upload(tmp_path: Path) -> AsyncIterator[Upload]:
    hub = LocalHub(tmp_path / "hub", multipart_threshold=CHUNK, multipart_chunk_size=CHUNK)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
        assert (await c.post("/api/repos/create", json={"name": "m"}, headers=ALICE)).status_code == 200
        yield await Upload(hub, c).start()


async def test_parts_in_order_are_hashed_as_they_arrive(upload: Upload) -> None:
    for number in range(1, 8):
        await upload.put(number, _piece(number))
        assert upload.covered() == min(number * CHUNK, len(DATA))
    assert (await upload.complete()).status_code == 200
    assert upload.store.path(OID).read_bytes() == DATA
    assert upload.store._running == {}  # dropped once stored


async def test_parts_out_of_order_are_caught_up_when_the_gap_closes(upload: Upload) -> None:
    for number in (3, 2, 5, 4, 7, 6):
        await upload.put(number, _piece(number))
        assert upload.covered() == 0
    await upload.put(1, _piece(1))
    assert upload.covered() == len(DATA)  # parts 2-7 were read from disk when part 1 closed the gap
    assert (await upload.complete()).status_code == 200
    assert upload.store.path(OID).read_bytes() == DATA


async def test_wrong_part_is_rejected_and_a_resent_one_rehashes(upload: Upload) -> None:
    for number in range(1, 8):
        await upload.put(number, b"X" * CHUNK if number == 2 else _piece(number))
    assert upload.covered() == len(DATA)  # the running hash covers the wrong bytes too
    r = await upload.complete()
    assert r.status_code == 400 and "verification failed" in r.text and not upload.store.exists(OID)
    await upload.put(2, _piece(2))  # rewrites hashed bytes: the running hash is void
    assert upload.covered() == 0
    r = await upload.complete()
    assert r.status_code == 200 and upload.store.path(OID).read_bytes() == DATA


async def test_same_size_wrong_content_in_order_is_rejected(upload: Upload) -> None:
    wrong = bytearray(DATA)
    wrong[-1] ^= 1
    for number in range(1, 8):
        await upload.put(number, _piece(number, bytes(wrong)))
    r = await upload.complete()
    assert r.status_code == 400 and not upload.store.exists(OID)
    assert not upload.store.path(OID).parent.exists() or not any(upload.store.path(OID).parent.iterdir())


async def test_after_a_restart_completion_hashes_everything(upload: Upload, tmp_path: Path) -> None:
    for number in range(1, 8):
        await upload.put(number, _piece(number))
    restarted = LocalHub(tmp_path / "hub", multipart_threshold=CHUNK, multipart_chunk_size=CHUNK)
    assert restarted.app.state.hub.lfs._running == {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=restarted.app), base_url=restarted.endpoint) as c:
        body = {"oid": OID, "parts": [{"partNumber": n, "etag": upload.etags[n]} for n in sorted(upload.etags)]}
        assert (await c.post(upload.href, json=body)).status_code == 200
    assert restarted.app.state.hub.lfs.path(OID).read_bytes() == DATA


async def test_a_part_resent_while_it_is_being_sent_is_hashed_from_disk(upload: Upload) -> None:
    release = anyio.Event()

    async def slow_first() -> AsyncIterator[bytes]:
        yield _piece(1)[:100]
        await release.wait()
        yield _piece(1)[100:]

    async def first() -> None:
        await upload.put(1, slow_first())

    async with anyio.create_task_group() as tg:
        tg.start_soon(first)
        await anyio.sleep(0.05)
        await upload.put(1, b"Y" * CHUNK)  # a second transfer of part 1 starts and ends meanwhile
        release.set()
    for number in range(2, 8):
        await upload.put(number, _piece(number))
    # The first transfer wrote last: the disk holds the right bytes, although the running hash was
    # copied when it started. Its copy was discarded (a newer transfer began); part 1 was hashed
    # from disk once both were through.
    r = await upload.complete()
    assert r.status_code == 200, r.text
    assert upload.store.path(OID).read_bytes() == DATA


def test_running_hash_always_matches_the_bytes_on_disk(tmp_path: Path) -> None:
    """Two transfers of one part interleaved so the one hashed while writing is not the last writer."""
    from hubflow.server._lfs import _Running

    data = tmp_path / "data"
    good, bad = _piece(1), b"Z" * CHUNK
    running = _Running()
    first = running.start(1, 0)
    assert first.hash is not None  # at the frontier: hashed while written
    first.hash.update(good)
    data.write_bytes(good)
    second = running.start(1, 0)
    assert second.hash is None  # another transfer of the part is in flight
    data.write_bytes(bad)  # the second transfer writes last ...
    running.finish(second, CHUNK, data)
    running.finish(first, CHUNK, data)  # ... and the first, hashed in flight, finishes last
    on_disk = hashlib.sha256(data.read_bytes()[: running.covered]).hexdigest()
    assert running.hash.hexdigest() == on_disk
    assert running.covered in (0, CHUNK)


async def test_a_basic_upload_in_tiny_chunks_is_stored_whole(tmp_path: Path) -> None:
    # More body chunks in a batch than one pwritev takes (IOV_MAX 1024), empty ones included.
    store = LfsStore(tmp_path / "lfs", b"secret")
    data = random.Random(7).randbytes(600_000)
    oid = hashlib.sha256(data).hexdigest()

    async def chunks() -> AsyncIterator[bytes]:
        pos = 0
        for i in range(5000):
            size = (i % 3) * 50  # 0, 50, 100 bytes
            yield data[pos : pos + size]
            pos += size
        yield data[pos:]

    await store.receive(oid, len(data), chunks())
    assert store.path(oid).read_bytes() == data
    with pytest.raises(Exception, match="larger than announced"):
        await store.receive(oid, len(data) - 1, chunks())
    assert [p.name for p in (tmp_path / "lfs").rglob("*") if p.is_file() and p.name != oid] == []


async def test_an_object_stored_already_is_kept_and_the_new_copy_dropped(tmp_path: Path) -> None:
    # The same bytes uploaded again (another repo): verified, then dropped; the stored file is not replaced.
    store = LfsStore(tmp_path / "lfs", b"secret")
    data = random.Random(8).randbytes(300_000)
    oid = hashlib.sha256(data).hexdigest()

    async def chunks() -> AsyncIterator[bytes]:
        yield data

    await store.receive(oid, len(data), chunks())
    inode = store.path(oid).stat().st_ino
    await store.receive(oid, len(data), chunks())
    assert store.path(oid).stat().st_ino == inode and store.path(oid).read_bytes() == data
    assert [p.name for p in (tmp_path / "lfs").rglob("*") if p.is_file() and p.name != oid] == []
    with pytest.raises(Exception, match="verification failed"):  # still checked before being dropped
        await store.receive(hashlib.sha256(b"other").hexdigest(), len(data), chunks())
