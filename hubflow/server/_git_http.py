"""Read-only git smart HTTP, so `git clone http://HOST:PORT/NS/REPO` works against the local Hub.

Only `git-upload-pack` is served (protocol v0/v1, stateless RPC; git 2.x falls back to it
from v2 on its own). Pushing is refused with 403 and the dumb protocol with 404: commits go
through the Hub API, which keeps `.gitattributes`, LFS and the commit lock consistent.

The app supplies `locate(request, repo_type, repo_id)`: it checks auth and visibility and
returns the bare repository's path, or raises the app's own HTTP error, which propagates.

```python
async def locate(request: Request, repo_type: str, repo_id: str) -> Path:
    return data_dir / "repos" / f"{repo_type}s" / f"{repo_id}.git"

app = Starlette(routes=git_http_routes(locate))
# git clone http://127.0.0.1:8000/alice/demo   (also /datasets/..., /spaces/..., and ".git")
```

dulwich's `UploadPackHandler` runs in a worker thread; its output travels to the response
through a small bounded queue, so a large pack is streamed rather than held in memory.
"""

from __future__ import annotations

import logging
import queue
import threading
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from io import BytesIO
from pathlib import Path
from typing import Final

import anyio.to_thread
from dulwich.errors import GitProtocolError, HangupException, NotGitRepository
from dulwich.objects import ObjectID
from dulwich.protocol import Protocol, pkt_line
from dulwich.refs import Ref
from dulwich.repo import Repo
from dulwich.server import BackendRepo, DictBackend, UploadPackHandler
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

__all__ = ["MAX_REQUEST_BYTES", "Locate", "git_http_routes"]

logger = logging.getLogger(__name__)

#: `locate(request, repo_type, repo_id) -> bare repository path`; raises the app's errors.
Locate = Callable[[Request, str, str], Awaitable[Path]]

#: Largest upload-pack request accepted, after gunzip (wants and haves are 50 bytes each).
MAX_REQUEST_BYTES: Final = 32 * 1024 * 1024

# Refs a clone or `git fetch origin refs/pr/1` may ask for; other refs stay private.
_ADVERTISED: Final = (b"refs/heads/", b"refs/tags/", b"refs/pr/")
_CHUNK: Final = 64 * 1024
_NO_CACHE: Final = {
    "Cache-Control": "no-cache, max-age=0, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "Fri, 01 Jan 1980 00:00:00 GMT",
}
_PREFIXES: Final = (("/datasets", "dataset"), ("/spaces", "space"), ("", "model"))


class _ServedRepo(Repo):
    """A repository as clients see it: HEAD, branches, tags and PR refs only."""

    def get_refs(self) -> dict[Ref, ObjectID]:
        return {
            ref: sha
            for ref, sha in super().get_refs().items()
            if ref == b"HEAD" or ref.startswith(_ADVERTISED)
        }


class _ClientGone(Exception):
    """Raised in the worker thread once the response is no longer being read."""


class _Pipe:
    """Carries the handler's output from its worker thread to the response, with backpressure."""

    _DONE: Final = object()

    def __init__(self) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=8)
        self._buffer = bytearray()
        self._closed = threading.Event()

    # -- worker side
    def write(self, data: bytes) -> None:
        if self._closed.is_set():
            raise _ClientGone
        self._buffer += data
        if len(self._buffer) >= _CHUNK:
            self._flush()

    def _put(self, item: object) -> None:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _ClientGone

    def _flush(self) -> None:
        if self._buffer:
            data, self._buffer = bytes(self._buffer), bytearray()
            self._put(data)

    def finish(self, error: BaseException | None) -> None:
        """Send what is buffered, then the end marker (or the error that ended the work)."""
        try:
            if error is None:
                self._flush()
            self._put(error if error is not None else self._DONE)
        except _ClientGone:
            pass

    # -- response side
    async def get(self) -> bytes | BaseException | None:
        """The next chunk; None at the end; the worker's exception if it failed."""
        item = await anyio.to_thread.run_sync(self._queue.get, abandon_on_cancel=True)
        if item is self._DONE:
            return None
        assert isinstance(item, bytes | BaseException)
        return item

    def close(self) -> None:
        """Stop the worker at its next write (the client went away, or we are done)."""
        self._closed.set()


def _run_upload_pack(repo_path: Path, body: bytes, pipe: _Pipe, *, advertise: bool) -> None:
    """Worker thread: answer one upload-pack request (or the ref advertisement) into `pipe`."""
    error: BaseException | None = None
    try:
        repo = _ServedRepo(str(repo_path))
        try:
            proto = Protocol(BytesIO(body).read, pipe.write)
            if advertise:
                pipe.write(pkt_line(b"# service=git-upload-pack\n") + pkt_line(None))
            repos: dict[str, BackendRepo] = {"/": repo}
            backend = DictBackend(repos)
            handler = UploadPackHandler(backend, ["/"], proto, stateless_rpc=True, advertise_refs=advertise)
            handler.handle()
        finally:
            repo.close()
    except _ClientGone:
        return
    except Exception as exc:  # reported to the response side, which decides the status
        error = exc
    pipe.finish(error)


