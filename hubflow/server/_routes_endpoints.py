"""Inference Endpoints management API (api.md §6) under ``{origin}/v2`` — no model is ever served.

The official client sends these calls to ``https://api.endpoints.huggingface.cloud/v2`` (not
derived from ``HF_ENDPOINT``); point it here with
``huggingface_hub.constants.INFERENCE_ENDPOINTS_ENDPOINT = f"{hub}/v2"``. hubflow's facade uses
``{endpoint}/v2`` by itself for any non-huggingface.co endpoint.

State machine, advanced lazily on every read (``STEP_SECONDS`` per step):
``pending`` → ``initializing`` → ``running``; ``update`` → ``updating`` → ``running``;
``pause`` → ``paused``; ``scale-to-zero`` → ``scaledToZero``; ``resume`` (from paused or
scaledToZero) → ``pending`` → ...; ``resume`` while running → 400 ``already running``.
A running endpoint's ``url`` is ``{origin}/v2/_local/{ns}/{name}``, whose health route answers
200 (503 otherwise) so that ``InferenceEndpoint.wait()`` works.

```python
httpx.post(f"{hub}/v2/endpoint/alice", json={...}, headers=auth).json()["status"]["state"]  # "pending"
```
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from hubflow.server._db import Database, User, iso
from hubflow.server._errors import HubError, bad_request
from hubflow.server._jobs_store import owner_json
from hubflow.server._router import Ctx, Handler, Router, _Route, json_response

router = Router()

STEP_SECONDS = 0.3
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS inference_endpoints (
    namespace TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, state TEXT NOT NULL, since REAL NOT NULL,
    created_at REAL NOT NULL, created_by TEXT NOT NULL, updated_at REAL NOT NULL, updated_by TEXT NOT NULL,
    PRIMARY KEY (namespace, name)
)
"""
_NEXT = {"pending": "initializing", "initializing": "running", "updating": "running"}
_ready: set[str] = set()
_REPLACED = frozenset({"image", "env", "secrets", "measure"})


def _table(db: Database) -> None:
    if str(db.path) not in _ready:
        with db.tx() as c:
            c.execute(_SCHEMA)
        _ready.add(str(db.path))


def _route(methods: str, pattern: str) -> Callable[[Handler], Handler]:
    regex = re.compile("^" + pattern.replace("{ns}", r"(?P<ns>[^/]+)").replace("{name}", r"(?P<name>[^/]+)") + "$")

    def decorate(fn: Handler) -> Handler:
        wanted = set(methods.split()) | ({"HEAD"} if "GET" in methods else set())
        router.routes.append(_Route(wanted, regex, fn, False))
        return fn

    return decorate


def _access(ctx: Ctx, *, write: bool) -> str:
    ns = ctx.params["ns"]
    _table(ctx.hub.db)
    if write:
        ctx.hub.require_write(ctx.user, ns)
    elif ctx.user is None:
        raise HubError(401, "You must be authenticated to access Inference Endpoints")
    elif not ctx.hub.owns(ctx.user, ns):
        raise HubError(403, f"You don't have access to the Inference Endpoints of {ns}")
    return ns


def _load(ctx: Ctx, ns: str) -> dict[str, Any]:
    """The stored row (as a dict), advanced through any transitions that are due."""
    name = ctx.params["name"]
    rows = ctx.hub.db.query("SELECT * FROM inference_endpoints WHERE namespace = ? AND name = ?", ns, name)
    if not rows:
        raise HubError(404, f"Inference Endpoint {ns}/{name} not found")
    row = dict(rows[0])
    state, since, now = row["state"], row["since"], time.time()
    while state in _NEXT and now - since >= STEP_SECONDS:
        state, since = _NEXT[state], since + STEP_SECONDS
    if state != row["state"]:
        _save(ctx.hub.db, row, state=state, since=since)
    return row


