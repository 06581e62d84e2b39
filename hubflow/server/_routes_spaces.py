"""Spaces: runtime (stage, hardware, sleep time, dev mode), secrets, variables, volumes, logs, hardware list.

The local Hub stores Space apps but never runs them. The runtime is an honest state machine:

* ``NO_APP_FILE`` while ``main`` has no app file (``app_file`` from the README, else ``app.py`` for
  gradio/streamlit, ``Dockerfile`` for docker, ``index.html`` for static);
* ``BUILDING`` in the answer to a restart or a hardware request, then ``RUNNING`` from the next read
  (nothing is built, so the build is instantaneous);
* ``PAUSED`` after ``pause``, until ``restart``.

``hardware.current`` is the requested flavour once ``RUNNING`` (``null`` otherwise, as on the Hub
during a first build). ``gcTimeout`` is 172800 s on ``cpu-basic`` (free hardware always sleeps after
48 h), else the stored sleep time (``null``: never). Static Spaces refuse pause/restart/dev mode/volumes
with 400, as the Hub does. Secret values are write-only. Owners (write token, or membership of the
owning org) change anything; reading secrets and variables needs ownership too; the runtime and logs
follow repo visibility.

```python
# GET /api/spaces/alice/demo/runtime -> {"stage": "NO_APP_FILE", "hardware": {"current": null, ...}, ...}
```
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from starlette.responses import Response

from hubflow.server._db import RepoRow, iso
from hubflow.server._errors import HubError, bad_request, forbidden
from hubflow.server._hub import Hub
from hubflow.server._router import Ctx, Router, json_response

router = Router()

SDKS = ("gradio", "streamlit", "docker", "static")
FREE_SLEEP_TIME = 172800
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_VOLUME_TYPES = {"bucket", "model", "dataset", "space"}
_DEFAULT_APP_FILE = {"gradio": "app.py", "streamlit": "app.py", "docker": "Dockerfile", "static": "index.html"}

# (name, pretty name, cpu, ram, accelerator or None); costs are 0: nothing runs on a local Hub
_HARDWARE: list[tuple[str, str, str, str, tuple[str, str, str, str] | None]] = [
    ("cpu-basic", "CPU Basic", "2 vCPU", "16 GB", None),
    ("cpu-upgrade", "CPU Upgrade", "8 vCPU", "32 GB", None),
    ("zero-a10g", "ZeroGPU", "2 vCPU", "16 GB", ("A10G", "1", "24 GB", "Nvidia")),
    ("t4-small", "Nvidia T4 - small", "4 vCPU", "15 GB", ("T4", "1", "16 GB", "Nvidia")),
    ("t4-medium", "Nvidia T4 - medium", "8 vCPU", "30 GB", ("T4", "1", "16 GB", "Nvidia")),
    ("l4x1", "1x Nvidia L4", "8 vCPU", "30 GB", ("L4", "1", "24 GB", "Nvidia")),
    ("l4x4", "4x Nvidia L4", "48 vCPU", "186 GB", ("L4", "4", "96 GB", "Nvidia")),
    ("l40sx1", "1x Nvidia L40S", "8 vCPU", "62 GB", ("L40S", "1", "48 GB", "Nvidia")),
    ("l40sx4", "4x Nvidia L40S", "48 vCPU", "382 GB", ("L40S", "4", "192 GB", "Nvidia")),
    ("l40sx8", "8x Nvidia L40S", "192 vCPU", "1534 GB", ("L40S", "8", "384 GB", "Nvidia")),
    ("a10g-small", "Nvidia A10G - small", "4 vCPU", "15 GB", ("A10G", "1", "24 GB", "Nvidia")),
    ("a10g-large", "Nvidia A10G - large", "12 vCPU", "46 GB", ("A10G", "1", "24 GB", "Nvidia")),
    ("a10g-largex2", "2x Nvidia A10G - large", "24 vCPU", "92 GB", ("A10G", "2", "48 GB", "Nvidia")),
    ("a10g-largex4", "4x Nvidia A10G - large", "48 vCPU", "184 GB", ("A10G", "4", "96 GB", "Nvidia")),
    ("a100-large", "Nvidia A100 - large", "12 vCPU", "142 GB", ("A100", "1", "80 GB", "Nvidia")),
    ("a100x4", "4x Nvidia A100", "48 vCPU", "568 GB", ("A100", "4", "320 GB", "Nvidia")),
    ("a100x8", "8x Nvidia A100", "96 vCPU", "1136 GB", ("A100", "8", "640 GB", "Nvidia")),
    ("rtx-pro-6000", "Nvidia RTX PRO 6000", "16 vCPU", "128 GB", ("RTX PRO 6000", "1", "96 GB", "Nvidia")),
    ("rtx-pro-6000x2", "2x Nvidia RTX PRO 6000", "32 vCPU", "256 GB", ("RTX PRO 6000", "2", "192 GB", "Nvidia")),
    ("rtx-pro-6000x4", "4x Nvidia RTX PRO 6000", "64 vCPU", "512 GB", ("RTX PRO 6000", "4", "384 GB", "Nvidia")),
    ("rtx-pro-6000x8", "8x Nvidia RTX PRO 6000", "128 vCPU", "1024 GB", ("RTX PRO 6000", "8", "768 GB", "Nvidia")),
]
HARDWARE_NAMES = frozenset(h[0] for h in _HARDWARE)

TEMPLATES = [
    {"name": "Gradio", "repoId": "hubflow/gradio-template", "sdk": "gradio", "preferredPrivate": False},
    {"name": "Streamlit", "repoId": "hubflow/streamlit-template", "sdk": "docker", "preferredPrivate": False},
    {"name": "Docker", "repoId": "hubflow/docker-template", "sdk": "docker", "preferredPrivate": False},
    {"name": "Static HTML", "repoId": "hubflow/static-template", "sdk": "static", "preferredPrivate": False},
]


# -- state ---------------------------------------------------------------------------------------------
def _state(hub: Hub, row: RepoRow) -> dict[str, Any]:
    """The Space's stored state (created with defaults on first use)."""
    rows = hub.db.query("SELECT * FROM spaces WHERE repo_id = ?", row.id)
    if not rows:
        with hub.db.tx() as c:
            c.execute("INSERT OR IGNORE INTO spaces (repo_id, updated_at) VALUES (?, ?)", (row.id, time.time()))
        rows = hub.db.query("SELECT * FROM spaces WHERE repo_id = ?", row.id)
    return dict(rows[0])


