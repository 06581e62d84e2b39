"""The content-addressed LFS store and its self-authorising (HMAC-signed) upload URLs.

Objects live at ``<root>/<aa>/<bb>/<sha256>``. An upload is written to a temporary file while being
hashed, checked against the announced sha256 and size, and only then renamed into place, so an
object never exists unverified.

```python
store = LfsStore(Path("/tmp/hub/lfs"), secret=b"k")
query = store.sign(rid=1, oid=sha, size=5, exp=time.time() + 60)
store.check(query_params, rid=1, oid=sha)  # raises HubError(403) when tampered or expired
```
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread

from hubflow.server._errors import HubError, bad_request

_CHUNK = 1024 * 1024
_HASH_CHUNK = 8 * 1024 * 1024
_IOV_MAX = 1024  # buffers per pwritev call (Linux's IOV_MAX)
_MAX_RUNNING = 1024  # multipart uploads whose running sha256 is kept (each holds a few hundred bytes)


class LfsStore:
    """Verified LFS objects on disk plus the signing key for upload URLs."""

    def __init__(self, root: Path, secret: bytes) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.secret = secret
        self._running: dict[tuple[int, str], _Running] = {}  # (repo id, oid) -> running sha256
        self._running_guard = threading.Lock()

    def path(self, oid: str) -> Path:
        return self.root / oid[:2] / oid[2:4] / oid

    def exists(self, oid: str, size: int | None = None) -> bool:
        p = self.path(oid)
        return p.is_file() and (size is None or p.stat().st_size == size)

    def remove(self, oid: str) -> None:
        self.path(oid).unlink(missing_ok=True)

    # -- signed URLs ---------------------------------------------------------------------------------------
    def _mac(self, *fields: object) -> str:
        msg = ":".join(str(f) for f in fields).encode()
        return hmac.new(self.secret, msg, hashlib.sha256).hexdigest()

    def sign(self, *, rid: int, oid: str, size: int, exp: int, part: int | str = "") -> str:
        """The query string of a URL that authorises exactly this upload until ``exp``."""
        return urlencode({"rid": rid, "size": size, "exp": exp, "sig": self._mac(rid, oid, size, exp, part)})

    def check(self, query: dict[str, str], *, oid: str, part: int | str = "") -> tuple[int, int]:
        """Verify a signed upload URL; returns ``(rid, size)``."""
        try:
            rid, size, exp, sig = int(query["rid"]), int(query["size"]), int(query["exp"]), query["sig"]
        except (KeyError, ValueError):
            raise HubError(403, "Missing or malformed upload signature") from None
        if not hmac.compare_digest(sig, self._mac(rid, oid, size, exp, part)):
            raise HubError(403, "Invalid upload signature")
        if exp < time.time():
            raise HubError(403, "Upload URL expired")
        return rid, size

    # -- writing -------------------------------------------------------------------------------------------
    def _finish(self, tmp: Path, digest: str, written: int, oid: str, size: int) -> None:
        if written != size or digest != oid:
            tmp.unlink(missing_ok=True)
            raise bad_request(f"LFS object verification failed for {oid}: got sha256 {digest}, {written} bytes")
        dest = self.path(oid)
        if self.exists(oid, size):
            # Stored already (another repo, an earlier upload): the bytes are the same, their sha256
            # was just checked. Renaming over the object would make ext4 write the new copy out at
            # once (auto_da_alloc: ~0.1 s per 256 MB); dropping it costs nothing.
            tmp.unlink()
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)

    async def receive(self, oid: str, size: int, chunks: AsyncIterator[bytes]) -> None:
        """Store a streamed object after checking its sha256 and size."""
        tmp = self.tmp / f"{oid}.{uuid.uuid4().hex}"
        h = hashlib.sha256()
        written = 0
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                async for batch, length in _batched(chunks):
                    if written + length > size:
                        raise bad_request(f"LFS upload for {oid} is larger than announced ({size} bytes)")
                    # sha256 + write of ≥ 1 MiB in a worker thread: the event loop keeps serving.
                    await anyio.to_thread.run_sync(_hash_and_pwrite, h, fd, batch, written)
                    written += length
            finally:
                os.close(fd)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._finish(tmp, h.hexdigest(), written, oid, size)

    def part_dir(self, rid: int, oid: str) -> Path:
        return self.tmp / f"mp-{rid}-{oid}"

    async def receive_part(self, rid: int, oid: str, part: int, limit: int, chunks: AsyncIterator[bytes]) -> str:
        """Write one multipart part in place (at ``(part - 1) * limit`` of the object being assembled).

        Returns its ETag: an opaque token (S3 gives an md5; clients only echo it back) recorded
        once the whole part arrived. A part that starts where the running sha256 of the upload
        stops is hashed as it is written (see ``_Running``); the rest is hashed at completion.
        """
        d = self.part_dir(rid, oid)
        d.mkdir(parents=True, exist_ok=True)
        tag = d / f"{part}.etag"
        tag.unlink(missing_ok=True)  # a part being re-sent is incomplete until it is through
        offset = (part - 1) * limit
        running = self._running_for(rid, oid)
        fd = os.open(d / "data", os.O_WRONLY | os.O_CREAT, 0o644)
        send = running.start(part, offset)
        written = 0
        try:
            async for batch, length in _batched(chunks):
                if written + length > limit:
                    raise bad_request("Part larger than the chunk size")
                await anyio.to_thread.run_sync(_hash_and_pwrite, send.hash, fd, batch, offset + written)
                written += length
        except BaseException:
            running.abandon(part)
            raise
        finally:
            os.close(fd)
        await anyio.to_thread.run_sync(running.finish, send, written, d / "data")
        etag = f'"{uuid.uuid4().hex}"'
        (d / f"{part}.size").write_text(str(written))
        tag.write_text(etag)
        return etag

    def _running_for(self, rid: int, oid: str) -> _Running:
        with self._running_guard:
            running = self._running.pop((rid, oid), None) or _Running()
            self._running[(rid, oid)] = running  # most recently used last
            while len(self._running) > _MAX_RUNNING:  # abandoned uploads: they would re-hash from disk
                del self._running[next(iter(self._running))]
            return running

    def complete(self, rid: int, oid: str, size: int, parts: Iterable[tuple[int, str]]) -> None:
        """Check every part's ETag, verify the assembled object's sha256 and size, store it, drop the parts.

        Only the bytes the running sha256 has not covered are read back; the object is stored only
        if the sha256 of all its bytes is ``oid`` and it holds exactly ``size`` bytes.
        """
        d = self.part_dir(rid, oid)
        data = d / "data"
        expected_offset = 0
        for expected, (number, etag) in enumerate(parts, start=1):
            tag = d / f"{number}.etag"
            if number != expected or not tag.is_file() or tag.read_text() != etag.strip():
                raise bad_request(f"Multipart part {number} is missing or its ETag does not match")
            expected_offset += int((d / f"{number}.size").read_text())
        if not data.is_file() or expected_offset != size:
            raise bad_request(f"LFS object verification failed for {oid}: parts hold {expected_offset} bytes")
        with self._running_guard:
            running = self._running.get((rid, oid))
        if running is None:  # e.g. the server restarted mid-upload: hash everything
            self._verify_and_store(d, oid, size, hashlib.sha256(), 0)
            return
        # The lock holds back new transfers of this upload's parts until the object is stored, so
        # the bytes under the running hash cannot be rewritten between the check and the rename.
        with running.lock:
            h, covered = running.snapshot()
            self._verify_and_store(d, oid, size, h, covered)
        with self._running_guard:
            self._running.pop((rid, oid), None)

    def _verify_and_store(self, d: Path, oid: str, size: int, h: Any, written: int) -> None:
        data = d / "data"
        try:
            with data.open("rb", buffering=0) as f:
                f.seek(written)
                while chunk := f.read(_HASH_CHUNK):
                    h.update(chunk)
                    written += len(chunk)
        except FileNotFoundError:
            if self.exists(oid, size):  # a concurrent completion of the same object moved it in
                return
            raise bad_request(f"Multipart upload of {oid} has no data") from None
        if written != size or h.hexdigest() != oid:
            # The parts stay: a client may re-send the changed ones and complete again.
            raise bad_request(f"LFS object verification failed for {oid}: got sha256 {h.hexdigest()}, {written} bytes")
        self._finish(data, h.hexdigest(), written, oid, size)
        shutil.rmtree(d, ignore_errors=True)


@dataclass
class _Send:
    """One transfer of one part: ``hash`` (a copy of the running sha256) when it started at the frontier."""

    part: int
    offset: int
    generation: int
    hash: Any = None


class _Running:
    """The sha256 of the contiguous prefix ``[0, covered)`` of a multipart upload, kept in memory.

    A part that starts exactly at ``covered`` is hashed (into a copy) while it is written; when it
    completes, and no other transfer of that part started meanwhile, the copy becomes the running
    hash. Parts that completed out of order are then hashed from disk as the frontier reaches them.
    Re-sending a part below the frontier resets everything (completion then hashes all from disk).
    Every transfer of a part bumps its generation, so a hash only counts the bytes last written.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hash = hashlib.sha256()
        self.covered = 0
        self.generation: dict[int, int] = {}  # part -> transfers started
        self.sending: dict[int, int] = {}  # part -> transfers in progress
        self.complete: dict[int, tuple[int, int, int]] = {}  # part -> (generation, offset, size) on disk

    def start(self, part: int, offset: int) -> _Send:
        with self.lock:
            if offset < self.covered:  # rewriting hashed bytes: the prefix hash is void
                self.hash, self.covered = hashlib.sha256(), 0
            generation = self.generation[part] = self.generation.get(part, 0) + 1
            self.sending[part] = self.sending.get(part, 0) + 1
            self.complete.pop(part, None)
            at_frontier = offset == self.covered and self.sending[part] == 1
            return _Send(part, offset, generation, self.hash.copy() if at_frontier else None)

    def abandon(self, part: int) -> None:
        with self.lock:
            self.sending[part] -= 1

    def finish(self, send: _Send, size: int, data: Path) -> None:
        """Record a completed transfer; advance the frontier over it and over parts already on disk."""
        with self.lock:
            self.sending[send.part] -= 1
            if self.generation[send.part] != send.generation:  # a newer transfer of this part began
                return
            self.complete[send.part] = (send.generation, send.offset, size)
            if send.hash is not None and send.offset == self.covered:
                self.hash, self.covered = send.hash, send.offset + size
                del self.complete[send.part]
            self._advance(data)

    def _advance(self, data: Path) -> None:
        # Called with the lock held: a new transfer of a part must take the lock before writing,
        # so the bytes read here cannot change while they are hashed.
        while True:
            found = next(((p, s) for p, (_, offset, s) in self.complete.items() if offset == self.covered), None)
            if found is None or self.sending.get(found[0], 0) or found[1] == 0:
                return
            part, size = found
            with data.open("rb", buffering=0) as f:
                f.seek(self.covered)
                left = size
                while left and (chunk := f.read(min(left, _HASH_CHUNK))):
                    self.hash.update(chunk)
                    left -= len(chunk)
            if left:  # the file is shorter than the part says: leave it to the completion
                self.hash, self.covered = hashlib.sha256(), 0
                return
            self.covered += size
            del self.complete[part]

    def snapshot(self) -> tuple[Any, int]:
        """(a copy of the running sha256, bytes it covers), lock held; nothing if a transfer is still writing."""
        if any(self.sending.values()):
            return hashlib.sha256(), 0
        return self.hash.copy(), self.covered


