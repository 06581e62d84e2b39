"""Assemble the ASGI application from the route modules.

```python
app = create_app("/tmp/hub", multipart_threshold=1024, multipart_chunk_size=512)
```
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hubflow.server._errors import HubError
from hubflow.server._git_http import git_http_routes
from hubflow.server._hub import Hub, Limits
from hubflow.server._router import Router

_ROUTE_MODULES = (
    "hubflow.server._routes_misc",  # first: /api/spaces/zero-gpu/quota is not a Space
    "hubflow.server._routes_repos",
    "hubflow.server._routes_files",
    "hubflow.server._routes_upload",
    "hubflow.server._routes_lfs",
    "hubflow.server._routes_resolve",
    "hubflow.server._routes_discussions",  # before _routes_prs: its list/details/comment/status/merge win
    "hubflow.server._routes_prs",
    "hubflow.server._routes_access",
    "hubflow.server._routes_users",
    "hubflow.server._routes_collections",
    "hubflow.server._routes_jobs",
    "hubflow.server._routes_endpoints",
    "hubflow.server._routes_spaces",
    "hubflow.server._routes_duplicate",
    "hubflow.server._routes_webhooks",
    "hubflow.server._routes_papers",
    "hubflow.server._routes_storage",  # /api/settings/repositories, /api/organizations/{org}/settings/repositories
    "hubflow.server._routes_attachments",  # POST /uploads, GET /uploads/{sha256}.{ext}
)
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def build_router() -> Router:
    """One router holding every module's routes, in module order."""
    router = Router()
    for name in _ROUTE_MODULES:
        module = importlib.import_module(name)
        router.routes.extend(module.router.routes)
    return router


def create_app(data_dir: str | os.PathLike[str], *, enable_jobs: bool = False, **limits: Any) -> Starlette:
    """Create the local Hub ASGI app serving ``data_dir`` (created if missing).

    Keyword arguments override :class:`Limits` fields (e.g. ``multipart_threshold=1024``).
    The :class:`Hub` state is available as ``app.state.hub``. ``enable_jobs=True`` lets Jobs run
    commands on this host (``app.state.jobs``, a ``JobRunner``); off by default.

    ```python
    app = create_app("/tmp/hub")
    app.state.hub.db.add_user("alice", token="hf_alice_write")
    ```
    """
    hub = Hub(Path(data_dir), Limits(**limits))
    router = build_router()

    async def locate(request: Request, repo_type: str, repo_id: str) -> Path:
        # git clone: same visibility and gate rules as downloads; HubError renders via the handler below
        user = Router.authenticate(hub, request)
        namespace, _, name = repo_id.partition("/")
        row = await anyio.to_thread.run_sync(hub.readable_repo, user, repo_type, namespace, name)
        hub.check_gate(user, row)
        return hub.git.path(row.type, row.namespace, row.name)

    async def on_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HubError)
        return exc.response()

    app = Starlette(
        routes=[*git_http_routes(locate), Route("/{rest:path}", router.__call__, methods=_ALL_METHODS)],
        exception_handlers={HubError: on_error},
    )
    app.state.hub = hub
    from hubflow.server._webhook_delivery import install_webhook_delivery

    install_webhook_delivery(hub)
    app.state.jobs = None
    if enable_jobs:
        from hubflow.server._jobs_runner import JobRunner

        app.state.jobs = JobRunner(hub)
    return app