def _update(hub: Hub, row: RepoRow, **fields: Any) -> None:
    _state(hub, row)
    cols = ", ".join(f"{k} = ?" for k in fields)
    with hub.db.tx() as c:
        c.execute(f"UPDATE spaces SET {cols}, updated_at = ? WHERE repo_id = ?", (*fields.values(), time.time(), row.id))


def _card_and_files(hub: Hub, row: RepoRow) -> tuple[dict[str, Any], set[str]]:
    from hubflow.server._routes_upload import card_data  # lazy: upload imports repos, which imports us

    git = hub.open_git(row)
    try:
        sha = git.resolve("main")
        if sha is None:
            return {}, set()
        files = {e.path for e in git.list_tree(sha, "", recursive=True) or [] if e.type == "file"}
        return card_data(git, sha) or {}, files
    finally:
        git.close()


def space_sdk(hub: Hub, row: RepoRow, card: dict[str, Any] | None = None) -> str | None:
    """The README's ``sdk`` (what the Hub reads), else the one given at creation."""
    if card is None:
        card, _ = _card_and_files(hub, row)
    sdk = card.get("sdk")
    return str(sdk) if sdk in SDKS else _state(hub, row)["sdk"]


def runtime_json(hub: Hub, row: RepoRow, *, settle: bool = True) -> dict[str, Any]:
    """The ``SpaceRuntime`` wire object. ``settle``: a finished (instant) build becomes ``RUNNING``."""
    state = _state(hub, row)
    card, files = _card_and_files(hub, row)
    sdk = space_sdk(hub, row, card)
    app_file = str(card.get("app_file") or _DEFAULT_APP_FILE.get(sdk or "", "app.py"))
    if app_file not in files:
        stage = "NO_APP_FILE"
    elif state["state"] == "paused":
        stage = "PAUSED"
    elif state["state"] == "building" and not settle:
        stage = "BUILDING"
    else:
        if state["state"] == "building":  # nothing to build: the build is over by the next read
            _update(hub, row, state="running")
        stage = "RUNNING"
    hardware = state["hardware"]
    sleep = FREE_SLEEP_TIME if hardware == "cpu-basic" else state["sleep_time"]
    data: dict[str, Any] = {
        "stage": stage,
        "hardware": {"current": hardware if stage == "RUNNING" else None, "requested": hardware},
        "storage": None,
        "gcTimeout": None if sleep is None or sleep < 0 else sleep,
        "replicas": {"requested": 1, **({"current": 1} if stage == "RUNNING" else {})},
        "devMode": bool(state["dev_mode"]),
        "sha": row.sha,
    }
    volumes = json.loads(state["volumes"])
    if volumes:
        data["volumes"] = volumes
    return data


