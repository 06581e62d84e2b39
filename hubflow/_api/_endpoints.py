"""Inference Endpoints on the facade (api.md §6), huggingface_hub 2.4's signatures.

The API lives at ``{IE}``: ``self.inference_endpoints_endpoint`` (the official service for
huggingface.co, ``{endpoint}/v2`` for a local Hub, ``$HUBFLOW_INFERENCE_ENDPOINTS_ENDPOINT`` to
override). ``AsyncHfApi`` returns ``AsyncInferenceEndpoint``; ``HfApi`` returns
``InferenceEndpoint`` (blocking actions) through ``sync_endpoint``.

```python
ep = api.create_inference_endpoint("ep", repository="gpt2", framework="pytorch", accelerator="cpu",
                                   instance_size="x1", instance_type="local-cpu", region="local", vendor="local")
ep.wait(timeout=30, refresh_every=0.2)
```
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from hubflow._api._base import AsyncHfApiBase
from hubflow._inference_endpoint import AsyncInferenceEndpoint, InferenceEndpoint
from hubflow._settings import TokenArg
from hubflow.errors import HfHubHTTPError
from hubflow.schema import InferenceEndpointHardware
from hubflow.tasks.endpoints import (
    CreateInferenceEndpoint,
    DeleteInferenceEndpoint,
    GetInferenceEndpoint,
    ListInferenceEndpoints,
    ListInferenceEndpointsHardware,
    PauseInferenceEndpoint,
    ResumeInferenceEndpoint,
    ScaleToZeroInferenceEndpoint,
    UpdateInferenceEndpoint,
    inference_endpoints_base,
)

if TYPE_CHECKING:
    from hubflow._api import HfApi

__all__ = ["EndpointsMixin", "sync_endpoint"]


def _image(custom_image: dict[str, Any], username: str | None = None, password: str | None = None) -> dict[str, Any]:
    """``model.image``: a dict with ``url`` is a custom image (credentials inside), else engine-keyed as is."""
    if "url" in custom_image:
        custom = dict(custom_image)
        if username is not None:
            custom["credentials"] = {"username": username, "password": password}
        return {"custom": custom}
    if username is not None:
        raise ValueError("Container registry credentials require a custom image with a `url`.")
    return dict(custom_image)


class EndpointsMixin(AsyncHfApiBase):
    """Create, read, update, pause, resume, scale and delete Inference Endpoints."""

    @property
    def inference_endpoints_endpoint(self) -> str:
        """The ``{IE}`` base URL used by this facade."""
        return inference_endpoints_base(self.endpoint)

    async def _ie_namespace(self, namespace: str | None, token: TokenArg) -> str:
        if namespace:
            return namespace
        me: dict[str, Any] = await self.whoami(token=token)  # type: ignore[attr-defined]
        if me.get("type") != "user":
            raise ValueError("Cannot determine default namespace. You must provide a 'namespace' as input.")
        return str(me["name"])

    def _wrap(self, info: Any, namespace: str, token: TokenArg) -> AsyncInferenceEndpoint:
        return AsyncInferenceEndpoint.from_info(info, namespace=namespace, api=self, token=token)  # type: ignore[arg-type]

    async def list_inference_endpoints(
        self, namespace: str | None = None, *, token: TokenArg = None
    ) -> list[AsyncInferenceEndpoint]:
        """Endpoints of a namespace; ``"*"``: the user's and every org's (org errors skipped).

        ```python
        [ep.name for ep in await api.list_inference_endpoints()]
        ```
        """
        if namespace == "*":
            me: dict[str, Any] = await self.whoami(token=token)  # type: ignore[attr-defined]
            found = await self.list_inference_endpoints(str(me["name"]), token=token)
            for org in me.get("orgs") or []:
                try:
                    found += await self.list_inference_endpoints(org["name"], token=token)
                except HfHubHTTPError:
                    continue
            return found
        namespace = await self._ie_namespace(namespace, token)
        node = ListInferenceEndpoints(base=self.inference_endpoints_endpoint, namespace=namespace, token=token)
        return [self._wrap(info, namespace, token) for info in await self._run(node)]

    async def create_inference_endpoint(
        self, name: str, *, repository: str, framework: str, accelerator: str, instance_size: str,
        instance_type: str, region: str, vendor: str, account_id: str | None = None,
        private_link_account_id: str | None = None, private_link_region: str | None = None, min_replica: int = 1,
        max_replica: int = 1, scaling_metric: str | None = None, scaling_threshold: float | None = None,
        scale_to_zero_timeout: int | None = None, revision: str | None = None, task: str | None = None,
        custom_image: dict[str, Any] | None = None, container_registry_username: str | None = None,
        container_registry_password: str | None = None, container_command: list[str] | None = None,
        container_args: list[str] | None = None, env: dict[str, str] | None = None,
        secrets: dict[str, str] | None = None, type: str = "authenticated", domain: str | None = None,
        path: str | None = None, cache_http_responses: bool | None = None, tags: list[str] | None = None,
        namespace: str | None = None, token: TokenArg = None,
    ) -> AsyncInferenceEndpoint:
        """Create an endpoint (payload of api.md §6.3). A local Hub walks it pending → initializing → running.

        ```python
        ep = await api.create_inference_endpoint("ep", repository="gpt2", framework="pytorch",
            accelerator="cpu", instance_size="x1", instance_type="local-cpu", region="local", vendor="local")
        ```
        """
        if str(getattr(type, "value", type)) == "protected":
            raise ValueError("`type='protected'` is no longer supported: use 'authenticated'.")
        namespace = await self._ie_namespace(namespace, token)
        if custom_image is None:
            if container_registry_username is not None or container_registry_password is not None:
                raise ValueError("`custom_image` is required when setting container registry credentials.")
            image: dict[str, Any] = {"huggingface": {}}
        else:
            image = _image(custom_image, container_registry_username, container_registry_password)
        scaling: dict[str, Any] = {
            "maxReplica": max_replica, "minReplica": min_replica, "scaleToZeroTimeout": scale_to_zero_timeout,
        }
        if scaling_metric:
            scaling["measure"] = {str(getattr(scaling_metric, "value", scaling_metric)): scaling_threshold}
        model: dict[str, Any] = {"framework": framework, "repository": repository, "revision": revision, "image": image}
        if task is not None:
            model["task"] = task
        if container_command is not None:
            model["command"] = container_command
        if container_args is not None:
            model["args"] = container_args
        if env:
            model["env"] = env
        if secrets:
            model["secrets"] = secrets
        body: dict[str, Any] = {
            "compute": {"accelerator": accelerator, "instanceSize": instance_size, "instanceType": instance_type,
                        "scaling": scaling},
            "model": model, "name": name, "provider": {"region": region, "vendor": vendor},
            "type": str(getattr(type, "value", type)),
        }
        if private_link_account_id is not None:
            if private_link_region is None:
                raise ValueError("`private_link_region` is required with `private_link_account_id`.")
            body["privateService"] = {"accountId": private_link_account_id, "region": private_link_region}
        if domain is not None or path is not None:
            body["route"] = {k: v for k, v in (("domain", domain), ("path", path)) if v is not None}
        if cache_http_responses is not None:
            body["cacheHttpResponses"] = cache_http_responses
        if tags is not None:
            body["tags"] = tags
        node = CreateInferenceEndpoint(base=self.inference_endpoints_endpoint, namespace=namespace, body=body,
                                       token=token)
        return self._wrap(await self._run(node), namespace, token)

    async def get_inference_endpoint(
        self, name: str, *, namespace: str | None = None, token: TokenArg = None
    ) -> AsyncInferenceEndpoint:
        """One endpoint.

        ```python
        (await api.get_inference_endpoint("ep")).status
        ```
        """
        namespace = await self._ie_namespace(namespace, token)
        node = GetInferenceEndpoint(base=self.inference_endpoints_endpoint, namespace=namespace, name=name,
                                    token=token)
        return self._wrap(await self._run(node), namespace, token)

    async def update_inference_endpoint(
        self, name: str, *, accelerator: str | None = None, instance_size: str | None = None,
        instance_type: str | None = None, min_replica: int | None = None, max_replica: int | None = None,
        scale_to_zero_timeout: int | None = None, scaling_metric: str | None = None,
        scaling_threshold: float | None = None, repository: str | None = None, framework: str | None = None,
        revision: str | None = None, task: str | None = None, custom_image: dict[str, Any] | None = None,
        container_command: list[str] | None = None, container_args: list[str] | None = None,
        tensor_parallel_size: int | None = None, data_parallel_size: int | None = None,
        env: dict[str, str] | None = None, secrets: dict[str, str] | None = None, domain: str | None = None,
        path: str | None = None, cache_http_responses: bool | None = None, tags: list[str] | None = None,
        namespace: str | None = None, token: TokenArg = None,
    ) -> AsyncInferenceEndpoint:
        """Update only the given settings (sparse payload, api.md §6.4); a local Hub goes ``updating`` → running.

        ```python
        await api.update_inference_endpoint("ep", min_replica=0, repository="gpt2-large")
        ```
        """
        namespace = await self._ie_namespace(namespace, token)
        compute: dict[str, Any] = {}
        scaling: dict[str, Any] = {}
        model: dict[str, Any] = {}
        route: dict[str, Any] = {}
        for target, key, value in (
            (compute, "accelerator", accelerator), (compute, "instanceSize", instance_size),
            (compute, "instanceType", instance_type), (scaling, "maxReplica", max_replica),
            (scaling, "minReplica", min_replica), (scaling, "scaleToZeroTimeout", scale_to_zero_timeout),
            (model, "repository", repository), (model, "framework", framework), (model, "revision", revision),
            (model, "task", task), (model, "command", container_command), (model, "args", container_args),
            (model, "env", env), (model, "secrets", secrets), (route, "domain", domain), (route, "path", path),
        ):
            if value is not None:
                target[key] = value
        if scaling_metric:
            scaling["measure"] = {str(getattr(scaling_metric, "value", scaling_metric)): scaling_threshold}
        if custom_image is not None:
            model["image"] = _image(custom_image)
        if tensor_parallel_size is not None or data_parallel_size is not None:
            image = model.get("image")
            if not image:
                current = await self.get_inference_endpoint(name, namespace=namespace, token=token)
                image = dict((current.raw.get("model") or {}).get("image") or {})
            variant, settings = next(iter(image.items()))
            settings = dict(settings or {})
            if tensor_parallel_size is not None:
                settings["tensorParallelSize"] = tensor_parallel_size
            if data_parallel_size is not None:
                settings["dataParallelSize"] = data_parallel_size
            model["image"] = {variant: settings}
        if scaling:
            compute["scaling"] = scaling
        body: dict[str, Any] = {k: v for k, v in (("compute", compute), ("model", model), ("route", route)) if v}
        if cache_http_responses is not None:
            body["cacheHttpResponses"] = cache_http_responses
        if tags is not None:
            body["tags"] = tags
        node = UpdateInferenceEndpoint(base=self.inference_endpoints_endpoint, namespace=namespace, name=name,
                                       body=body, token=token)
        return self._wrap(await self._run(node), namespace, token)

    async def delete_inference_endpoint(self, name: str, *, namespace: str | None = None, token: TokenArg = None) -> None:
        """Delete an endpoint.

        ```python
        await api.delete_inference_endpoint("ep")
        ```
        """
        namespace = await self._ie_namespace(namespace, token)
        await self._run(DeleteInferenceEndpoint(base=self.inference_endpoints_endpoint, namespace=namespace,
                                                name=name, token=token))

    async def pause_inference_endpoint(
        self, name: str, *, namespace: str | None = None, token: TokenArg = None
    ) -> AsyncInferenceEndpoint:
        """Pause an endpoint (``paused`` until resumed).

        ```python
        (await api.pause_inference_endpoint("ep")).status   # "paused"
        ```
        """
        namespace = await self._ie_namespace(namespace, token)
        node = PauseInferenceEndpoint(base=self.inference_endpoints_endpoint, namespace=namespace, name=name,
                                      token=token)
        return self._wrap(await self._run(node), namespace, token)

    async def resume_inference_endpoint(
        self, name: str, *, namespace: str | None = None, running_ok: bool = True, token: TokenArg = None
    ) -> AsyncInferenceEndpoint:
        """Resume an endpoint; with ``running_ok`` a running one is returned as is (400 ``already running``).

        ```python
        await api.resume_inference_endpoint("ep")
        ```
        """
        namespace = await self._ie_namespace(namespace, token)
        node = ResumeInferenceEndpoint(base=self.inference_endpoints_endpoint, namespace=namespace, name=name,
                                       token=token)
        try:
            return self._wrap(await self._run(node), namespace, token)
        except HfHubHTTPError as err:
            if running_ok and err.status_code == 400 and "already running" in err.response.text:
                return await self.get_inference_endpoint(name, namespace=namespace, token=token)
            raise

    async def scale_to_zero_inference_endpoint(
        self, name: str, *, namespace: str | None = None, token: TokenArg = None
    ) -> AsyncInferenceEndpoint:
        """Scale an endpoint to zero replicas (``scaledToZero``).

        ```python
        await api.scale_to_zero_inference_endpoint("ep")
        ```
        """
        namespace = await self._ie_namespace(namespace, token)
        node = ScaleToZeroInferenceEndpoint(base=self.inference_endpoints_endpoint, namespace=namespace, name=name,
                                            token=token)
        return self._wrap(await self._run(node), namespace, token)

    async def list_inference_endpoints_hardware(
        self, *, namespace: str | None = None, token: TokenArg = None
    ) -> list[InferenceEndpointHardware]:
        """Compute offers (vendor, region, instance type/size, price, quota) for a namespace.

        ```python
        [hw.id for hw in await api.list_inference_endpoints_hardware()]
        ```
        """
        namespace = await self._ie_namespace(namespace, token)
        return await self._run(ListInferenceEndpointsHardware(base=self.inference_endpoints_endpoint,
                                                              namespace=namespace, token=token))


def sync_endpoint(method: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Mirror an async endpoint method on ``HfApi``: results become blocking ``InferenceEndpoint`` objects.

    ```python
    class HfApi(HfApiBase, sync_of=AsyncHfApi):
        get_inference_endpoint = sync_endpoint(AsyncHfApi.get_inference_endpoint)
    ```
    """

    @functools.wraps(method)
    def call(self: HfApi, *args: Any, **kwargs: Any) -> Any:
        result = self.portal.call(functools.partial(method, self._async, *args, **kwargs))
        if isinstance(result, AsyncInferenceEndpoint):
            return InferenceEndpoint.from_async(result, self)
        if isinstance(result, list):
            return [InferenceEndpoint.from_async(r, self) if isinstance(r, AsyncInferenceEndpoint) else r
                    for r in result]
        return result

    call.__signature__ = inspect.signature(method)  # type: ignore[attr-defined]
    return call
