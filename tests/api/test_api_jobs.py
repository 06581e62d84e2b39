"""hubflow's Jobs facade against a local Hub started with ``--enable-jobs``."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hubflow import AsyncHfApi, HfApi, JobNotFoundError
from hubflow.errors import HfHubHTTPError
from hubflow.schema import JobInfo, ScheduledJobInfo
from hubflow.testing import ALICE_WRITE, BOB_WRITE, HubProcess, LocalHub
from jupyter_ext import JobMetricsWidget


@pytest.fixture(scope="module")
def jobs_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    with HubProcess(tmp_path_factory.mktemp("api-jobs-hub"), args=["--enable-jobs"]) as proc:
        yield proc


@pytest.fixture(scope="module")
def api(jobs_hub: HubProcess) -> Iterator[HfApi]:
    with HfApi(endpoint=jobs_hub.endpoint, token=ALICE_WRITE) as client:
        yield client


def test_run_wait_logs(api: HfApi, jobs_hub: HubProcess) -> None:
    job = api.run_job(image="python:3.12", command=["python", "-c", "print('hi'); print('there')"])
    assert isinstance(job, JobInfo)
    assert job.owner.name == "alice" and job.docker_image == "python:3.12"
    assert job.url == f"{jobs_hub.endpoint}/jobs/alice/{job.id}"
    done = api.wait_for_job(job.id, timeout=15, poll_interval=0.1)
    assert done.status.stage == "COMPLETED" and done.durations is not None
    assert list(api.fetch_job_logs(job_id=job.id)) == ["hi", "there"]
    assert list(api.fetch_job_logs(job_id=job.id, tail=1)) == ["there"]
    assert list(api.fetch_job_logs(job_id=job.id, follow=True)) == ["hi", "there"]
    assert [j.id for j in api.wait_for_job([job.id, job.id], poll_interval=0.1)] == [job.id, job.id]


def test_follow_streams_lines_while_running(api: HfApi) -> None:
    code = "import time\nfor i in range(3):\n    print(i, flush=True); time.sleep(0.2)"
    job = api.run_job(image="python:3.12", command=["python", "-c", code])
    started = time.monotonic()
    lines = list(api.fetch_job_logs(job_id=job.id, follow=True))
    assert lines == ["0", "1", "2"]
    assert time.monotonic() - started < 10
    assert api.inspect_job(job_id=job.id).status.stage == "COMPLETED"


def test_failure_cancel_and_timeout(api: HfApi) -> None:
    failing = api.run_job(image="python:3.12", command=["python", "-c", "raise SystemExit(2)"])
    sleeping = api.run_job(image="python:3.12", command=["python", "-c", "import time; time.sleep(60)"])
    api.wait_for_job(sleeping.id, stages=["RUNNING"], timeout=10, poll_interval=0.05)
    api.cancel_job(job_id=sleeping.id)
    assert api.wait_for_job(sleeping.id, timeout=10, poll_interval=0.05).status.stage == "CANCELED"
    err = api.wait_for_job(failing.id, timeout=10, poll_interval=0.05)
    assert err.status.stage == "ERROR" and "exit code: 2" in (err.status.message or "")
    with pytest.raises(TimeoutError):
        slow = api.run_job(image="python:3.12", command=["python", "-c", "import time; time.sleep(3)"])
        api.wait_for_job(slow.id, timeout=0.3, poll_interval=0.1)
    api.cancel_job(job_id=slow.id)


def test_metrics_stream_feeds_the_widget(api: HfApi) -> None:
    code = "import time\nx = bytearray(50_000_000)\nend = time.time() + 1.6\nwhile time.time() < end: pass"
    job = api.run_job(image="python:3.12", command=["python", "-c", code])
    api.wait_for_job(job.id, stages=["RUNNING"], timeout=10, poll_interval=0.05)
    samples = list(api.fetch_job_metrics(job_id=job.id, follow=True))
    assert samples, "a running job yields samples"
    for sample in samples:
        assert {"cpu_usage_pct", "cpu_millicores", "memory_used_bytes", "memory_total_bytes"} <= set(sample)
    assert max(s["memory_used_bytes"] for s in samples) > 40_000_000  # the 50 MB buffer is resident
    assert max(s["cpu_usage_pct"] for s in samples) > 10  # a busy loop on one of the cores
    widget = JobMetricsWidget(capacity=10)
    for sample in samples:
        widget.push(sample)
    widget.finish()
    assert widget.pushed == len(samples)
    points = widget.samples()
    assert points[-1].mem_used == samples[-1]["memory_used_bytes"]
    assert points[-1].cpu_pct == samples[-1]["cpu_usage_pct"]
    assert "waiting for metrics" not in widget.values.value
    assert api.wait_for_job(job.id, timeout=10, poll_interval=0.1).status.stage == "COMPLETED"
    assert list(api.fetch_job_metrics(job_id=job.id)) == []  # finished: 406, tolerated


def test_list_labels_rerun_expose(api: HfApi) -> None:
    tag = os.urandom(4).hex()
    job = api.run_job(image="python:3.12", command=["python", "-c", "pass"], labels={"batch": tag})
    api.wait_for_job(job.id, poll_interval=0.05, timeout=10)
    listed = list(api.list_jobs(labels={"batch": tag}))
    assert [j.id for j in listed] == [job.id] and listed[0].labels["batch"] == tag
    assert list(api.list_jobs(labels={"batch": tag}, status=["RUNNING", "ERROR"])) == []
    assert api.update_job_labels(job_id=job.id, labels={"a": "b"}).labels == {"a": "b"}
    exposed = api.update_job_expose(job_id=job.id, expose=[8000], expose_public=[8080])
    assert exposed.expose == [8000, 8080] and exposed.expose_public == [8080]
    again = api.rerun_job(job_id=job.id)
    assert again.id != job.id and again.command == job.command
    assert [h.name for h in api.list_jobs_hardware()] == ["cpu-basic"]


def test_run_uv_job_with_local_script(api: HfApi, tmp_path: Path) -> None:
    script = tmp_path / "my script.py"
    script.write_text("import sys\nprint('uv says', *sys.argv[1:])\n")
    data = tmp_path / "data.txt"
    data.write_text("payload")
    job = api.run_uv_job(str(script), script_args=["--n", "3", str(data)], dependencies=["numpy"], python="3.12")
    assert job.command[:2] == ["bash", "-c"]
    assert job.command[4:] == ["uv", "run", "--with", "numpy", "--python", "3.12", "my_script.py", "--n", "3",
                               "data.txt"]
    assert job.labels["name"].startswith("my script-".replace(" ", "-"))
    assert job.docker_image == "ghcr.io/astral-sh/uv:python3.12-bookworm"
    done = api.wait_for_job(job.id, timeout=15, poll_interval=0.1)
    assert done.status.stage == "COMPLETED", list(api.fetch_job_logs(job_id=job.id))
    assert list(api.fetch_job_logs(job_id=job.id)) == ["uv says --n 3 data.txt"]
    with pytest.raises(FileNotFoundError):
        api.run_uv_job(str(tmp_path / "missing.py"))


def test_scheduled_jobs(api: HfApi) -> None:
    sj = api.create_scheduled_job(image="python:3.12", command=["python", "-c", "print('tick')"],
                                  schedule="*/5 * * * *", labels={"team": "ml"}, suspend=True)
    assert isinstance(sj, ScheduledJobInfo) and sj.suspend is True and sj.status.next_job_run_at is None
    run = api.trigger_scheduled_job(scheduled_job_id=sj.id)
    assert run.initiator is not None and run.initiator.name == "alice"
    assert api.wait_for_job(run.id, timeout=10, poll_interval=0.05).status.stage == "COMPLETED"
    assert list(api.fetch_job_logs(job_id=run.id)) == ["tick"]
    api.resume_scheduled_job(scheduled_job_id=sj.id)
    resumed = api.inspect_scheduled_job(scheduled_job_id=sj.id)
    assert resumed.suspend is False and resumed.status.next_job_run_at.minute % 5 == 0
    assert resumed.status.last_job is not None and resumed.status.last_job.id == run.id
    api.suspend_scheduled_job(scheduled_job_id=sj.id)
    assert api.inspect_scheduled_job(scheduled_job_id=sj.id).suspend is True
    assert api.update_scheduled_job_schedule(scheduled_job_id=sj.id, schedule="@daily").schedule == "@daily"
    assert api.update_scheduled_job_labels(scheduled_job_id=sj.id, labels={"k": "v"}).job_spec.labels == {"k": "v"}
    assert [s.id for s in api.list_scheduled_jobs(labels={"k": "v"})] == [sj.id]
    api.delete_scheduled_job(scheduled_job_id=sj.id)
    with pytest.raises(JobNotFoundError):
        api.inspect_scheduled_job(scheduled_job_id=sj.id)


def test_scheduler_fires_due_jobs(jobs_hub: HubProcess, api: HfApi) -> None:
    """Make a schedule due now (the scheduler checks twice a second) and see it run by itself."""
    import sqlite3

    sj = api.create_scheduled_job(image="python:3.12", command=["python", "-c", "print('auto')"],
                                  schedule="@yearly")
    with sqlite3.connect(jobs_hub.data_dir / "hub.db") as db:
        db.execute("UPDATE scheduled_jobs SET next_run_at = ? WHERE id = ?", (time.time() - 1, sj.id))
    deadline = time.monotonic() + 10
    while (info := api.inspect_scheduled_job(scheduled_job_id=sj.id)).status.last_job is None:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    job = api.wait_for_job(info.status.last_job.id, timeout=10, poll_interval=0.05)
    assert job.status.stage == "COMPLETED" and job.initiator.type == "scheduled-job"
    assert info.status.next_job_run_at.month == 1 and info.status.next_job_run_at.day == 1
    api.delete_scheduled_job(scheduled_job_id=sj.id)


def test_other_users_cannot_touch_jobs(api: HfApi, jobs_hub: HubProcess) -> None:
    job = api.run_job(image="python:3.12", command=["python", "-c", "import time; time.sleep(5)"])
    with HfApi(endpoint=jobs_hub.endpoint, token=BOB_WRITE) as bob:
        with pytest.raises(HfHubHTTPError) as info:
            bob.inspect_job(job_id=job.id, namespace="alice")
        assert info.value.status_code == 403
        with pytest.raises(HfHubHTTPError):
            bob.cancel_job(job_id=job.id, namespace="alice")
        with pytest.raises(JobNotFoundError):
            bob.inspect_job(job_id=job.id)  # bob's namespace
        assert list(bob.list_jobs()) == []
    assert api.inspect_job(job_id=job.id).status.stage in ("SCHEDULING", "RUNNING")
    api.cancel_job(job_id=job.id)


@pytest.mark.anyio
async def test_async_facade_in_process(tmp_path: Path) -> None:
    hub = LocalHub(tmp_path / "hub", enable_jobs=True)
    async with AsyncHfApi(endpoint=hub.endpoint, token=ALICE_WRITE,
                          transport=httpx.ASGITransport(app=hub.app)) as aapi:
        job = await aapi.run_job(image="python:3.12", command=["python", "-c", "print(6 * 7)"])
        done = await aapi.wait_for_job(job.id, timeout=15, poll_interval=0.05)
        assert done.status.stage == "COMPLETED"
        assert [line async for line in aapi.fetch_job_logs(job_id=job.id)] == ["42"]
        assert [j.id async for j in aapi.list_jobs(status="COMPLETED")] == [job.id]


@pytest.mark.anyio
async def test_disabled_hub_error_names_the_flag(asgi_hub: LocalHub) -> None:
    async with AsyncHfApi(endpoint=asgi_hub.endpoint, token=ALICE_WRITE,
                          transport=httpx.ASGITransport(app=asgi_hub.app)) as aapi:
        with pytest.raises(HfHubHTTPError, match="--enable-jobs"):
            await aapi.run_job(image="python:3.12", command=["echo"])
