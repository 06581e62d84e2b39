"""Jobs and scheduled jobs (api.md §7): task nodes and the job-spec builders.

``build_job_spec`` builds the ``run_job`` body exactly as huggingface_hub 2.4's ``_create_job_spec``
(timeouts like ``"1.5h"`` → seconds, default ``cpu-basic``, ``spaceId`` for Space images, a
default ``name`` label of image base name + 8 hex of the command's hash).

```python
spec = build_job_spec(image="python:3.12", command=["python", "-c", "print(1)"])
job = await ctx.submit(RunJob(namespace="alice", spec=spec))
job.status.stage
```
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, TypeVar

import msgspec

from hubflow.schema import JobHardwareInfo, JobInfo, ScheduledJobInfo, Volume
from hubflow.tasks._base import Endpoint

__all__ = [
    "DEFAULT_UV_IMAGE",
    "CancelJob",
    "CreateScheduledJob",
    "DeleteScheduledJob",
    "InspectJob",
    "InspectScheduledJob",
    "ListJobs",
    "ListJobsHardware",
    "ListScheduledJobs",
    "RerunJob",
    "ResumeScheduledJob",
    "RunJob",
    "SuspendScheduledJob",
    "TriggerScheduledJob",
    "UpdateJobExpose",
    "UpdateJobLabels",
    "UpdateScheduledJobLabels",
    "UpdateScheduledJobSchedule",
    "build_job_spec",
    "default_job_name_from_image",
    "default_job_name_from_script",
    "uv_command",
]

T = TypeVar("T")
DEFAULT_UV_IMAGE = "ghcr.io/astral-sh/uv:python3.12-bookworm"
_SPACE_PREFIXES = ("https://huggingface.co/spaces/", "https://hf.co/spaces/", "huggingface.co/spaces/", "hf.co/spaces/")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _sanitize(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "-", name)


def _short_hash(parts: list[str]) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:8]


def default_job_name_from_image(image: str, command: list[str]) -> str:
    """``python:3.12`` + ``["python","-c","print(1)"]`` → ``python-3-12-3212e188`` (as huggingface_hub).

    ```python
    default_job_name_from_image("python:3.12", ["python", "-c", "print(1)"])
    ```
    """
    for prefix in _SPACE_PREFIXES:
        if image.startswith(prefix):
            base = _sanitize(image[len(prefix):] or image)
            break
    else:
        base = _sanitize(image.rstrip("/").split("/")[-1] or image)
    return f"{base}-{_short_hash([image, *command])}"


def default_job_name_from_script(script: str, script_args: list[str]) -> str:
    """``train.py`` + args → ``train-<8 hex>`` (as huggingface_hub).

    ```python
    default_job_name_from_script("https://x/s.py", ["--x", "1"])
    ```
    """
    name = script.split("?", 1)[0].split("#", 1)[0].rstrip("/").split("/")[-1]
    name = name.removesuffix(".py")
    return f"{_sanitize(name or script)}-{_short_hash([script, *script_args])}"


def build_job_spec(
    *, image: str, command: list[str], env: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None,
    flavor: str | None = None, timeout: int | float | str | None = None, attempts: int | None = None,
    name: str | None = None, labels: dict[str, str] | None = None, volumes: list[Volume] | None = None,
    expose: list[int] | None = None, expose_public: list[int] | None = None, ssh: bool = False,
    network_group: str | None = None, network_aliases: list[str] | None = None,
    resource_group_id: str | None = None,
) -> dict[str, Any]:
    """The ``run_job`` / ``jobSpec`` body (api.md §7.3).

    ```python
    build_job_spec(image="python:3.12", command=["echo", "hi"], timeout="1.5h")["timeoutSeconds"]  # 5400
    ```
    """
    if network_aliases and not network_group:
        raise ValueError("`network_aliases` requires `network_group`.")
    if name is None and not (labels and "name" in labels):
        name = default_job_name_from_image(image, command)
    if name is not None:
        if labels is not None and "name" in labels:
            raise ValueError("`name` and the `name` key in `labels` cannot both be provided.")
        labels = {**(labels or {}), "name": name}
    spec: dict[str, Any] = {
        "command": list(command), "arguments": [], "environment": dict(env or {}), "flavor": str(flavor or "cpu-basic"),
    }
    if secrets:
        spec["secrets"] = dict(secrets)
    if timeout:
        if isinstance(timeout, str) and timeout[-1] in _UNITS:
            spec["timeoutSeconds"] = int(float(timeout[:-1]) * _UNITS[timeout[-1]])
        else:
            spec["timeoutSeconds"] = int(timeout)
    if attempts is not None:
        spec["attempts"] = attempts
    if labels:
        spec["labels"] = labels
    if volumes:
        spec["volumes"] = [v.to_dict() for v in volumes]
    if expose or expose_public:
        public = list(dict.fromkeys(expose_public or []))
        spec["expose"] = {"ports": list(dict.fromkeys([*(expose or []), *public])), "portsPublic": public}
    if ssh:
        spec["ssh"] = {"enabled": True}
    if network_group:
        spec["network"] = {"group": network_group, **({"aliases": network_aliases} if network_aliases else {})}
    if resource_group_id:
        spec["resourceGroupId"] = resource_group_id
    for prefix in _SPACE_PREFIXES:
        if image.startswith(prefix):
            spec["spaceId"] = image[len(prefix):]
            break
    else:
        spec["dockerImage"] = image
    return spec


def uv_command(
    script: str, script_args: list[str] | None = None, dependencies: list[str] | None = None, python: str | None = None
) -> list[str]:
    """``["uv", "run", "--with", dep, ..., "--python", py, script, *args]`` (api.md §7.4).

    ```python
    uv_command("https://x/s.py", ["--x", "1"], ["numpy"], "3.12")
    ```
    """
    args: list[str] = []
    for dependency in dependencies or []:
        args += ["--with", dependency]
    if python:
        args += ["--python", python]
    return ["uv", "run", *args, script, *(script_args or [])]


class _Spec(Endpoint[T], kw_only=True):
    """A node whose JSON body is its ``spec`` dict as is."""

    spec: dict[str, Any]

    def request_body(self) -> Any:
        return self.spec


class _NoBody(Endpoint[T], kw_only=True):
    """A POST without a body (cancel, suspend, ...)."""

    def request_body(self) -> Any:
        return None


class RunJob(_Spec[JobInfo], kw_only=True):
    """``POST /api/jobs/{namespace}`` with a job spec → ``JobInfo``."""

    method = "POST"
    path = "/api/jobs/{namespace}"
    result_type = JobInfo
    idempotent = False  # a retry could start the job twice
    namespace: str


class ListJobs(Endpoint[JobInfo], kw_only=True):
    """``GET /api/jobs/{namespace}?stage=…&label=k=v`` (``Link``-paginated)."""

    method = "GET"
    path = "/api/jobs/{namespace}"
    result_type = JobInfo
    paginated = True
    namespace: str
    stage: list[str] | None = None
    # not `label`: that name is Task's progress label
    label_filters: list[str] | None = msgspec.field(default=None, name="label")


class InspectJob(Endpoint[JobInfo], kw_only=True):
    """``GET /api/jobs/{namespace}/{job_id}``."""

    method = "GET"
    path = "/api/jobs/{namespace}/{job_id}"
    result_type = JobInfo
    namespace: str
    job_id: str


class CancelJob(_NoBody[None], kw_only=True):
    """``POST /api/jobs/{namespace}/{job_id}/cancel``."""

    method = "POST"
    path = "/api/jobs/{namespace}/{job_id}/cancel"
    namespace: str
    job_id: str


class RerunJob(_NoBody[JobInfo], kw_only=True):
    """``POST /api/jobs/{namespace}/{job_id}/duplicate`` → the new ``JobInfo``."""

    method = "POST"
    path = "/api/jobs/{namespace}/{job_id}/duplicate"
    result_type = JobInfo
    idempotent = False
    namespace: str
    job_id: str


class UpdateJobLabels(Endpoint[JobInfo], kw_only=True):
    """``PUT /api/jobs/{namespace}/{job_id}/labels`` with ``{"labels": …}`` (replaces)."""

    method = "PUT"
    path = "/api/jobs/{namespace}/{job_id}/labels"
    result_type = JobInfo
    namespace: str
    job_id: str
    labels: dict[str, str]


class UpdateJobExpose(_Spec[JobInfo], kw_only=True):
    """``PUT /api/jobs/{namespace}/{job_id}/expose`` with ``{"ports", "portsPublic"}``."""

    method = "PUT"
    path = "/api/jobs/{namespace}/{job_id}/expose"
    result_type = JobInfo
    namespace: str
    job_id: str


class ListJobsHardware(Endpoint[list[JobHardwareInfo]], kw_only=True):
    """``GET /api/jobs/hardware``."""

    method = "GET"
    path = "/api/jobs/hardware"
    result_type = list[JobHardwareInfo]


class CreateScheduledJob(_Spec[ScheduledJobInfo], kw_only=True):
    """``POST /api/scheduled-jobs/{namespace}`` with ``{"jobSpec", "schedule", ...}``."""

    method = "POST"
    path = "/api/scheduled-jobs/{namespace}"
    result_type = ScheduledJobInfo
    idempotent = False
    namespace: str


class ListScheduledJobs(Endpoint[list[ScheduledJobInfo]], kw_only=True):
    """``GET /api/scheduled-jobs/{namespace}[?label=k=v]`` (not paginated)."""

    method = "GET"
    path = "/api/scheduled-jobs/{namespace}"
    result_type = list[ScheduledJobInfo]
    namespace: str
    label_filter: str | None = msgspec.field(default=None, name="label")


class InspectScheduledJob(Endpoint[ScheduledJobInfo], kw_only=True):
    """``GET /api/scheduled-jobs/{namespace}/{scheduled_job_id}``."""

    method = "GET"
    path = "/api/scheduled-jobs/{namespace}/{scheduled_job_id}"
    result_type = ScheduledJobInfo
    namespace: str
    scheduled_job_id: str


class DeleteScheduledJob(Endpoint[None], kw_only=True):
    """``DELETE /api/scheduled-jobs/{namespace}/{scheduled_job_id}``."""

    method = "DELETE"
    path = "/api/scheduled-jobs/{namespace}/{scheduled_job_id}"
    namespace: str
    scheduled_job_id: str


class SuspendScheduledJob(_NoBody[None], kw_only=True):
    """``POST /api/scheduled-jobs/{namespace}/{scheduled_job_id}/suspend`` (no body)."""

    method = "POST"
    path = "/api/scheduled-jobs/{namespace}/{scheduled_job_id}/suspend"
    namespace: str
    scheduled_job_id: str


class ResumeScheduledJob(SuspendScheduledJob, kw_only=True):
    """``POST /api/scheduled-jobs/{namespace}/{scheduled_job_id}/resume`` (no body)."""

    path = "/api/scheduled-jobs/{namespace}/{scheduled_job_id}/resume"


class TriggerScheduledJob(_NoBody[JobInfo], kw_only=True):
    """``POST /api/scheduled-jobs/{namespace}/{scheduled_job_id}/run`` → the started ``JobInfo``."""

    method = "POST"
    path = "/api/scheduled-jobs/{namespace}/{scheduled_job_id}/run"
    result_type = JobInfo
    idempotent = False
    namespace: str
    scheduled_job_id: str


class UpdateScheduledJobSchedule(Endpoint[ScheduledJobInfo], kw_only=True):
    """``POST /api/scheduled-jobs/{namespace}/{scheduled_job_id}/schedule`` with ``{"schedule"}``."""

    method = "POST"
    path = "/api/scheduled-jobs/{namespace}/{scheduled_job_id}/schedule"
    result_type = ScheduledJobInfo
    namespace: str
    scheduled_job_id: str
    schedule: str


class UpdateScheduledJobLabels(Endpoint[ScheduledJobInfo], kw_only=True):
    """``PUT /api/scheduled-jobs/{namespace}/{scheduled_job_id}/labels`` with ``{"labels"}``."""

    method = "PUT"
    path = "/api/scheduled-jobs/{namespace}/{scheduled_job_id}/labels"
    result_type = ScheduledJobInfo
    namespace: str
    scheduled_job_id: str
    labels: dict[str, str]
