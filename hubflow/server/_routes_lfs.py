"""The Git LFS batch API (``basic`` and ``multipart``), verify, and the signed upload URLs.

An upload href is self-authorising: ``/lfs-upload/<oid>?rid=&size=&exp=&sig=`` carries an HMAC
over (repo, oid, size, expiry[, part]), because the client sends no Authorization header there.

```python
# POST /alice/m.git/info/lfs/objects/batch  {"operation": "upload", "objects": [{"oid": ..., "size": 5}]}
# PUT  /lfs-upload/<oid>?rid=1&size=5&exp=...&sig=...      (body: the bytes)
```
"""

from __future__ import annotations

import math
import re
import time
from typing import Any

import anyio.to_thread
from starlette.responses import FileResponse, Response

from hubflow.server._errors import HubError, bad_request
from hubflow.server._router import Ctx, Router, json_response
from hubflow.server._routes_repos import repo_url

router = Router()
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_LFS_JSON = "application/vnd.git-lfs+json"


def _lfs_response(data: Any, status: int = 200) -> Response:
    resp = json_response(data, status=status)
    resp.headers["content-type"] = _LFS_JSON
    return resp


def _check_oid(oid: str) -> str:
    if not _SHA256.match(oid):
        raise bad_request(f"Invalid LFS oid: {oid!r}")
    return oid


@router.route("POST", "/{P}{R}.git/info/lfs/objects/batch")
def batch(ctx: Ctx) -> Response:
    body = ctx.json()
    operation = body.get("operation")
    hub = ctx.hub
    if operation == "upload":
        row = hub.writable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    elif operation == "download":
        row = hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
        hub.check_gate(ctx.user, row)
    else:
        raise bad_request(f"Unknown LFS operation {operation!r}")
    objects = body.get("objects")
    if not isinstance(objects, list) or len(objects) > 1000:
        raise bad_request("'objects' must be a list of at most 1000 objects")
    base = ctx.base_url
    exp = int(time.time()) + hub.limits.upload_url_ttl
    transfers = body.get("transfers") or ["basic"]
    out = []
    for obj in objects:
        oid, size = str(obj.get("oid", "")).lower(), obj.get("size")
        item: dict[str, Any] = {"oid": oid, "size": size}
        if not _SHA256.match(oid) or not isinstance(size, int) or size < 0:
            item["error"] = {"code": 422, "message": "oid must be a sha256 and size a non-negative integer"}
        elif size > hub.limits.max_lfs_size:
            item["error"] = {"code": 422, "message": f"Object larger than {hub.limits.max_lfs_size} bytes"}
        elif operation == "download":
            if hub.db.lfs_size(row.id, oid) is None or not hub.lfs.exists(oid):
                item["error"] = {"code": 404, "message": "Object does not exist"}
            else:
                href = f"{base}/{row.repo_id if row.type == 'model' else f'{row.type}s/{row.repo_id}'}.git/info/lfs/objects/{oid}"
                auth = ctx.request.headers.get("authorization")
                item["actions"] = {"download": {"href": href, "header": {"Authorization": auth} if auth else {}}}
        elif hub.db.lfs_size(row.id, oid) == size and hub.lfs.exists(oid, size):
            pass  # already stored for this repo: no actions, the client skips it
        elif size > hub.limits.multipart_threshold and "multipart" in transfers:
            chunk = hub.limits.multipart_chunk_size
            header: dict[str, str] = {"chunk_size": str(chunk)}
            for part in range(1, max(1, math.ceil(size / chunk)) + 1):
                q = hub.lfs.sign(rid=row.id, oid=oid, size=size, exp=exp, part=part)
                header[f"{part:05d}"] = f"{base}/lfs-upload/{oid}/part/{part}?{q}"
            q = hub.lfs.sign(rid=row.id, oid=oid, size=size, exp=exp, part="complete")
            item["actions"] = {"upload": {"href": f"{base}/lfs-upload/{oid}/complete?{q}", "header": header}}
        else:
            q = hub.lfs.sign(rid=row.id, oid=oid, size=size, exp=exp)
            item["actions"] = {"upload": {"href": f"{base}/lfs-upload/{oid}?{q}"}}
        if operation == "upload" and "actions" in item:
            item["actions"]["verify"] = {"href": f"{repo_url(base, row.type, row.repo_id)}.git/info/lfs/objects/verify"}
        out.append(item)
    return _lfs_response({"transfer": "basic", "objects": out, "hash_algo": "sha256"})


