"""Jobs and scheduled jobs on the facade (api.md §7), huggingface_hub 2.4's signatures.

Every method takes ``namespace=`` (default: the token's user, one ``whoami`` call) and ``token=``.
``JobInfo.endpoint`` is set to this facade's endpoint, so ``job.url`` points at the right Hub.

```python
api = HfApi(endpoint=hub, token="hf_alice_write")
job = api.run_job(image="python:3.12", command=["python", "-c", "print('hi')"])
job = api.wait_for_job(job.id)
list(api.fetch_job_logs(job_id=job.id))        # ["hi"]
```
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import msgspec

from hubflow._api._base import AsyncHfApiBase
from hubflow._api._job_streams import job_events
from hubflow._settings import TokenArg
from hubflow.schema import JobHardwareInfo, JobInfo, JobStage, ScheduledJobInfo, Volume
from hubflow.tasks.jobs import (
    DEFAULT_UV_IMAGE,
    CancelJob,
    CreateScheduledJob,
    DeleteScheduledJob,
    InspectJob,
    InspectScheduledJob,
    ListJobs,
    ListJobsHardware,
    ListScheduledJobs,
    RerunJob,
    ResumeScheduledJob,
    RunJob,
    SuspendScheduledJob,
    TriggerScheduledJob,
    UpdateJobExpose,
    UpdateJobLabels,
    UpdateScheduledJobLabels,
    UpdateScheduledJobSchedule,
    build_job_spec,
    default_job_name_from_script,
    uv_command,
)

__all__ = ["TERMINAL_JOB_STAGES", "JobsMixin"]

TERMINAL_JOB_STAGES = (JobStage.COMPLETED, JobStage.CANCELED, JobStage.ERROR, JobStage.DELETED)
_TERMINAL = {s.value for s in TERMINAL_JOB_STAGES}
# Local files of a uv job travel inline (one env var; Linux caps one variable at 128 KiB) and are
# decoded into the job's working directory before `uv run` (hubflow has no bucket API yet).
_UNPACK = (
    'while read -r n d; do [ -n "$n" ] && printf %s "$d" | base64 -d > "$n"; done <<< "$LOCAL_FILES_ENCODED"; '
    'exec "$@"'
)


def _stage(stage: Any) -> str:
    return (stage.value if isinstance(stage, JobStage) else str(stage)).upper()


class JobsMixin(AsyncHfApiBase):
    """Run, list, inspect, cancel, stream and schedule Jobs."""

    async def _job_namespace(self, namespace: str | None, token: TokenArg) -> str:
        if namespace is not None:
            return namespace
        me: dict[str, Any] = await self.whoami(token=token)  # type: ignore[attr-defined]
        return str(me["name"])

    def _here(self, job: JobInfo) -> JobInfo:
        return msgspec.structs.replace(job, endpoint=self.endpoint)

    async def run_job(
        self, *, image: str, command: list[str], env: dict[str, Any] | None = None,
        secrets: dict[str, Any] | None = None, flavor: str | None = None, timeout: int | float | str | None = None,
        attempts: int | None = None, name: str | None = None, labels: dict[str, str] | None = None,
        volumes: list[Volume] | None = None, expose: list[int] | None = None, expose_public: list[int] | None = None,
        ssh: bool = False, network_group: str | None = None, network_aliases: list[str] | None = None,
        resource_group_id: str | None = None, namespace: str | None = None, token: TokenArg = None,
    ) -> JobInfo:
        """Run a Job (``POST /api/jobs/{namespace}``). On a local Hub (``--enable-jobs``) the command runs
        as a subprocess of the server; the image is recorded only (docs/jobs-endpoints.md).

        ```python
        job = await api.run_job(image="python:3.12", command=["python", "-c", "print(1)"], timeout="5m")
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        spec = build_job_spec(
            image=image, command=command, env=env, secrets=secrets, flavor=flavor, timeout=timeout,
            attempts=attempts, name=name, labels=labels, volumes=volumes, expose=expose,
            expose_public=expose_public, ssh=ssh, network_group=network_group, network_aliases=network_aliases,
            resource_group_id=resource_group_id,
        )
        return self._here(await self._run(RunJob(namespace=namespace, spec=spec, token=token)))

    async def list_jobs(
        self, *, status: list[JobStage | str] | JobStage | str | None = None, labels: dict[str, str] | None = None,
        timeout: int | None = None, namespace: str | None = None, token: TokenArg = None,
    ) -> AsyncIterator[JobInfo]:
        """Jobs of a namespace, newest first, page by page; filter by stage(s) and ``key=value`` labels.

        ``timeout`` is accepted for compatibility; the client's API timeout applies.

        ```python
        running = [job async for job in api.list_jobs(status="RUNNING")]
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        stages = None
        if status is not None:
            stages = [_stage(s) for s in ([status] if isinstance(status, (str, JobStage)) else status)]
        label = [f"{k}={v}" for k, v in labels.items()] if labels else None
        async for job in self._paginate(ListJobs(namespace=namespace, stage=stages, label_filters=label, token=token)):
            yield self._here(job)

    async def inspect_job(self, *, job_id: str, namespace: str | None = None, token: TokenArg = None) -> JobInfo:
        """One Job (``JobNotFoundError`` if unknown).

        ```python
        (await api.inspect_job(job_id=job.id)).status.stage
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        return self._here(await self._run(InspectJob(namespace=namespace, job_id=job_id, token=token)))

    async def wait_for_job(
        self, job_id: str | list[str], *, timeout: float | None = None, poll_interval: float = 1.0,
        stages: list[JobStage] | None = None, namespace: str | None = None, token: TokenArg = None,
    ) -> Any:
        """Poll until the Job(s) reach one of ``stages`` or a terminal stage; ``TimeoutError`` after ``timeout``.

        A list of ids returns a list of ``JobInfo`` in the same order. Failures do not raise: check
        ``job.status.stage``.

        ```python
        job = await api.wait_for_job(job.id, timeout=60, poll_interval=0.2)
        ```
        """
        if timeout is not None and timeout < 0:
            raise ValueError("`timeout` cannot be negative.")
        if poll_interval <= 0:
            raise ValueError("`poll_interval` must be positive.")
        targets = {_stage(s) for s in stages or []} | _TERMINAL
        namespace = await self._job_namespace(namespace, token)
        deadline = None if timeout is None else time.monotonic() + timeout

        async def one(single: str) -> JobInfo:
            while True:
                job = await self.inspect_job(job_id=single, namespace=namespace, token=token)
                if job.status.stage in targets:
                    return job
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"Job '{single}' is still in stage '{job.status.stage}' after {timeout} seconds.")
                await anyio.sleep(poll_interval if remaining is None else min(poll_interval, remaining))

        if isinstance(job_id, str):
            return await one(job_id)
        return [await one(single) for single in job_id]

    async def cancel_job(self, *, job_id: str, namespace: str | None = None, token: TokenArg = None) -> None:
        """Cancel a Job (the local Hub sends SIGTERM, then SIGKILL).

        ```python
        await api.cancel_job(job_id=job.id)
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        await self._run(CancelJob(namespace=namespace, job_id=job_id, token=token))

    async def rerun_job(self, *, job_id: str, namespace: str | None = None, token: TokenArg = None) -> JobInfo:
        """Start a new Job with the same spec.

        ```python
        again = await api.rerun_job(job_id=job.id)
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        return self._here(await self._run(RerunJob(namespace=namespace, job_id=job_id, token=token)))

    async def update_job_labels(
        self, *, job_id: str, labels: dict[str, str], namespace: str | None = None, token: TokenArg = None
    ) -> JobInfo:
        """Replace a Job's labels.

        ```python
        await api.update_job_labels(job_id=job.id, labels={"team": "ml"})
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        node = UpdateJobLabels(namespace=namespace, job_id=job_id, labels=labels, token=token)
        return self._here(await self._run(node))

    async def update_job_expose(
        self, *, job_id: str, expose: list[int] | None = None, expose_public: list[int] | None = None,
        namespace: str | None = None, token: TokenArg = None,
    ) -> JobInfo:
        """Replace a Job's exposed ports (recorded only on a local Hub: it has no proxy).

        ```python
        (await api.update_job_expose(job_id=job.id, expose=[8000])).expose   # [8000]
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        public = list(dict.fromkeys(expose_public or []))
        body = {"ports": list(dict.fromkeys([*(expose or []), *public])), "portsPublic": public}
        return self._here(await self._run(UpdateJobExpose(namespace=namespace, job_id=job_id, spec=body, token=token)))

    async def fetch_job_logs(
        self, *, job_id: str, namespace: str | None = None, follow: bool = False, tail: int | None = None,
        token: TokenArg = None,
    ) -> AsyncIterator[str]:
        """Log lines of a Job (SSE). ``follow=True`` streams until the Job ends; ``tail=N``: the last N lines.

        ```python
        async for line in api.fetch_job_logs(job_id=job.id, follow=True):
            print(line)
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        async for event in job_events(
            self.hub, f"/api/jobs/{namespace}/{job_id}/logs", token=token, follow=follow,
            read_timeout=120.0 if follow else 5.0, is_finished=self._finished_check(job_id, namespace, token),
            params={"tail": tail} if tail is not None else None,
        ):
            text = str(event.get("data", ""))
            if not text.startswith("===== Job started"):
                yield text

    async def fetch_job_metrics(
        self, *, job_id: str, namespace: str | None = None, follow: bool = False, token: TokenArg = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Live metrics samples (dicts: ``cpu_usage_pct``, ``memory_used_bytes``, ...). Without ``follow``:
        the current sample only; nothing for a finished Job.

        ```python
        widget.watch(HfApi(...).fetch_job_metrics(job_id=job.id, follow=True))
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        count = 0
        async for event in job_events(
            self.hub, f"/api/jobs/{namespace}/{job_id}/metrics", token=token, follow=follow, read_timeout=10.0,
            is_finished=self._finished_check(job_id, namespace, token), skip_replayed=False,
            tolerated_statuses=(406, 500),
        ):
            yield event
            count += 1
            if not follow and count == 1:
                return

    def _finished_check(self, job_id: str, namespace: str, token: TokenArg) -> Any:
        async def finished() -> bool:
            job = await self.inspect_job(job_id=job_id, namespace=namespace, token=token)
            return job.status.stage in _TERMINAL

        return finished

    async def list_jobs_hardware(self, token: TokenArg = None) -> list[JobHardwareInfo]:
        """Hardware flavors (the local Hub lists one: this machine's CPU).

        ```python
        [hw.name for hw in await api.list_jobs_hardware()]
        ```
        """
        return await self._run(ListJobsHardware(token=token))

    async def run_uv_job(
        self, script: str, *, script_args: list[str] | None = None, dependencies: list[str] | None = None,
        python: str | None = None, image: str | None = None, env: dict[str, Any] | None = None,
        secrets: dict[str, Any] | None = None, flavor: str | None = None, timeout: int | float | str | None = None,
        attempts: int | None = None, name: str | None = None, labels: dict[str, str] | None = None,
        volumes: list[Volume] | None = None, expose: list[int] | None = None, expose_public: list[int] | None = None,
        ssh: bool = False, network_group: str | None = None, network_aliases: list[str] | None = None,
        resource_group_id: str | None = None, namespace: str | None = None, token: TokenArg = None,
    ) -> JobInfo:
        """Run a uv script: ``uv run --with dep... --python py script args`` (api.md §7.4).

        URLs and commands are passed verbatim. Local files (the script, or arguments that are
        files) travel inline in ``LOCAL_FILES_ENCODED`` and are unpacked by ``bash`` into the
        working directory first (huggingface_hub 2.4 uploads them to a bucket instead).

        ```python
        job = await api.run_uv_job("train.py", script_args=["--epochs", "1"], dependencies=["numpy"])
        ```
        """
        if name is None and not (labels and "name" in labels):
            name = default_job_name_from_script(script, script_args or [])
        command, env = _uv_command_and_env(script, script_args, dependencies, python, env)
        return await self.run_job(
            image=image or DEFAULT_UV_IMAGE, command=command, env=env, secrets=secrets, flavor=flavor,
            timeout=timeout, attempts=attempts, name=name, labels=labels, volumes=volumes, expose=expose,
            expose_public=expose_public, ssh=ssh, network_group=network_group, network_aliases=network_aliases,
            resource_group_id=resource_group_id, namespace=namespace, token=token,
        )

    # -- scheduled jobs ----------------------------------------------------------------------------------------
    async def create_scheduled_job(
        self, *, image: str, command: list[str], schedule: str, suspend: bool | None = None,
        concurrency: bool | None = None, env: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None,
        flavor: str | None = None, timeout: int | float | str | None = None, attempts: int | None = None,
        name: str | None = None, labels: dict[str, str] | None = None, volumes: list[Volume] | None = None,
        expose: list[int] | None = None, expose_public: list[int] | None = None,
        resource_group_id: str | None = None, namespace: str | None = None, token: TokenArg = None,
    ) -> ScheduledJobInfo:
        """Schedule a Job: ``schedule`` is 5-field cron or ``@hourly``, ``@daily``, ... (UTC on a local Hub).

        ```python
        sj = await api.create_scheduled_job(image="python:3.12", command=["echo", "hi"], schedule="@hourly")
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        spec = build_job_spec(
            image=image, command=command, env=env, secrets=secrets, flavor=flavor, timeout=timeout,
            attempts=attempts, name=name, labels=labels, volumes=volumes, expose=expose,
            expose_public=expose_public, resource_group_id=resource_group_id,
        )
        body: dict[str, Any] = {"jobSpec": spec, "schedule": schedule}
        if concurrency is not None:
            body["concurrency"] = concurrency
        if suspend is not None:
            body["suspend"] = suspend
        return await self._run(CreateScheduledJob(namespace=namespace, spec=body, token=token))

    async def create_scheduled_uv_job(
        self, script: str, *, script_args: list[str] | None = None, schedule: str, suspend: bool | None = None,
        concurrency: bool | None = None, dependencies: list[str] | None = None, python: str | None = None,
        image: str | None = None, env: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None,
        flavor: str | None = None, timeout: int | float | str | None = None, attempts: int | None = None,
        name: str | None = None, labels: dict[str, str] | None = None, volumes: list[Volume] | None = None,
        expose: list[int] | None = None, expose_public: list[int] | None = None,
        resource_group_id: str | None = None, namespace: str | None = None, token: TokenArg = None,
    ) -> ScheduledJobInfo:
        """Schedule a uv script (same command as ``run_uv_job``).

        ```python
        await api.create_scheduled_uv_job("https://x/s.py", schedule="0 3 * * *")
        ```
        """
        if name is None and not (labels and "name" in labels):
            name = default_job_name_from_script(script, script_args or [])
        command, env = _uv_command_and_env(script, script_args, dependencies, python, env)
        return await self.create_scheduled_job(
            image=image or DEFAULT_UV_IMAGE, command=command, schedule=schedule, suspend=suspend,
            concurrency=concurrency, env=env, secrets=secrets, flavor=flavor, timeout=timeout, attempts=attempts,
            name=name, labels=labels, volumes=volumes, expose=expose, expose_public=expose_public,
            resource_group_id=resource_group_id, namespace=namespace, token=token,
        )

    async def list_scheduled_jobs(
        self, *, labels: dict[str, str] | None = None, timeout: int | None = None, namespace: str | None = None,
        token: TokenArg = None,
    ) -> list[ScheduledJobInfo]:
        """Scheduled Jobs of a namespace; the first label filters server-side, the rest client-side.

        ```python
        await api.list_scheduled_jobs(labels={"team": "ml"})
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        first = next(iter(labels.items())) if labels else None
        label = f"{first[0]}={first[1]}" if first else None
        jobs = await self._run(ListScheduledJobs(namespace=namespace, label_filter=label, token=token))
        if labels:
            jobs = [j for j in jobs if all((j.job_spec.labels or {}).get(k) == v for k, v in labels.items())]
        return jobs

    async def inspect_scheduled_job(
        self, *, scheduled_job_id: str, namespace: str | None = None, token: TokenArg = None
    ) -> ScheduledJobInfo:
        """One scheduled Job.

        ```python
        (await api.inspect_scheduled_job(scheduled_job_id=sj.id)).schedule
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        return await self._run(InspectScheduledJob(namespace=namespace, scheduled_job_id=scheduled_job_id, token=token))

    async def delete_scheduled_job(
        self, *, scheduled_job_id: str, namespace: str | None = None, token: TokenArg = None
    ) -> None:
        """Delete a scheduled Job.

        ```python
        await api.delete_scheduled_job(scheduled_job_id=sj.id)
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        await self._run(DeleteScheduledJob(namespace=namespace, scheduled_job_id=scheduled_job_id, token=token))

    async def suspend_scheduled_job(
        self, *, scheduled_job_id: str, namespace: str | None = None, token: TokenArg = None
    ) -> None:
        """Stop firing a scheduled Job (``trigger_scheduled_job`` still works).

        ```python
        await api.suspend_scheduled_job(scheduled_job_id=sj.id)
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        await self._run(SuspendScheduledJob(namespace=namespace, scheduled_job_id=scheduled_job_id, token=token))

    async def resume_scheduled_job(
        self, *, scheduled_job_id: str, namespace: str | None = None, token: TokenArg = None
    ) -> None:
        """Fire a suspended scheduled Job again.

        ```python
        await api.resume_scheduled_job(scheduled_job_id=sj.id)
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        await self._run(ResumeScheduledJob(namespace=namespace, scheduled_job_id=scheduled_job_id, token=token))

    async def update_scheduled_job_schedule(
        self, *, scheduled_job_id: str, schedule: str, namespace: str | None = None, token: TokenArg = None
    ) -> ScheduledJobInfo:
        """Change when a scheduled Job runs.

        ```python
        await api.update_scheduled_job_schedule(scheduled_job_id=sj.id, schedule="@daily")
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        node = UpdateScheduledJobSchedule(
            namespace=namespace, scheduled_job_id=scheduled_job_id, schedule=schedule, token=token
        )
        return await self._run(node)

    async def trigger_scheduled_job(
        self, *, scheduled_job_id: str, namespace: str | None = None, token: TokenArg = None
    ) -> JobInfo:
        """Run a scheduled Job once, now (409 while a run is going and concurrency is off).

        ```python
        job = await api.trigger_scheduled_job(scheduled_job_id=sj.id)
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        node = TriggerScheduledJob(namespace=namespace, scheduled_job_id=scheduled_job_id, token=token)
        return self._here(await self._run(node))

    async def update_scheduled_job_labels(
        self, *, scheduled_job_id: str, labels: dict[str, str], namespace: str | None = None, token: TokenArg = None
    ) -> ScheduledJobInfo:
        """Replace a scheduled Job's labels.

        ```python
        await api.update_scheduled_job_labels(scheduled_job_id=sj.id, labels={"team": "ml"})
        ```
        """
        namespace = await self._job_namespace(namespace, token)
        node = UpdateScheduledJobLabels(namespace=namespace, scheduled_job_id=scheduled_job_id, labels=labels, token=token)
        return await self._run(node)


def _uv_command_and_env(
    script: str, script_args: list[str] | None, dependencies: list[str] | None, python: str | None,
    env: dict[str, Any] | None,
) -> tuple[list[str], dict[str, Any]]:
    """The uv command, with local files renamed and packed into ``LOCAL_FILES_ENCODED`` when there are any."""
    args = list(script_args or [])
    env = dict(env or {})
    candidates = [script, *args]
    missing = [
        c for c in candidates
        if not Path(c).is_file() and Path(c).suffix in (".py", ".sh", ".yaml", ".yml", ".toml")
        and not c.startswith(("http://", "https://"))
    ]
    if missing:
        raise FileNotFoundError(", ".join(sorted(set(missing))))
    local = list(dict.fromkeys(c for c in candidates if Path(c).is_file()))
    if not local:
        return uv_command(script, args, dependencies, python), env
    remote: dict[str, str] = {}
    for path in local:
        base = Path(Path(path).name.replace(" ", "_"))
        name, i = base.name, 0
        while name in remote.values():
            name, i = base.with_stem(f"{base.stem}({i})").name, i + 1
        remote[path] = name
    env["LOCAL_FILES_ENCODED"] = "\n".join(
        f"{name} {base64.b64encode(Path(path).read_bytes()).decode()}" for path, name in remote.items()
    )
    command = uv_command(remote.get(script, script), [remote.get(a, a) for a in args], dependencies, python)
    return ["bash", "-c", _UNPACK, "bash", *command], env
