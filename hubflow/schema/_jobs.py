"""Jobs: `JobInfo`, `JobStatus`, `JobOwner`, `JobSpec`, `ScheduledJobInfo`, hardware.

`JobInfo.endpoint` is not on the wire: the facade sets it after decoding
(`msgspec.structs.replace(job, endpoint=E)`), and `url` is derived from it.

```python
job = msgspec.json.decode(body, type=JobInfo)
job.status.stage, job.owner.name, job.expose
```
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec

from hubflow.schema._base import Wire
from hubflow.schema._spaces import Volume

__all__ = [
    "JobAccelerator",
    "JobDurations",
    "JobHardwareInfo",
    "JobInfo",
    "JobInitiator",
    "JobNetwork",
    "JobOwner",
    "JobSpec",
    "JobStage",
    "JobStatus",
    "LastJobInfo",
    "ScheduledJobInfo",
    "ScheduledJobStatus",
]

DEFAULT_ENDPOINT = "https://huggingface.co"


class JobStage(str, enum.Enum):
    """Stage of a job (`JobStatus.stage` holds the raw string; compare with these).

    ```python
    api.inspect_job(job_id=job_id).status.stage == JobStage.COMPLETED
    ```
    """

    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    ERROR = "ERROR"
    DELETED = "DELETED"
    SCHEDULING = "SCHEDULING"
    RUNNING = "RUNNING"


class JobStatus(Wire, frozen=True):
    """`status` of a job: `stage` (required), `message`, `expose_urls`, `ssh_url`.

    ```python
    status = api.inspect_job(job_id=job_id).status
    status.stage, status.message
    ```
    """

    stage: str
    message: str | None = None
    expose_urls: list[str] | None = None
    ssh_url: str | None = None


class JobOwner(Wire, frozen=True):
    """Owner of a job: `id`, `name`, `type` (all required).

    ```python
    job = api.run_job(image="python:3.12", command=["python", "-c", "print(1)"])
    job.owner.name   # your user name, or the org given as namespace=
    ```
    """

    id: str
    name: str
    type: str


class JobNetwork(Wire, frozen=True):
    """Network of a job: `group` and `aliases`.

    ```python
    JobNetwork(group="training", aliases=["worker-0"])
    ```
    """

    group: str
    aliases: list[str] = []


class JobDurations(Wire, frozen=True):
    """Durations in seconds: `schedulingSecs`, `runningSecs`, `totalSecs`.

    ```python
    job = api.inspect_job(job_id=job_id)
    job.durations.running_secs if job.durations else None
    ```
    """

    scheduling_secs: int | None = None
    running_secs: int | None = None
    total_secs: int | None = None


class JobInitiator(Wire, frozen=True):
    """Who started a job: `type`, `id`, optional `name`.

    ```python
    job.initiator.type if job.initiator else None   # e.g. "user"
    ```
    """

    type: str
    id: str
    name: str | None = None


class _Expose(Wire, frozen=True):
    ports: list[int] | None = None
    ports_public: list[int] | None = None


class _ExposeMixin:
    """`expose` / `expose_public` read from the wire object `expose: {ports, portsPublic}`."""

    __slots__ = ()
    expose_info: _Expose | None

    @property
    def expose(self) -> list[int] | None:
        """Exposed ports."""
        return self.expose_info.ports if self.expose_info else None

    @property
    def expose_public(self) -> list[int] | None:
        """Ports exposed publicly."""
        return self.expose_info.ports_public if self.expose_info else None


class JobInfo(Wire, _ExposeMixin, frozen=True):
    """A job (run, inspect, list, rerun, labels, expose, trigger).

    ```python
    job = msgspec.json.decode(body, type=JobInfo)
    job = msgspec.structs.replace(job, endpoint="http://127.0.0.1:8080")
    job.url  # "http://127.0.0.1:8080/jobs/alice/<id>"
    ```
    """

    id: str
    status: JobStatus
    owner: JobOwner
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    docker_image: str | None = None
    space_id: str | None = None
    command: list[str] | None = None
    arguments: list[str] | None = None
    environment: dict[str, Any] | None = None
    secrets: Any = None
    flavor: str | None = None
    labels: dict[str, str] | None = None
    volumes: list[Volume] | None = None
    durations: JobDurations | None = None
    initiator: JobInitiator | None = None
    network: JobNetwork | None = None
    retry: int | None = None
    expose_info: _Expose | None = msgspec.field(default=None, name="expose")
    endpoint: str = DEFAULT_ENDPOINT

    @property
    def url(self) -> str:
        """Web page of the job: `{endpoint}/jobs/{owner}/{id}`."""
        return f"{self.endpoint}/jobs/{self.owner.name}/{self.id}"


class JobSpec(Wire, _ExposeMixin, frozen=True):
    """What a scheduled job (or a webhook) runs. Reads `timeout` (not `timeoutSeconds`), as the official client.

    ```python
    msgspec.json.decode(b'{"dockerImage": "python:3.12", "command": ["echo"]}', type=JobSpec)
    ```
    """

    docker_image: str | None = None
    space_id: str | None = None
    command: list[str] | None = None
    arguments: list[str] | None = None
    environment: dict[str, Any] | None = None
    secrets: Any = None
    flavor: str | None = None
    timeout: int | None = None
    tags: list[str] | None = None
    arch: str | None = None
    labels: dict[str, str] | None = None
    volumes: list[Volume] | None = None
    retry: int | None = None
    expose_info: _Expose | None = msgspec.field(default=None, name="expose")


class LastJobInfo(Wire, frozen=True):
    """Last run of a scheduled job: `id` and `at`."""

    id: str
    at: datetime


class ScheduledJobStatus(Wire, frozen=True):
    """Status of a scheduled job: `last_job`, `next_job_run_at`."""

    last_job: LastJobInfo | None = None
    next_job_run_at: datetime | None = None


class ScheduledJobInfo(Wire, frozen=True):
    """A scheduled job.

    ```python
    msgspec.json.decode(body, type=ScheduledJobInfo).job_spec.docker_image
    ```
    """

    id: str
    owner: JobOwner
    created_at: datetime | None = None
    job_spec: JobSpec = msgspec.field(default_factory=JobSpec)
    schedule: str | None = None
    suspend: bool | None = None
    concurrency: bool | None = None
    status: ScheduledJobStatus = msgspec.field(default_factory=ScheduledJobStatus)


class JobAccelerator(Wire, frozen=True):
    """Accelerator of a hardware flavour.

    ```python
    gpus = [(h.name, h.accelerator.model) for h in api.list_jobs_hardware() if h.accelerator]
    ```
    """

    type: str
    model: str
    quantity: str
    vram: str
    manufacturer: str


class JobHardwareInfo(Wire, frozen=True):
    """A hardware flavour (`GET /api/jobs/hardware`, `GET /api/spaces/hardware`).

    ```python
    cheapest = min(api.list_jobs_hardware(), key=lambda h: h.unit_cost_usd)
    cheapest.name, cheapest.pretty_name, cheapest.unit_label
    ```
    """

    name: str
    pretty_name: str
    cpu: str
    ram: str
    unit_cost_micro_usd: int = msgspec.field(name="unitCostMicroUSD")
    unit_cost_usd: float = msgspec.field(name="unitCostUSD")
    unit_label: str
    ephemeral_storage: str = "N/A"
    accelerator: JobAccelerator | None = None
