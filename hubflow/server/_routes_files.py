"""History and trees: tree listing, paths-info, refs, commits, branches, tags, super-squash, LFS files.

```python
# GET /api/models/alice/m/tree/main/sub%2Fdir?recursive=true&expand=true
# GET /api/models/alice/m/refs?include_prs=1
```
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import parse_qs, quote_plus, unquote_plus

import anyio.to_thread
import msgspec
from dulwich.objects import Blob, Commit
from starlette.responses import Response

from hubflow.server._db import RepoRow, iso
from hubflow.server._errors import HubError, bad_request, entry_not_found, revision_not_found
from hubflow.server._gitstore import Entry, GitRepo, lfs_pointer
from hubflow.server._paths import clean_path
from hubflow.server._router import Ctx, Router, json_response
from hubflow.server._tree_pages import PAGES, commit_of, peel, ref_target, remember_commit

router = Router()
_REF_NAME = re.compile(r"^(?!.*\.\.)(?!.*//)(?!/)(?!.*/$)(?!.*\.lock$)(?!-)[A-Za-z0-9._/-]{1,200}$")


def commit_parts(c: Commit) -> tuple[str, str]:
    """(title, body) of a commit message."""
    text = c.message.decode("utf-8", "replace")
    title, _, body = text.partition("\n")
    return title.strip(), body.strip("\n")


def entry_json(e: Entry, last: Commit | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": e.type, "oid": e.oid, "size": e.size, "path": e.path}
    if e.lfs:
        item["lfs"] = {"oid": e.lfs[0], "size": e.lfs[1], "pointerSize": e.lfs[2]}
    if last is not None:
        item["lastCommit"] = {"id": last.id.decode(), "title": commit_parts(last)[0], "date": iso(last.commit_time)}
    return item


def _page(ctx: Ctx, default_size: int) -> tuple[int, int]:
    """(offset, size) from ``cursor`` (opaque base64 offset) and ``limit``."""
    size = default_size
    if (limit := ctx.query("limit")) and limit.isdigit():
        size = max(1, min(int(limit), default_size))
    offset = 0
    if cursor := ctx.query("cursor"):
        try:
            offset = int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"])
        except (ValueError, KeyError, TypeError):
            raise bad_request("Invalid cursor") from None
    return offset, size


def _link(ctx: Ctx, offset: int) -> dict[str, str]:
    # The request's own query string minus its cursor, plus the next one (every page of a listing
    # builds one: the raw parameters are kept as sent instead of being parsed and re-encoded).
    scope = ctx.request.scope
    query = scope.get("query_string", b"").decode("latin-1")
    params = [p for p in query.split("&") if p and unquote_plus(p.partition("=")[0]) != "cursor"]
    params.append("cursor=" + quote_plus(base64.urlsafe_b64encode(b'{"offset": %d}' % offset).decode()))
    raw = scope.get("raw_path") or ctx.request.url.path.encode()
    path = raw.decode("latin-1").split("?", 1)[0]  # keep %2F in revisions and paths
    return {"Link": f'<{ctx.base_url}{path}?{"&".join(params)}>; rel="next"'}


def _open(ctx: Ctx, *, write: bool = False) -> tuple[RepoRow, GitRepo]:
    hub = ctx.hub
    args = (ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    row = hub.writable_repo(*args) if write else hub.readable_repo(*args)
    return row, hub.open_git(row)


def _resolve(git: GitRepo, rev: str) -> str:
    sha = git.resolve(rev)
    if sha is None:
        raise revision_not_found(rev)
    return sha


@router.route("GET", "/api/{T}/{R}/tree/{rev}")
@router.route("GET", "/api/{T}/{R}/tree/{rev}/{path}")
async def tree(ctx: Ctx) -> Response:
    # Async so that a page already encoded is answered on the event loop: the access check (SQLite,
    # as authentication) and a ref file read are all the request costs. Anything touching git
    # objects (a commit sha seen first, a page not encoded yet, expand) goes to a worker thread.
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    rev, expand = ctx.params["rev"], ctx.flag("expand")
    repo_path = ctx.hub.git.path(row.type, row.namespace, row.name)
    target = ref_target(repo_path, rev)
    sha = None if expand else commit_of(repo_path, row.created_at, rev, target)
    if sha is not None:
        path, recursive = _tree_path(ctx), ctx.flag("recursive")
        offset, size = _page(ctx, ctx.hub.limits.page_size)
        page = PAGES.get((str(repo_path), sha, path, recursive, offset, size))
        if page is not None:
            return _tree_response(ctx, page, offset + size)
    return await anyio.to_thread.run_sync(_tree_slow, ctx, row, target)


def _tree_path(ctx: Ctx) -> str:
    path = ctx.params.get("path", "").strip("/")
    return clean_path(path) if path else ""


def _tree_response(ctx: Ctx, page: tuple[bytes, bool], next_offset: int) -> Response:
    body, more = page
    return Response(body, headers=_link(ctx, next_offset) if more else None, media_type="application/json")


def _tree_slow(ctx: Ctx, row: RepoRow, target: bytes | None) -> Response:
    """A tree page from git (and encoded for next time unless ``expand``)."""
    git = ctx.hub.open_git(row)
    try:
        if target is not None:
            sha = peel(git, target)
        else:
            sha = _resolve(git, ctx.params["rev"])
            if sha == ctx.params["rev"]:
                remember_commit(git.path, row.created_at, sha)
        path = _tree_path(ctx)
        recursive, expand = ctx.flag("recursive"), ctx.flag("expand")
        offset, size = _page(ctx, 100 if expand else ctx.hub.limits.page_size)
        key = (str(git.path), sha, path, recursive, offset, size)
        cached = None if expand else PAGES.get(key)
        if cached is None:
            entries = git.list_tree(sha, path, recursive=recursive)
            if entries is None:
                raise entry_not_found(path, sha)
            page = entries[offset : offset + size]
            lasts = git.last_commits(sha, [e.path for e in page]) if expand else {}
            cached = (msgspec.json.encode([entry_json(e, lasts.get(e.path)) for e in page]),
                      offset + size < len(entries))
            if not expand:
                PAGES.put(key, cached)
    finally:
        git.close()
    return _tree_response(ctx, cached, offset + size)


@router.route("POST", "/api/{T}/{R}/paths-info/{rev}")
def paths_info(ctx: Ctx) -> Response:
    if ctx.request.headers.get("content-type", "").startswith("application/json"):
        body = ctx.json()
        paths, expand = list(body.get("paths") or []), bool(body.get("expand"))
    else:
        form = parse_qs(ctx.body.decode("utf-8", "replace"))
        paths, expand = form.get("paths", []), (form.get("expand") or ["false"])[0].lower() == "true"
    if len(paths) > 1000:
        raise HubError(413, "Too many paths (at most 1000 per call)")
    _, git = _open(ctx)
    try:
        sha = _resolve(git, ctx.params["rev"])
        found = [e for p in paths if (e := git.entry(sha, clean_path(str(p), folder=True))) is not None]
        lasts = git.last_commits(sha, [e.path for e in found]) if expand else {}
        items = [entry_json(e, lasts.get(e.path)) for e in found]
    finally:
        git.close()
    return json_response(items)


@router.route("GET", "/api/{T}/{R}/refs")
def refs(ctx: Ctx) -> Response:
    _, git = _open(ctx)
    out: dict[str, list[dict[str, str]]] = {"branches": [], "tags": [], "converts": []}
    if ctx.flag("include_prs"):
        out["pullRequests"] = []
    try:
        for ref in sorted(git.refs()):
            kind, _, name = ref[len("refs/"):].partition("/")
            key = {"heads": "branches", "tags": "tags", "convert": "converts", "pr": "pullRequests"}.get(kind)
            if key in out:
                target = git.resolve(ref)
                out[key].append({"name": name, "ref": ref, "targetCommit": target or ""})
    finally:
        git.close()
    return json_response(out)


@router.route("GET", "/api/{T}/{R}/commits/{rev}")
def commits(ctx: Ctx) -> Response:
    _, git = _open(ctx)
    formatted = "formatted" in (ctx.request.query_params.getlist("expand[]") + ctx.request.query_params.getlist("expand"))
    offset, size = _page(ctx, 100)
    try:
        sha = _resolve(git, ctx.params["rev"])
        items = []
        more = False
        for i, c in enumerate(git.history(sha)):
            if i < offset:
                continue
            if i >= offset + size:
                more = True
                break
            title, message = commit_parts(c)
            author = c.author.decode("utf-8", "replace").split(" <", 1)[0]
            item: dict[str, Any] = {
                "id": c.id.decode(), "title": title, "message": message, "date": iso(c.commit_time),
                "authors": [{"user": author, "avatar": ""}],
            }
            if formatted:
                item["formatted"] = {"title": title, "message": message}
            items.append(item)
    finally:
        git.close()
    return json_response(items, headers=_link(ctx, offset + size) if more else None)


def _ref_name(name: str) -> str:
    if not _REF_NAME.match(name) or name.startswith("refs/") or name == "HEAD":  # git refuses HEAD too
        raise bad_request(f"Invalid reference name: {name!r}")
    return name


@router.route("POST", "/api/{T}/{R}/branch/{rev}")
def create_branch(ctx: Ctx) -> Response:
    _, git = _open(ctx, write=True)
    try:
        name = _ref_name(ctx.params["rev"])
        start = ctx.json().get("startingPoint") or "main"
        sha = _resolve(git, str(start))
        if git.has_ref(f"refs/heads/{name}") or not git.set_ref(f"refs/heads/{name}", sha):
            raise HubError(409, f"Reference already exists: refs/heads/{name}")
    finally:
        git.close()
    return json_response({})


@router.route("DELETE", "/api/{T}/{R}/branch/{rev}")
def delete_branch(ctx: Ctx) -> Response:
    _, git = _open(ctx, write=True)
    try:
        name = ctx.params["rev"]
        if name == "main":
            raise HubError(403, "The default branch cannot be deleted")
        if not git.has_ref(f"refs/heads/{name}"):
            raise revision_not_found(name)
        git.set_ref(f"refs/heads/{name}", None)
    finally:
        git.close()
    return json_response({})


@router.route("POST", "/api/{T}/{R}/tag/{rev}")
def create_tag(ctx: Ctx) -> Response:
    _, git = _open(ctx, write=True)
    try:
        sha = _resolve(git, ctx.params["rev"])
        name = _ref_name(str(ctx.json().get("tag") or ""))
        if git.has_ref(f"refs/tags/{name}") or not git.set_ref(f"refs/tags/{name}", sha):
            raise HubError(409, f"Tag already exists: {name}")
    finally:
        git.close()
    return json_response({})


@router.route("DELETE", "/api/{T}/{R}/tag/{rev}")
def delete_tag(ctx: Ctx) -> Response:
    _, git = _open(ctx, write=True)
    try:
        name = ctx.params["rev"]
        if not git.has_ref(f"refs/tags/{name}"):
            raise revision_not_found(name)
        git.set_ref(f"refs/tags/{name}", None)
    finally:
        git.close()
    return json_response({})


@router.route("POST", "/api/{T}/{R}/super-squash/{rev}")
def super_squash(ctx: Ctx) -> Response:
    row, git = _open(ctx, write=True)
    assert ctx.user is not None
    try:
        ref = git.ref_for(ctx.params["rev"])
        if ref is None or not ref.startswith("refs/heads/"):
            raise revision_not_found(ctx.params["rev"])
        head = _resolve(git, ref)
        message = str(ctx.json().get("message") or f"Super-squash branch '{ref[11:]}'")
        objects: list[Any] = []
        squashed = git.make_commit(git.commit_obj(head).tree, [], message, ctx.user.name, objects)
        git.write_objects(objects)
        if not git.set_ref(ref, squashed.id.decode(), old=head):
            raise HubError(412, "The branch moved while squashing; please retry")
    finally:
        git.close()
    if ref == "refs/heads/main":
        ctx.hub.db.update_repo(row.id, sha=squashed.id.decode())
    return json_response({"commitId": squashed.id.decode()})


@router.route("GET", "/api/{T}/{R}/lfs-files")
def lfs_files(ctx: Ctx) -> Response:
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    offset, size = _page(ctx, ctx.hub.limits.page_size)
    rows = ctx.hub.db.query(
        "SELECT oid, size, pushed_at, filename FROM lfs_objects WHERE repo_id = ? ORDER BY pushed_at, oid"
        " LIMIT ? OFFSET ?", row.id, size + 1, offset,
    )
    items = [
        {"fileOid": Blob.from_string(lfs_pointer(r["oid"], r["size"])).id.decode(), "filename": r["filename"] or "",
         "oid": r["oid"], "pushedAt": iso(r["pushed_at"]), "ref": None, "size": r["size"]}
        for r in rows[:size]
    ]
    return json_response(items, headers=_link(ctx, offset + size) if len(rows) > size else None)


@router.route("POST", "/api/{T}/{R}/lfs-files/batch")
def delete_lfs_files(ctx: Ctx) -> Response:
    row = ctx.hub.writable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    deletions = ctx.json().get("deletions") or {}
    shas = deletions.get("sha") if isinstance(deletions, dict) else None
    if not isinstance(shas, list) or len(shas) > 1000:
        raise bad_request("deletions.sha must be a list of at most 1000 sha256")
    # The client sends each file's ``fileOid`` (the pointer's blob id); a sha256 is accepted too.
    rows = ctx.hub.db.query("SELECT oid, size FROM lfs_objects WHERE repo_id = ?", row.id)
    by_file_oid = {Blob.from_string(lfs_pointer(r["oid"], r["size"])).id.decode(): r["oid"] for r in rows}
    oids = []
    for given in shas:
        key = str(given).lower()
        if not re.match(r"^([0-9a-f]{40}|[0-9a-f]{64})$", key):
            raise bad_request(f"Invalid sha: {key!r}")
        oids.append(by_file_oid.get(key, key))
    if deletions.get("rewriteHistory", False) is True:
        # As the Hub: the commits that held these files are rewritten without them (new ids).
        git = ctx.hub.open_git(row)
        try:
            moved = git.drop_lfs_files({oid for oid in oids if len(oid) == 64})
        finally:
            git.close()
        if "refs/heads/main" in moved:
            ctx.hub.db.update_repo(row.id, sha=moved["refs/heads/main"])
        for ref, sha in moved.items():
            if ref.startswith("refs/heads/"):
                ctx.hub.emit("repo.content", "update", row, ref=ref, sha=sha)
    for oid in oids:
        with ctx.hub.db.tx() as c:
            c.execute("DELETE FROM lfs_objects WHERE repo_id = ? AND oid = ?", (row.id, oid))
        if len(oid) == 64 and not ctx.hub.db.lfs_linked_elsewhere(oid):
            ctx.hub.lfs.remove(oid)
    return json_response({})
