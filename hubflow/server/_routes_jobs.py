"""Jobs and scheduled jobs (api.md §7): ``/api/jobs/...`` and ``/api/scheduled-jobs/...``.

Off unless the server was started with ``hubflow serve --enable-jobs`` (``create_app(...,
enable_jobs=True)``): every route then answers 403 with a message naming the flag. Jobs run as
local subprocesses (see ``_jobs_runner``). A namespace's jobs are visible to that user (or the
org's members) only; others get 403 on lists and 404 on ids. Starting, canceling and editing
need a write token.

```console
$ hubflow serve --enable-jobs
```
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode

import anyio
import anyio.to_thread
from starlette.responses import Response, StreamingResponse

from hubflow.server._db import User
from hubflow.server._errors import HubError, bad_request
from hubflow.server._jobs_runner import JobRunner, ProcSampler, next_run
from hubflow.server._jobs_store import JobRow, ScheduledRow, job_json, scheduled_json
from hubflow.server._router import Ctx, Handler, Router, _Route, json_response

router = Router()

DISABLED_MESSAGE = (
    "Jobs are disabled on this local Hub: they run commands on the host. "
    "Start it with `hubflow serve --enable-jobs` (or create_app(..., enable_jobs=True)) to enable them."
)
PAGE_SIZE = 50
METRICS_INTERVAL = 1.0
KEEP_ALIVE = 30.0
_LABEL = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_NS = r"(?P<ns>[^/]+)"
_ID = r"(?P<id>[0-9a-fA-F]{1,64}|[^/]+)"


def _route(methods: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` for a regex over the raw path (``{ns}``, ``{id}``: one segment each)."""
    regex = re.compile("^" + pattern.replace("{ns}", _NS).replace("{id}", _ID) + "$")

    def decorate(fn: Handler) -> Handler:
        wanted = set(methods.split()) | ({"HEAD"} if "GET" in methods else set())
        router.routes.append(_Route(wanted, regex, fn, False))
        return fn

    return decorate


def runner_of(ctx: Ctx) -> JobRunner:
    runner: JobRunner | None = getattr(ctx.request.app.state, "jobs", None)
    if runner is None:
        raise HubError(403, DISABLED_MESSAGE)
    return runner


def _reader(ctx: Ctx) -> tuple[JobRunner, str]:
    runner = runner_of(ctx)
    ns = ctx.params["ns"]
    if ctx.user is None:
        raise HubError(401, "You must be authenticated to access jobs")
    if not ctx.hub.owns(ctx.user, ns):
        raise HubError(403, f"You don't have access to the jobs of {ns}")
    return runner, ns


def _writer(ctx: Ctx) -> tuple[JobRunner, str, User]:
    runner = runner_of(ctx)
    ns = ctx.params["ns"]
    return runner, ns, ctx.hub.require_write(ctx.user, ns)


def _job(ctx: Ctx, runner: JobRunner, ns: str) -> JobRow:
    row = runner.store.get_job(ctx.params["id"])
    if row is None or row.namespace != ns:
        raise HubError(404, f"Job {ctx.params['id']} not found")
    return row


def _scheduled(ctx: Ctx, runner: JobRunner, ns: str) -> ScheduledRow:
    row = runner.store.get_scheduled(ctx.params["id"])
    if row is None or row.namespace != ns:
        raise HubError(404, f"Scheduled job {ctx.params['id']} not found")
    return row


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise bad_request("labels must be an object of strings")
    for key, val in value.items():
        if not _LABEL.match(key) or (val and not _LABEL.match(val)):
            raise bad_request(f"Invalid label {key}={val}: use at most 100 letters, digits, '-' or '_'")
    return dict(value)


def validate_spec(spec: Any) -> dict[str, Any]:
    """Check a ``run_job`` body (api.md §7.3); 400 with the reason otherwise."""
    if not isinstance(spec, dict):
        raise bad_request("The job spec must be a JSON object")
    command = spec.get("command")
    if not isinstance(command, list) or not command or not all(isinstance(c, str) for c in command):
        raise bad_request("command must be a non-empty list of strings")
    if not isinstance(spec.get("arguments", []), list):
        raise bad_request("arguments must be a list")
    if not (spec.get("dockerImage") or spec.get("spaceId")):
        raise bad_request("One of dockerImage or spaceId is required")
    for key in ("environment", "secrets"):
        if not isinstance(spec.get(key) or {}, dict):
            raise bad_request(f"{key} must be an object")
    timeout = spec.get("timeoutSeconds")
    if timeout is not None and (not isinstance(timeout, int) or timeout <= 0):
        raise bad_request("timeoutSeconds must be a positive integer")
    clean = dict(spec)
    clean.setdefault("arguments", [])
    clean.setdefault("environment", {})
    clean.setdefault("flavor", "cpu-basic")
    clean["labels"] = _labels(spec.get("labels") or {})
    return clean


