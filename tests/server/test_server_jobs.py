"""Local Hub Jobs routes: off by default, subprocess runner, SSE, permissions, official client."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import httpx
import huggingface_hub
import pytest
from huggingface_hub.errors import HfHubHTTPError as OfficialHTTPError

from hubflow.server._cron import Cron
from hubflow.testing import ALICE_WRITE, BOB_WRITE, HubProcess, LocalHub

ALICE = {"authorization": f"Bearer {ALICE_WRITE}"}
BOB = {"authorization": f"Bearer {BOB_WRITE}"}
SPEC = {"command": ["python", "-c", "print('hello from the job')"], "dockerImage": "python:3.12"}


@pytest.fixture(scope="module")
def jobs_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    with HubProcess(tmp_path_factory.mktemp("jobs-hub"), args=["--enable-jobs"]) as proc:
        yield proc


@pytest.fixture(scope="module")
def official(jobs_hub: HubProcess) -> huggingface_hub.HfApi:
    return huggingface_hub.HfApi(endpoint=jobs_hub.endpoint, token=ALICE_WRITE)


def wait_stage(client: httpx.Client, job_id: str, *, ns: str = "alice", timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/jobs/{ns}/{job_id}").json()
        if job["status"]["stage"] not in ("SCHEDULING", "RUNNING") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


@pytest.mark.anyio
async def test_jobs_are_off_by_default(asgi_hub: LocalHub) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_hub.app), base_url=asgi_hub.endpoint) as c:
        for method, path in [("POST", "/api/jobs/alice"), ("GET", "/api/jobs/alice"), ("GET", "/api/jobs/hardware"),
                             ("GET", "/api/scheduled-jobs/alice"), ("POST", "/api/jobs/alice/abc/cancel")]:
            r = await c.request(method, path, headers=ALICE, json=SPEC if method == "POST" else None)
            assert r.status_code == 403, path
            assert "--enable-jobs" in r.json()["error"]


def test_official_client_gets_a_clear_error_when_disabled(hub: HubProcess) -> None:
    api = huggingface_hub.HfApi(endpoint=hub.endpoint, token=ALICE_WRITE)
    with pytest.raises(OfficialHTTPError, match="enable-jobs"):
        api.run_job(image="python:3.12", command=["echo", "x"], namespace="alice")


def test_cron_parsing_and_next_run() -> None:
    t = datetime(2025, 1, 6, 9, 7, tzinfo=timezone.utc)  # a Monday
    assert Cron.parse("*/15 9-17 * * mon-fri").next_after(t) == datetime(2025, 1, 6, 9, 15, tzinfo=timezone.utc)
    assert Cron.parse("@hourly").next_after(t) == datetime(2025, 1, 6, 10, 0, tzinfo=timezone.utc)
    assert Cron.parse("@daily").next_after(t) == datetime(2025, 1, 7, 0, 0, tzinfo=timezone.utc)
    assert Cron.parse("0 12 * * 0").next_after(t) == datetime(2025, 1, 12, 12, 0, tzinfo=timezone.utc)  # Sunday
    assert Cron.parse("0 0 29 2 *").next_after(t) == datetime(2028, 2, 29, tzinfo=timezone.utc)
    assert Cron.parse("0 0 31 2 *").next_after(t) is None
    for bad in ["* * *", "61 * * * *", "*/0 * * * *", "@sometimes", "a b c d e"]:
        with pytest.raises(ValueError):
            Cron.parse(bad)


def test_official_run_wait_logs_completed(official: huggingface_hub.HfApi) -> None:
    job = official.run_job(image="python:3.12", command=["python", "-c", "print('hello'); print('world')"],
                           env={"A": "1"}, namespace="alice")
    assert job.owner.name == "alice" and job.labels["name"].startswith("python-3-12-")
    done = official.wait_for_job(job.id, timeout=15, poll_interval=0.1, namespace="alice")
    assert done.status.stage == "COMPLETED"
    assert done.finished_at is not None and done.started_at is not None
    assert list(official.fetch_job_logs(job_id=job.id, namespace="alice")) == ["hello", "world"]
    assert list(official.fetch_job_logs(job_id=job.id, namespace="alice", tail=1)) == ["world"]


def test_env_secrets_and_failure(official: huggingface_hub.HfApi) -> None:
    code = "import os, sys; print(os.environ['A'], os.environ['S']); sys.exit(3)"
    job = official.run_job(image="python:3.12", command=["python", "-c", code], env={"A": "env-a"},
                           secrets={"S": "s3cret"}, namespace="alice")
    done = official.wait_for_job(job.id, timeout=15, poll_interval=0.1, namespace="alice")
    assert done.status.stage == "ERROR" and "exit code: 3" in (done.status.message or "")
    assert done.secrets == ["S"]  # names only on the wire
    assert list(official.fetch_job_logs(job_id=job.id, namespace="alice")) == ["env-a s3cret"]


def test_unknown_command_is_an_error(official: huggingface_hub.HfApi) -> None:
    job = official.run_job(image="x", command=["no-such-command-hubflow"], namespace="alice")
    done = official.wait_for_job(job.id, timeout=15, poll_interval=0.1, namespace="alice")
    assert done.status.stage == "ERROR" and "no-such-command-hubflow" in done.status.message


def test_cancel_kills_the_process(official: huggingface_hub.HfApi, tmp_path: Path) -> None:
    # The job reports its pid through a file (renamed into place whole): reading a running job's
    # logs with the official client waits out its 5 s read timeout, the stream staying open.
    pid_file = tmp_path / "pid"
    code = (f"import os, time; open({str(pid_file)!r} + '.tmp', 'w').write(str(os.getpid())); "
            f"os.rename({str(pid_file)!r} + '.tmp', {str(pid_file)!r}); time.sleep(60)")
    job = official.run_job(image="python:3.12", command=["python", "-c", code], namespace="alice")
    official.wait_for_job(job.id, timeout=10, poll_interval=0.05, stages=["RUNNING"], namespace="alice")
    deadline = time.monotonic() + 10
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    pid = int(pid_file.read_text())
    assert Path(f"/proc/{pid}").exists()
    official.cancel_job(job_id=job.id, namespace="alice")
    done = official.wait_for_job(job.id, timeout=10, poll_interval=0.05, namespace="alice")
    assert done.status.stage == "CANCELED"
    assert not Path(f"/proc/{pid}").exists()


def test_timeout_ends_in_error(official: huggingface_hub.HfApi) -> None:
    job = official.run_job(image="python:3.12", command=["python", "-c", "import time; time.sleep(30)"],
                           timeout=1, namespace="alice")
    done = official.wait_for_job(job.id, timeout=15, poll_interval=0.1, namespace="alice")
    assert done.status.stage == "ERROR" and "timed out" in done.status.message


def test_list_pagination_filters_and_labels(jobs_hub: HubProcess, official: huggingface_hub.HfApi) -> None:
    tag = os.urandom(4).hex()
    ids = [official.run_job(image="python:3.12", command=["python", "-c", "pass"], labels={"batch": tag},
                            namespace="alice").id for _ in range(3)]
    with httpx.Client(base_url=jobs_hub.endpoint, headers=ALICE) as c:
        for job_id in ids:
            assert wait_stage(c, job_id)["status"]["stage"] == "COMPLETED"
        first = c.get("/api/jobs/alice", params={"label": f"batch={tag}", "limit": 2})
        assert [j["id"] for j in first.json()] == ids[::-1][:2]
        nxt = first.links["next"]["url"]
        assert nxt.startswith("http://")
        second = c.get(nxt)
        assert [j["id"] for j in second.json()] == ids[:1] and "next" not in second.links
    listed = list(official.list_jobs(labels={"batch": tag}, status="COMPLETED", namespace="alice"))
    assert sorted(j.id for j in listed) == sorted(ids)
    assert list(official.list_jobs(labels={"batch": tag}, status="RUNNING", namespace="alice")) == []
    updated = official.update_job_labels(job_id=ids[0], labels={"k": "v"}, namespace="alice")
    assert updated.labels == {"k": "v"}
    again = official.rerun_job(job_id=ids[0], namespace="alice")
    assert again.id != ids[0] and again.command == ["python", "-c", "pass"]


def test_permissions(jobs_hub: HubProcess, official: huggingface_hub.HfApi) -> None:
    job = official.run_job(image="python:3.12", command=["python", "-c", "pass"], namespace="alice")
    with httpx.Client(base_url=jobs_hub.endpoint) as c:
        assert c.get(f"/api/jobs/alice/{job.id}", headers=BOB).status_code == 403
        assert c.get("/api/jobs/alice", headers=BOB).status_code == 403
        assert c.post(f"/api/jobs/alice/{job.id}/cancel", headers=BOB).status_code == 403
        assert c.post("/api/jobs/alice", headers=BOB, json=SPEC).status_code == 403
        assert c.get("/api/jobs/alice").status_code == 401
        assert c.post("/api/jobs/alice", headers={"authorization": "Bearer hf_alice_read"}, json=SPEC).status_code == 403
        # bob's own namespace works; alice's job id under bob's namespace is unknown
        assert c.get(f"/api/jobs/bob/{job.id}", headers=BOB).status_code == 404
        assert c.get("/api/jobs/bob", headers=BOB).json() == []
        # org members see the org's jobs
        org_job = c.post("/api/jobs/acme", headers=ALICE, json=SPEC).json()
        assert c.get(f"/api/jobs/acme/{org_job['id']}", headers=ALICE).json()["owner"]["type"] == "org"
        assert c.get(f"/api/jobs/acme/{org_job['id']}", headers=BOB).status_code == 403
    bob = huggingface_hub.HfApi(endpoint=jobs_hub.endpoint, token=BOB_WRITE)
    with pytest.raises(huggingface_hub.errors.JobNotFoundError):
        bob.inspect_job(job_id=job.id, namespace="bob")


def test_bad_specs_are_refused(jobs_hub: HubProcess) -> None:
    with httpx.Client(base_url=jobs_hub.endpoint, headers=ALICE) as c:
        for spec in [{"dockerImage": "x"}, {"command": [], "dockerImage": "x"}, {"command": ["a"]},
                     {**SPEC, "timeoutSeconds": -1}, {**SPEC, "labels": {"bad key": "v"}}]:
            r = c.post("/api/jobs/alice", json=spec)
            assert r.status_code == 400, spec
        r = c.post("/api/scheduled-jobs/alice", json={"jobSpec": SPEC, "schedule": "every minute"})
        assert r.status_code == 400 and "Invalid schedule" in r.json()["error"]


def test_metrics_of_finished_job_is_406_and_hardware(jobs_hub: HubProcess, official: huggingface_hub.HfApi) -> None:
    job = official.run_job(image="python:3.12", command=["python", "-c", "pass"], namespace="alice")
    official.wait_for_job(job.id, timeout=10, poll_interval=0.05, namespace="alice")
    with httpx.Client(base_url=jobs_hub.endpoint, headers=ALICE) as c:
        assert c.get(f"/api/jobs/alice/{job.id}/metrics").status_code == 406
    assert list(official.fetch_job_metrics(job_id=job.id, namespace="alice")) == []
    hardware = official.list_jobs_hardware()
    assert [h.name for h in hardware] == ["cpu-basic"] and hardware[0].cpu.endswith("vCPU")


def test_official_scheduled_jobs(official: huggingface_hub.HfApi) -> None:
    sj = official.create_scheduled_job(image="python:3.12", command=["python", "-c", "print('tick')"],
                                       schedule="@hourly", timeout=60, labels={"team": "ml"}, namespace="alice")
    assert sj.schedule == "@hourly" and sj.owner.name == "alice" and sj.job_spec.timeout == 60
    assert sj.status.next_job_run_at is not None and sj.status.next_job_run_at.minute == 0
    run = official.trigger_scheduled_job(scheduled_job_id=sj.id, namespace="alice")
    done = official.wait_for_job(run.id, timeout=10, poll_interval=0.05, namespace="alice")
    assert done.status.stage == "COMPLETED"
    assert list(official.fetch_job_logs(job_id=run.id, namespace="alice")) == ["tick"]
    assert official.inspect_scheduled_job(scheduled_job_id=sj.id, namespace="alice").status.last_job.id == run.id
    official.suspend_scheduled_job(scheduled_job_id=sj.id, namespace="alice")
    info = official.inspect_scheduled_job(scheduled_job_id=sj.id, namespace="alice")
    assert info.suspend is True and info.status.next_job_run_at is None
    official.resume_scheduled_job(scheduled_job_id=sj.id, namespace="alice")
    assert official.inspect_scheduled_job(scheduled_job_id=sj.id, namespace="alice").suspend is False
    updated = official.update_scheduled_job_schedule(scheduled_job_id=sj.id, schedule="0 3 * * *", namespace="alice")
    assert updated.schedule == "0 3 * * *" and updated.status.next_job_run_at.hour == 3
    labeled = official.update_scheduled_job_labels(scheduled_job_id=sj.id, labels={"x": "y"}, namespace="alice")
    assert labeled.job_spec.labels == {"x": "y"}
    assert [s.id for s in official.list_scheduled_jobs(labels={"x": "y"}, namespace="alice")] == [sj.id]
    official.delete_scheduled_job(scheduled_job_id=sj.id, namespace="alice")
    with pytest.raises(huggingface_hub.errors.JobNotFoundError):
        official.inspect_scheduled_job(scheduled_job_id=sj.id, namespace="alice")