async def _batched(chunks: AsyncIterator[bytes], at_least: int = _CHUNK) -> AsyncIterator[tuple[list[bytes], int]]:
    """Regroup a request body's small chunks (~64-256 KiB) into lists of ≥ ``at_least`` bytes, with their size.

    Lists, not joined bytes: each byte of an upload is copied once less on the event loop; the
    worker hashes the chunks one by one and writes them with one ``pwritev``.
    """
    pending: list[bytes] = []
    size = 0
    async for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= at_least:
            yield pending, size
            pending, size = [], 0
    if pending:
        yield pending, size


def _hash_and_pwrite(h: Any, fd: int, chunks: list[bytes], offset: int) -> None:
    if h is not None:
        for chunk in chunks:
            h.update(chunk)
    _pwritev_all(fd, chunks, offset)


def _pwrite_first(fd: int, buffers: list[memoryview], offset: int) -> int:
    return os.pwrite(fd, buffers[0], offset)


_PWRITEV = getattr(os, "pwritev", _pwrite_first)  # (older macOS has no pwritev: one buffer per call)


def _pwritev_all(fd: int, chunks: list[bytes], offset: int) -> None:
    """Write ``chunks`` at ``offset``, ≤ IOV_MAX buffers per call; a short write resumes where it stopped."""
    views = [memoryview(c) for c in chunks if c]
    first = 0
    while first < len(views):
        n = _PWRITEV(fd, views[first : first + _IOV_MAX], offset)
        offset += n
        while n and n >= len(views[first]):  # skip the buffers written whole
            n -= len(views[first])
            first += 1
        if n:
            views[first] = views[first][n:]
