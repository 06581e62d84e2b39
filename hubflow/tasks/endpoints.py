"""Inference Endpoints management (api.md §6): task nodes against the ``{IE}`` base URL.

``{IE}`` is not the Hub endpoint: ``https://api.endpoints.huggingface.cloud/v2`` for the real Hub,
``{endpoint}/v2`` for a local Hub (see ``inference_endpoints_base``). Every node carries it as
``base``.

```python
node = GetInferenceEndpoint(base=inference_endpoints_base(api.endpoint), namespace="alice", name="ep")
ep = await ctx.submit(node)
ep.status
```
"""

from __future__ import annotations

import os
from typing import Any, TypeVar
from urllib.parse import urlparse

import msgspec

from hubflow.schema import InferenceEndpoint, InferenceEndpointHardware
from hubflow.tasks._base import Endpoint

__all__ = [
    "OFFICIAL_INFERENCE_ENDPOINTS",
    "CreateInferenceEndpoint",
    "DeleteInferenceEndpoint",
    "GetInferenceEndpoint",
    "ListInferenceEndpoints",
    "ListInferenceEndpointsHardware",
    "PauseInferenceEndpoint",
    "ResumeInferenceEndpoint",
    "ScaleToZeroInferenceEndpoint",
    "UpdateInferenceEndpoint",
    "inference_endpoints_base",
]

T = TypeVar("T")
OFFICIAL_INFERENCE_ENDPOINTS = "https://api.endpoints.huggingface.cloud/v2"
_OFFICIAL_HOSTS = ("huggingface.co", "hf.co")


def inference_endpoints_base(endpoint: str) -> str:
    """``{IE}`` for a Hub endpoint: ``$HUBFLOW_INFERENCE_ENDPOINTS_ENDPOINT`` if set, the official API for
    huggingface.co hosts, else ``{endpoint}/v2`` (where ``hubflow serve`` answers).

    ```python
    inference_endpoints_base("http://127.0.0.1:8080")   # "http://127.0.0.1:8080/v2"
    ```
    """
    override = os.environ.get("HUBFLOW_INFERENCE_ENDPOINTS_ENDPOINT")
    if override:
        return override.rstrip("/")
    host = urlparse(endpoint).hostname or ""
    if any(host == h or host.endswith("." + h) for h in _OFFICIAL_HOSTS):
        return OFFICIAL_INFERENCE_ENDPOINTS
    return endpoint.rstrip("/") + "/v2"


class _IE(Endpoint[T], kw_only=True):
    """A call under ``{IE}`` (``base``, never quoted)."""

    exclude = frozenset({"base"})
    base: str

    def request_path(self) -> str:
        return self.base + super().request_path()


class _Body(_IE[T], kw_only=True):
    body: dict[str, Any]

    def request_body(self) -> Any:
        return self.body


class _Items(msgspec.Struct):
    items: list[InferenceEndpoint] = []


class ListInferenceEndpoints(_IE[list[InferenceEndpoint]], kw_only=True):
    """``GET {IE}/endpoint/{namespace}`` → the ``items``."""

    method = "GET"
    path = "/endpoint/{namespace}"
    namespace: str

    def decode(self, content: bytes) -> list[InferenceEndpoint]:
        return msgspec.json.decode(content, type=_Items).items


class CreateInferenceEndpoint(_Body[InferenceEndpoint], kw_only=True):
    """``POST {IE}/endpoint/{namespace}`` with the payload of api.md §6.3."""

    method = "POST"
    path = "/endpoint/{namespace}"
    result_type = InferenceEndpoint
    idempotent = False
    namespace: str


class GetInferenceEndpoint(_IE[InferenceEndpoint], kw_only=True):
    """``GET {IE}/endpoint/{namespace}/{name}``."""

    method = "GET"
    path = "/endpoint/{namespace}/{name}"
    result_type = InferenceEndpoint
    namespace: str
    name: str


class UpdateInferenceEndpoint(_Body[InferenceEndpoint], kw_only=True):
    """``PUT {IE}/endpoint/{namespace}/{name}`` with a sparse payload (api.md §6.4)."""

    method = "PUT"
    path = "/endpoint/{namespace}/{name}"
    result_type = InferenceEndpoint
    namespace: str
    name: str


class DeleteInferenceEndpoint(_IE[None], kw_only=True):
    """``DELETE {IE}/endpoint/{namespace}/{name}``."""

    method = "DELETE"
    path = "/endpoint/{namespace}/{name}"
    namespace: str
    name: str


class PauseInferenceEndpoint(_IE[InferenceEndpoint], kw_only=True):
    """``POST {IE}/endpoint/{namespace}/{name}/pause`` (no body)."""

    method = "POST"
    path = "/endpoint/{namespace}/{name}/pause"
    result_type = InferenceEndpoint
    namespace: str
    name: str

    def request_body(self) -> Any:
        return None


class ResumeInferenceEndpoint(PauseInferenceEndpoint, kw_only=True):
    """``POST {IE}/endpoint/{namespace}/{name}/resume`` (400 ``already running`` when running)."""

    path = "/endpoint/{namespace}/{name}/resume"


class ScaleToZeroInferenceEndpoint(PauseInferenceEndpoint, kw_only=True):
    """``POST {IE}/endpoint/{namespace}/{name}/scale-to-zero``."""

    path = "/endpoint/{namespace}/{name}/scale-to-zero"


class ListInferenceEndpointsHardware(_IE[list[InferenceEndpointHardware]], kw_only=True):
    """``GET {IE}/provider/{namespace}``, flattened vendors → regions → computes."""

    method = "GET"
    path = "/provider/{namespace}"
    namespace: str

    def decode(self, content: bytes) -> list[InferenceEndpointHardware]:
        data = msgspec.json.decode(content)
        out = []
        for vendor in data.get("vendors") or []:
            for region in vendor.get("regions") or []:
                for c in region.get("computes") or []:
                    quota = c.get("quota") or {}
                    out.append(InferenceEndpointHardware(
                        id=c["id"], vendor=vendor["name"], region=region["name"], accelerator=c["accelerator"],
                        instance_type=c["instanceType"], instance_size=c["instanceSize"],
                        architecture=c["architecture"], num_accelerators=c["numAccelerators"],
                        memory_gb=c["memoryGb"], price_per_hour=c["pricePerHour"], status=c["status"],
                        max_accelerators=quota["maxAccelerators"], used_accelerators=quota["usedAccelerators"],
                        num_cpus=c.get("numCpus"), gpu_memory_gb=c.get("gpuMemoryGb"),
                    ))
        return out
