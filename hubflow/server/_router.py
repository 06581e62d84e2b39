"""A small router over the *raw* request path, because Hub URLs carry percent-encoded slashes.

``refs%2Fpr%2F1`` in a revision and ``sub%2Fdir`` in a tree path must stay one segment, which a
router matching the decoded path cannot do. Patterns use placeholders: ``{T}`` (models|datasets|spaces),
``{R}`` (namespace/name), ``{P}`` (optional ``datasets/``/``spaces/`` prefix), ``{rev}`` (one segment),
``{path}`` (the rest). Captured values are percent-decoded once.

Handlers are plain functions ``(ctx) -> Response``: sync ones run in a worker thread with the body
already read (bounded); ``async`` ones get the request to stream from.

```python
router = Router()

@router.route("GET", "/api/{T}/{R}/refs")
def refs(ctx: Ctx) -> Response: ...
```
"""

from __future__ import annotations

import base64
import inspect
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hubflow.server._db import User
from hubflow.server._errors import HubError, bad_request
from hubflow.server._hub import Hub
from hubflow.server._paths import REPO_TYPES

_PLACEHOLDERS = {
    "{T}": r"(?P<T>models|datasets|spaces)",
    "{P}": r"(?:(?P<P>datasets|spaces)/)?",
    "{R}": r"(?P<ns>[^/]+)/(?P<name>[^/]+?)",
    "{rev}": r"(?P<rev>[^/]+)",
    "{path}": r"(?P<path>.+)",
    "{num}": r"(?P<num>[0-9]{1,9})",  # discussion numbers: a 5,000-digit one is a 404, not an int() crash
}


@dataclass
class Ctx:
    """One request as handlers see it."""

    hub: Hub
    request: Request
    params: dict[str, str]
    user: User | None
    body: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def repo_type(self) -> str:
        """Singular repo type from ``{T}`` or ``{P}``."""
        if self.params.get("T"):
            return REPO_TYPES[self.params["T"]]
        prefix = self.params.get("P")
        return REPO_TYPES[f"{prefix}"] if prefix else "model"

    @property
    def base_url(self) -> str:
        return str(self.request.base_url).rstrip("/")

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def flag(self, name: str) -> bool:
        return (self.request.query_params.get(name) or "").lower() in ("1", "true", "yes")

    def json(self) -> Any:
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            raise bad_request("Request body is not valid JSON") from None


Handler = Callable[[Ctx], Response | Awaitable[Response]]


@dataclass
class _Route:
    methods: set[str]
    regex: re.Pattern[str]
    handler: Handler
    anonymous_ok: bool  # signed URLs: no Authorization header is expected
    large_body: bool = False  # commit NDJSON: up to max_body_size (else max_json_size)


class Router:
    """Raw-path routes; the first match wins."""

    def __init__(self) -> None:
        self.routes: list[_Route] = []

    def route(
        self, methods: str, pattern: str, *, signed: bool = False, large_body: bool = False
    ) -> Callable[[Handler], Handler]:
        regex = re.escape(pattern)
        for key, value in _PLACEHOLDERS.items():
            regex = regex.replace(re.escape(key), value)
        compiled = re.compile(f"^{regex}$")

        def decorate(fn: Handler) -> Handler:
            wanted = set(methods.split())
            if "GET" in wanted:
                wanted.add("HEAD")
            self.routes.append(_Route(wanted, compiled, fn, signed, large_body))
            return fn

        return decorate

    def match(self, method: str, raw_path: str) -> tuple[_Route, dict[str, str]] | str | None:
        """The route and decoded params; ``"method"`` when only the method is wrong; None if nothing matched."""
        wrong_method = False
        for r in self.routes:
            m = r.regex.match(raw_path)
            if m:
                if method not in r.methods:
                    wrong_method = True
                    continue
                return r, {k: unquote(v) for k, v in m.groupdict().items() if v is not None}
        return "method" if wrong_method else None

    async def __call__(self, request: Request) -> Response:
        hub: Hub = request.app.state.hub
        try:
            raw = request.scope.get("raw_path") or request.url.path.encode()
            raw_path = raw.decode("latin-1").split("?", 1)[0]
            found = self.match(request.method, raw_path)
            if found is None:
                raise HubError(404, f"Not found: {request.url.path}")
            if found == "method":
                raise HubError(405, f"Method {request.method} not allowed")
            assert not isinstance(found, str)
            route, params = found
            user = None if route.anonymous_ok else self.authenticate(hub, request)
            ctx = Ctx(hub=hub, request=request, params=params, user=user)
            if inspect.iscoroutinefunction(route.handler):
                result = route.handler(ctx)
                assert inspect.isawaitable(result)
                awaited: Response = await result
                return awaited
            # Bodies are buffered before the handler checks rights: only a token holder may send a
            # large one (commits), everyone else is held to the small JSON cap.
            limit = min(hub.limits.max_json_size, hub.limits.max_body_size)
            if route.large_body and user is not None:
                limit = hub.limits.max_body_size
            ctx.body = await self._read_body(request, limit)
            response: Response = await anyio.to_thread.run_sync(route.handler, ctx)  # type: ignore[arg-type]
            return response
        except HubError as e:
            return e.response()

    @staticmethod
    def authenticate(hub: Hub, request: Request) -> User | None:
        """The token's user (``Bearer``, or git's ``Basic`` with the token as password); 401 if unknown."""
        header = request.headers.get("authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() == "basic":
            try:
                token = base64.b64decode(token).decode().partition(":")[2]
            except ValueError:
                token = ""
        elif scheme.lower() != "bearer":
            token = ""
        if not token:
            raise HubError(401, "Invalid credentials in Authorization header")
        user = hub.db.user_for_token(token)
        if user is None:
            raise HubError(401, "Invalid credentials in Authorization header")
        return user

    @staticmethod
    async def body_chunks(request: Request, limit: int) -> AsyncIterator[bytes]:
        """The body as it arrives, held to ``limit`` bytes (413), for async handlers that parse while receiving.

        The same rules as the buffered bodies of sync handlers: a declared Content-Length above the
        limit is refused before anything is read, and so is the first chunk that crosses it.
        """
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise HubError(413, f"Request body too large (limit {limit} bytes)")
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise HubError(413, f"Request body too large (limit {limit} bytes)")
            if chunk:
                yield chunk

    @staticmethod
    async def _read_body(request: Request, limit: int) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise HubError(413, f"Request body too large (limit {limit} bytes)")
        chunks: list[bytes] = []
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise HubError(413, f"Request body too large (limit {limit} bytes)")
            chunks.append(chunk)
        return b"".join(chunks)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)
