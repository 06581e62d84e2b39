"""``FaultProxy``: a loopback TCP proxy in front of a local Hub that injects programmed faults.

It runs an asyncio server in a background thread. Each client connection is read as HTTP/1.1
messages (keep-alive: many requests per connection, framed by ``Content-Length`` or chunked),
each request is matched against the ``FaultPlan`` and either forwarded byte for byte on a fresh
upstream connection or hit by its fault. Nothing is rewritten: the ``Host`` header still names
the proxy, so the absolute URLs the Hub builds from it (LFS upload hrefs, ``Link`` pagination,
commit URLs) lead back through the proxy. Every request is logged with the fault that fired.

```python
with HubProcess(tmp_path / "hub") as hub, FaultProxy(hub) as proxy:
    proxy.plan.add(status(503), path="/api/whoami-v2", times=2)
    HfApi(endpoint=proxy.url, token="hf_alice_write").whoami()   # retried twice, then 200
    assert [e.status for e in proxy.log] == [503, 503, 200]
```
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import struct
import threading
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

from hubflow._faults._plan import (
    Action,
    FaultPlan,
    LogEntry,
    ResetBeforeResponse,
    ResetMidRequestBody,
    ResetMidResponseBody,
    RestartServer,
    Stall,
    Status,
)
from hubflow._faults._wire import Head, iter_body, read_head

if TYPE_CHECKING:  # hubflow.testing re-exports this module: no import cycle at run time
    from hubflow.testing import HubProcess

__all__ = ["FaultProxy"]

_FLUSH_DELAY = 0.05
"""Seconds between writing the last bytes before a reset and the reset, so they reach the peer."""


class _Dropped(Exception):
    """The client connection is gone (or was reset on purpose): stop serving it."""


class FaultProxy:
    """A fault-injecting HTTP/1.1 proxy on loopback in front of ``upstream`` (a ``HubProcess`` or a URL).

    Give clients ``proxy.url`` as endpoint. ``restart_server`` faults need a ``HubProcess``: it is
    stopped and started again on the same data dir and port. ``log`` lists every request seen.

    ```python
    with FaultProxy(hub) as proxy:
        proxy.plan.add(reset_mid_response_body(10), path="/resolve/", nth=1)
        hf_hub_download("alice/x", "a.bin", endpoint=proxy.url)
        assert proxy.fired("reset_mid_response_body")
    ```
    """

    def __init__(self, upstream: HubProcess | str, plan: FaultPlan | None = None, *, host: str = "127.0.0.1") -> None:
        self.upstream = upstream
        self.plan = plan or FaultPlan()
        self.host = host
        self.log: list[LogEntry] = []
        self.restarts = 0
        self.url = ""
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._conn_ids = itertools.count()
        self._restart_lock: asyncio.Lock | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        """Start listening on a free loopback port (``self.url``)."""
        loop = self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="hubflow-fault-proxy", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), loop).result(10)
        return self

    def stop(self) -> None:
        """Close the listener and every connection, then stop the thread."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(10)
        loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def _listen(self) -> None:
        self._restart_lock = asyncio.Lock()
        self._server = await asyncio.start_server(self._serve_client, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://{self.host}:{self.port}"

    async def _shutdown(self) -> None:
        assert self._server is not None and self._restart_lock is not None
        self._server.close()
        async with self._restart_lock:  # a restart runs in a thread: let it finish, the Hub must be up after
            pass
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    # -- log queries -------------------------------------------------------------------------

    def entries(self, method: str | None = None, path: str | None = None) -> list[LogEntry]:
        """Logged requests, filtered by method and by a substring of the path.

        ```python
        proxy.entries("POST", "/commit/")
        ```
        """
        return [
            e for e in list(self.log)
            if (method is None or e.method == method.upper()) and (path is None or path in e.path)
        ]

    def fired(self, fault: str | None = None) -> list[LogEntry]:
        """Logged requests hit by a fault (of the given action name, e.g. ``"stall"``)."""
        return [e for e in list(self.log) if e.fault is not None and (fault is None or e.fault == fault)]

    # -- serving -----------------------------------------------------------------------------

    @property
    def _upstream_addr(self) -> tuple[str, int]:
        endpoint = self.upstream if isinstance(self.upstream, str) else self.upstream.endpoint
        parts = urlsplit(endpoint)
        return parts.hostname or "127.0.0.1", parts.port or 80

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        connection = next(self._conn_ids)
        try:
            for index in itertools.count():
                head = await read_head(reader)
                if head is None:
                    break
                action = self.plan.match(head.start[0], head.start[1])
                if not await self._handle(head, action, reader, writer, connection, index):
                    break
        except (_Dropped, ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Only stop() cancels these; ending quietly keeps asyncio from logging the cancellation.
            pass
        finally:
            writer.close()
            self._tasks.discard(task)

    async def _handle(
        self, head: Head, action: Action | None, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
        connection: int, index: int,
    ) -> bool:
        """Serve one request under its fault; returns whether to keep the connection.

        The log entry is written before the last bytes go out, so a client that has its answer
        always finds the request in the log.
        """
        body_kind = head.body_kind(request_method=None)
        if isinstance(action, ResetMidRequestBody):
            seen = 0
            async for piece in iter_body(reader, body_kind):
                seen += len(piece)
                if seen >= action.after_bytes:
                    break
            self._log_and_reset(head, action, writer, connection, index)
        if isinstance(action, Status):
            async for _ in iter_body(reader, body_kind):
                pass
            reason = _reason(action.code)
            lines = [f"HTTP/1.1 {action.code} {reason}", f"Content-Length: {len(action.body)}"]
            lines += [f"{k}: {v}" for k, v in action.headers]
            if not head.keep_alive:
                lines.append("Connection: close")
            self._record(head, action, action.code, connection, index)
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + action.body)
            await writer.drain()
            return head.keep_alive
        body: list[bytes] | None = None
        if isinstance(action, Stall):
            body = [piece async for piece in iter_body(reader, body_kind)]
            try:  # the client sends nothing more until answered: EOF here means it gave up
                gone = await asyncio.wait_for(reader.read(1), action.seconds) == b""
            except TimeoutError:
                gone = False
            if gone:
                self._record(head, action, None, connection, index)
                raise _Dropped
        if isinstance(action, RestartServer):
            await self._restart()
        if isinstance(action, ResetBeforeResponse) and not action.forward:
            async for _ in iter_body(reader, body_kind):
                pass
            self._log_and_reset(head, action, writer, connection, index)
        return await self._forward(head, action, reader, writer, body, connection, index)

    async def _forward(
        self, head: Head, action: Action | None, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
        body: list[bytes] | None, connection: int, index: int,
    ) -> bool:
        """Send the request upstream on a fresh connection and relay the answer (cut by ``action``)."""
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._upstream_addr)
        except OSError:
            self._log_and_reset(head, action, writer, connection, index, fault="upstream_unreachable")
        try:
            up_writer.write(head.raw)
            pieces = body if body is not None else iter_body(reader, head.body_kind(request_method=None))
            if isinstance(pieces, list):
                for piece in pieces:
                    up_writer.write(piece)
            else:
                async for piece in pieces:
                    up_writer.write(piece)
                    await up_writer.drain()
            await up_writer.drain()
            response = await read_head(up_reader)
            if response is None:
                self._log_and_reset(head, action, writer, connection, index, fault="upstream_closed")
            status = int(response.start[1])
            response_kind = response.body_kind(request_method=head.start[0])
            if isinstance(action, ResetBeforeResponse):  # forward=True: the Hub applied it; drop the answer
                async for _ in iter_body(up_reader, response_kind):
                    pass
                self._log_and_reset(head, action, writer, connection, index)
            if not isinstance(action, ResetMidResponseBody):
                self._record(head, action, status, connection, index)
            writer.write(response.raw)
            budget = action.after_bytes if isinstance(action, ResetMidResponseBody) else None
            async for piece in iter_body(up_reader, response_kind):
                if budget is not None:
                    piece = piece[:budget]
                    budget -= len(piece)
                writer.write(piece)
                await writer.drain()
                if budget == 0:
                    break
            if budget is not None:
                await writer.drain()
                await asyncio.sleep(_FLUSH_DELAY)
                self._log_and_reset(head, action, writer, connection, index, status=status)
            return head.keep_alive and response.keep_alive and not response_kind.until_close
        finally:
            up_writer.close()

    def _record(self, head: Head, action: Action | None, status: int | None, connection: int, index: int) -> None:
        self.log.append(LogEntry(head.start[0], head.start[1], action.name if action else None, status, connection, index))

    def _log_and_reset(
        self, head: Head, action: Action | None, writer: asyncio.StreamWriter, connection: int, index: int,
        *, fault: str | None = None, status: int | None = None,
    ) -> NoReturn:
        """Log the request, abort the connection with a TCP RST and stop serving it (raises)."""
        name = fault or (action.name if action is not None else None)
        self.log.append(LogEntry(head.start[0], head.start[1], name, status, connection, index))
        sock = writer.get_extra_info("socket")
        if sock is not None:  # linger 0: close() sends RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        raise _Dropped

    async def _restart(self) -> None:
        if isinstance(self.upstream, str):
            raise TypeError("restart_server needs a HubProcess upstream, not a URL")
        assert self._restart_lock is not None
        async with self._restart_lock:
            await asyncio.to_thread(_restart_process, self.upstream, self._upstream_addr[1])
            self.restarts += 1


def _restart_process(hub: HubProcess, port: int) -> None:
    """Stop the Hub process and start it on the same data dir and port (SO_REUSEADDR makes it free)."""
    hub.stop()
    if hub.args[-2:] != ["--port", str(port)]:
        hub.args = [*hub.args, "--port", str(port)]  # the last --port wins over HubProcess's "--port 0"
    hub.start()


def _reason(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Injected"
