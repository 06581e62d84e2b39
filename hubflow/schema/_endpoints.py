"""Inference Endpoints: the endpoint object (data only) and the hardware catalogue.

`InferenceEndpoint` mirrors the attributes of huggingface_hub's class (`name`, `namespace`,
`repository`, `status`, `url`, `health_route`, `framework`, `revision`, `task`, `created_at`,
`updated_at`, `type`, `raw`); its actions (`wait`, `pause`, ...) belong to the facade.
`namespace` is not on the wire: set it with `msgspec.structs.replace` after decoding.

```python
ep = msgspec.json.decode(body, type=InferenceEndpoint)
ep.status, ep.repository, ep.url
```
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec

from hubflow.schema._base import Wire

__all__ = [
    "EndpointCompute",
    "EndpointModel",
    "EndpointProvider",
    "EndpointStatus",
    "InferenceEndpoint",
    "InferenceEndpointHardware",
    "InferenceEndpointStatus",
    "InferenceEndpointType",
]


class InferenceEndpointStatus(str, enum.Enum):
    """States of an endpoint (`status.state`).

    ```python
    endpoint.status == InferenceEndpointStatus.RUNNING   # a str enum: compares with "running"
    ```
    """

    PENDING = "pending"
    INITIALIZING = "initializing"
    UPDATING = "updating"
    UPDATE_FAILED = "updateFailed"
    RUNNING = "running"
    PAUSED = "paused"
    FAILED = "failed"
    SCALED_TO_ZERO = "scaledToZero"


class InferenceEndpointType(str, enum.Enum):
    """Visibility of an endpoint.

    ```python
    api.create_inference_endpoint("my-ep", repository="alice/m", ..., type=InferenceEndpointType.PRIVATE)
    ```
    """

    PUBLIC = "public"
    PROTECTED = "protected"
    PRIVATE = "private"
    AUTHENTICATED = "authenticated"


class EndpointModel(Wire, frozen=True):
    """`model` of an endpoint: repository, revision, task, framework, image, env, secrets."""

    repository: str
    framework: str | None = None
    revision: str | None = None
    task: str | None = None
    image: dict[str, Any] | None = None
    env: dict[str, Any] | None = None
    secrets: dict[str, Any] | None = None
    command: list[str] | None = None
    args: list[str] | None = None


class EndpointStatus(Wire, frozen=True):
    """`status` of an endpoint: state, message, url, timestamps, replicas."""

    state: str
    created_at: datetime
    updated_at: datetime
    message: str | None = None
    url: str | None = None
    created_by: dict[str, Any] | None = None
    updated_by: dict[str, Any] | None = None
    ready_replica: int | None = None
    target_replica: int | None = None
    private: Any = None


class EndpointProvider(Wire, frozen=True):
    """`provider` of an endpoint: vendor and region."""

    vendor: str
    region: str


class EndpointCompute(Wire, frozen=True):
    """`compute` of an endpoint: accelerator, instance type/size, scaling."""

    accelerator: str | None = None
    instance_type: str | None = None
    instance_size: str | None = None
    scaling: dict[str, Any] | None = None


class InferenceEndpoint(Wire, frozen=True):
    """An Inference Endpoint as returned by `GET/POST/PUT {IE}/endpoint/{NS}[/{name}]`.

    ```python
    ep = msgspec.structs.replace(msgspec.json.decode(body, type=InferenceEndpoint), namespace="alice")
    ```
    """

    name: str
    type: str
    health_route: str
    model: EndpointModel
    status_info: EndpointStatus = msgspec.field(name="status")
    provider: EndpointProvider | None = None
    compute: EndpointCompute | None = None
    private_service: dict[str, Any] | None = None
    route: dict[str, Any] | None = None
    cache_http_responses: bool | None = None
    tags: list[str] | None = None
    namespace: str = ""

    @property
    def repository(self) -> str:
        """Model repository served."""
        return self.model.repository

    @property
    def status(self) -> str:
        """State (`InferenceEndpointStatus` value)."""
        return self.status_info.state

    @property
    def url(self) -> str | None:
        """Public URL, `None` until deployed."""
        return self.status_info.url

    @property
    def framework(self) -> str | None:
        """Model framework."""
        return self.model.framework

    @property
    def revision(self) -> str | None:
        """Model revision."""
        return self.model.revision

    @property
    def task(self) -> str | None:
        """Model task."""
        return self.model.task

    @property
    def created_at(self) -> datetime:
        """Creation time."""
        return self.status_info.created_at

    @property
    def updated_at(self) -> datetime:
        """Last update time."""
        return self.status_info.updated_at

    @property
    def raw(self) -> dict[str, Any]:
        """The wire object rebuilt from the known keys (unset ones left out)."""
        data = msgspec.to_builtins(self)
        data.pop("namespace", None)
        return {k: v for k, v in data.items() if v is not None}


class InferenceEndpointHardware(Wire, frozen=True):
    """One compute offer, flattened from `GET {IE}/provider/{NS}` (vendors → regions → computes).

    ```python
    InferenceEndpointHardware(id="aws-us-east-1-x", vendor="aws", region="us-east-1", ...)
    ```
    """

    id: str
    vendor: str
    region: str
    accelerator: str
    instance_type: str
    instance_size: str
    architecture: str
    num_accelerators: int
    memory_gb: float
    price_per_hour: float
    status: str
    max_accelerators: int
    used_accelerators: int
    num_cpus: int | None = None
    gpu_memory_gb: int | None = None