def _error_status(error: BaseException) -> tuple[int, str]:
    if isinstance(error, NotGitRepository):
        return 404, "Repository not found"
    if isinstance(error, HangupException | GitProtocolError):
        return 400, f"git protocol error: {error}"
    return 500, "internal error while serving git-upload-pack"


async def _serve(repo_path: Path, body: bytes, *, advertise: bool) -> Response:
    """Run upload-pack in a thread; answer with an error, or stream its output."""
    pipe = _Pipe()
    threading.Thread(
        target=_run_upload_pack,
        args=(repo_path, body, pipe),
        kwargs={"advertise": advertise},
        name="git-upload-pack",
        daemon=True,
    ).start()
    first = await pipe.get()
    if isinstance(first, BaseException):
        pipe.close()
        status, message = _error_status(first)
        if status == 500:
            logger.error("git-upload-pack failed for %s", repo_path, exc_info=first)
        return PlainTextResponse(message + "\n", status_code=status)
    service = "advertisement" if advertise else "result"
    media_type = f"application/x-git-upload-pack-{service}"

    async def chunks() -> AsyncIterator[bytes]:
        try:
            item: bytes | BaseException | None = first
            while isinstance(item, bytes):
                yield item
                item = await pipe.get()
            if isinstance(item, BaseException):
                # The status is already sent: cut the stream short so git reports an error.
                logger.error("git-upload-pack failed mid-stream for %s", repo_path, exc_info=item)
                raise RuntimeError("git-upload-pack failed mid-stream") from item
        finally:
            pipe.close()

    return StreamingResponse(chunks(), media_type=media_type, headers=_NO_CACHE)


async def _read_body(request: Request) -> bytes:
    """The request body, gunzipped if git compressed it, at most MAX_REQUEST_BYTES."""
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip"):
        raise _BadRequest(415, f"unsupported Content-Encoding: {encoding}")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding in ("gzip", "x-gzip") else None
    out = bytearray()
    async for chunk in request.stream():
        if inflater is not None:
            try:
                chunk = inflater.decompress(chunk, MAX_REQUEST_BYTES + 1 - len(out))
            except zlib.error as exc:
                raise _BadRequest(400, f"bad gzip body: {exc}") from exc
        out += chunk
        if len(out) > MAX_REQUEST_BYTES:
            raise _BadRequest(413, "request too large")
    if inflater is not None and not inflater.eof:
        raise _BadRequest(400, "truncated gzip body")
    return bytes(out)


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _repo_id(request: Request) -> str:
    name: str = request.path_params["name"]
    return f"{request.path_params['namespace']}/{name.removesuffix('.git')}"


def _endpoints(locate: Locate, repo_type: str) -> dict[str, Callable[[Request], Awaitable[Response]]]:
    async def info_refs(request: Request) -> Response:
        repo_path = await locate(request, repo_type, _repo_id(request))
        service = request.query_params.get("service")
        if service == "git-receive-pack":
            return PlainTextResponse("Pushing is not supported: use the Hub API.\n", status_code=403)
        if service != "git-upload-pack":
            return PlainTextResponse("The dumb git HTTP protocol is not supported.\n", status_code=404)
        return await _serve(repo_path, b"", advertise=True)

    async def upload_pack(request: Request) -> Response:
        repo_path = await locate(request, repo_type, _repo_id(request))
        if request.headers.get("content-type") != "application/x-git-upload-pack-request":
            return PlainTextResponse("expected application/x-git-upload-pack-request\n", status_code=415)
        try:
            body = await _read_body(request)
        except _BadRequest as exc:
            return PlainTextResponse(exc.message + "\n", status_code=exc.status)
        return await _serve(repo_path, body, advertise=False)

    async def receive_pack(request: Request) -> Response:
        await locate(request, repo_type, _repo_id(request))
        return PlainTextResponse("Pushing is not supported: use the Hub API.\n", status_code=403)

    return {"info/refs": info_refs, "git-upload-pack": upload_pack, "git-receive-pack": receive_pack}


def git_http_routes(locate: Locate) -> list[Route]:
    """Starlette routes serving `git clone` / `git fetch` for every repo type, read-only.

    Models are at `/{ns}/{name}[.git]`, datasets at `/datasets/...`, spaces at
    `/spaces/...`. Put these routes before any catch-all route of the app.

    ```python
    app = Starlette(routes=[*git_http_routes(locate), *other_routes])
    ```
    """
    routes: list[Route] = []
    for prefix, repo_type in _PREFIXES:
        endpoints = _endpoints(locate, repo_type)
        for suffix, endpoint in endpoints.items():
            methods = ["GET"] if suffix == "info/refs" else ["POST"]
            routes.append(Route(f"{prefix}/{{namespace}}/{{name}}/{suffix}", endpoint, methods=methods))
    return routes
