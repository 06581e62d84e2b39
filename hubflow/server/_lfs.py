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
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlencode

import anyio.to_thread

from hubflow.server._errors import HubError, bad_request

_CHUNK = 1024 * 1024
_HASH_CHUNK = 8 * 1024 * 1024


class LfsStore:
    """Verified LFS objects on disk plus the signing key for upload URLs."""

    def __init__(self, root: Path, secret: bytes) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.secret = secret

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
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)

    async def receive(self, oid: str, size: int, chunks: AsyncIterator[bytes]) -> None:
        """Store a streamed object after checking its sha256 and size."""
        tmp = self.tmp / f"{oid}.{uuid.uuid4().hex}"
        h = hashlib.sha256()
        written = 0
        try:
            with tmp.open("wb") as f:
                async for batch in _batched(chunks):
                    written += len(batch)
                    if written > size:
                        raise bad_request(f"LFS upload for {oid} is larger than announced ({size} bytes)")
                    # sha256 + write of ≥ 1 MiB in a worker thread: the event loop keeps serving.
                    await anyio.to_thread.run_sync(_hash_and_write, h, f, batch)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._finish(tmp, h.hexdigest(), written, oid, size)

    def part_dir(self, rid: int, oid: str) -> Path:
        return self.tmp / f"mp-{rid}-{oid}"

    async def receive_part(self, rid: int, oid: str, part: int, limit: int, chunks: AsyncIterator[bytes]) -> str:
        """Write one multipart part in place (at ``(part - 1) * limit`` of the object being assembled).

        Returns its ETag: an opaque token (S3 gives an md5; clients only echo it back) recorded
        once the whole part arrived. The assembled object's sha256 is checked at completion.
        """
        d = self.part_dir(rid, oid)
        d.mkdir(parents=True, exist_ok=True)
        tag = d / f"{part}.etag"
        tag.unlink(missing_ok=True)  # a part being re-sent is incomplete until it is through
        fd = os.open(d / "data", os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            offset = (part - 1) * limit
            written = 0
            async for batch in _batched(chunks):
                if written + len(batch) > limit:
                    raise bad_request("Part larger than the chunk size")
                await anyio.to_thread.run_sync(_pwrite_all, fd, batch, offset + written)
                written += len(batch)
        finally:
            os.close(fd)
        etag = f'"{uuid.uuid4().hex}"'
        (d / f"{part}.size").write_text(str(written))
        tag.write_text(etag)
        return etag

    def complete(self, rid: int, oid: str, size: int, parts: Iterable[tuple[int, str]]) -> None:
        """Check every part's ETag, verify the assembled object's sha256 and size, store it, drop the parts."""
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
        h = hashlib.sha256()
        written = 0
        try:
            with data.open("rb", buffering=0) as f:
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


async def _batched(chunks: AsyncIterator[bytes], at_least: int = _CHUNK) -> AsyncIterator[bytes]:
    """Regroup a request body's small chunks (~64 KiB) into pieces of ≥ ``at_least`` bytes."""
    pending: list[bytes] = []
    size = 0
    async for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= at_least:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


def _hash_and_write(h: Any, f: BinaryIO, data: bytes) -> None:
    h.update(data)
    f.write(data)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n
