"""Discussion attachments: ``POST /uploads`` stores an image, video or audio file; ``GET /uploads/{file}`` serves it.

What huggingface_hub's ``upload_attachment`` calls: the raw file bytes as the body, the
``Content-Type`` from the file extension, a plain-text URL back. Accepted types are the ones
huggingface_hub documents (PNG, JPEG, GIF, WebP, MP4, MOV, WebM, MP3, WAV), and the bytes must
start like that format (a ``.png`` holding HTML is refused). Limits: 10 MiB, 50 MiB for videos
(the docstring's "10MB (50MB for videos)"). Uploading needs a write token (the Hub asks for
``discussion.write``); huggingface_hub's ``token=False`` ("upload anonymously") gets a 401 here.

Files are content-addressed: ``<data_dir>/attachments/<aa>/<sha256>.<ext>``, so the same bytes
uploaded twice are stored once and get the same URL. The URLs are public, like the Hub's CDN
links embedded in discussions: ``GET`` needs no token and ignores one.

```python
# POST /uploads  Content-Type: image/png  Authorization: Bearer hf_alice_write  <png bytes>
# → 200 text/plain "http://127.0.0.1:8000/uploads/9f86d0...a08.png"
```
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import Any, BinaryIO

import anyio.to_thread
from starlette.responses import FileResponse, PlainTextResponse, Response

from hubflow.server._errors import HubError, bad_request, forbidden
from hubflow.server._router import Ctx, Router

__all__ = ["ATTACHMENT_TYPES", "MAX_ATTACHMENT_SIZE", "MAX_VIDEO_ATTACHMENT_SIZE", "router"]

router = Router()

MiB = 1024 * 1024
MAX_ATTACHMENT_SIZE = 10 * MiB
MAX_VIDEO_ATTACHMENT_SIZE = 50 * MiB

# content type -> the extension of the stored file (which also decides the type it is served with)
ATTACHMENT_TYPES: dict[str, str] = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
}
_SERVED_AS = {ext: content_type for content_type, ext in ATTACHMENT_TYPES.items()}
_NAME = re.compile(r"^([0-9a-f]{64})\.(" + "|".join(_SERVED_AS) + r")$")
_FLUSH = MiB  # bytes gathered before one hash+write in a worker thread
# QuickTime files may start with any top-level atom; MP4 (ISO BMFF) with ``ftyp``.
_MOV_ATOMS = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


def _looks_like(content_type: str, head: bytes) -> bool:
    """Do the first bytes match the declared format's signature?"""
    if content_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if content_type == "image/gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if content_type == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if content_type == "audio/wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if content_type == "video/mp4":
        return head[4:8] == b"ftyp"
    if content_type == "video/quicktime":
        return head[4:8] in _MOV_ATOMS
    if content_type == "video/webm":
        return head.startswith(b"\x1a\x45\xdf\xa3")  # EBML header
    if content_type == "audio/mpeg":  # an ID3 tag, or straight into an MPEG audio frame (11 sync bits)
        return head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    return False


def attachments_dir(ctx: Ctx) -> Path:
    return ctx.hub.data_dir / "attachments"


def _write(h: Any, f: BinaryIO, data: bytes) -> None:
    h.update(data)
    f.write(data)


def _declared_type(ctx: Ctx) -> str:
    raw = ctx.request.headers.get("content-type", "")
    content_type = raw.split(";", 1)[0].strip().lower()
    if content_type not in ATTACHMENT_TYPES:
        shown = content_type or "none"
        raise HubError(415, f"Unsupported attachment type '{shown}': supported types are {', '.join(ATTACHMENT_TYPES)}")
    return content_type


@router.route("POST", "/uploads")
async def upload_attachment(ctx: Ctx) -> Response:
    if ctx.user is None:
        raise HubError(401, "You must be authenticated to upload attachments")
    if not ctx.user.can_write:
        raise forbidden("Uploading attachments needs a write token (discussion.write)")
    content_type = _declared_type(ctx)
    limit = MAX_VIDEO_ATTACHMENT_SIZE if content_type.startswith("video/") else MAX_ATTACHMENT_SIZE
    too_large = HubError(413, f"Attachment too large: the limit for {content_type} is {limit // MiB} MiB")
    declared = ctx.request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large

    root = attachments_dir(ctx)
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / uuid.uuid4().hex
    h = hashlib.sha256()
    head = b""
    size = 0
    try:
        with tmp.open("wb") as f:
            pending: list[bytes] = []
            pending_size = 0
            async for chunk in ctx.request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                pending.append(chunk)
                pending_size += len(chunk)
                if pending_size >= _FLUSH:
                    await anyio.to_thread.run_sync(_write, h, f, b"".join(pending))
                    pending, pending_size = [], 0
            if pending:
                await anyio.to_thread.run_sync(_write, h, f, b"".join(pending))
        if size == 0:
            raise bad_request("Empty attachment")
        if not _looks_like(content_type, head):
            raise HubError(415, f"The uploaded bytes are not a {content_type} file")
        digest = h.hexdigest()
        name = f"{digest}.{ATTACHMENT_TYPES[content_type]}"
        dest = root / digest[:2] / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)  # same bytes, same name: replacing an existing copy changes nothing
    finally:
        tmp.unlink(missing_ok=True)
    return PlainTextResponse(f"{ctx.base_url}/uploads/{name}")


# signed=True: no Authorization is checked (a stale token in a browser must not break an image)
@router.route("GET", "/uploads/{rev}", signed=True)
def get_attachment(ctx: Ctx) -> Response:
    found = _NAME.match(ctx.params["rev"])
    path = attachments_dir(ctx) / ctx.params["rev"][:2] / ctx.params["rev"] if found else None
    if found is None or path is None or not path.is_file():
        raise HubError(404, f"Attachment not found: {ctx.params['rev']}")
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",  # content-addressed: never changes
        "X-Content-Type-Options": "nosniff",
        "ETag": f'"{found.group(1)}"',
    }
    return FileResponse(path, media_type=_SERVED_AS[found.group(2)], headers=headers)
