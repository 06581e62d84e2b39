"""Spaces nodes: runtime, hardware, sleep time, pause/restart, dev mode, secrets, variables, volumes,
hardware list, templates, logs, and ``duplicate_repo`` (any repo type).

Every node validates its repo id when built. Runtime-changing nodes answer a ``SpaceRuntime``;
secrets and variables answer ``dict[str, SpaceSecret | SpaceVariable]`` keyed by name.

```python
rt = await ctx.submit(RequestSpaceHardware(repo_id="alice/demo", hardware="t4-small"))
rt.requested_hardware   # "t4-small"
url = await ctx.submit(DuplicateRepo(from_id="alice/demo", repository="bob/demo", repo_type="space"))
```
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from hubflow._validation import normalize_repo_type, validate_repo_id
from hubflow.errors import raise_for_status
from hubflow.schema import (
    DuplicatedRepoUrl,
    DuplicateRepoResponse,
    JobHardwareInfo,
    SpaceRuntime,
    SpaceSecret,
    SpaceTemplate,
    SpaceVariable,
    Volume,
)
from hubflow.schema._spaces import space_secrets_from_json, space_variables_from_json
from hubflow.tasks._base import Endpoint, Task

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = [
    "AddSpaceSecret",
    "AddSpaceVariable",
    "DeleteSpaceSecret",
    "DeleteSpaceVariable",
    "DeleteSpaceVolumes",
    "DuplicateRepo",
    "FetchSpaceLogs",
    "GetSpaceRuntime",
    "GetSpaceSecrets",
    "GetSpaceVariables",
    "ListSpaceTemplates",
    "ListSpacesHardware",
    "PauseSpace",
    "RequestSpaceHardware",
    "RestartSpace",
    "SetSpaceDevMode",
    "SetSpaceSleepTime",
    "SetSpaceVolumes",
    "sse_data_events",
]


class _SpaceEndpoint(Endpoint[Any], kw_only=True):
    """A ``/api/spaces/{repo_id}/...`` call; the repo id is checked when the node is built."""

    repo_id: str

    def __post_init__(self) -> None:
        validate_repo_id(self.repo_id)


class _NoBody(_SpaceEndpoint, kw_only=True):
    """A POST sent without a body (as the official client does for pause/restart)."""

    def request_body(self) -> Any:
        return None


class GetSpaceRuntime(_SpaceEndpoint, kw_only=True):
    """``GET /api/spaces/{R}/runtime`` → ``SpaceRuntime``.

    ```python
    GetSpaceRuntime(repo_id="alice/demo")
    ```
    """

    method = "GET"
    path = "/api/spaces/{repo_id}/runtime"
    result_type = SpaceRuntime


class RequestSpaceHardware(_SpaceEndpoint, kw_only=True):
    """``POST /api/spaces/{R}/hardware`` ``{"flavor", "sleepTimeSeconds"?}`` → ``SpaceRuntime``.

    ```python
    RequestSpaceHardware(repo_id="alice/demo", hardware="t4-small", sleep_time=3600)
    ```
    """

    idempotent: ClassVar[bool] = True
    method = "POST"
    path = "/api/spaces/{repo_id}/hardware"
    result_type = SpaceRuntime
    hardware: str = msgspec.field(name="flavor")
    sleep_time: int | None = msgspec.field(default=None, name="sleepTimeSeconds")


class SetSpaceSleepTime(_SpaceEndpoint, kw_only=True):
    """``POST /api/spaces/{R}/sleeptime`` ``{"seconds"}`` → ``SpaceRuntime``.

    ```python
    SetSpaceSleepTime(repo_id="alice/demo", sleep_time=600)
    ```
    """

    method = "POST"
    path = "/api/spaces/{repo_id}/sleeptime"
    result_type = SpaceRuntime
    sleep_time: int = msgspec.field(name="seconds")


class PauseSpace(_NoBody, kw_only=True):
    """``POST /api/spaces/{R}/pause`` → ``SpaceRuntime`` (stage ``PAUSED``).

    ```python
    PauseSpace(repo_id="alice/demo")
    ```
    """

    method = "POST"
    path = "/api/spaces/{repo_id}/pause"
    result_type = SpaceRuntime


class RestartSpace(_NoBody, kw_only=True):
    """``POST /api/spaces/{R}/restart[?factory=true]`` → ``SpaceRuntime``.

    ```python
    RestartSpace(repo_id="alice/demo", factory_reboot=True)
    ```
    """

    method = "POST"
    path = "/api/spaces/{repo_id}/restart"
    result_type = SpaceRuntime
    factory_reboot: bool = False

    def request_params(self) -> list[tuple[str, str]] | None:
        return [("factory", "true")] if self.factory_reboot else None


class SetSpaceDevMode(_SpaceEndpoint, kw_only=True):
    """``POST /api/spaces/{R}/dev-mode`` ``{"enabled"}`` → ``SpaceRuntime``.

    ```python
    SetSpaceDevMode(repo_id="alice/demo", enabled=True)
    ```
    """

    method = "POST"
    path = "/api/spaces/{repo_id}/dev-mode"
    result_type = SpaceRuntime
    enabled: bool


class _EnvChange(_SpaceEndpoint, kw_only=True):
    """Secrets/variables changes: ``{"key", "value"?, "description"?}`` as a JSON body (DELETE too)."""

    key: str

    def request_params(self) -> list[tuple[str, str]] | None:
        return None

    def request_body(self) -> Any:
        return {name: value for name, value in self._wire_items()}


class AddSpaceSecret(_EnvChange, kw_only=True):
    """``POST /api/spaces/{R}/secrets`` (the answer is ignored: secret values are write-only).

    ```python
    AddSpaceSecret(repo_id="alice/demo", key="HF_TOKEN", value="hf_...", description="read token")
    ```
    """

    method = "POST"
    path = "/api/spaces/{repo_id}/secrets"
    value: str
    description: str | None = None


class DeleteSpaceSecret(_EnvChange, kw_only=True):
    """``DELETE /api/spaces/{R}/secrets`` with ``{"key"}`` (an unknown key is not an error).

    ```python
    DeleteSpaceSecret(repo_id="alice/demo", key="HF_TOKEN")
    ```
    """

    method = "DELETE"
    path = "/api/spaces/{repo_id}/secrets"


class GetSpaceSecrets(_SpaceEndpoint, kw_only=True):
    """``GET /api/spaces/{R}/secrets`` → ``dict[str, SpaceSecret]`` (names, descriptions, dates; no values).

    ```python
    GetSpaceSecrets(repo_id="alice/demo")
    ```
    """

    method = "GET"
    path = "/api/spaces/{repo_id}/secrets"

    def decode(self, content: bytes) -> dict[str, SpaceSecret]:
        return space_secrets_from_json(content)


class _VariablesAnswer(_EnvChange, kw_only=True):
    def decode(self, content: bytes) -> dict[str, SpaceVariable]:
        return space_variables_from_json(content)


class AddSpaceVariable(_VariablesAnswer, kw_only=True):
    """``POST /api/spaces/{R}/variables`` → every variable, ``dict[str, SpaceVariable]``.

    ```python
    AddSpaceVariable(repo_id="alice/demo", key="MODEL_ID", value="alice/m")
    ```
    """

    method = "POST"
    path = "/api/spaces/{repo_id}/variables"
    value: str
    description: str | None = None


class DeleteSpaceVariable(_VariablesAnswer, kw_only=True):
    """``DELETE /api/spaces/{R}/variables`` with ``{"key"}`` → the remaining variables.

    ```python
    DeleteSpaceVariable(repo_id="alice/demo", key="MODEL_ID")
    ```
    """

    method = "DELETE"
    path = "/api/spaces/{repo_id}/variables"


class GetSpaceVariables(_SpaceEndpoint, kw_only=True):
    """``GET /api/spaces/{R}/variables`` → ``dict[str, SpaceVariable]``.

    ```python
    GetSpaceVariables(repo_id="alice/demo")
    ```
    """

    method = "GET"
    path = "/api/spaces/{repo_id}/variables"

    def decode(self, content: bytes) -> dict[str, SpaceVariable]:
        return space_variables_from_json(content)


class SetSpaceVolumes(_SpaceEndpoint, kw_only=True):
    """``PUT /api/spaces/{R}/volumes`` ``{"volumes": [...]}``: replaces the mounted volumes.

    ```python
    SetSpaceVolumes(repo_id="alice/demo", volumes=[Volume(type="bucket", source="alice/b", mount_path="/data")])
    ```
    """

    method = "PUT"
    path = "/api/spaces/{repo_id}/volumes"
    volumes: list[Volume]

    def request_body(self) -> Any:
        return {"volumes": [v.to_dict() for v in self.volumes]}


class DeleteSpaceVolumes(_SpaceEndpoint, kw_only=True):
    """``DELETE /api/spaces/{R}/volumes``: unmount every volume (400 when there is none).

    ```python
    DeleteSpaceVolumes(repo_id="alice/demo")
    ```
    """

    method = "DELETE"
    path = "/api/spaces/{repo_id}/volumes"


class ListSpacesHardware(Endpoint[list[JobHardwareInfo]], kw_only=True):
    """``GET /api/spaces/hardware`` → the hardware flavours (``JobHardwareInfo``).

    ```python
    ListSpacesHardware()
    ```
    """

    method = "GET"
    path = "/api/spaces/hardware"
    result_type = list[JobHardwareInfo]


class _Templates(msgspec.Struct):
    templates: list[SpaceTemplate]


class ListSpaceTemplates(Endpoint[list[SpaceTemplate]], kw_only=True):
    """``GET /api/spaces/templates`` → ``list[SpaceTemplate]`` (unwrapped from ``{"templates": [...]}``).

    ```python
    ListSpaceTemplates()
    ```
    """

    method = "GET"
    path = "/api/spaces/templates"

    def decode(self, content: bytes) -> list[SpaceTemplate]:
        return msgspec.json.decode(content, type=_Templates).templates


class DuplicateRepo(Task[DuplicatedRepoUrl], kw_only=True):
    """``POST /api/{T}/{from_id}/duplicate`` → ``DuplicatedRepoUrl``; ``exist_ok`` reads the 409's ``url``.

    ``repository`` is the full target id (the facade fills a missing namespace from ``whoami``).
    Space-only fields are sent only for Spaces.

    ```python
    DuplicateRepo(from_id="alice/demo", repository="bob/demo", repo_type="space", hardware="t4-small")
    ```
    """

    idempotent: ClassVar[bool] = False
    from_id: str
    repository: str
    repo_type: str | None = None
    visibility: str | None = None
    exist_ok: bool = False
    resource_group_id: str | None = None
    hardware: str | None = None
    sleep_time: int | None = None
    secrets: list[dict[str, str]] | None = None
    variables: list[dict[str, str]] | None = None
    volumes: list[Volume] | None = None

    def __post_init__(self) -> None:
        validate_repo_id(self.from_id)
        validate_repo_id(self.repository)
        normalize_repo_type(self.repo_type)

    def body(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"repository": self.repository}
        for key, value in (("visibility", self.visibility), ("resourceGroupId", self.resource_group_id)):
            if value is not None:
                payload[key] = value
        if normalize_repo_type(self.repo_type) == "space":
            space = {
                "hardware": self.hardware, "sleepTimeSeconds": self.sleep_time, "secrets": self.secrets,
                "variables": self.variables, "volumes": [v.to_dict() for v in self.volumes] if self.volumes else None,
            }
            payload.update({k: v for k, v in space.items() if v is not None})
        return payload

    async def run(self, ctx: Context) -> DuplicatedRepoUrl:
        plural = {"model": "models", "dataset": "datasets", "space": "spaces"}[normalize_repo_type(self.repo_type)]
        response = await ctx.hub.request(
            "POST", f"/api/{plural}/{self.from_id}/duplicate", token=self.token, json=self.body(), raise_errors=False
        )
        if not (response.status_code == 409 and self.exist_ok):
            raise_for_status(response)
        data = msgspec.json.decode(response.content, type=DuplicateRepoResponse)
        return DuplicatedRepoUrl(data.url, endpoint=ctx.settings.endpoint, files_copy_pending=data.files_copy_pending)


class FetchSpaceLogs(Task[list[str]], kw_only=True):
    """The buffered run (or build) log lines of a Space (``GET /api/spaces/{R}/logs/{run|build}``, SSE).

    The facade's ``fetch_space_logs`` streams instead (and can follow); this node collects.

    ```python
    lines = await ctx.submit(FetchSpaceLogs(repo_id="alice/demo", build=True))
    ```
    """

    repo_id: str
    build: bool = False

    def __post_init__(self) -> None:
        validate_repo_id(self.repo_id)

    async def run(self, ctx: Context) -> list[str]:
        kind = "build" if self.build else "run"
        lines = []
        async with ctx.hub.stream("GET", f"/api/spaces/{self.repo_id}/logs/{kind}", token=self.token) as response:
            async for event in sse_data_events(response.aiter_lines()):
                lines.append(str(event["data"]))
        return lines


async def sse_data_events(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, Any]]:
    """The JSON events of an SSE stream: lines ``data: {...}``; comments and empty data are skipped.

    ```python
    async for event in sse_data_events(response.aiter_lines()):
        print(event["data"], end="")
    ```
    """
    async for line in lines:
        if line.startswith("data: {"):
            try:
                event = json.loads(line[len("data: "):])
            except ValueError:
                continue  # a malformed event is dropped, not fatal: logs are best effort
            if isinstance(event, dict):
                yield event
