"""Spaces: runtime, hardware, stages, volumes, secrets, variables, templates, quota.

`SpaceRuntime` is returned by `GET /api/spaces/{R}/runtime` and by the hardware, sleep time,
pause, restart and dev-mode calls; it also appears as `SpaceInfo.runtime`.

```python
rt = msgspec.json.decode(b'{"stage": "RUNNING", "hardware": {"current": "cpu-basic"}}', type=SpaceRuntime)
assert rt.hardware == "cpu-basic" and rt.stage == SpaceStage.RUNNING
```
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec

from hubflow.schema._base import Wire

__all__ = [
    "SpaceHardware",
    "SpaceHotReloading",
    "SpaceRuntime",
    "SpaceSecret",
    "SpaceStage",
    "SpaceStorage",
    "SpaceTemplate",
    "SpaceVariable",
    "Volume",
    "ZeroGpuQuota",
    "space_secrets_from_json",
    "space_variables_from_json",
]


class SpaceStage(str, enum.Enum):
    """Stage of a Space (`SpaceRuntime.stage` holds the raw string; compare with these).

    ```python
    api.get_space_runtime("alice/demo").stage == SpaceStage.RUNNING
    ```
    """

    NO_APP_FILE = "NO_APP_FILE"
    CONFIG_ERROR = "CONFIG_ERROR"
    BUILDING = "BUILDING"
    BUILD_ERROR = "BUILD_ERROR"
    RUNNING = "RUNNING"
    RUNNING_BUILDING = "RUNNING_BUILDING"
    RUNTIME_ERROR = "RUNTIME_ERROR"
    DELETING = "DELETING"
    STOPPED = "STOPPED"
    PAUSED = "PAUSED"
    APP_STARTING = "APP_STARTING"
    RUNNING_APP_STARTING = "RUNNING_APP_STARTING"


class SpaceHardware(str, enum.Enum):
    """Known Space hardware flavours (any string is accepted on the wire).

    ```python
    api.request_space_hardware("alice/demo", SpaceHardware.T4_SMALL)
    ```
    """

    CPU_BASIC = "cpu-basic"
    CPU_UPGRADE = "cpu-upgrade"
    ZERO_A10G = "zero-a10g"
    T4_SMALL = "t4-small"
    T4_MEDIUM = "t4-medium"
    L4X1 = "l4x1"
    L4X4 = "l4x4"
    L40SX1 = "l40sx1"
    L40SX4 = "l40sx4"
    L40SX8 = "l40sx8"
    A10G_SMALL = "a10g-small"
    A10G_LARGE = "a10g-large"
    A10G_LARGEX2 = "a10g-largex2"
    A10G_LARGEX4 = "a10g-largex4"
    A100_LARGE = "a100-large"
    A100X4 = "a100x4"
    A100X8 = "a100x8"
    RTX_PRO_6000 = "rtx-pro-6000"
    RTX_PRO_6000X2 = "rtx-pro-6000x2"
    RTX_PRO_6000X4 = "rtx-pro-6000x4"
    RTX_PRO_6000X8 = "rtx-pro-6000x8"


class SpaceStorage(str, enum.Enum):
    """Legacy persistent storage tiers.

    ```python
    SpaceStorage("small") is SpaceStorage.SMALL   # as reported in SpaceRuntime.storage
    ```
    """

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


INTERMEDIATE_SPACE_STAGES = (
    SpaceStage.BUILDING,
    SpaceStage.RUNNING_BUILDING,
    SpaceStage.APP_STARTING,
    SpaceStage.RUNNING_APP_STARTING,
)


class Volume(Wire, frozen=True):
    """A volume mounted in a Space or a Job (`{"type", "source", "mountPath", ...}`).

    ```python
    Volume(type="bucket", source="alice/b", mount_path="/data")
    ```
    """

    source: str
    mount_path: str
    type: str = "model"
    revision: str | None = None
    read_only: bool | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Wire form, omitting unset optional keys (as huggingface_hub's `Volume.to_dict`)."""
        data: dict[str, Any] = {"type": self.type, "source": self.source, "mountPath": self.mount_path}
        for key, value in (("revision", self.revision), ("readOnly", self.read_only), ("path", self.path)):
            if value is not None:
                data[key] = value
        return data


