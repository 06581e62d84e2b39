"""Spaces on the facade: runtime, hardware, sleep time, pause/restart, dev mode, secrets, variables,
volumes, logs, hardware list, templates, ``wait_for_space`` and ``duplicate_repo``.

Same names, parameters and defaults as ``huggingface_hub.HfApi`` 2.4.0. ``token`` is a ``TokenArg``.

```python
api = HfApi(token="hf_alice_write")
api.request_space_hardware("alice/demo", "t4-small").requested_hardware    # "t4-small"
api.add_space_variable("alice/demo", "MODEL_ID", "alice/m")["MODEL_ID"].value
for line in api.fetch_space_logs("alice/demo"):
    print(line, end="")
```
"""

from __future__ import annotations

import time
import warnings
from collections.abc import AsyncIterator
from typing import Literal
from urllib.parse import urlsplit

import anyio

from hubflow._api._base import AsyncHfApiBase
from hubflow._settings import TokenArg
from hubflow._validation import validate_repo_id
from hubflow.errors import HfHubHTTPError, HubConnectionError
from hubflow.schema import (
    DuplicatedRepoUrl,
    JobHardwareInfo,
    SpaceRuntime,
    SpaceSecret,
    SpaceTemplate,
    SpaceVariable,
    Volume,
)
from hubflow.schema._spaces import INTERMEDIATE_SPACE_STAGES
from hubflow.tasks.repos import resolve_visibility, warn_ignored
from hubflow.tasks.spaces import (
    AddSpaceSecret,
    AddSpaceVariable,
    DeleteSpaceSecret,
    DeleteSpaceVariable,
    DeleteSpaceVolumes,
    DuplicateRepo,
    GetSpaceRuntime,
    GetSpaceSecrets,
    GetSpaceVariables,
    ListSpacesHardware,
    ListSpaceTemplates,
    PauseSpace,
    RequestSpaceHardware,
    RestartSpace,
    SetSpaceDevMode,
    SetSpaceSleepTime,
    SetSpaceVolumes,
    sse_data_events,
)
from hubflow.tasks.users import WhoAmI

__all__ = ["SpacesMixin"]

_FREE_SLEEP_WARNING = (
    "If your Space runs on the default 'cpu-basic' hardware, it will go to sleep if inactive for more than 48 hours."
    " This value is not configurable. If you don't want your Space to deactivate or if you want to set a custom"
    " sleep time, you need to upgrade to a paid Hardware."
)
_INTERMEDIATE = {s.value for s in INTERMEDIATE_SPACE_STAGES}


