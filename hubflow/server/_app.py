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

from starlette.applications import Starlette
from starlette.routing import Route

from hubflow.server._hub import Hub, Limits
from hubflow.server._router import Router

_ROUTE_MODULES = (
    "hubflow.server._routes_repos",
    "hubflow.server._routes_files",
    "hubflow.server._routes_upload",
    "hubflow.server._routes_resolve",
    "hubflow.server._routes_prs",
)
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def build_router() -> Router:
    """One router holding every module's routes, in module order."""
    router = Router()
    for name in _ROUTE_MODULES:
        module = importlib.import_module(name)
        router.routes.extend(module.router.routes)
    return router


def create_app(data_dir: str | os.PathLike[str], **limits: Any) -> Starlette:
    """Create the local Hub ASGI app serving ``data_dir`` (created if missing).

    Keyword arguments override :class:`Limits` fields (e.g. ``multipart_threshold=1024``).
    The :class:`Hub` state is available as ``app.state.hub``.

    ```python
    app = create_app("/tmp/hub")
    app.state.hub.db.add_user("alice", token="hf_alice_write")
    ```
    """
    hub = Hub(Path(data_dir), Limits(**limits))
    router = build_router()
    mounts: list[Any] = []
    try:  # git smart-HTTP (clone/push), written separately; optional until it lands
        from hubflow.server import _git_http  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        _git_http = None  # type: ignore[assignment]
    if _git_http is not None and hasattr(_git_http, "routes"):
        mounts.extend(_git_http.routes(hub))
    app = Starlette(routes=[*mounts, Route("/{rest:path}", router.__call__, methods=_ALL_METHODS)])
    app.state.hub = hub
    return app
