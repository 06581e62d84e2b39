"""HTTP/1.1 framing for the fault proxy: read one message head, then its body as raw pieces.

The proxy forwards bytes unchanged; it only needs to know where a message ends (to count the
requests of a keep-alive connection and to cut a body after N bytes). Bodies are framed by
``Content-Length``, ``Transfer-Encoding: chunked`` (pieces include the chunk framing, so they
are forwarded verbatim) or, for responses only, by the connection closing.

```python
head = await read_head(reader)            # None: the peer closed between messages
async for piece in iter_body(reader, head.body_kind(request_method=None)):
    writer.write(piece)
```
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

__all__ = ["BodyKind", "Head", "iter_body", "read_head"]

_PIECE = 64 * 1024
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class BodyKind:
    """How a body is framed: ``length`` bytes, ``chunked``, or ``until_close`` (response only)."""

    length: int = 0
    chunked: bool = False
    until_close: bool = False


@dataclass
class Head:
    """One parsed message head; ``raw`` is forwarded unchanged.

    For a request ``start`` is ``(method, target, version)``, for a response ``(version, status, reason)``.
    """

    raw: bytes
    start: tuple[str, str, str]
    headers: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def keep_alive(self) -> bool:
        """False when either ``Connection: close`` or HTTP/1.0 without keep-alive."""
        tokens = {t.strip().lower() for t in (self.get("connection") or "").split(",")}
        version = self.start[0] if self.start[0].startswith("HTTP/") else self.start[2]
        if "close" in tokens:
            return False
        return version != "HTTP/1.0" or "keep-alive" in tokens

    def body_kind(self, *, request_method: str | None) -> BodyKind:
        """The framing of the body after this head.

        ``request_method`` is None for a request head, else the method of the request this
        response answers (a HEAD response has no body whatever its headers say).
        """
        encoding = (self.get("transfer-encoding") or "").lower()
        if "chunked" in encoding:
            return BodyKind(chunked=True)
        length = self.get("content-length")
        if request_method is not None:
            status = int(self.start[1])
            if request_method == "HEAD" or status < 200 or status in (204, 304):
                return BodyKind()
            if length is None:
                return BodyKind(until_close=True)
        return BodyKind(length=int(length or 0))


async def read_head(reader: asyncio.StreamReader) -> Head | None:
    """Read a message head up to the blank line; None if the peer closed before sending a byte."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise ConnectionError("connection closed inside a message head") from exc
    except asyncio.LimitOverrunError as exc:
        raise ConnectionError(f"message head larger than {_MAX_HEAD} bytes") from exc
    lines = raw[:-4].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2:
        raise ConnectionError(f"malformed start line: {lines[0]!r}")
    start = (parts[0], parts[1], parts[2] if len(parts) > 2 else "")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return Head(raw=raw, start=start, headers=headers)


async def iter_body(reader: asyncio.StreamReader, kind: BodyKind) -> AsyncIterator[bytes]:
    """Yield the raw bytes of one body (chunk framing included) until its end.

    Raises ``ConnectionError`` when the peer closes before the framing says the body ends.
    """
    try:
        if kind.chunked:
            async for piece in _iter_chunked(reader):
                yield piece
        elif kind.until_close:
            while piece := await reader.read(_PIECE):
                yield piece
        else:
            left = kind.length
            while left > 0:
                piece = await reader.read(min(left, _PIECE))
                if not piece:
                    raise ConnectionError(f"peer closed with {left} body bytes missing")
                left -= len(piece)
                yield piece
    except asyncio.IncompleteReadError as exc:
        raise ConnectionError("peer closed inside a chunked body") from exc


async def _iter_chunked(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            trailer = size_line
            while True:  # trailers, up to the empty line
                line = await reader.readuntil(b"\r\n")
                trailer += line
                if line == b"\r\n":
                    yield trailer
                    return
        yield size_line
        left = size + 2  # the data and its CRLF
        while left > 0:
            piece = await reader.readexactly(min(left, _PIECE))
            left -= len(piece)
            yield piece