@router.route("POST", "/{P}{R}.git/info/lfs/objects/verify")
def verify(ctx: Ctx) -> Response:
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    body = ctx.json()
    oid = _check_oid(str(body.get("oid", "")))
    size = ctx.hub.db.lfs_size(row.id, oid)
    if size is None or size != body.get("size") or not ctx.hub.lfs.exists(oid, size):
        raise HubError(404, f"LFS object {oid} not found")
    return _lfs_response({"oid": oid, "size": size})


@router.route("GET", "/{P}{R}.git/info/lfs/objects/{rev}")
async def download(ctx: Ctx) -> Response:
    hub = ctx.hub
    row = await anyio.to_thread.run_sync(hub.readable_repo, ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    hub.check_gate(ctx.user, row)
    oid = _check_oid(ctx.params["rev"])
    if hub.db.lfs_size(row.id, oid) is None or not hub.lfs.exists(oid):
        raise HubError(404, "Object does not exist")
    return FileResponse(hub.lfs.path(oid), media_type="application/octet-stream")


@router.route("PUT", "/lfs-upload/{rev}", signed=True)
async def upload(ctx: Ctx) -> Response:
    oid = _check_oid(ctx.params["rev"])
    rid, size = ctx.hub.lfs.check(dict(ctx.request.query_params), oid=oid)
    await ctx.hub.lfs.receive(oid, size, ctx.request.stream())
    await anyio.to_thread.run_sync(ctx.hub.db.link_lfs, rid, oid, size)
    return Response(status_code=200)


@router.route("PUT", "/lfs-upload/{rev}/part/{num}", signed=True)
async def upload_part(ctx: Ctx) -> Response:
    oid = _check_oid(ctx.params["rev"])
    part = int(ctx.params["num"])
    rid, _ = ctx.hub.lfs.check(dict(ctx.request.query_params), oid=oid, part=part)
    etag = await ctx.hub.lfs.receive_part(rid, oid, part, ctx.hub.limits.multipart_chunk_size, ctx.request.stream())
    return Response(status_code=200, headers={"ETag": etag})


@router.route("POST", "/lfs-upload/{rev}/complete", signed=True)
def complete(ctx: Ctx) -> Response:
    oid = _check_oid(ctx.params["rev"])
    rid, size = ctx.hub.lfs.check(dict(ctx.request.query_params), oid=oid, part="complete")
    body = ctx.json()
    if body.get("oid") != oid or not isinstance(body.get("parts"), list):
        raise bad_request("Completion body must carry this oid and a list of parts")
    try:
        parts = [(int(p["partNumber"]), str(p["etag"])) for p in body["parts"]]
    except (KeyError, TypeError, ValueError):
        raise bad_request("Invalid parts list") from None
    # Idempotent: a client retrying after a lost answer finds the object already assembled and
    # linked to *this* repo, as completing an S3 multipart upload twice succeeds. An object stored
    # for another repo is not enough: its bytes must be sent (knowing a sha256 is not possession).
    if not (ctx.hub.lfs.exists(oid, size) and ctx.hub.db.lfs_size(rid, oid) == size):
        ctx.hub.lfs.complete(rid, oid, size, parts)
    ctx.hub.db.link_lfs(rid, oid, size)
    return _lfs_response({"oid": oid, "size": size})