def _user_initiator(db: Any, user: User) -> dict[str, Any]:
    from hubflow.server._jobs_store import owner_json

    return {"type": "user", "id": owner_json(db, user.name)["id"], "name": user.name}


# -- hardware (before `/api/jobs/{ns}`, which would match `hardware`) -------------------------------------------
@_route("GET", "/api/jobs/hardware")
def jobs_hardware(ctx: Ctx) -> Response:
    runner_of(ctx)
    return json_response(local_hardware())


def local_hardware() -> list[dict[str, Any]]:
    """The one flavor this machine offers (its CPU count and memory), under the Hub's ``cpu-basic`` name."""
    import os

    from hubflow.server._jobs_runner import _mem_total

    cores = os.cpu_count() or 1
    ram = _mem_total() / 1024**3
    return [{
        "name": "cpu-basic", "prettyName": f"Local CPU ({cores} cores)", "cpu": f"{cores} vCPU",
        "ram": f"{ram:.0f} GB", "ephemeralStorage": "local disk", "accelerator": None,
        "unitCostMicroUSD": 0, "unitCostUSD": 0.0, "unitLabel": "minute",
    }]


# -- jobs -------------------------------------------------------------------------------------------------------
@_route("POST", "/api/jobs/{ns}")
def run_job(ctx: Ctx) -> Response:
    runner, ns, user = _writer(ctx)
    spec = validate_spec(ctx.json())
    row = runner.store.insert_job(ns, spec, initiator=_user_initiator(ctx.hub.db, user))
    runner.start(row)
    return json_response(job_json(ctx.hub.db, row))


@_route("GET", "/api/jobs/{ns}")
def list_jobs(ctx: Ctx) -> Response:
    runner, ns = _reader(ctx)
    query = ctx.request.query_params
    stages = [s.upper() for s in query.getlist("stage")]
    labels = []
    for item in query.getlist("label"):
        key, sep, value = item.partition("=")
        if not sep:
            raise bad_request(f"label filters are key=value, got {item!r}")
        labels.append((key, value))
    limit_text, cursor_text = query.get("limit") or str(PAGE_SIZE), query.get("cursor") or "0"
    if not (limit_text.isdigit() and cursor_text.isdigit()):  # a bad query is a 400, not a crash
        raise bad_request("limit and cursor must be non-negative integers")
    limit, cursor = max(1, min(int(limit_text), 1000)), int(cursor_text)
    rows = runner.store.list_jobs(ns, after_seq=cursor, limit=limit + 1, stages=stages, labels=labels)
    headers = {}
    if len(rows) > limit:
        rows = rows[:limit]
        params = [("stage", s) for s in stages] + [("label", f"{k}={v}") for k, v in labels]
        params += [("limit", str(limit)), ("cursor", str(rows[-1][0]))]
        headers["Link"] = f'<{ctx.base_url}/api/jobs/{ns}?{urlencode(params)}>; rel="next"'
    return json_response([job_json(ctx.hub.db, row) for _, row in rows], headers=headers)


@_route("GET", "/api/jobs/{ns}/{id}")
def inspect_job(ctx: Ctx) -> Response:
    runner, ns = _reader(ctx)
    return json_response(job_json(ctx.hub.db, _job(ctx, runner, ns)))


@_route("POST", "/api/jobs/{ns}/{id}/cancel")
def cancel_job(ctx: Ctx) -> Response:
    runner, ns, _ = _writer(ctx)
    row = _job(ctx, runner, ns)
    runner.cancel(row.id)
    return json_response({})


