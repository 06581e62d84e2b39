"""Webhooks management: ``/api/settings/webhooks`` (list, get, create, update, enable, disable, delete).

Webhooks belong to the token's user; another user's webhook id answers 404. Reading needs any
token, changing needs a write token. Only URL webhooks are supported (``jobSourceId`` → 400: Jobs do
not trigger webhooks here). The target must be a loopback URL (127.0.0.0/8, ::1, localhost) unless an
admin allowed more hosts (``hubflow admin webhooks allow-host HOST``, ``*`` for any): anything else is
refused with 400 at creation and update. An update's empty ``watched`` list (what the official client
sends when ``watched`` is omitted) leaves the watched items unchanged. Delivery: ``_webhook_delivery``.

```python
# POST /api/settings/webhooks {"watched": [{"type": "user", "name": "alice"}], "url": "http://127.0.0.1:9/h"}
# -> {"webhook": {"id": "<24 hex>", "url": ..., "watched": [...], "domains": ["repo", "discussion"], "disabled": false}}
```
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from starlette.responses import Response

from hubflow.server._db import User
from hubflow.server._errors import HubError, bad_request, forbidden
from hubflow.server._router import Ctx, Router, json_response
from hubflow.server._webhook_delivery import target_allowed

router = Router()

_WATCH_TYPES = {"model", "dataset", "space", "user", "org", "bucket"}
_DOMAINS = ("repo", "discussion")


def _user(ctx: Ctx, *, write: bool = False) -> User:
    if ctx.user is None:
        raise HubError(401, "You must be authenticated to manage webhooks")
    if write and not ctx.user.can_write:
        raise forbidden("This is a read-only token; a write token is required to change webhooks")
    return ctx.user


def _hook_json(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row["id"], "watched": json.loads(row["watched"]), "domains": json.loads(row["domains"]),
        "disabled": bool(row["disabled"]), "url": row["url"], "createdAt": _iso(row["created_at"]),
    }
    if row["secret"] is not None:
        data["secret"] = row["secret"]
    return data


def _iso(ts: float) -> str:
    from hubflow.server._db import iso

    return iso(ts)


def _get(ctx: Ctx, user: User) -> Any:
    rows = ctx.hub.db.query("SELECT * FROM webhooks WHERE id = ? AND owner = ?", ctx.params["id"], user.name)
    if not rows:
        raise HubError(404, f"Webhook {ctx.params['id']} not found")
    return rows[0]


def _watched(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise bad_request("'watched' must be a list of {type, name}")
    out = []
    for item in value:
        if not isinstance(item, dict) or item.get("type") not in _WATCH_TYPES or not isinstance(item.get("name"), str):
            raise bad_request(f"Invalid watched item {item!r}: type must be one of {sorted(_WATCH_TYPES)}")
        out.append({"type": item["type"], "name": item["name"]})
    return out


def _domains(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or any(d not in _DOMAINS for d in value):
        raise bad_request("'domains' must be a non-empty list of 'repo' and 'discussion'")
    return [d for d in _DOMAINS if d in value]


def _url(ctx: Ctx, value: Any) -> str:
    if not isinstance(value, str):
        raise bad_request("'url' must be a string")
    reason = target_allowed(ctx.hub, value)
    if reason is not None:
        raise bad_request(reason)
    return value


def _secret(value: Any) -> str:
    if not isinstance(value, str) or not value.isascii():
        raise bad_request("'secret' must be an ASCII string (it is sent as the X-Webhook-Secret header)")
    return value


def _no_jobs(body: dict[str, Any]) -> None:
    if body.get("jobSourceId") is not None or body.get("secrets") is not None:
        raise bad_request("Job webhooks (jobSourceId) are not supported by this local Hub; use a url")


def _route(path: str) -> str:
    return "/api/settings/webhooks" + path


@router.route("GET", _route(""))
def list_webhooks(ctx: Ctx) -> Response:
    user = _user(ctx)
    rows = ctx.hub.db.query("SELECT * FROM webhooks WHERE owner = ? ORDER BY created_at, id", user.name)
    return json_response([_hook_json(r) for r in rows])


@router.route("POST", _route(""))
def create_webhook(ctx: Ctx) -> Response:
    user = _user(ctx, write=True)
    body = ctx.json()
    _no_jobs(body)
    if body.get("url") is None:
        raise bad_request("Missing 'url'")
    watched = _watched(body.get("watched"))
    if not watched:
        raise bad_request("A webhook must watch at least one item")
    url = _url(ctx, body["url"])
    domains = _domains(body.get("domains", list(_DOMAINS)))
    secret = _secret(body["secret"]) if body.get("secret") is not None else None
    hook_id = secrets.token_hex(12)
    with ctx.hub.db.tx() as c:
        c.execute(
            "INSERT INTO webhooks (id, owner, url, job_source_id, watched, domains, secret, disabled, created_at,"
            " hub_url) VALUES (?, ?, ?, NULL, ?, ?, ?, 0, ?, ?)",
            (hook_id, user.name, url, json.dumps(watched), json.dumps(domains), secret, time.time(), ctx.base_url),
        )
    return json_response({"webhook": _hook_json(_get_by_id(ctx, hook_id))})


def _get_by_id(ctx: Ctx, hook_id: str) -> Any:
    return ctx.hub.db.query("SELECT * FROM webhooks WHERE id = ?", hook_id)[0]


@router.route("GET", _route("/{rev}"))
def get_webhook(ctx: Ctx) -> Response:
    ctx.params["id"] = ctx.params["rev"]
    return json_response({"webhook": _hook_json(_get(ctx, _user(ctx)))})


@router.route("POST", _route("/{rev}"))
def update_webhook(ctx: Ctx) -> Response:
    ctx.params["id"] = ctx.params["rev"]
    user = _user(ctx, write=True)
    row = _get(ctx, user)
    body = ctx.json()
    _no_jobs(body)
    fields: dict[str, Any] = {"hub_url": ctx.base_url}
    if "watched" in body:
        watched = _watched(body["watched"])
        if watched:  # [] is what the client sends when the caller did not pass watched: keep them
            fields["watched"] = json.dumps(watched)
    if body.get("url") is not None:
        fields["url"] = _url(ctx, body["url"])
    if body.get("domains") is not None:
        fields["domains"] = json.dumps(_domains(body["domains"]))
    if body.get("secret") is not None:
        fields["secret"] = _secret(body["secret"])
    cols = ", ".join(f"{k} = ?" for k in fields)
    with ctx.hub.db.tx() as c:
        c.execute(f"UPDATE webhooks SET {cols} WHERE id = ?", (*fields.values(), row["id"]))
    return json_response({"webhook": _hook_json(_get_by_id(ctx, row["id"]))})


@router.route("POST", _route("/{rev}/enable"))
@router.route("POST", _route("/{rev}/disable"))
def toggle_webhook(ctx: Ctx) -> Response:
    ctx.params["id"] = ctx.params["rev"]
    row = _get(ctx, _user(ctx, write=True))
    disabled = ctx.request.url.path.endswith("/disable")
    with ctx.hub.db.tx() as c:
        c.execute("UPDATE webhooks SET disabled = ? WHERE id = ?", (int(disabled), row["id"]))
    return json_response({"webhook": _hook_json(_get_by_id(ctx, row["id"]))})


@router.route("DELETE", _route("/{rev}"))
def delete_webhook(ctx: Ctx) -> Response:
    ctx.params["id"] = ctx.params["rev"]
    row = _get(ctx, _user(ctx, write=True))
    with ctx.hub.db.tx() as c:
        c.execute("DELETE FROM webhooks WHERE id = ?", (row["id"],))
    return json_response({})


__all__ = ["router"]