def space_info_fields(hub: Hub, row: RepoRow, data: dict[str, Any]) -> None:
    """Fill ``sdk`` and ``runtime`` of a ``SpaceInfo`` JSON in place (only keys already present)."""
    if "sdk" in data:
        data["sdk"] = space_sdk(hub, row)
    if "runtime" in data:
        data["runtime"] = runtime_json(hub, row, settle=False)


# -- creation (called by POST /api/repos/create) ----------------------------------------------------------
def parse_space_options(body: dict[str, Any]) -> dict[str, Any]:
    """Validate the Space keys of a create/duplicate body before anything is written (400 on error)."""
    opts: dict[str, Any] = {}
    sdk = body.get("sdk")
    if sdk is not None and sdk not in SDKS:
        raise bad_request(f"Invalid sdk {sdk!r}: must be one of {', '.join(SDKS)}")
    opts["sdk"] = sdk
    if body.get("hardware") is not None:
        opts["hardware"] = check_hardware(body["hardware"])
    if body.get("sleepTimeSeconds") is not None:
        opts["sleep_time"] = _int(body["sleepTimeSeconds"], "sleepTimeSeconds")
    for kind in ("secrets", "variables"):
        items = body.get(kind) or []
        if not isinstance(items, list):
            raise bad_request(f"'{kind}' must be a list of {{key, value, description}}")
        opts[kind] = [_env_item(item) for item in items]
    opts["volumes"] = _volumes(body.get("volumes") or [])
    template = body.get("template")
    if template is not None:
        found = next((t for t in TEMPLATES if template in (t["repoId"], t["name"])), None)
        if found is None:
            raise bad_request(f"Unknown Space template {template!r}; see GET /api/spaces/templates")
        opts["template"] = found
        opts["sdk"] = opts["sdk"] or found["sdk"]
    return opts


def _template_files(template: dict[str, Any]) -> dict[str, bytes]:
    """A minimal app for each template (the Hub copies the template repo; these stand in for it)."""
    sdk = template["sdk"]
    app_file = "index.html" if sdk == "static" else ("Dockerfile" if sdk == "docker" else "app.py")
    readme = f"---\ntitle: {template['name']} Space\nsdk: {sdk}\napp_file: {app_file}\n---\n\nMade from {template['repoId']}.\n"
    files = {"README.md": readme.encode()}
    if sdk == "gradio":
        files["app.py"] = b'import gradio as gr\n\ngr.Interface(lambda name: f"Hello {name}!", "text", "text").launch()\n'
    elif sdk == "static":
        files["index.html"] = b"<!doctype html>\n<title>Hello</title>\n<p>Hello from a static Space.</p>\n"
    elif template["name"] == "Streamlit":
        files["app.py"] = b'import streamlit as st\n\nst.write("Hello!")\n'
        files["Dockerfile"] = b'FROM python:3.11-slim\nRUN pip install streamlit\nCOPY app.py .\nCMD ["streamlit", "run", "app.py", "--server.port=7860"]\n'
    else:
        files["Dockerfile"] = b'FROM python:3.11-slim\nCMD ["python", "-m", "http.server", "7860"]\n'
    return files


