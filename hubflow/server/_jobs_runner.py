"""Run Jobs as local subprocesses of the server, sample their metrics, and fire scheduled jobs.

What runs (only when the server was started with ``--enable-jobs``): the job's ``command`` +
``arguments`` list, executed directly with :class:`subprocess.Popen` (no shell, no container;
``dockerImage``/``spaceId`` are recorded, not used) in a fresh temporary working directory,
in its own process group, with an environment made of ``PATH``, ``HOME`` (the working dir),
``PYTHONUNBUFFERED=1``, ``JOB_ID``, then the job's ``environment`` and ``secrets``. ``PATH``
starts with a directory holding ``python``/``python3`` (links to the server's interpreter) and,
when ``uv`` is not installed, a ``uv`` shim that runs ``uv run [--with D]... [--python V]
script args...`` as ``python script args...`` (dependencies must already be importable).
stdout and stderr are merged into the job log (``<data_dir>/jobs/<id>.log``, JSON lines).

Stages: ``SCHEDULING`` → ``RUNNING`` → ``COMPLETED`` (exit 0) / ``ERROR`` (non-zero exit, a
command that cannot start, a timeout) / ``CANCELED`` (SIGTERM to the group, SIGKILL after
``kill_grace`` seconds). Jobs left unfinished by a previous server process become ``ERROR``.

```python
runner = JobRunner(hub)
row = runner.start(store.insert_job("alice", {"command": ["python", "-c", "print(1)"]}, initiator=...))
```
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hubflow.server._cron import Cron
from hubflow.server._db import iso
from hubflow.server._hub import Hub
from hubflow.server._jobs_store import JobRow, JobStore, ScheduledRow

__all__ = ["JobRunner", "ProcSampler", "next_run"]

_UV_SHIM = '''#!{python}
"""hubflow's stand-in for `uv run` when uv is not installed: runs the script with this python."""
import os, sys
args = sys.argv[1:]
if not args or args[0] != "run":
    sys.exit("hubflow uv shim: only `uv run` is supported (install uv for more)")
args = args[1:]
while args and args[0] in ("--with", "--python"):
    args = args[2:]
if not args:
    sys.exit("hubflow uv shim: no script given")
