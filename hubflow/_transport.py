"""The default HTTP transport: httpx's own, with a network layer tuned for bulk reads.

Two costs of httpcore's anyio streams dominate a download's event loop (py-spy): every
``read`` asks for at most 64 KiB, so a gigabyte is ~16,000 reads, each with a cancel scope and a
timeout; and before every request the pool asks each idle connection ``is_readable``, which
rebuilds anyio's socket attribute dict (a ``getpeername`` syscall) per connection. The stream
wrapper here reads up to 1 MiB per call (h11 parses any chunk size) and keeps the raw socket for
the readability probe. Everything else (TLS, timeouts, errors, pooling) is httpx/httpcore's.

```python
client = httpx.AsyncClient(transport=BulkReadTransport())
```
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

__all__ = ["READ_BYTES", "BulkReadTransport"]

READ_BYTES = 1024 * 1024
"""Most bytes one socket read may return (httpcore asks for 64 KiB)."""


def _readable(sock: socket.socket | None) -> bool:
    # As httpcore's probe: readable (or gone) means the server closed or sent unexpected bytes.
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._sock: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max(max_bytes, READ_BYTES), timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._sock)
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class BulkReadTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` (same arguments) whose connections read in 1 MiB steps.

    ```python
    transport = BulkReadTransport()
    ```
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        pool = getattr(self, "_pool", None)
        # Direct connections only; a proxy pool keeps httpcore's own streams.
        if type(pool) is httpcore.AsyncConnectionPool and hasattr(pool, "_network_backend"):
            pool._network_backend = _Backend()