def init_space(hub: Hub, row: RepoRow, opts: dict[str, Any], author: str) -> None:
    """Store the Space state of a new repo (``opts`` from :func:`parse_space_options`); seed a template."""
    with hub.db.tx() as c:
        c.execute(
            "INSERT OR REPLACE INTO spaces (repo_id, sdk, hardware, sleep_time, state, dev_mode, volumes, updated_at)"
            " VALUES (?, ?, ?, ?, 'running', 0, ?, ?)",
            (row.id, opts.get("sdk"), opts.get("hardware") or "cpu-basic", opts.get("sleep_time"),
             json.dumps(opts.get("volumes") or []), time.time()),
        )
    for kind, singular in (("secrets", "secret"), ("variables", "variable")):
        for item in opts.get(kind) or []:
            _set_env(hub, row, singular, item)
    if opts.get("template"):
        from hubflow.server._gitstore import AddBlob, Operation

        ops: list[Operation] = [AddBlob(path, data) for path, data in _template_files(opts["template"]).items()]
        git = hub.open_git(row)
        try:
            sha = git.commit("refs/heads/main", ops, f"Initialize from {opts['template']['repoId']}\n", author=author)
        finally:
            git.close()
        hub.db.update_repo(row.id, sha=sha)


def check_hardware(flavor: Any) -> str:
    if not isinstance(flavor, str) or flavor not in HARDWARE_NAMES:
        raise bad_request(f"Invalid hardware flavor {flavor!r}; see GET /api/spaces/hardware")
    return flavor


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"'{what}' must be an integer")
    return value