def _target_id(text: str) -> str:
    """``ns/name`` or ``name`` from a bare id, an ``hf://`` URI or a web URL."""
    if text.startswith("hf://"):
        text = text[len("hf://"):]
    elif "://" in text:
        text = urlsplit(text).path.lstrip("/")
    for prefix in ("models/", "datasets/", "spaces/"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.split("@", 1)[0].strip("/")


class SpacesMixin(AsyncHfApiBase):
    """Spaces runtime and settings, and ``duplicate_repo`` (see the module docstring)."""

    # -- runtime -------------------------------------------------------------------------------------------
    async def get_space_runtime(self, repo_id: str, *, token: TokenArg = None) -> SpaceRuntime:
        """Runtime of a Space: stage, current/requested hardware, sleep time, dev mode, volumes.

        ```python
        rt = await api.get_space_runtime("alice/demo")
        rt.stage, rt.hardware, rt.requested_hardware
        ```
        """
        result: SpaceRuntime = await self._run(GetSpaceRuntime(repo_id=repo_id, token=token))
        return result

    async def request_space_hardware(
        self, repo_id: str, hardware: str, *, token: TokenArg = None, sleep_time: int | None = None
    ) -> SpaceRuntime:
        """Request new hardware for a Space (and optionally a sleep time in seconds, ``-1``: never).

        ```python
        await api.request_space_hardware("alice/demo", "t4-small", sleep_time=3600)
        ```
        """
        if sleep_time is not None and hardware == "cpu-basic":
            warnings.warn(_FREE_SLEEP_WARNING, UserWarning, stacklevel=2)
        node = RequestSpaceHardware(repo_id=repo_id, hardware=str(getattr(hardware, "value", hardware)),
                                    sleep_time=sleep_time, token=token)
        result: SpaceRuntime = await self._run(node)
        return result

    async def set_space_sleep_time(self, repo_id: str, sleep_time: int, *, token: TokenArg = None) -> SpaceRuntime:
        """Seconds of inactivity before the Space sleeps (upgraded hardware only; ``-1``: never).

        ```python
        await api.set_space_sleep_time("alice/demo", 600)
        ```
        """
        runtime: SpaceRuntime = await self._run(SetSpaceSleepTime(repo_id=repo_id, sleep_time=sleep_time, token=token))
        if (runtime.requested_hardware or runtime.hardware) == "cpu-basic":
            warnings.warn(_FREE_SLEEP_WARNING, UserWarning, stacklevel=2)
        return runtime

    async def pause_space(self, repo_id: str, *, token: TokenArg = None) -> SpaceRuntime:
        """Pause a Space until :meth:`restart_space` (owners only; static Spaces: ``BadRequestError``).

        ```python
        (await api.pause_space("alice/demo")).stage   # "PAUSED"
        ```
        """
        result: SpaceRuntime = await self._run(PauseSpace(repo_id=repo_id, token=token))
        return result

    async def restart_space(
        self, repo_id: str, *, token: TokenArg = None, factory_reboot: bool = False
    ) -> SpaceRuntime:
        """Restart a Space (also un-pauses it); ``factory_reboot`` rebuilds without cache.

        ```python
        await api.restart_space("alice/demo", factory_reboot=True)
        ```
        """
        result: SpaceRuntime = await self._run(
            RestartSpace(repo_id=repo_id, factory_reboot=factory_reboot, token=token)
        )
        return result

    async def enable_space_dev_mode(self, repo_id: str, *, token: TokenArg = None) -> SpaceRuntime:
        """Turn dev mode on.

        ```python
        (await api.enable_space_dev_mode("alice/demo")).dev_mode   # True
        ```
        """
        result: SpaceRuntime = await self._run(SetSpaceDevMode(repo_id=repo_id, enabled=True, token=token))
        return result

    async def disable_space_dev_mode(self, repo_id: str, *, token: TokenArg = None) -> SpaceRuntime:
        """Turn dev mode off.

        ```python
        await api.disable_space_dev_mode("alice/demo")
        ```
        """
        result: SpaceRuntime = await self._run(SetSpaceDevMode(repo_id=repo_id, enabled=False, token=token))
        return result

    async def wait_for_space(
        self, repo_id: str, *, timeout: float | None = None, poll_interval: float = 1.0, token: TokenArg = None
    ) -> SpaceRuntime:
        """Poll the runtime until the stage is not building/starting; ``TimeoutError`` after ``timeout`` s.

        ```python
        (await api.wait_for_space("alice/demo", timeout=60)).stage   # "RUNNING"
        ```
        """
        if timeout is not None and timeout < 0:
            raise ValueError("`timeout` cannot be negative.")
        if poll_interval <= 0:
            raise ValueError("`poll_interval` must be positive.")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            runtime = await self.get_space_runtime(repo_id, token=token)
            if runtime.stage not in _INTERMEDIATE:
                return runtime
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError(f"Space '{repo_id}' is still in stage '{runtime.stage}' after {timeout} seconds.")
            await anyio.sleep(poll_interval if remaining is None else min(poll_interval, remaining))

    # -- secrets and variables -----------------------------------------------------------------------------
    async def add_space_secret(
        self, repo_id: str, key: str, value: str, *, description: str | None = None, token: TokenArg = None
    ) -> None:
        """Add or overwrite a secret (its value can never be read back).

        ```python
        await api.add_space_secret("alice/demo", "HF_TOKEN", "hf_...", description="read token")
        ```
        """
        await self._run(AddSpaceSecret(repo_id=repo_id, key=key, value=value, description=description, token=token))

    async def delete_space_secret(self, repo_id: str, key: str, *, token: TokenArg = None) -> None:
        """Delete a secret (an unknown key is not an error).

        ```python
        await api.delete_space_secret("alice/demo", "HF_TOKEN")
        ```
        """
        await self._run(DeleteSpaceSecret(repo_id=repo_id, key=key, token=token))

    async def get_space_secrets(self, repo_id: str, *, token: TokenArg = None) -> dict[str, SpaceSecret]:
        """Secrets of a Space by key: descriptions and update times, never values.

        ```python
        sorted(await api.get_space_secrets("alice/demo"))   # ["HF_TOKEN"]
        ```
        """
        result: dict[str, SpaceSecret] = await self._run(GetSpaceSecrets(repo_id=repo_id, token=token))
        return result

    async def get_space_variables(self, repo_id: str, *, token: TokenArg = None) -> dict[str, SpaceVariable]:
        """Variables of a Space by key.

        ```python
        (await api.get_space_variables("alice/demo"))["MODEL_ID"].value
        ```
        """
        result: dict[str, SpaceVariable] = await self._run(GetSpaceVariables(repo_id=repo_id, token=token))
        return result

    async def add_space_variable(
        self, repo_id: str, key: str, value: str, *, description: str | None = None, token: TokenArg = None
    ) -> dict[str, SpaceVariable]:
        """Add or overwrite a variable; returns every variable of the Space.

        ```python
        await api.add_space_variable("alice/demo", "MODEL_ID", "alice/m")
        ```
        """
        node = AddSpaceVariable(repo_id=repo_id, key=key, value=value, description=description, token=token)
        result: dict[str, SpaceVariable] = await self._run(node)
        return result

    async def delete_space_variable(
        self, repo_id: str, key: str, *, token: TokenArg = None
    ) -> dict[str, SpaceVariable]:
        """Delete a variable; returns the remaining ones.

        ```python
        await api.delete_space_variable("alice/demo", "MODEL_ID")
        ```
        """
        result: dict[str, SpaceVariable] = await self._run(DeleteSpaceVariable(repo_id=repo_id, key=key, token=token))
        return result

    # -- volumes -------------------------------------------------------------------------------------------
    async def set_space_volumes(self, repo_id: str, volumes: list[Volume], *, token: TokenArg = None) -> None:
        """Replace the volumes mounted in a Space.

        ```python
        await api.set_space_volumes("alice/demo", [Volume(type="bucket", source="alice/b", mount_path="/data")])
        ```
        """
        await self._run(SetSpaceVolumes(repo_id=repo_id, volumes=list(volumes), token=token))

    async def delete_space_volumes(self, repo_id: str, *, token: TokenArg = None) -> None:
        """Unmount every volume (``BadRequestError`` when there is none).

        ```python
        await api.delete_space_volumes("alice/demo")
        ```
        """
        await self._run(DeleteSpaceVolumes(repo_id=repo_id, token=token))

    # -- catalogue -----------------------------------------------------------------------------------------
    async def list_spaces_hardware(self, token: TokenArg = None) -> list[JobHardwareInfo]:
        """Hardware flavours a Space can request.

        ```python
        [h.name for h in await api.list_spaces_hardware()][:2]   # ["cpu-basic", "cpu-upgrade"]
        ```
        """
        result: list[JobHardwareInfo] = await self._run(ListSpacesHardware(token=token))
        return result

    async def list_space_templates(self, *, token: TokenArg = None) -> list[SpaceTemplate]:
        """Space templates (their ``repo_id`` or ``name`` go to ``create_repo(space_template=...)``).

        ```python
        [t.name for t in await api.list_space_templates()]
        ```
        """
        result: list[SpaceTemplate] = await self._run(ListSpaceTemplates(token=token))
        return result

    # -- logs ----------------------------------------------------------------------------------------------
    async def fetch_space_logs(
        self, repo_id: str, *, build: bool = False, follow: bool = False, token: TokenArg = None
    ) -> AsyncIterator[str]:
        """Yield the run (or ``build``) log lines of a Space; ``follow`` keeps streaming until the server ends.

        Without ``follow`` the buffered lines are returned (5 s read timeout). With ``follow``,
        up to 5 consecutive reconnections; replayed lines are skipped by counting, as the official client.

        ```python
        async for line in api.fetch_space_logs("alice/demo", build=True):
            print(line, end="")
        ```
        """
        validate_repo_id(repo_id)
        path = f"/api/spaces/{repo_id}/logs/{'build' if build else 'run'}"
        seen = failures = 0
        while True:
            index = 0
            try:
                async with self.hub.stream("GET", path, token=token, timeout=120 if follow else 5) as response:
                    async for event in sse_data_events(response.aiter_lines()):
                        index += 1
                        if index <= seen:
                            continue  # replayed after a reconnection
                        seen, failures = index, 0
                        yield str(event.get("data", ""))
                return
            except HfHubHTTPError:
                raise
            except HubConnectionError:
                if not follow or failures >= 5:
                    if not follow:
                        return  # no-follow: a stalled stream means the buffer is drained
                    raise
                failures += 1
                await anyio.sleep(min(10, 2 ** (failures - 1)))

    # -- duplication ---------------------------------------------------------------------------------------
    async def duplicate_repo(
        self,
        from_id: str,
        to_id: str | None = None,
        *,
        repo_type: str | None = None,
        private: bool | None = None,
        visibility: Literal["public", "private", "protected"] | None = None,
        token: TokenArg = None,
        exist_ok: bool = False,
        resource_group_id: str | None = None,
        space_hardware: str | None = None,
        space_sleep_time: int | None = None,
        space_secrets: list[dict[str, str]] | None = None,
        space_variables: list[dict[str, str]] | None = None,
        space_volumes: list[Volume] | None = None,
    ) -> DuplicatedRepoUrl:
        """Copy a repo (model, dataset or Space) server-side, history and LFS files included.

        ``to_id`` defaults to the source name in your namespace; a missing namespace is yours
        (``whoami``). Space-only arguments are ignored (with a warning) for other repo types.

        ```python
        url = await api.duplicate_repo("alice/demo", "bob/demo", repo_type="space", space_hardware="t4-small")
        url.repo_id, url.files_copy_pending
        ```
        """
        if repo_type not in (None, "model", "dataset", "space"):
            raise ValueError("Invalid repo type")
        resolved = resolve_visibility(private, visibility, repo_type)
        target = _target_id(to_id) if to_id is not None else _target_id(from_id).rsplit("/", 1)[-1]
        if "/" not in target:
            me = await self._run(WhoAmI(token=token))
            target = f"{me['name']}/{target}"
        space_args = {
            "space_hardware": space_hardware, "space_sleep_time": space_sleep_time, "space_secrets": space_secrets,
            "space_variables": space_variables, "space_volumes": space_volumes,
        }
        if repo_type == "space":
            if space_sleep_time is not None and space_hardware == "cpu-basic":
                warnings.warn(_FREE_SLEEP_WARNING, UserWarning, stacklevel=2)
        else:
            warn_ignored([name for name, value in space_args.items() if value is not None])
        is_space = repo_type == "space"  # the Space-only fields are dropped for other types
        node = DuplicateRepo(
            from_id=_target_id(from_id), repository=target, repo_type=repo_type, visibility=resolved,
            exist_ok=exist_ok, resource_group_id=resource_group_id, token=token,
            hardware=str(getattr(space_hardware, "value", space_hardware)) if is_space and space_hardware else None,
            sleep_time=space_sleep_time if is_space else None,
            secrets=space_secrets if is_space else None,
            variables=space_variables if is_space else None,
            volumes=list(space_volumes) if is_space and space_volumes else None,
        )
        result: DuplicatedRepoUrl = await self._run(node)
        return result
