"""Accounts and repositories: whoami, create/delete/move, settings, info, listings, auth-check.

```python
# registered on import; see create_app()
```
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import msgspec
from starlette.responses import Response

from hubflow.server._db import SORT_COLUMNS, ListCursor, RepoRow, User, iso
from hubflow.server._errors import HubError, bad_request, repo_not_found, revision_not_found
from hubflow.server._gitstore import GitRepo
from hubflow.server._hub import Hub, default_gitattributes
from hubflow.server._paths import PREFIXES, REPO_TYPES, check_name
from hubflow.server._router import Ctx, Router, json_response

router = Router()
_TYPES = {"model", "dataset", "space"}


def _account_json(hub: Hub, name: str, kind: str = "user") -> dict[str, Any]:
    row = hub.db.account(name)
    return {
        "type": kind, "id": name, "name": name, "fullname": row["fullname"] if row else name,
        "email": row["email"] if row else None, "avatarUrl": "", "canPay": False, "periodEnd": None,
    }


@router.route("GET", "/api/whoami-v2")
def whoami(ctx: Ctx) -> Response:
    if ctx.user is None:
        raise HubError(401, "You must be authenticated to access this resource")
    user = ctx.user
    body = _account_json(ctx.hub, user.name)
    body.update(
        emailVerified=True, isPro=False, billingMode="prepaid",
        orgs=[_account_json(ctx.hub, o["name"], "org") for o in ctx.hub.db.orgs_of(user.name)],
        auth={"type": "access_token", "accessToken": {
            "displayName": user.token_name, "role": user.role, "createdAt": iso(user.token_created)}},
    )
    return json_response(body)


def repo_url(base: str, type_: str, repo_id: str) -> str:
    return f"{base}/{PREFIXES[type_]}{repo_id}"


def _target(ctx: Ctx, body: dict[str, Any]) -> tuple[str, str, str]:
    """(type, namespace, name) from a create/delete body; a bare name goes under the caller."""
    type_ = body.get("type") or "model"
    if type_ not in _TYPES:
        raise bad_request(f"Invalid repo type: {type_!r}")
    name = body.get("name")
    if not isinstance(name, str):
        raise bad_request("Missing repo name")
    namespace = body.get("organization")
    if "/" in name and not namespace:
        namespace, name = name.split("/", 1)
    if not namespace:
        if ctx.user is None:
            raise HubError(401, "You must be authenticated to create a repo")
        namespace = ctx.user.name
    return type_, check_name(str(namespace), "namespace"), check_name(name, "repo name")


@router.route("POST", "/api/repos/create")
def create_repo(ctx: Ctx) -> Response:
    body = ctx.json()
    type_, namespace, name = _target(ctx, body)
    user = ctx.hub.require_write(ctx.user, namespace)
    if ctx.hub.db.account(namespace) is None:
        raise bad_request(f"Unknown namespace: {namespace}")
    url = repo_url(ctx.base_url, type_, f"{namespace}/{name}")
    visibility = body.get("visibility")
    private = visibility in ("private", "protected") if visibility else bool(body.get("private", False))
    if ctx.hub.db.get_repo(type_, namespace, name) is not None:
        return json_response({"error": "You already created this repo", "url": url}, status=409)
    from hubflow.server._routes_spaces import init_space, parse_space_options  # Spaces: sdk, hardware, ...

    space_opts = parse_space_options(body) if type_ == "space" else None
    try:
        row = ctx.hub.db.create_repo(type_, namespace, name, private=private)
    except Exception as e:  # sqlite3.IntegrityError: lost a race with another create
        if "UNIQUE" in str(e):
            return json_response({"error": "You already created this repo", "url": url}, status=409)
        raise
    try:
        git = ctx.hub.git.init(type_, namespace, name, gitattributes=default_gitattributes(), author=user.name)
        sha = git.resolve("main")
        git.close()
    except BaseException:
        ctx.hub.db.delete_repo(row.id)
        raise
    ctx.hub.db.update_repo(row.id, sha=sha)
    if space_opts is not None:
        init_space(ctx.hub, row, space_opts, user.name)
    ctx.hub.emit("repo", "create", row)
    return json_response({"url": url, "name": f"{namespace}/{name}", "id": f"{namespace}/{name}"})


@router.route("DELETE", "/api/repos/delete")
def delete_repo(ctx: Ctx) -> Response:
    type_, namespace, name = _target(ctx, ctx.json())
    row = ctx.hub.writable_repo(ctx.user, type_, namespace, name)
    ctx.hub.db.delete_repo(row.id)
    ctx.hub.git.delete(type_, namespace, name)
    ctx.hub.emit("repo", "delete", row)
    return Response(status_code=200)


@router.route("POST", "/api/repos/move")
def move_repo(ctx: Ctx) -> Response:
    body = ctx.json()
    type_ = body.get("type") or "model"
    try:
        src_ns, src_name = str(body["fromRepo"]).split("/")
        dst_ns, dst_name = str(body["toRepo"]).split("/")
    except (KeyError, ValueError):
        raise bad_request("fromRepo and toRepo must be 'namespace/name'") from None
    check_name(dst_ns, "namespace")
    check_name(dst_name, "repo name")
    row = ctx.hub.writable_repo(ctx.user, type_, src_ns, src_name)
    ctx.hub.require_write(ctx.user, dst_ns)
    if ctx.hub.db.get_repo(type_, dst_ns, dst_name) is not None:
        raise HubError(409, f"Repository {dst_ns}/{dst_name} already exists")
    ctx.hub.git.move((type_, src_ns, src_name), (type_, dst_ns, dst_name))
    ctx.hub.db.update_repo(row.id, namespace=dst_ns, name=dst_name)
    return Response(status_code=200)


@router.route("PUT", "/api/{T}/{R}/settings")
def settings(ctx: Ctx) -> Response:
    row = ctx.hub.writable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    body = ctx.json()
    fields: dict[str, Any] = {}
    if "gated" in body:
        if body["gated"] not in ("auto", "manual", False, None):
            raise bad_request("gated must be 'auto', 'manual' or false")
        fields["gated"] = body["gated"] or None
    if "visibility" in body:
        fields["private"] = int(body["visibility"] in ("private", "protected"))
    elif "private" in body:
        fields["private"] = int(bool(body["private"]))
    ctx.hub.db.update_repo(row.id, **fields)
    if "private" in fields:
        fresh = ctx.hub.db.get_repo(row.type, row.namespace, row.name) or row
        ctx.hub.emit("repo.config", "update", fresh, updated_config={"private": bool(fields["private"])})
    return json_response({})


def siblings(git: GitRepo, sha: str, *, blobs: bool) -> list[dict[str, Any]]:
    out = []
    for e in git.list_tree(sha, "", recursive=True) or []:
        if e.type != "file":
            continue
        item: dict[str, Any] = {"rfilename": e.path}
        if blobs:
            item.update(size=e.size, blobId=e.oid)
            if e.lfs:
                item["lfs"] = {"size": e.lfs[1], "sha256": e.lfs[0], "pointerSize": e.lfs[2]}
        out.append(item)
    return out


def info_json(
    row: RepoRow, *, sha: str | None, git: GitRepo | None, blobs: bool = False, full: bool = True,
    expand: list[str] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "_id": str(row.id), "id": row.repo_id, "author": row.namespace, "sha": sha, "private": row.private,
        "gated": row.gated or False, "disabled": False, "likes": row.likes, "tags": row.tags,
        "createdAt": iso(row.created_at), "lastModified": iso(row.last_modified), "usedStorage": 0,
        "trendingScore": 0,
    }
    if row.type in ("model", "dataset"):
        data.update(downloads=row.downloads, downloadsAllTime=row.downloads)
    if row.type == "model":
        data["library_name"] = None
    if row.type == "space":
        data.update(sdk=None, runtime={"stage": "NO_APP_FILE", "hardware": {"current": None, "requested": None}})
    if full and git is not None and sha is not None:
        data["siblings"] = siblings(git, sha, blobs=blobs)
    if expand:
        keep = set(expand) | {"id", "_id"}
        data = {k: v for k, v in data.items() if k in keep}
    return data


def _expand_params(ctx: Ctx) -> list[str]:
    q = ctx.request.query_params
    return q.getlist("expand") + q.getlist("expand[]")


@router.route("GET", "/api/{T}/{R}")
@router.route("GET", "/api/{T}/{R}/revision/{path}")
def repo_info(ctx: Ctx) -> Response:
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    rev = ctx.params.get("path", "main")
    git = ctx.hub.open_git(row)
    try:
        sha = git.resolve(rev)
        if sha is None:
            raise revision_not_found(rev)
        from hubflow.server._routes_upload import card_data

        data = info_json(row, sha=sha, git=git, blobs=ctx.flag("blobs"), expand=_expand_params(ctx) or None)
        card = card_data(git, sha)
        expand = _expand_params(ctx)
        if row.type == "space":
            from hubflow.server._routes_spaces import space_info_fields

            space_info_fields(ctx.hub, row, data)
        if card is not None and (not expand or "cardData" in expand):
            data["cardData"] = card
    finally:
        git.close()
    return json_response(data)


# Encoded listing pages by (database version, query, viewer): a page is answered again without
# SQLite or encoding (~7 ms per 1,000 repos) until something is committed. Oldest out first.
_LIST_PAGES: dict[tuple[Any, ...], tuple[bytes, dict[str, str]]] = {}
_LIST_PAGES_MAX = 256


def _read_cursor(cursor: str | None, sort: str | None) -> ListCursor | None:
    """The page start a ``cursor`` names (``None``: the first page); it must come from the same ``sort``."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if data.get("sort") != sort:
            raise ValueError("the cursor belongs to another sort order")
        return ListCursor(id=int(data["after"]), value=float(data.get("value", 0)))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise bad_request("Invalid cursor") from None