os.execv(sys.executable, [sys.executable, *args])
'''


def next_run(schedule: str, after: float) -> float | None:
    """Unix time of the next due run of a cron schedule after ``after``."""
    due = Cron.parse(schedule).next_after(datetime.fromtimestamp(after, tz=timezone.utc))
    return due.timestamp() if due else None


def _event(text: str) -> str:
    # Whole seconds: the official client ends a non-following read at the first event newer than the
    # response's `Date` + 1 s, and uvicorn's `Date` is refreshed only once a second (it can lag ~1 s).
    # Millisecond stamps made the last lines of a just-finished job vanish from `fetch_job_logs`.
    return json.dumps({"data": text, "timestamp": iso(float(int(time.time())))}) + "\n"


class ProcSampler:
    """CPU % and memory of a process group from ``/proc``; each stream keeps its own (for deltas).

    ``cpu_usage_pct`` is the share of the whole machine (all cores) used since the last sample.
    """

    def __init__(self, pgid: int, replica: str) -> None:
        self.pgid = pgid
        self.replica = replica
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._ticks = os.sysconf("SC_CLK_TCK")
        self._cores = os.cpu_count() or 1
        self._last: tuple[float, float] | None = None
        self._total = _mem_total()

    def _group(self) -> tuple[float, int]:
        cpu_ticks, rss = 0, 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rpartition(")")[2].split()
                if int(fields[2]) != self.pgid:  # field 5 (pgrp), after the command name
                    continue
                cpu_ticks += int(fields[11]) + int(fields[12])  # utime + stime
                with open(f"/proc/{entry}/statm") as f:
                    rss += int(f.read().split()[1]) * self._page
            except (OSError, IndexError, ValueError):
                continue  # exited meanwhile
        return cpu_ticks / self._ticks, rss

    def sample(self) -> dict[str, Any]:
        """One metrics event (api.md §7.7 keys; no GPUs, no per-process network counters: 0)."""
        cpu_secs, rss = self._group()
        now = time.monotonic()
        pct = 0.0
        if self._last is not None and now > self._last[0]:
            pct = max(0.0, (cpu_secs - self._last[1]) / (now - self._last[0]) / self._cores * 100)
        self._last = (now, cpu_secs)
        return {
            "cpu_usage_pct": round(pct, 1), "cpu_millicores": self._cores * 1000, "memory_used_bytes": rss,
            "memory_total_bytes": self._total, "rx_bps": 0, "tx_bps": 0, "gpus": {}, "replica": self.replica,
        }


def _mem_total() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class _Running:
    proc: subprocess.Popen[bytes]
    canceled: bool = False
    timed_out: bool = False
    timers: list[threading.Timer] = field(default_factory=list)


class JobRunner:
    """Starts, watches and cancels job processes; runs the scheduler thread."""

    def __init__(self, hub: Hub, *, kill_grace: float = 2.0, scheduler_interval: float = 0.5) -> None:
        self.hub = hub
        self.store = JobStore(hub.db)
        self.kill_grace = kill_grace
        self.logs_dir = hub.data_dir / "jobs"
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.bin_dir = self._make_bin()
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        for row in self.store.unfinished_jobs():
            self.store.finish_job(row.id, "ERROR", "The local Hub restarted while the job was running")
        self._stop = threading.Event()
        self._scheduler = threading.Thread(
            target=self._schedule_loop, args=(scheduler_interval,), name="hubflow-job-scheduler", daemon=True
        )
        self._scheduler.start()

    def _make_bin(self) -> Path:
        bin_dir = self.logs_dir / "bin"
        bin_dir.mkdir(exist_ok=True)
        for name in ("python", "python3"):
            link = bin_dir / name
            if not link.exists():
                with contextlib.suppress(FileExistsError):
                    link.symlink_to(sys.executable)
        uv = bin_dir / "uv"
        if shutil.which("uv") is None and not uv.exists():
            tmp = bin_dir / f".uv.{os.getpid()}"
            tmp.write_text(_UV_SHIM.format(python=sys.executable))
            tmp.chmod(0o755)
            os.replace(tmp, uv)
        return bin_dir

    def log_path(self, job_id: str) -> Path:
        return self.logs_dir / f"{job_id}.log"

    def close(self) -> None:
        """Stop the scheduler and cancel running jobs (server shutdown)."""
        self._stop.set()
        for job_id in list(self._running):
            self.cancel(job_id)

    # -- running -------------------------------------------------------------------------------------------
    def start(self, row: JobRow) -> JobRow:
        """Launch the job in a background thread; returns the row as stored now."""
        threading.Thread(target=self._run, args=(row,), name=f"hubflow-job-{row.id[:8]}", daemon=True).start()
        return row

    def _env(self, row: JobRow, workdir: str) -> dict[str, str]:
        env = {
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
            "HOME": workdir, "PYTHONUNBUFFERED": "1", "JOB_ID": row.id, "LANG": "C.UTF-8",
        }
        for key in ("environment", "secrets"):
            env.update({str(k): str(v) for k, v in (row.spec.get(key) or {}).items()})
        return env

    def _run(self, row: JobRow) -> None:
        argv = [str(a) for a in [*(row.spec.get("command") or []), *(row.spec.get("arguments") or [])]]
        log_path = self.log_path(row.id)
        workdir = tempfile.mkdtemp(prefix=f"hubflow-job-{row.id[:8]}-")
        try:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(_event(f"===== Job started at {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} ====="))
                log.flush()
                if not argv:
                    self.store.finish_job(row.id, "ERROR", "The job has no command")
                    return
                with self._lock:
                    current = self.store.get_job(row.id)
                    if current is None or current.terminal:  # canceled while scheduling
                        return
                    try:
                        proc = subprocess.Popen(
                            argv, cwd=workdir, env=self._env(row, workdir), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                        )
                    except OSError as exc:
                        log.write(_event(f"Cannot start {argv[0]!r}: {exc}"))
                        self.store.finish_job(row.id, "ERROR", f"Cannot start {argv[0]!r}: {exc.strerror or exc}")
                        return
                    running = self._running[row.id] = _Running(proc)
                    self.store.update_job(row.id, stage="RUNNING", started_at=time.time())
                timeout = row.spec.get("timeoutSeconds")
                if timeout:
                    timer = threading.Timer(float(timeout), self._time_out, args=(row.id,))
                    timer.daemon = True
                    running.timers.append(timer)
                    timer.start()
                assert proc.stdout is not None
                with proc.stdout:
                    for raw in proc.stdout:
                        log.write(_event(raw.decode("utf-8", "replace").rstrip("\r\n")))
                        log.flush()
                code = proc.wait()
            with self._lock:
                self._running.pop(row.id, None)
                for timer in running.timers:
                    timer.cancel()
                if running.canceled:
                    self.store.finish_job(row.id, "CANCELED", "Job canceled")
                elif running.timed_out:
                    self.store.finish_job(row.id, "ERROR", f"Job timed out after {timeout} seconds")
                elif code == 0:
                    self.store.finish_job(row.id, "COMPLETED", None)
                else:
                    self.store.finish_job(row.id, "ERROR", f"Job failed with exit code: {code}")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def pid(self, job_id: str) -> int | None:
        """Process (group) id of a running job."""
        running = self._running.get(job_id)
        return running.proc.pid if running else None

    def _signal(self, running: _Running, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(running.proc.pid, sig)

    def cancel(self, job_id: str) -> bool:
        """SIGTERM the job's process group, SIGKILL after ``kill_grace``; False if it was not running."""
        with self._lock:
            running = self._running.get(job_id)
            if running is None:
                row = self.store.get_job(job_id)
                if row is not None and not row.terminal:
                    self.store.finish_job(job_id, "CANCELED", "Job canceled")
                    return True
                return False
            running.canceled = True
        self._terminate(running)
        return True

    def _time_out(self, job_id: str) -> None:
        running = self._running.get(job_id)
        if running is not None:
            running.timed_out = True
            self._terminate(running)

    def _terminate(self, running: _Running) -> None:
        self._signal(running, signal.SIGTERM)
        killer = threading.Timer(self.kill_grace, self._signal, args=(running, signal.SIGKILL))
        killer.daemon = True
        running.timers.append(killer)
        killer.start()

    # -- scheduled jobs --------------------------------------------------------------------------------------
    def trigger(
        self, scheduled: ScheduledRow, initiator: dict[str, Any], *, next_run_at: float | None = None
    ) -> JobRow | None:
        """Start one run of a scheduled job; None when a run is still going and concurrency is off.

        ``next_run_at`` (the scheduler's) is written with the new last job, in one update: a reader
        never sees the new run with the old due time.
        """
        if not scheduled.concurrency and scheduled.last_job_id:
            last = self.store.get_job(scheduled.last_job_id)
            if last is not None and not last.terminal:
                return None
        row = self.store.insert_job(scheduled.namespace, scheduled.spec, initiator=initiator, scheduled_id=scheduled.id)
        fields: dict[str, Any] = {"last_job_id": row.id, "last_job_at": row.created_at}
        if next_run_at is not None:
            fields["next_run_at"] = next_run_at
        self.store.update_scheduled(scheduled.id, **fields)
        return self.start(row)

    def _schedule_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            now = time.time()
            try:
                for scheduled in self.store.due_scheduled(now):
                    upcoming = next_run(scheduled.schedule, now)
                    if self.trigger(scheduled, {"type": "scheduled-job", "id": scheduled.id},
                                    next_run_at=upcoming) is None:
                        self.store.update_scheduled(scheduled.id, next_run_at=upcoming)
            except Exception as exc:  # keep the scheduler alive; report on the server's stderr
                print(f"hubflow job scheduler: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
