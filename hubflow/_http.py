"""Transport: ``HubClient`` wraps one ``httpx.AsyncClient`` and speaks the Hub's conventions.

It adds the auth header per call (``token=`` overrides the settings, see ``TokenArg``), the
user agent and an ``X-Amzn-Trace-Id`` request id; refuses to send anything in offline mode;
maps error responses to ``hubflow.errors`` (``raise_for_status``) and ``httpx`` network errors
to ``HubConnectionError``; pages through ``Link: <...>; rel="next"`` lazily.

The back-off helpers (``is_retryable``, ``retry_delay``) are shared with the executor, which
retries whole nodes; ``HubClient.request(retry=True)`` uses them for single requests that are
not nodes (pages of a lazily consumed listing).

```python
async with HubClient(Settings.from_env(), transport=httpx.ASGITransport(app)) as hub:
    response = await hub.request("GET", "/api/whoami-v2", token="hf_alice_write")
    async for model in hub.paginate("/api/models", {"author": "alice"}, type=dict):
        ...
```
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import anyio._backends._asyncio  # (see below)
import httpx
import msgspec

from hubflow._settings import RetryPolicy, Settings, TokenArg
from hubflow._transport import BulkReadTransport

# anyio imports its asyncio backend lazily, on the facade loop's first run: ~25 ms that every first
# call (a listing, a download) would pay. Importing it above moves that cost into `import hubflow`.
from hubflow.errors import (
    HfHubHTTPError,
    HubConnectionError,
    OfflineModeIsEnabled,
    parse_ratelimit,
    raise_for_status,
)

__all__ = ["RETRYABLE_STATUSES", "HubClient", "is_retryable", "retry_delay"]

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_LINK_NEXT = "next"


def is_retryable(exc: BaseException) -> bool:
    """True for errors worth another attempt: 408/429/5xx answers, timeouts, network and protocol errors.

    ```python
    is_retryable(HubConnectionError("reset"))  # True
    ```
    """
    if isinstance(exc, HfHubHTTPError):
        return exc.response.status_code in RETRYABLE_STATUSES
    return isinstance(exc, (HubConnectionError, httpx.TransportError))


def _server_wait(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait: ``RateLimit`` ``r=0`` on a 429, else numeric ``Retry-After``."""
    if not isinstance(exc, HfHubHTTPError):
        return None
    headers = exc.response.headers
    if exc.response.status_code == 429:
        limit = parse_ratelimit(headers)
        if limit is not None and limit[1] == 0:
            return float(limit[2])
    value = headers.get("retry-after", "").strip()
    # HTTP-date forms are ignored, as huggingface_hub does.
    return float(value) if value.isdigit() else None