@_route("POST", "/api/jobs/{ns}/{id}/duplicate")
def rerun_job(ctx: Ctx) -> Response:
    runner, ns, user = _writer(ctx)
    old = _job(ctx, runner, ns)
    row = runner.store.insert_job(ns, old.spec, initiator=_user_initiator(ctx.hub.db, user))
    runner.start(row)
    return json_response(job_json(ctx.hub.db, row))


@_route("PUT", "/api/jobs/{ns}/{id}/labels")
def job_labels(ctx: Ctx) -> Response:
    runner, ns, _ = _writer(ctx)
    row = _job(ctx, runner, ns)
    labels = _labels(ctx.json().get("labels"))
    runner.store.update_job(row.id, spec={**row.spec, "labels": labels})
    return json_response(job_json(ctx.hub.db, _job(ctx, runner, ns)))


@_route("PUT", "/api/jobs/{ns}/{id}/expose")
def job_expose(ctx: Ctx) -> Response:
    runner, ns, _ = _writer(ctx)
    row = _job(ctx, runner, ns)
    body = ctx.json()
    ports, public = body.get("ports") or [], body.get("portsPublic") or []
    if not all(isinstance(p, int) and 0 < p < 65536 for p in [*ports, *public]):
        raise bad_request("ports must be integers between 1 and 65535")
    merged = list(dict.fromkeys([*ports, *public]))
    spec = {**row.spec, "expose": {"ports": merged, "portsPublic": list(dict.fromkeys(public))}}
    if not merged:
        spec.pop("expose")
    runner.store.update_job(row.id, spec=spec)
    return json_response(job_json(ctx.hub.db, _job(ctx, runner, ns)))