def _save(db: Database, row: dict[str, Any], **fields: Any) -> None:
    row.update(fields)
    cols = ", ".join(f"{k} = ?" for k in fields)
    with db.tx() as c:
        c.execute(
            f"UPDATE inference_endpoints SET {cols} WHERE namespace = ? AND name = ?",
            (*[json.dumps(v) if k == "data" else v for k, v in fields.items()], row["namespace"], row["name"]),
        )


def _render(ctx: Ctx, row: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    # the official client reads model.task and model.revision with [...]: present, possibly null
    data["model"] = {"task": None, "revision": None, **(data.get("model") or {})}
    state = row["state"]
    running = state == "running"
    scaling = (data.get("compute") or {}).get("scaling") or {}
    replicas = max(1, int(scaling.get("minReplica") or 0)) if running else 0
    url = f"{ctx.base_url}/v2/_local/{row['namespace']}/{row['name']}" if running else None
    messages = {
        "pending": "Endpoint is pending", "initializing": "Endpoint is initializing", "running": "Endpoint is ready",
        "updating": "Endpoint is updating", "paused": "Endpoint is paused", "scaledToZero": "Endpoint is scaled to zero",
    }
    db = ctx.hub.db
    return {
        **data,
        "status": {
            "state": state, "message": messages.get(state, state), "url": url,
            "createdAt": iso(row["created_at"]), "createdBy": _who(db, row["created_by"]),
            "updatedAt": iso(row["updated_at"]), "updatedBy": _who(db, row["updated_by"]),
            "readyReplica": replicas, "targetReplica": replicas, "private": None,
        },
    }


def _who(db: Database, name: str) -> dict[str, str]:
    return {"id": owner_json(db, name)["id"], "name": name}


def _require(body: dict[str, Any], *paths: str) -> None:
    for path in paths:
        node: Any = body
        for part in path.split("."):
            if not isinstance(node, dict) or node.get(part) in (None, ""):
                raise bad_request(f"Missing required field: {path}")
            node = node[part]


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Deep merge, except the values that are unions or maps replaced whole (image variant, env, ...)."""
    out = dict(base)
    for key, value in patch.items():
        deep = isinstance(value, dict) and isinstance(out.get(key), dict) and key not in _REPLACED
        out[key] = _merge(out[key], value) if deep else value
    return out


@_route("GET", "/v2/endpoint/{ns}")
def list_endpoints(ctx: Ctx) -> Response:
    ns = _access(ctx, write=False)
    names = [r["name"] for r in ctx.hub.db.query("SELECT name FROM inference_endpoints WHERE namespace = ?", ns)]
    items = []
    for name in sorted(names):
        ctx.params["name"] = name
        items.append(_render(ctx, _load(ctx, ns)))
    return json_response({"items": items})


@_route("POST", "/v2/endpoint/{ns}")
def create_endpoint(ctx: Ctx) -> Response:
    ns = _access(ctx, write=True)
    body = ctx.json()
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object")
    _require(body, "name", "type", "model.repository", "model.framework", "compute.accelerator",
             "compute.instanceType", "compute.instanceSize", "provider.vendor", "provider.region")
    name = body["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise bad_request("name must be 1-32 lowercase letters, digits or '-', not starting or ending with '-'")
    if body["type"] not in ("public", "protected", "authenticated", "private"):
        raise bad_request(f"Invalid type {body['type']!r}")
    data = {k: v for k, v in body.items() if k != "status"}
    data.setdefault("healthRoute", "/health")
    user: User = ctx.user  # type: ignore[assignment]  # require_write checked it
    now = time.time()
    with ctx.hub.db.tx() as c:
        if c.execute("SELECT 1 FROM inference_endpoints WHERE namespace = ? AND name = ?", (ns, name)).fetchone():
            raise HubError(409, f"An Inference Endpoint named {name} already exists in {ns}")
        c.execute(
            "INSERT INTO inference_endpoints VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
            (ns, name, json.dumps(data), now, now, user.name, now, user.name),
        )
    ctx.params["name"] = name
    return json_response(_render(ctx, _load(ctx, ns)))


@_route("GET", "/v2/endpoint/{ns}/{name}")
def get_endpoint(ctx: Ctx) -> Response:
    ns = _access(ctx, write=False)
    return json_response(_render(ctx, _load(ctx, ns)))


@_route("PUT", "/v2/endpoint/{ns}/{name}")
def update_endpoint(ctx: Ctx) -> Response:
    ns = _access(ctx, write=True)
    row = _load(ctx, ns)
    patch = ctx.json()
    if not isinstance(patch, dict):
        raise bad_request("The body must be a JSON object")
    data = _merge(json.loads(row["data"]), {k: v for k, v in patch.items() if k not in ("name", "status")})
    fields: dict[str, Any] = {"data": data, "updated_at": time.time(), "updated_by": ctx.user.name}  # type: ignore[union-attr]
    if row["state"] not in ("paused", "scaledToZero"):
        fields.update(state="updating", since=time.time())
    _save(ctx.hub.db, row, **fields)
    return json_response(_render(ctx, row))


@_route("DELETE", "/v2/endpoint/{ns}/{name}")
def delete_endpoint(ctx: Ctx) -> Response:
    ns = _access(ctx, write=True)
    row = _load(ctx, ns)
    with ctx.hub.db.tx() as c:
        c.execute("DELETE FROM inference_endpoints WHERE namespace = ? AND name = ?", (ns, row["name"]))
    return json_response({})


def _set_state(ctx: Ctx, state: str) -> Response:
    ns = _access(ctx, write=True)
    row = _load(ctx, ns)
    now = time.time()
    _save(ctx.hub.db, row, state=state, since=now, updated_at=now, updated_by=ctx.user.name)  # type: ignore[union-attr]
    return json_response(_render(ctx, row))


@_route("POST", "/v2/endpoint/{ns}/{name}/pause")
def pause_endpoint(ctx: Ctx) -> Response:
    return _set_state(ctx, "paused")


@_route("POST", "/v2/endpoint/{ns}/{name}/scale-to-zero")
def scale_to_zero(ctx: Ctx) -> Response:
    return _set_state(ctx, "scaledToZero")


@_route("POST", "/v2/endpoint/{ns}/{name}/resume")
def resume_endpoint(ctx: Ctx) -> Response:
    ns = _access(ctx, write=True)
    row = _load(ctx, ns)
    if row["state"] not in ("paused", "scaledToZero", "failed"):
        raise bad_request(f"Inference Endpoint {row['name']} is already running ({row['state']})")
    return _set_state(ctx, "pending")


@_route("GET", "/v2/provider/{ns}")
def hardware(ctx: Ctx) -> Response:
    _access(ctx, write=False)
    import os

    from hubflow.server._jobs_runner import _mem_total

    cores = os.cpu_count() or 1
    compute = {
        "id": "local-local-cpu-x1", "accelerator": "cpu", "numAccelerators": cores, "numCpus": cores,
        "memoryGb": round(_mem_total() / 1024**3, 1), "gpuMemoryGb": None, "instanceType": "local-cpu",
        "instanceSize": "x1", "architecture": f"Local CPU ({cores} cores)", "status": "available",
        "pricePerHour": 0.0, "quota": {"maxAccelerators": cores, "usedAccelerators": 0},
    }
    region = {"name": "local", "label": "This machine", "status": "available", "computes": [compute]}
    return json_response({"vendors": [{"name": "local", "status": "available", "regions": [region]}]})


@_route("GET", "/v2/_local/{ns}/{name}(?P<rest>/.*)?")
def served(ctx: Ctx) -> Response:
    """The would-be model URL: only answers health checks (200 when running, 503 otherwise)."""
    ns = _access(ctx, write=False)
    row = _load(ctx, ns)
    if row["state"] != "running":
        raise HubError(503, f"Inference Endpoint {row['name']} is {row['state']}")
    return json_response({"status": "ok", "note": "the local Hub serves no model"})