def retry_delay(exc: BaseException, attempt: int, policy: RetryPolicy) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 0).

    A server-stated wait wins (plus ``policy.server_wait_padding``, capped at
    ``policy.max_server_wait``); otherwise ``base_wait * 2**attempt`` capped at ``max_wait``, with
    full jitter (a uniform draw in ``[wait/2, wait]``) when ``policy.jitter``.

    ```python
    retry_delay(err_429_retry_after_3, 0, RetryPolicy())  # 4.0
    ```
    """
    server = _server_wait(exc)
    if server is not None:
        return min(server + policy.server_wait_padding, policy.max_server_wait)
    wait = min(policy.base_wait * (2**attempt), policy.max_wait)
    return random.uniform(wait / 2, wait) if policy.jitter else wait


def next_link(response: httpx.Response) -> str | None:
    """The absolute URL of ``Link: <...>; rel="next"``, or None on the last page."""
    links = response.links  # httpx parses RFC 8288; keys are the rel values
    target = links.get(_LINK_NEXT, {}).get("url")
    return target or None


class HubClient:
    """One ``httpx.AsyncClient`` configured by ``Settings`` (inject ``client=`` or ``transport=``).

    ```python
    hub = HubClient(settings, transport=httpx.MockTransport(handler))
    response = await hub.request("GET", "/api/models/alice/x")
    await hub.aclose()
    ```
    """

    def __init__(
        self,
        settings: Settings,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        # An injected client belongs to the caller: we never close it.
        self._owns_client = client is None
        chosen = transport if transport is not None else BulkReadTransport()
        self.client = client or httpx.AsyncClient(
            transport=chosen, follow_redirects=True, timeout=httpx.Timeout(settings.timeouts.api)
        )
        # Listing pages go straight to the transport (see ``get_page``) when that is exactly what
        # the client would use: our own client, which has no event hooks, auth or mounts (given
        # a transport, httpx mounts no proxies from the environment either).
        self._page_transport = chosen if client is None else None

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying client if this object created it."""
        if self._owns_client:
            await self.client.aclose()

    def url(self, path_or_url: str) -> str:
        """An absolute URL: paths starting with ``/`` are joined to the endpoint."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.settings.endpoint + path_or_url

    def headers(self, token: TokenArg = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Hub headers for one request: user agent, settings headers, auth, request id, ``extra``."""
        headers = {"user-agent": self.settings.user_agent_string(), **self.settings.headers}
        sent = self.settings.token_to_send(token)
        if sent:
            headers["authorization"] = f"Bearer {sent}"
        if extra:
            headers.update(extra)
        lowered = {k.lower() for k in headers}
        if "x-request-id" not in lowered and "x-amzn-trace-id" not in lowered:
            headers["X-Amzn-Trace-Id"] = str(uuid.uuid4())
        return headers

    def _build(
        self,
        method: str,
        url: str,
        *,
        token: TokenArg,
        params: Any,
        json: Any,
        content: Any,
        headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout | object | None,
        hub_headers: bool,
    ) -> httpx.Request:
        if self.settings.offline:
            raise OfflineModeIsEnabled(f"Cannot reach {self.url(url)}: offline mode is enabled (HF_HUB_OFFLINE=1).")
        all_headers = self.headers(token, headers) if hub_headers else dict(headers or {})
        if json is not None:
            content = msgspec.json.encode(json)
            all_headers.setdefault("content-type", "application/json")
        return self.client.build_request(
            method, self.url(url), params=params, content=content, headers=all_headers,
            timeout=httpx.USE_CLIENT_DEFAULT if timeout is _DEFAULT else timeout,  # type: ignore[arg-type]
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        token: TokenArg = None,
        params: Any = None,
        json: Any = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | object | None = None,
        hub_headers: bool = True,
        raise_errors: bool = True,
        endpoint_name: str | None = None,
        retry: bool = False,
    ) -> httpx.Response:
        """Send one request and read its body; typed errors on failure.

        ``json`` is encoded with msgspec (Structs welcome). ``hub_headers=False`` sends neither
        auth nor user agent (LFS ``PUT``s to storage). ``retry=True`` retries with the settings'
        back-off, for calls made outside a node (a node is retried by the executor instead).
        ``timeout=None`` keeps the client default.
        """
        def build() -> httpx.Request:
            return self._build(
                method,
                url,
                token=token,
                params=params,
                json=json,
                content=content,
                headers=headers,
                timeout=_DEFAULT if timeout is None else timeout,
                hub_headers=hub_headers,
            )

        return await self._exchange(build, self._send_read, retry=retry, raise_errors=raise_errors, name=endpoint_name)

    async def get_page(self, url: str, params: Any = None, *, token: TokenArg = None) -> httpx.Response:
        """One page of a paginated listing: ``request("GET", url, params=..., token=..., retry=True)``.

        A listing is a run of small sequential GETs, so per-request overhead is most of its client
        time. With our own client the page is sent on the transport directly, skipping the
        client's auth flow, redirect loop, cookie jar and event hooks (none are ours to keep); a
        redirect (a renamed repo) is re-sent through the client, which follows it.

        ```python
        response = await hub.get_page("/api/models/alice/m/tree/main", {"recursive": "true"})
        ```
        """

        def build() -> httpx.Request:
            return self._build(
                "GET", url, token=token, params=params, json=None, content=None, headers=None,
                timeout=_DEFAULT, hub_headers=True,
            )

        send = self._send_read if self._page_transport is None else self._send_page
        return await self._exchange(build, send, retry=True, raise_errors=True, name=None)

    async def _exchange(
        self,
        build: Callable[[], httpx.Request],
        send: Callable[[httpx.Request], Awaitable[httpx.Response]],
        *,
        retry: bool,
        raise_errors: bool,
        name: str | None,
    ) -> httpx.Response:
        attempt = 0
        while True:
            request = build()
            try:
                response = await send(request)
                if raise_errors:
                    raise_for_status(response, name)
                return response
            except (HfHubHTTPError, HubConnectionError) as exc:
                if not (retry and is_retryable(exc) and attempt < self.settings.retry.max_retries):
                    raise
                await anyio.sleep(retry_delay(exc, attempt, self.settings.retry))
                attempt += 1

    async def _send_read(self, request: httpx.Request) -> httpx.Response:
        return await self._send(request, stream=False)

    async def _send_page(self, request: httpx.Request) -> httpx.Response:
        assert self._page_transport is not None
        if self.client.is_closed:  # as the client itself would refuse
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        try:
            response = await self._page_transport.handle_async_request(request)
            response.request = request
            try:
                await response.aread()  # returns the connection to the pool at the end of the body
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            raise HubConnectionError(f"{type(exc).__name__} for {request.method} {request.url}: {exc}") from exc
        if response.is_redirect:
            return await self._send(request, stream=False)
        return response

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        token: TokenArg = None,
        params: Any = None,
        headers: Mapping[str, str] | None = None,
        content: Any = None,
        timeout: float | object | None = None,
        hub_headers: bool = True,
        raise_errors: bool = True,
    ) -> AsyncIterator[httpx.Response]:
        """Stream a response body (downloads); an error response is read and raised typed.

        ```python
        async with hub.stream("GET", url) as response:
            async for chunk in response.aiter_bytes():
                ...
        ```
        """
        request = self._build(
            method,
            url,
            token=token,
            params=params,
            json=None,
            content=content,
            headers=headers,
            timeout=_DEFAULT if timeout is None else timeout,
            hub_headers=hub_headers,
        )
        response = await self._send(request, stream=True)
        try:
            if raise_errors and response.status_code >= 400:
                await response.aread()
                raise_for_status(response)
            yield response
        except httpx.TransportError as exc:  # a reset mid-body
            raise HubConnectionError(f"{type(exc).__name__} while reading {request.url}: {exc}") from exc
        finally:
            await response.aclose()

    async def _send(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        try:
            return await self.client.send(request, stream=stream)
        except httpx.TransportError as exc:
            raise HubConnectionError(f"{type(exc).__name__} for {request.method} {request.url}: {exc}") from exc

    async def paginate(
        self,
        url: str,
        params: Any = None,
        *,
        type: type[T],
        token: TokenArg = None,
    ) -> AsyncIterator[T]:
        """Yield items of every page, fetching the next page only when the consumer gets there.

        Each page body is a JSON array decoded with ``msgspec.json.decode(body, type=list[type])``;
        the next page is the absolute ``Link rel="next"`` URL, requested without re-adding params.

        ```python
        async for repo in hub.paginate("/api/models", {"author": "alice"}, type=ModelInfo):
            print(repo.id)
        ```
        """
        next_url: str | None = url
        page_params: Any = params
        while next_url is not None:
            response = await self.get_page(next_url, page_params, token=token)
            for item in msgspec.json.decode(response.content, type=list[type]):  # type: ignore[valid-type]
                yield item
            next_url, page_params = next_link(response), None


_DEFAULT: Any = object()
