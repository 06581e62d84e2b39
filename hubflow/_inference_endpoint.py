"""``InferenceEndpoint``: an endpoint's state plus the actions of huggingface_hub's class.

Attributes: ``name``, ``namespace``, ``repository``, ``status``, ``url``, ``framework``,
``revision``, ``task``, ``created_at``, ``updated_at``, ``type``, ``raw``. Actions mutate the
object in place and return it: ``wait``, ``fetch``, ``update``, ``pause``, ``resume``,
``scale_to_zero``, and ``delete``. ``HfApi`` returns ``InferenceEndpoint`` (blocking actions);
``AsyncHfApi`` returns ``AsyncInferenceEndpoint`` (the same actions, awaitable).

```python
ep = api.create_inference_endpoint("ep", repository="gpt2", framework="pytorch", accelerator="cpu",
                                   instance_size="x1", instance_type="local-cpu", region="local", vendor="local")
ep.wait(timeout=30, refresh_every=0.2).status      # "running"
ep.pause().status                                  # "paused"
```
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio

from hubflow import schema
from hubflow.errors import HubflowError

if TYPE_CHECKING:
    from hubflow._api import AsyncHfApi, HfApi

__all__ = ["AsyncInferenceEndpoint", "InferenceEndpoint", "InferenceEndpointError", "InferenceEndpointTimeoutError"]


class InferenceEndpointError(HubflowError):
    """The endpoint ended up ``failed`` or ``updateFailed``.

    ```python
    try:
        endpoint.wait(timeout=600)
    except InferenceEndpointError:
        print(endpoint.fetch().status)
    ```
    """


class InferenceEndpointTimeoutError(InferenceEndpointError, TimeoutError):
    """``wait(timeout=...)`` ran out before the endpoint was reachable.

    ```python
    try:
        endpoint.wait(timeout=60)
    except InferenceEndpointTimeoutError:
        endpoint.pause()
    ```
    """


@dataclass
class _Fields:
    namespace: str
    raw: dict[str, Any] = field(repr=False)
    name: str = field(init=False)
    repository: str = field(init=False)
    status: str = field(init=False)
    url: str | None = field(init=False)
    framework: str | None = field(repr=False, init=False)
    revision: str | None = field(repr=False, init=False)
    task: str | None = field(repr=False, init=False)
    created_at: datetime = field(repr=False, init=False)
    updated_at: datetime = field(repr=False, init=False)
    type: str = field(repr=False, init=False)
    health_route: str = field(repr=False, init=False)

    def _populate(self, info: schema.InferenceEndpoint | None) -> None:
        if info is None:
            return
        self.raw = info.raw
        self.name, self.repository, self.status, self.url = info.name, info.repository, info.status, info.url
        self.framework, self.revision, self.task = info.framework, info.revision, info.task
        self.created_at, self.updated_at, self.type = info.created_at, info.updated_at, info.type
        self.health_route = info.health_route


@dataclass
class AsyncInferenceEndpoint(_Fields):
    """An endpoint bound to an ``AsyncHfApi``; actions are coroutines.

    ```python
    ep = await aapi.get_inference_endpoint("ep")
    await ep.wait(timeout=30)
    ```
    """

    _api: AsyncHfApi = field(repr=False, default=None)  # type: ignore[assignment]
    _token: Any = field(repr=False, default=None)

    @classmethod
    def from_info(cls, info: schema.InferenceEndpoint, *, namespace: str, api: AsyncHfApi,
                  token: Any = None) -> AsyncInferenceEndpoint:
        obj = cls(namespace=namespace, raw={}, _api=api, _token=token)
        obj._populate(info)
        return obj

    async def _refresh(self, coro: Any) -> AsyncInferenceEndpoint:
        other: AsyncInferenceEndpoint = await coro
        self._populate_from(other)
        return self

    def _populate_from(self, other: _Fields) -> None:
        for name in ("raw", "name", "repository", "status", "url", "framework", "revision", "task",
                     "created_at", "updated_at", "type", "health_route"):
            setattr(self, name, getattr(other, name))

    async def fetch(self) -> AsyncInferenceEndpoint:
        """Re-read the endpoint (in place).

        ```python
        (await ep.fetch()).status
        ```
        """
        return await self._refresh(
            self._api.get_inference_endpoint(self.name, namespace=self.namespace, token=self._token)
        )

    async def wait(self, timeout: int | float | None = None, refresh_every: int | float = 5) -> AsyncInferenceEndpoint:
        """Until ``running`` with a URL whose health route answers 200; raises on failure or timeout.

        ```python
        await ep.wait(timeout=60, refresh_every=1)
        ```
        """
        if timeout is not None and timeout < 0:
            raise ValueError("`timeout` cannot be negative.")
        if refresh_every <= 0:
            raise ValueError("`refresh_every` must be positive.")
        start = time.monotonic()
        while True:
            if self.status == "failed":
                raise InferenceEndpointError(f"Inference Endpoint {self.name} failed to deploy.")
            if self.status == "updateFailed":
                raise InferenceEndpointError(f"Inference Endpoint {self.name} failed to update.")
            if self.status == "running" and self.url is not None:
                health = f"{self.url.rstrip('/')}/{self.health_route.lstrip('/')}"
                response = await self._api.hub.request("GET", health, token=self._token, raise_errors=False)
                if response.status_code == 200:
                    return self
            if timeout is not None and time.monotonic() - start > timeout:
                raise InferenceEndpointTimeoutError("Timeout while waiting for Inference Endpoint to be deployed.")
            await anyio.sleep(refresh_every)
            await self.fetch()

    async def update(self, **kwargs: Any) -> AsyncInferenceEndpoint:
        """Update compute/model/route settings (``update_inference_endpoint``'s keywords), in place.

        ```python
        await ep.update(min_replica=0, scale_to_zero_timeout=15)
        ```
        """
        return await self._refresh(
            self._api.update_inference_endpoint(self.name, namespace=self.namespace, token=self._token, **kwargs)
        )

    async def pause(self) -> AsyncInferenceEndpoint:
        """Pause (not billed; needs ``resume``)."""
        return await self._refresh(
            self._api.pause_inference_endpoint(self.name, namespace=self.namespace, token=self._token)
        )

    async def resume(self, running_ok: bool = True) -> AsyncInferenceEndpoint:
        """Resume a paused or scaled-to-zero endpoint (``running_ok``: no error if it already runs)."""
        return await self._refresh(self._api.resume_inference_endpoint(
            self.name, namespace=self.namespace, running_ok=running_ok, token=self._token
        ))

    async def scale_to_zero(self) -> AsyncInferenceEndpoint:
        """Scale to zero replicas (wakes on the next request on the real service)."""
        return await self._refresh(
            self._api.scale_to_zero_inference_endpoint(self.name, namespace=self.namespace, token=self._token)
        )

    async def delete(self) -> None:
        """Delete the endpoint."""
        await self._api.delete_inference_endpoint(self.name, namespace=self.namespace, token=self._token)


@dataclass
class InferenceEndpoint(_Fields):
    """An endpoint bound to an ``HfApi``; the blocking twin of ``AsyncInferenceEndpoint``.

    ```python
    ep = api.get_inference_endpoint("ep")
    ep.wait(timeout=60).url
    ```
    """

    _api: HfApi = field(repr=False, default=None)  # type: ignore[assignment]
    _token: Any = field(repr=False, default=None)

    @classmethod
    def from_async(cls, other: AsyncInferenceEndpoint, api: HfApi) -> InferenceEndpoint:
        obj = cls(namespace=other.namespace, raw={}, _api=api, _token=other._token)
        AsyncInferenceEndpoint._populate_from(obj, other)  # type: ignore[arg-type]
        return obj

    def _do(self, action: str, *args: Any, **kwargs: Any) -> InferenceEndpoint:
        core: Any = self._api._async
        twin = AsyncInferenceEndpoint(namespace=self.namespace, raw=self.raw, _api=core, _token=self._token)
        AsyncInferenceEndpoint._populate_from(twin, self)
        result = self._api.portal.call(lambda: getattr(twin, action)(*args, **kwargs))
        if result is not None:
            AsyncInferenceEndpoint._populate_from(self, twin)  # type: ignore[arg-type]
        return self

    def fetch(self) -> InferenceEndpoint:
        """Re-read the endpoint (in place)."""
        return self._do("fetch")

    def wait(self, timeout: int | float | None = None, refresh_every: int | float = 5) -> InferenceEndpoint:
        """Until running and healthy; ``InferenceEndpointError`` / ``InferenceEndpointTimeoutError`` otherwise.

        ```python
        ep.wait(timeout=60, refresh_every=1)
        ```
        """
        return self._do("wait", timeout, refresh_every)

    def update(self, **kwargs: Any) -> InferenceEndpoint:
        """Update settings (``update_inference_endpoint``'s keywords), in place."""
        return self._do("update", **kwargs)

    def pause(self) -> InferenceEndpoint:
        """Pause the endpoint."""
        return self._do("pause")

    def resume(self, running_ok: bool = True) -> InferenceEndpoint:
        """Resume the endpoint."""
        return self._do("resume", running_ok)

    def scale_to_zero(self) -> InferenceEndpoint:
        """Scale the endpoint to zero."""
        return self._do("scale_to_zero")

    def delete(self) -> None:
        """Delete the endpoint."""
        self._do("delete")