def _write_cursor(last: RepoRow, sort: str | None) -> str:
    data: dict[str, Any] = {"after": last.id}
    if sort is not None:
        data.update(sort=sort, value=getattr(last, SORT_COLUMNS[sort]))
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@router.route("GET", "/api/{T}")
def list_repos(ctx: Ctx) -> Response:
    type_ = REPO_TYPES[ctx.params["T"]]
    limit = ctx.hub.limits.page_size
    asked = ctx.query("limit")
    if asked and asked.isdigit():
        limit = max(1, min(limit, int(asked)))
    sort = ctx.query("sort") or None  # ``direction`` is accepted and ignored: the Hub sorts descending
    if sort is not None and (sort not in SORT_COLUMNS or (sort == "downloads" and type_ == "space")):
        allowed = ", ".join(k for k in SORT_COLUMNS if not (k == "downloads" and type_ == "space"))
        raise bad_request(f"Invalid sort {sort!r}: expected one of {allowed}")
    after = _read_cursor(ctx.query("cursor"), sort)
    user = ctx.user
    orgs = [o["name"] for o in ctx.hub.db.orgs_of(user.name)] if user else []
    search = ctx.query("search")
    q = ctx.request.query_params
    # A pipeline tag is one of a model's tags (the card's ``pipeline_tag``), as on the Hub.
    tags = sorted(set(q.getlist("filter") + q.getlist("pipeline_tag")))
    gated = ctx.query("gated")
    if gated is not None and gated.lower() not in ("true", "false"):
        raise bad_request(f"Invalid gated {gated!r}: expected true or false")
    full = ctx.flag("full")
    expand = _expand_params(ctx) or None
    # A plain page depends only on the database: keep it encoded until anything is committed.
    cacheable = not full and expand is None and type_ != "space"
    # The path and the query (but its cursor, read as ``after``) fix everything else the page uses.
    query = [(k, v) for k, v in q.multi_items() if k != "cursor"]
    key = (str(ctx.hub.db.path), ctx.hub.db.version(), user.name if user else None, tuple(orgs), ctx.base_url,
           ctx.request.url.path, after, tuple(query))
    if cacheable and (page := _LIST_PAGES.get(key)) is not None:
        return Response(page[0], headers=page[1], media_type="application/json")
    rows = ctx.hub.db.list_repos(
        type_, after=after, limit=limit, author=ctx.query("author"), search=search, viewer=user, viewer_orgs=orgs,
        tags=tags, gated=None if gated is None else gated.lower() == "true", sort=sort,
    )
    items = []
    for r in rows:
        git = ctx.hub.open_git(r) if full or (expand and "siblings" in expand) else None
        try:
            items.append(info_json(r, sha=r.sha, git=git, full=git is not None, expand=expand))
            if r.type == "space":
                from hubflow.server._routes_spaces import space_info_fields

                space_info_fields(ctx.hub, r, items[-1])
        finally:
            if git is not None:
                git.close()
    headers = {}
    if len(rows) == limit:
        params = [*query, ("cursor", _write_cursor(rows[-1], sort))]
        headers["Link"] = f'<{ctx.base_url}{ctx.request.url.path}?{urlencode(params)}>; rel="next"'
    # msgspec: a 1,000-repo page encodes ~10x faster than with json.dumps
    body = msgspec.json.encode(items)
    if cacheable:
        if len(_LIST_PAGES) >= _LIST_PAGES_MAX:
            _LIST_PAGES.pop(next(iter(_LIST_PAGES)))
        _LIST_PAGES[key] = (body, headers)
    return Response(body, headers=headers, media_type="application/json")


@router.route("GET", "/api/{T}/{R}/auth-check")
@router.route("GET", "/api/{T}/{R}/auth-check/write")
def auth_check(ctx: Ctx) -> Response:
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    if ctx.request.url.path.endswith("/write"):
        ctx.hub.require_write(ctx.user, row.namespace)
    else:
        ctx.hub.check_gate(ctx.user, row)
    return Response("OK")


@router.route("GET", "/api/{T}/{R}/xet-read-token/{path}")
@router.route("GET", "/api/{T}/{R}/xet-write-token/{path}")
def no_xet(ctx: Ctx) -> Response:
    raise HubError(404, "Xet storage is not available on this Hub")


def user_or_none(user: User | None) -> str:
    if user is None:
        raise HubError(401, "You must be authenticated")
    return user.name


__all__ = ["info_json", "repo_not_found", "repo_url", "router"]
