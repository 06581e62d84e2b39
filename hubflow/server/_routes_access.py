"""Gated repos: users ask for access, repo owners list, accept, reject, reset and grant.

A user asks with ``POST /{P}{R}/ask-access`` (the Hub's repo-page form; JSON or form fields
become the request's ``fields``); ``gated: "auto"`` repos accept at once. Owners (the user, or
members of the owning org, with a write token) use the ``user-access-request`` API. The
request table is ``access_requests``; ``Hub.check_gate`` reads it for downloads.

```python
# POST /alice/m/ask-access {"Country": "FR"}                          (bob)
# GET  /api/models/alice/m/user-access-request/pending                → [{"user": {"user": "bob"}, ...}]
# POST /api/models/alice/m/user-access-request/handle {"user": "bob", "status": "accepted"}
```
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import Response

from hubflow.server._db import RepoRow, iso
from hubflow.server._errors import HubError, bad_request
from hubflow.server._offset_pages import link_page
from hubflow.server._router import Ctx, Router, json_response

router = Router()

_STATUSES = ("pending", "accepted", "rejected")
_NO_MATCH = "No access request found matching your criteria"


def _owned_repo(ctx: Ctx) -> RepoRow:
    return ctx.hub.writable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])


def _item(ctx: Ctx, r: Any) -> dict[str, Any]:
    account = ctx.hub.db.account(r["user"])
    user = {
        "_id": r["user"], "user": r["user"], "fullname": account["fullname"] if account else r["user"],
        # a manual grant never saw a form: the Hub shows no email for it
        "email": None if r["via_grant"] or account is None else account["email"],
        "avatarUrl": "", "isPro": False, "type": "user",
    }
    item: dict[str, Any] = {
        "user": user, "requestId": r["request_id"], "status": r["status"], "timestamp": iso(r["created_at"]),
        "fields": json.loads(r["fields"]) if r["fields"] else {},
    }
    if r["reviewed_at"]:
        item["reviewedAt"] = iso(r["reviewed_at"])
    if r["granted_by"]:
        item["grantedBy"] = {"user": r["granted_by"], "type": "user"}
    if r["reason"]:
        item["rejectionReason"] = r["reason"]
    return item


@router.route("GET", "/api/{T}/{R}/user-access-request/{rev}")
def list_requests(ctx: Ctx) -> Response:
    row = _owned_repo(ctx)
    status = ctx.params["rev"]
    if status not in _STATUSES:
        raise HubError(404, f"Unknown access request list: {status}")
    rows = ctx.hub.db.query(
        "SELECT * FROM access_requests WHERE repo_id = ? AND status = ? ORDER BY created_at, user", row.id, status
    )
    return link_page(ctx, [_item(ctx, r) for r in rows])


def _require_gated(row: RepoRow) -> None:
    if not row.gated:
        raise HubError(400, f"Repo {row.repo_id} is not gated", code="RepoNotGated")


@router.route("POST", "/api/{T}/{R}/user-access-request/handle")
def handle(ctx: Ctx) -> Response:
    row = _owned_repo(ctx)
    assert ctx.user is not None
    _require_gated(row)
    body = ctx.json()
    status = body.get("status")
    if status not in _STATUSES:
        raise bad_request("status must be one of pending, accepted, rejected")
    reason = body.get("rejectionReason")
    if reason is not None and (status != "rejected" or not isinstance(reason, str) or len(reason) > 200):
        raise bad_request("rejectionReason is a text of at most 200 characters, only when rejecting")
    if body.get("user"):
        found = ctx.hub.db.query("SELECT * FROM access_requests WHERE repo_id = ? AND user = ?", row.id, body["user"])
    elif body.get("requestId"):
        found = ctx.hub.db.query(
            "SELECT * FROM access_requests WHERE repo_id = ? AND request_id = ?", row.id, str(body["requestId"]).lower()
        )
    else:
        raise bad_request("One of user or requestId is required")
    if not found or found[0]["status"] == status:
        raise HubError(404, _NO_MATCH)
    with ctx.hub.db.tx() as c:
        c.execute(
            "UPDATE access_requests SET status = ?, reason = ?, reviewed_at = ?, granted_by = ? WHERE request_id = ?",
            (status, reason, time.time(), ctx.user.name if status == "accepted" else None, found[0]["request_id"]),
        )
    return json_response({})


@router.route("POST", "/api/{T}/{R}/user-access-request/grant")
def grant(ctx: Ctx) -> Response:
    row = _owned_repo(ctx)
    assert ctx.user is not None
    _require_gated(row)
    name = ctx.json().get("user")
    account = ctx.hub.db.account(str(name)) if name else None
    if account is None or account["kind"] != "user":
        raise HubError(404, f"User {name} not found")
    existing = ctx.hub.db.query("SELECT status FROM access_requests WHERE repo_id = ? AND user = ?", row.id, name)
    if existing and existing[0]["status"] == "accepted":
        raise bad_request("That user already has access to the repo")
    now = time.time()
    with ctx.hub.db.tx() as c:
        c.execute(
            "INSERT INTO access_requests (repo_id, user, request_id, status, created_at, reviewed_at, granted_by,"
            " via_grant) VALUES (?, ?, ?, 'accepted', ?, ?, ?, 1) ON CONFLICT(repo_id, user) DO UPDATE SET"
            " status = 'accepted', reviewed_at = excluded.reviewed_at, granted_by = excluded.granted_by, reason = NULL",
            (row.id, name, secrets.token_hex(12), now, now, ctx.user.name),
        )
    return json_response({})


def _form_fields(ctx: Ctx) -> dict[str, str]:
    if not ctx.body:
        return {}
    if "json" in (ctx.request.headers.get("content-type") or ""):
        data = ctx.json()
        if not isinstance(data, dict):
            raise bad_request("The access form must be an object")
        return {str(k): str(v) for k, v in data.items()}
    return dict(parse_qsl(ctx.body.decode("utf-8", "replace")))


@router.route("POST", "/{P}{R}/ask-access")
def ask_access(ctx: Ctx) -> Response:
    if ctx.user is None:
        raise HubError(401, "You must be authenticated to ask for access")
    row = ctx.hub.readable_repo(ctx.user, ctx.repo_type, ctx.params["ns"], ctx.params["name"])
    _require_gated(row)
    existing = ctx.hub.db.query(
        "SELECT * FROM access_requests WHERE repo_id = ? AND user = ?", row.id, ctx.user.name
    )
    if existing:  # asking again changes nothing (a rejection stays until an owner resets it)
        return json_response(_item(ctx, existing[0]))
    status = "accepted" if row.gated == "auto" else "pending"
    now = time.time()
    with ctx.hub.db.tx() as c:
        c.execute(
            "INSERT INTO access_requests (repo_id, user, request_id, status, created_at, fields, reviewed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.id, ctx.user.name, secrets.token_hex(12), status, now, json.dumps(_form_fields(ctx)),
             now if status == "accepted" else None),
        )
    created = ctx.hub.db.query("SELECT * FROM access_requests WHERE repo_id = ? AND user = ?", row.id, ctx.user.name)
    return json_response(_item(ctx, created[0]))
