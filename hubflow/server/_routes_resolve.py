"""Downloads: ``HEAD``/``GET /{P}{R}/resolve/{rev}/{path}`` with the headers the client's cache relies on.

``ETag`` is the git blob sha1 for regular files and the sha256 for LFS files (with ``X-Linked-Etag``
and ``X-Linked-Size``); ``X-Repo-Commit`` is always set, also on ``EntryNotFound``. LFS bytes are
streamed from the store (``FileResponse``, single ``Range`` → 206); git blobs are sliced in memory.

A request for a model's ``config.json`` (or another of ``DOWNLOAD_QUERY_FILES``) counts one download.

```python
# HEAD /alice/m/resolve/main/config.json  → 200, ETag: "<blob sha1>", X-Repo-Commit: <sha>
```
"""

from __future__ import annotations

import re
from urllib.parse import quote

import anyio.to_thread
from starlette.responses import FileResponse, Response

from hubflow.server._errors import HubError, entry_not_found, revision_not_found
from hubflow.server._gitstore import Entry
from hubflow.server._paths import clean_path
from hubflow.server._router import Ctx, Router

router = Router()


class _LfsFileResponse(FileResponse):
    # 1 MiB reads instead of starlette's 64 KiB: one thread hop per MiB, not per 64 KiB.
    chunk_size = 1024 * 1024


DOWNLOAD_QUERY_FILES = frozenset({"config.json", "config.yaml", "hyperparams.yaml", "meta.yaml"})
"""A model's download counter counts every ``GET`` and ``HEAD`` of these root files, as the Hub does
when no library names its own (https://huggingface.co/docs/hub/models-download-stats)."""
_UNENCODED_REF = re.compile(r"^(pr/[0-9]+|convert/[^/]+)/(.+)$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _lookup(ctx: Ctx) -> tuple[str, Entry, bytes | None]:
    """(commit, entry, blob bytes for regular files) or the right Hub error."""
    hub = ctx.hub
    row = hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    rev, path = ctx.params["rev"], ctx.params["path"]
    if rev == "refs" and (m := _UNENCODED_REF.match(path)):  # refs/pr/1 sent without encoding
        rev, path = f"refs/{m.group(1)}", m.group(2)
    path = clean_path(path)
    hub.check_gate(ctx.user, row, path)
    git = hub.open_git(row)
    try:
        sha = git.resolve(rev)
        if sha is None:
            raise revision_not_found(rev)
        entry = git.entry(sha, path)
        if entry is None or entry.type != "file":
            raise entry_not_found(path, sha)
        if entry.lfs is not None and not hub.lfs_linked(row.id, entry.lfs[0]):
            # only objects uploaded to (or copied with) this repo are served: a sha256 is no key
            raise HubError(404, f"LFS object for {path} is missing from this repo", code="EntryNotFound",
                           headers={"X-Repo-Commit": sha})
        data = None if entry.lfs else git.read_blob(entry.oid)
    finally:
        git.close()
    if row.type == "model" and path in DOWNLOAD_QUERY_FILES:
        hub.db.count_download(row.id)
    return sha, entry, data


@router.route("GET", "/{P}{R}/resolve/{rev}/{path}")
async def resolve(ctx: Ctx) -> Response:
    sha, entry, data = await anyio.to_thread.run_sync(_lookup, ctx)
    name = entry.path.rsplit("/", 1)[-1]
    headers = {
        "X-Repo-Commit": sha,
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}",
        "Access-Control-Expose-Headers": "X-Repo-Commit, ETag, X-Linked-Etag, X-Linked-Size, Content-Range",
    }
    if entry.lfs is not None:
        oid, size, _ = entry.lfs
        path = ctx.hub.lfs.path(oid)
        if not path.is_file():
            raise HubError(404, f"LFS object for {entry.path} is missing from this Hub", code="EntryNotFound",
                           headers={"X-Repo-Commit": sha})
        headers.update({"ETag": f'"{oid}"', "X-Linked-Etag": f'"{oid}"', "X-Linked-Size": str(size)})
        return _LfsFileResponse(path, headers=headers, media_type="application/octet-stream")
    assert data is not None
    headers["ETag"] = f'"{entry.oid}"'
    return _bytes_response(ctx, data, headers)


def _bytes_response(ctx: Ctx, data: bytes, headers: dict[str, str]) -> Response:
    total = len(data)
    status = 200
    header = ctx.request.headers.get("range")
    if header:
        m = _RANGE.match(header.strip())
        start = end = None
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), total - 1) if m.group(2) else total - 1
            else:  # suffix range: the last N bytes
                start, end = max(0, total - int(m.group(2))), total - 1
        if start is None or end is None or start >= total or start > end:
            return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{total}"})
        data = data[start : end + 1]
        headers["Content-Range"] = f"bytes {start}-{end}/{total}"
        status = 206
    headers["Content-Length"] = str(len(data))
    body = b"" if ctx.request.method == "HEAD" else data
    return Response(body, status_code=status, headers=headers, media_type="application/octet-stream")