def _sse_headers() -> dict[str, str]:
    return {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@_route("GET", "/api/jobs/{ns}/{id}/logs")
async def job_logs(ctx: Ctx) -> Response:
    runner, ns = _reader(ctx)
    row = await anyio.to_thread.run_sync(_job, ctx, runner, ns)
    tail_text = ctx.query("tail")
    tail = int(tail_text) if tail_text and tail_text.isdigit() else None
    path = runner.log_path(row.id)

    async def events() -> AsyncIterator[bytes]:
        offset, pending, first, last_sent = 0, b"", True, time.monotonic()
        while True:
            current = await anyio.to_thread.run_sync(runner.store.get_job, row.id)
            finished = current is None or current.terminal
            chunk = b""
            if path.exists():
                with open(path, "rb") as f:
                    f.seek(offset)
                    chunk = f.read()
                offset += len(chunk)
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            if first and tail is not None:
                lines = lines[-tail:] if tail else []
            first = False
            if lines:
                last_sent = time.monotonic()
                yield b"".join(b"data: " + line + b"\n\n" for line in lines if line)
            if finished:  # everything written before the stage changed has been read
                return
            if time.monotonic() - last_sent > KEEP_ALIVE:
                last_sent = time.monotonic()
                yield b": keep-alive\n\n"
            await anyio.sleep(0.1)

    return StreamingResponse(events(), media_type="text/event-stream", headers=_sse_headers())


@_route("GET", "/api/jobs/{ns}/{id}/metrics")
async def job_metrics(ctx: Ctx) -> Response:
    runner, ns = _reader(ctx)
    row = await anyio.to_thread.run_sync(_job, ctx, runner, ns)
    pid = runner.pid(row.id)
    if row.terminal or pid is None:
        if row.terminal:
            raise HubError(406, f"Job {row.id} has already finished: no metrics")
        pid = await _wait_for_pid(runner, row.id)
    sampler = ProcSampler(pid, replica=row.id[:5])

    async def events() -> AsyncIterator[bytes]:
        await anyio.to_thread.run_sync(sampler.sample)  # baseline for the first CPU delta
        while runner.pid(row.id) is not None:
            await anyio.sleep(min(0.25, METRICS_INTERVAL))
            sample = await anyio.to_thread.run_sync(sampler.sample)
            yield b"event: metric\ndata: " + json.dumps(sample, separators=(",", ":")).encode() + b"\n\n"
            await anyio.sleep(max(0.0, METRICS_INTERVAL - 0.25))

    return StreamingResponse(events(), media_type="text/event-stream", headers=_sse_headers())


async def _wait_for_pid(runner: JobRunner, job_id: str) -> int:
    """A job still ``SCHEDULING`` gets its process within moments; wait for it (or for its end)."""
    for _ in range(50):
        pid = runner.pid(job_id)
        if pid is not None:
            return pid
        row = await anyio.to_thread.run_sync(runner.store.get_job, job_id)
        if row is None or row.terminal:
            break
        await anyio.sleep(0.05)
    raise HubError(406, f"Job {job_id} is not running: no metrics")


# -- scheduled jobs ---------------------------------------------------------------------------------------------
def _schedule(value: Any) -> str:
    if not isinstance(value, str):
        raise bad_request("schedule must be a string")
    try:
        next_run(value, time.time())
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    return value


@_route("POST", "/api/scheduled-jobs/{ns}")
def create_scheduled(ctx: Ctx) -> Response:
    runner, ns, _ = _writer(ctx)
    body = ctx.json()
    spec = validate_spec(body.get("jobSpec"))
    schedule = _schedule(body.get("schedule"))
    row = runner.store.insert_scheduled(
        ns, spec, schedule=schedule, suspend=bool(body.get("suspend", False)),
        concurrency=bool(body.get("concurrency", False)), next_run_at=next_run(schedule, time.time()),
    )
    return json_response(scheduled_json(ctx.hub.db, row))


@_route("GET", "/api/scheduled-jobs/{ns}")
def list_scheduled(ctx: Ctx) -> Response:
    runner, ns = _reader(ctx)
    rows = runner.store.list_scheduled(ns)
    label = ctx.query("label")
    if label:
        key, _, value = label.partition("=")
        rows = [r for r in rows if (r.spec.get("labels") or {}).get(key) == value]
    return json_response([scheduled_json(ctx.hub.db, r) for r in rows])


@_route("GET", "/api/scheduled-jobs/{ns}/{id}")
def inspect_scheduled(ctx: Ctx) -> Response:
    runner, ns = _reader(ctx)
    return json_response(scheduled_json(ctx.hub.db, _scheduled(ctx, runner, ns)))


@_route("DELETE", "/api/scheduled-jobs/{ns}/{id}")
def delete_scheduled(ctx: Ctx) -> Response:
    runner, ns, _ = _writer(ctx)
    runner.store.delete_scheduled(_scheduled(ctx, runner, ns).id)
    return json_response({})


@_route("POST", "/api/scheduled-jobs/{ns}/{id}/suspend")
def suspend_scheduled(ctx: Ctx) -> Response:
    runner, ns, _ = _writer(ctx)
    runner.store.update_scheduled(_scheduled(ctx, runner, ns).id, suspend=1)
    return json_response({})


@_route("POST", "/api/scheduled-jobs/{ns}/{id}/resume")
def resume_scheduled(ctx: Ctx) -> Response:
    runner, ns, _ = _writer(ctx)
    row = _scheduled(ctx, runner, ns)
    runner.store.update_scheduled(row.id, suspend=0, next_run_at=next_run(row.schedule, time.time()))
    return json_response({})


@_route("POST", "/api/scheduled-jobs/{ns}/{id}/schedule")
def schedule_scheduled(ctx: Ctx) -> Response:
    runner, ns, _ = _writer(ctx)
    row = _scheduled(ctx, runner, ns)
    schedule = _schedule(ctx.json().get("schedule"))
    runner.store.update_scheduled(row.id, schedule=schedule, next_run_at=next_run(schedule, time.time()))
    return json_response(scheduled_json(ctx.hub.db, _scheduled(ctx, runner, ns)))


@_route("POST", "/api/scheduled-jobs/{ns}/{id}/run")
def trigger_scheduled(ctx: Ctx) -> Response:
    runner, ns, user = _writer(ctx)
    row = _scheduled(ctx, runner, ns)
    job = runner.trigger(row, _user_initiator(ctx.hub.db, user))
    if job is None:
        raise HubError(409, "A run of this scheduled job is still going and concurrency is disabled")
    return json_response(job_json(ctx.hub.db, job))


@_route("PUT", "/api/scheduled-jobs/{ns}/{id}/labels")
def scheduled_labels(ctx: Ctx) -> Response:
    runner, ns, _ = _writer(ctx)
    row = _scheduled(ctx, runner, ns)
    labels = _labels(ctx.json().get("labels"))
    runner.store.update_scheduled(row.id, spec={**row.spec, "labels": labels})
    return json_response(scheduled_json(ctx.hub.db, _scheduled(ctx, runner, ns)))
