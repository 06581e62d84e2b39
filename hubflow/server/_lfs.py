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
from urllib.parse import urlencode

from hubflow.server._errors import HubError, bad_request

_CHUNK = 1024 * 1024


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
                async for chunk in chunks:
                    written += len(chunk)
                    if written > size:
                        raise bad_request(f"LFS upload for {oid} is larger than announced ({size} bytes)")
                    h.update(chunk)
                    f.write(chunk)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._finish(tmp, h.hexdigest(), written, oid, size)

    def part_dir(self, rid: int, oid: str) -> Path:
        return self.tmp / f"mp-{rid}-{oid}"

    async def receive_part(self, rid: int, oid: str, part: int, limit: int, chunks: AsyncIterator[bytes]) -> str:
        """Store one multipart part; returns its ETag (quoted md5, like S3)."""
        d = self.part_dir(rid, oid)
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f"{part}.{uuid.uuid4().hex}"
        h = hashlib.md5(usedforsecurity=False)
        written = 0
        try:
            with tmp.open("wb") as f:
                async for chunk in chunks:
                    written += len(chunk)
                    if written > limit:
                        raise bad_request("Part larger than the chunk size")
                    h.update(chunk)
                    f.write(chunk)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        etag = f'"{h.hexdigest()}"'
        os.replace(tmp, d / f"{part}")
        (d / f"{part}.etag").write_text(etag)
        return etag

    def complete(self, rid: int, oid: str, size: int, parts: Iterable[tuple[int, str]]) -> None:
        """Assemble the parts in order, verify the whole object, store it, drop the parts."""
        d = self.part_dir(rid, oid)
        tmp = self.tmp / f"{oid}.{uuid.uuid4().hex}"
        h = hashlib.sha256()
        written = 0
        try:
            with tmp.open("wb") as out:
                for expected, (number, etag) in enumerate(parts, start=1):
                    part = d / str(number)
                    tag = d / f"{number}.etag"
                    if number != expected or not part.is_file() or tag.read_text() != etag.strip():
                        raise bad_request(f"Multipart part {number} is missing or its ETag does not match")
                    with part.open("rb") as f:
                        while chunk := f.read(_CHUNK):
                            h.update(chunk)
                            out.write(chunk)
                            written += len(chunk)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._finish(tmp, h.hexdigest(), written, oid, size)
        shutil.rmtree(d, ignore_errors=True)