class SpaceHotReloading(Wire, frozen=True):
    """Hot-reload state of a Space (`hotReloading`).

    ```python
    SpaceHotReloading(status="created", replica_statuses=[])
    ```
    """

    status: str
    replica_statuses: list[Any] = []

    @property
    def raw(self) -> dict[str, Any]:
        """The wire object (known keys only)."""
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


class _HardwareState(Wire, frozen=True):
    current: str | None = None
    requested: str | None = None


class SpaceRuntime(Wire, frozen=True):
    """Runtime of a Space: stage, hardware, sleep time, storage, dev mode, volumes.

    `raw` is rebuilt from the known keys (`stage`, `hardware`, `gcTimeout`, `storage`, `devMode`,
    `hotReloading`, `volumes`, `replicas`, `domains`, `errorMessage`, `sha`); other keys are dropped.

    ```python
    rt = SpaceRuntime(stage="BUILDING")
    ```
    """

    stage: str
    hardware_state: _HardwareState | None = msgspec.field(default=None, name="hardware")
    sleep_time: int | None = msgspec.field(default=None, name="gcTimeout")
    storage: str | None = None
    dev_mode: bool = False
    hot_reloading: SpaceHotReloading | None = None
    volumes: list[Volume] | None = None
    replicas: dict[str, Any] | None = None
    domains: list[dict[str, Any]] | None = None
    error_message: str | None = None
    sha: str | None = None

    @property
    def hardware(self) -> str | None:
        """Current hardware (`hardware.current`), `None` while first building."""
        return self.hardware_state.current if self.hardware_state else None

    @property
    def requested_hardware(self) -> str | None:
        """Requested hardware (`hardware.requested`)."""
        return self.hardware_state.requested if self.hardware_state else None

    @property
    def raw(self) -> dict[str, Any]:
        """The wire object, rebuilt from the known keys."""
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


class SpaceSecret(Wire, frozen=True):
    """A Space secret's metadata (values are never returned).

    ```python
    secrets = space_secrets_from_json(b'{"TOKEN": {"description": "d"}}')
    ```
    """

    key: str
    description: str | None = None
    updated_at: datetime | None = None


class SpaceVariable(Wire, frozen=True):
    """A Space variable.

    ```python
    variables = space_variables_from_json(b'{"A": {"value": "1"}}')
    assert variables["A"].value == "1"
    ```
    """

    key: str
    value: str
    description: str | None = None
    updated_at: datetime | None = None


class _SecretValues(Wire, frozen=True):
    description: str | None = None
    updated_at: datetime | None = None


class _VariableValues(Wire, frozen=True):
    value: str
    description: str | None = None
    updated_at: datetime | None = None


def space_secrets_from_json(body: bytes | str) -> dict[str, SpaceSecret]:
    """Decode `GET /api/spaces/{R}/secrets` (`{"KEY": {"description", "updatedAt"}}`).

    ```python
    space_secrets_from_json(b'{"K": {}}')["K"].key  # "K"
    ```
    """
    raw = msgspec.json.decode(body, type=dict[str, _SecretValues])
    return {k: SpaceSecret(key=k, description=v.description, updated_at=v.updated_at) for k, v in raw.items()}


def space_variables_from_json(body: bytes | str) -> dict[str, SpaceVariable]:
    """Decode a Space variables map (`{"KEY": {"value", "description", "updatedAt"}}`).

    ```python
    space_variables_from_json(b'{"K": {"value": "v"}}')["K"].value  # "v"
    ```
    """
    raw = msgspec.json.decode(body, type=dict[str, _VariableValues])
    return {
        k: SpaceVariable(key=k, value=v.value, description=v.description, updated_at=v.updated_at)
        for k, v in raw.items()
    }


class SpaceTemplate(Wire, frozen=True):
    """A Space template (`GET /api/spaces/templates` → `{"templates": [...]}`).

    ```python
    SpaceTemplate(name="n", repo_id="a/t", sdk="docker", preferred_private=False)
    ```
    """

    name: str
    repo_id: str
    sdk: str
    preferred_private: bool = False


class ZeroGpuQuota(Wire, frozen=True):
    """ZeroGPU quota in GPU-seconds (`remaining` is the wire `current`).

    ```python
    msgspec.json.decode(b'{"base": 1500, "current": 1200}', type=ZeroGpuQuota).remaining  # 1200
    ```
    """

    base: float
    remaining: float = msgspec.field(name="current")
    resets_at: datetime | None = None
    overquota_used: float | None = None