def _env_item(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not _ENV_KEY.match(item["key"]):
        raise bad_request("Each item needs a 'key' that is a valid environment variable name")
    if not isinstance(item.get("value", ""), str):
        raise bad_request(f"The value of {item['key']} must be a string")
    description = item.get("description")
    if description is not None and not isinstance(description, str):
        raise bad_request("'description' must be a string")
    return {"key": item["key"], "value": item.get("value", ""), "description": description}


def _volumes(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise bad_request("'volumes' must be a list")
    out = []
    for v in items:
        if not isinstance(v, dict) or v.get("type", "model") not in _VOLUME_TYPES:
            raise bad_request(f"Invalid volume type; expected one of {sorted(_VOLUME_TYPES)}")
        source, mount = v.get("source"), v.get("mountPath")
        if not isinstance(source, str) or not source or not isinstance(mount, str) or not mount.startswith("/"):
            raise bad_request("A volume needs a 'source' and an absolute 'mountPath'")
        vol: dict[str, Any] = {"type": v.get("type", "model"), "source": source, "mountPath": mount}
        for key in ("revision", "readOnly", "path"):
            if v.get(key) is not None:
                vol[key] = v[key]
        if vol["type"] != "bucket":
            vol["readOnly"] = True  # repos are always mounted read-only
        out.append(vol)
    return out


def _set_env(hub: Hub, row: RepoRow, kind: str, item: dict[str, Any]) -> None:
    with hub.db.tx() as c:
        # re-adding a key overwrites its value; a missing description keeps the old one (as the Hub)
        c.execute(
            "INSERT INTO space_env VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(repo_id, kind, key) DO UPDATE SET"
            " value = excluded.value, description = coalesce(excluded.description, description),"
            " updated_at = excluded.updated_at",
            (row.id, kind, item["key"], item["value"], item.get("description"), time.time()),
        )


def env_items(hub: Hub, row: RepoRow, kind: str) -> list[dict[str, Any]]:
    rows = hub.db.query(
        "SELECT key, value, description, updated_at FROM space_env WHERE repo_id = ? AND kind = ? ORDER BY key",
        row.id, kind,
    )
    return [dict(r) for r in rows]


def _env_map(hub: Hub, row: RepoRow, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in env_items(hub, row, kind):
        item: dict[str, Any] = {"updatedAt": iso(r["updated_at"])}
        if kind == "variable":
            item["value"] = r["value"]
        if r["description"] is not None:
            item["description"] = r["description"]
        out[r["key"]] = item
    return out


# -- access ----------------------------------------------------------------------------------------------
def _space(ctx: Ctx) -> RepoRow:
    return ctx.hub.readable_repo(ctx.user, "space", ctx.params["ns"], ctx.params["name"])


def _owned(ctx: Ctx, *, write: bool = True) -> RepoRow:
    """The Space, for its owners only (403 for others who can see it, 404 for those who cannot)."""
    row = _space(ctx)
    if write:
        ctx.hub.require_write(ctx.user, row.namespace)
    elif not ctx.hub.owns(ctx.user, row.namespace):
        raise forbidden(f"Only the owners of {row.repo_id} can read its settings")
    return row


def _not_static(ctx: Ctx, row: RepoRow, what: str) -> None:
    if space_sdk(ctx.hub, row) == "static":
        raise bad_request(f"Static Spaces are always running: cannot {what} {row.repo_id}")


def _config_changed(ctx: Ctx, row: RepoRow) -> None:
    ctx.hub.emit("repo.config", "update", row, updated_config={})


# -- runtime routes --------------------------------------------------------------------------------------
@router.route("GET", "/api/spaces/{R}/runtime")
def get_runtime(ctx: Ctx) -> Response:
    return json_response(runtime_json(ctx.hub, _space(ctx)))


@router.route("POST", "/api/spaces/{R}/hardware")
def request_hardware(ctx: Ctx) -> Response:
    row = _owned(ctx)
    body = ctx.json()
    fields: dict[str, Any] = {"hardware": check_hardware(body.get("flavor")), "state": "building"}
    if body.get("sleepTimeSeconds") is not None:
        fields["sleep_time"] = _int(body["sleepTimeSeconds"], "sleepTimeSeconds")
    _update(ctx.hub, row, **fields)
    return json_response(runtime_json(ctx.hub, row, settle=False))


@router.route("POST", "/api/spaces/{R}/sleeptime")
def set_sleep_time(ctx: Ctx) -> Response:
    row = _owned(ctx)
    _update(ctx.hub, row, sleep_time=_int(ctx.json().get("seconds"), "seconds"))
    return json_response(runtime_json(ctx.hub, row))


@router.route("POST", "/api/spaces/{R}/pause")
def pause(ctx: Ctx) -> Response:
    row = _owned(ctx)
    _not_static(ctx, row, "pause")
    _update(ctx.hub, row, state="paused")
    return json_response(runtime_json(ctx.hub, row))


@router.route("POST", "/api/spaces/{R}/restart")
def restart(ctx: Ctx) -> Response:
    row = _owned(ctx)
    _not_static(ctx, row, "restart")
    _update(ctx.hub, row, state="building")  # factory=true changes nothing: there is no build cache
    return json_response(runtime_json(ctx.hub, row, settle=False))


@router.route("POST", "/api/spaces/{R}/dev-mode")
def dev_mode(ctx: Ctx) -> Response:
    row = _owned(ctx)
    _not_static(ctx, row, "set dev mode on")
    enabled = ctx.json().get("enabled")
    if not isinstance(enabled, bool):
        raise bad_request("'enabled' must be true or false")
    _update(ctx.hub, row, dev_mode=int(enabled))
    return json_response(runtime_json(ctx.hub, row))


# -- secrets and variables -------------------------------------------------------------------------------
@router.route("GET", "/api/spaces/{R}/secrets")
def get_secrets(ctx: Ctx) -> Response:
    return json_response(_env_map(ctx.hub, _owned(ctx, write=False), "secret"))


@router.route("GET", "/api/spaces/{R}/variables")
def get_variables(ctx: Ctx) -> Response:
    return json_response(_env_map(ctx.hub, _owned(ctx, write=False), "variable"))


@router.route("POST", "/api/spaces/{R}/secrets")
@router.route("POST", "/api/spaces/{R}/variables")
def add_env(ctx: Ctx) -> Response:
    row = _owned(ctx)
    kind = "secret" if ctx.request.url.path.endswith("/secrets") else "variable"
    item = _env_item(ctx.json())
    _set_env(ctx.hub, row, kind, item)
    _config_changed(ctx, row)
    return json_response({} if kind == "secret" else _env_map(ctx.hub, row, kind))


@router.route("DELETE", "/api/spaces/{R}/secrets")
@router.route("DELETE", "/api/spaces/{R}/variables")
def delete_env(ctx: Ctx) -> Response:
    row = _owned(ctx)
    kind = "secret" if ctx.request.url.path.endswith("/secrets") else "variable"
    key = ctx.json().get("key")
    if not isinstance(key, str):
        raise bad_request("Missing 'key'")
    with ctx.hub.db.tx() as c:  # an unknown key is not an error (the Hub answers 200)
        c.execute("DELETE FROM space_env WHERE repo_id = ? AND kind = ? AND key = ?", (row.id, kind, key))
    _config_changed(ctx, row)
    return json_response({} if kind == "secret" else _env_map(ctx.hub, row, kind))


# -- volumes ---------------------------------------------------------------------------------------------
@router.route("PUT", "/api/spaces/{R}/volumes")
def set_volumes(ctx: Ctx) -> Response:
    row = _owned(ctx)
    _not_static(ctx, row, "mount volumes in")
    volumes = _volumes(ctx.json().get("volumes"))
    _update(ctx.hub, row, volumes=json.dumps(volumes))
    return json_response({"volumes": volumes})


@router.route("DELETE", "/api/spaces/{R}/volumes")
def delete_volumes(ctx: Ctx) -> Response:
    row = _owned(ctx)
    if not json.loads(_state(ctx.hub, row)["volumes"]):
        raise bad_request(f"{row.repo_id} has no volumes")
    _update(ctx.hub, row, volumes="[]")
    return json_response({})


# -- logs, hardware, templates ---------------------------------------------------------------------------
@router.route("GET", "/api/spaces/{R}/logs/{rev}")
def logs(ctx: Ctx) -> Response:
    row = _space(ctx)
    kind = ctx.params["rev"]
    if kind not in ("build", "run"):
        raise HubError(404, f"Unknown log type {kind!r}: use build or run")
    runtime = runtime_json(ctx.hub, row, settle=False)
    lines = [
        "hubflow local Hub: Spaces are not executed; nothing is built or run.\n",
        f"{row.repo_id}: stage {runtime['stage']}, hardware {runtime['hardware']['requested']}.\n",
    ]
    stamp = iso(time.time() - 1)  # in the past: the client stops at events later than Date + 1 s
    body = "".join(f": keep-alive\n\ndata: {json.dumps({'data': line, 'timestamp': stamp})}\n\n" for line in lines)
    headers = {"Cache-Control": "no-cache"}  # uvicorn adds Date (a second one would make it unparsable)
    return Response(body, media_type="text/event-stream", headers=headers)


@router.route("GET", "/api/spaces/hardware")
def hardware(ctx: Ctx) -> Response:
    return json_response([
        {
            "name": name, "prettyName": pretty, "cpu": cpu, "ram": ram, "ephemeralStorage": "50 GB",
            "accelerator": None if acc is None else
            {"type": "gpu", "model": acc[0], "quantity": acc[1], "vram": acc[2], "manufacturer": acc[3]},
            "unitCostMicroUSD": 0, "unitCostUSD": 0.0, "unitLabel": "minute",
        }
        for name, pretty, cpu, ram, acc in _HARDWARE
    ])


@router.route("GET", "/api/spaces/templates")
def templates(ctx: Ctx) -> Response:
    return json_response({"templates": TEMPLATES})


__all__ = ["init_space", "parse_space_options", "router", "runtime_json", "space_info_fields"]
