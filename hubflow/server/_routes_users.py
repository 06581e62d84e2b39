"""Users, organisations, follows and likes: overviews, ``Link``-paginated people lists, like/unlike.

Counts only include repos the caller can see. ``POST /api/{T}/{R}/like`` is served although
huggingface_hub 2.x only calls ``DELETE`` (``unlike``); following has no client method either:
``POST``/``DELETE /api/users/{name}/follow`` (or ``/api/organizations/{name}/follow``) is ours.

```python
# GET /api/users/alice/overview          → {"user": "alice", "numModels": 3, "orgs": [...], ...}
# GET /api/organizations/acme/members    → [{"user": "alice", "fullname": ..., "avatarUrl": ...}]
# POST /api/models/alice/m/like          → {} (repo's likes counter + 1)
```
"""

from __future__ import annotations

import time
from typing import Any

from starlette.responses import Response

from hubflow.server._db import User, iso
from hubflow.server._errors import HubError, forbidden
from hubflow.server._offset_pages import link_page
from hubflow.server._router import Ctx, Router, json_response

router = Router()


def _account(ctx: Ctx, kind: str) -> Any:
    name = ctx.params["rev"]
    row = ctx.hub.db.account(name)
    if row is None or row["kind"] != kind:
        raise HubError(404, f"{'User' if kind == 'user' else 'Organization'} {name} not found")
    return row


def _visible_counts(ctx: Ctx, namespace: str) -> dict[str, int]:
    owner = ctx.hub.owns(ctx.user, namespace)
    rows = ctx.hub.db.query(
        "SELECT type, count(*) AS n FROM repos WHERE namespace = ? AND (private = 0 OR ?) GROUP BY type",
        namespace, int(owner),
    )
    counts = {r["type"]: int(r["n"]) for r in rows}
    return {"numModels": counts.get("model", 0), "numDatasets": counts.get("dataset", 0),
            "numSpaces": counts.get("space", 0)}


def _follows(ctx: Ctx, name: str) -> bool:
    return ctx.user is not None and bool(
        ctx.hub.db.query("SELECT 1 FROM follows WHERE follower = ? AND followee = ?", ctx.user.name, name)
    )


def _count(ctx: Ctx, sql: str, *args: Any) -> int:
    return int(ctx.hub.db.query(sql, *args)[0][0])


def person(ctx: Ctx, account: Any) -> dict[str, Any]:
    """A user as people lists show them (followers, members, likers)."""
    return {"_id": account["name"], "user": account["name"], "fullname": account["fullname"] or account["name"],
            "avatarUrl": "", "type": "user", "isPro": False, "isFollowing": _follows(ctx, account["name"])}


def _org_brief(org: Any) -> dict[str, Any]:
    return {"_id": org["name"], "name": org["name"], "fullname": org["fullname"] or org["name"], "avatarUrl": "",
            "type": "org"}


@router.route("GET", "/api/users/{rev}/overview")
def user_overview(ctx: Ctx) -> Response:
    account = _account(ctx, "user")
    name = account["name"]
    data = {
        **person(ctx, account), "createdAt": iso(account["created_at"]), "details": "", **_visible_counts(ctx, name),
        "numDiscussions": _count(ctx, "SELECT count(*) FROM discussions WHERE author = ?", name),
        "numPapers": 0, "numUpvotes": 0,
        "numLikes": _count(ctx, "SELECT count(*) FROM likes WHERE user = ?", name),
        "numFollowers": _count(ctx, "SELECT count(*) FROM follows WHERE followee = ?", name),
        "numFollowing": _count(ctx, "SELECT count(*) FROM follows WHERE follower = ?", name),
        "orgs": [_org_brief(o) for o in ctx.hub.db.orgs_of(name)],
    }
    return json_response(data)


@router.route("GET", "/api/organizations/{rev}/overview")
def organization_overview(ctx: Ctx) -> Response:
    org = _account(ctx, "org")
    name = org["name"]
    data = {
        **_org_brief(org), "details": "", "isVerified": False, "isFollowing": _follows(ctx, name),
        "numUsers": _count(ctx, "SELECT count(*) FROM members WHERE org = ?", name),
        **_visible_counts(ctx, name), "numPapers": 0,
        "numFollowers": _count(ctx, "SELECT count(*) FROM follows WHERE followee = ?", name),
    }
    return json_response(data)


def _people(ctx: Ctx, sql: str, *args: Any) -> list[dict[str, Any]]:
    out = []
    for r in ctx.hub.db.query(sql, *args):
        account = ctx.hub.db.account(r[0])
        if account is not None and account["kind"] == "user":
            out.append(person(ctx, account))
    return out


@router.route("GET", "/api/users/{rev}/followers")
def user_followers(ctx: Ctx) -> Response:
    name = _account(ctx, "user")["name"]
    return link_page(ctx, _people(ctx, "SELECT follower FROM follows WHERE followee = ? ORDER BY created_at", name))


@router.route("GET", "/api/users/{rev}/following")
def user_following(ctx: Ctx) -> Response:
    name = _account(ctx, "user")["name"]
    rows = ctx.hub.db.query("SELECT followee FROM follows WHERE follower = ? ORDER BY created_at", name)
    out = []
    for r in rows:
        account = ctx.hub.db.account(r[0])
        if account is not None:  # following lists users and orgs alike
            out.append(person(ctx, account) if account["kind"] == "user" else {**_org_brief(account)})
    return link_page(ctx, out)


@router.route("GET", "/api/organizations/{rev}/members")
def org_members(ctx: Ctx) -> Response:
    name = _account(ctx, "org")["name"]
    members = _people(ctx, "SELECT user FROM members WHERE org = ? ORDER BY user", name)
    roles = {r["user"]: r["role"] for r in ctx.hub.db.query("SELECT user, role FROM members WHERE org = ?", name)}
    return link_page(ctx, [{**m, "role": roles.get(m["user"], "read")} for m in members])


@router.route("GET", "/api/organizations/{rev}/followers")
def org_followers(ctx: Ctx) -> Response:
    name = _account(ctx, "org")["name"]
    return link_page(ctx, _people(ctx, "SELECT follower FROM follows WHERE followee = ? ORDER BY created_at", name))


def _actor(ctx: Ctx) -> User:
    if ctx.user is None:
        raise HubError(401, "You must be authenticated to perform this action")
    if not ctx.user.can_write:
        raise forbidden("This is a read-only token; a write token is required")
    return ctx.user


@router.route("POST DELETE", "/api/users/{rev}/follow")
@router.route("POST DELETE", "/api/organizations/{rev}/follow")
def follow(ctx: Ctx) -> Response:
    user = _actor(ctx)
    target = ctx.hub.db.account(ctx.params["rev"])
    if target is None:
        raise HubError(404, f"{ctx.params['rev']} not found")
    with ctx.hub.db.tx() as c:
        if ctx.request.method == "POST":
            if target["name"] == user.name:
                raise HubError(400, "You cannot follow yourself")
            c.execute("INSERT OR IGNORE INTO follows VALUES (?, ?, ?)", (user.name, target["name"], time.time()))
        else:
            c.execute("DELETE FROM follows WHERE follower = ? AND followee = ?", (user.name, target["name"]))
    return json_response({})


# -- likes ---------------------------------------------------------------------------------------------------
@router.route("POST DELETE", "/api/{T}/{R}/like")
def like(ctx: Ctx) -> Response:
    user = _actor(ctx)
    row = ctx.hub.readable_repo(user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    with ctx.hub.db.tx() as c:
        if ctx.request.method == "POST":
            c.execute("INSERT OR IGNORE INTO likes VALUES (?, ?, ?)", (user.name, row.id, time.time()))
        else:
            c.execute("DELETE FROM likes WHERE user = ? AND repo_id = ?", (user.name, row.id))
        c.execute("UPDATE repos SET likes = (SELECT count(*) FROM likes WHERE repo_id = ?) WHERE id = ?",
                  (row.id, row.id))
    return json_response({})


@router.route("GET", "/api/{T}/{R}/likers")
def likers(ctx: Ctx) -> Response:
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    return link_page(ctx, _people(ctx, "SELECT user FROM likes WHERE repo_id = ? ORDER BY created_at", row.id))


def _readable(ctx: Ctx, repo: Any) -> bool:
    return not repo["private"] or ctx.hub.owns(ctx.user, repo["namespace"])


@router.route("GET", "/api/users/{rev}/likes")
def liked_repos(ctx: Ctx) -> Response:
    name = _account(ctx, "user")["name"]
    rows = ctx.hub.db.query(
        "SELECT l.created_at AS liked_at, r.* FROM likes l JOIN repos r ON r.id = l.repo_id WHERE l.user = ?"
        " ORDER BY l.created_at DESC", name,
    )
    items = [
        {"createdAt": iso(r["liked_at"]), "repo": {"name": f"{r['namespace']}/{r['name']}", "type": r["type"]}}
        for r in rows if _readable(ctx, r)
    ]
    return link_page(ctx, items)

