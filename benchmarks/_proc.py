"""Processes: the local Hub server (with its memory readings) and one worker measurement.

A worker's peak memory is its own ``VmHWM`` (the kernel's RSS high-water mark of its address space),
which it reports itself just before exiting; the parent also polls it from ``/proc/<pid>/status``
as a fallback. (``ru_maxrss`` from ``wait4`` is not used: Linux carries the parent's RSS at fork
into the child's ``ru_maxrss`` across ``exec``.) The server's
peak during a phase is ``VmHWM`` from ``/proc/<pid>/status`` after resetting it through
``/proc/<pid>/clear_refs`` (Linux ≥ 4.0); where the reset is refused, the peak is the cumulative
``VmHWM`` since start and ``Server.hwm_resettable`` is false.

```python
with Server(data_dir) as server:
    server.reset_peak()
    result = run_worker("huggingface_hub", "list_models", {...}, home=tmp / "home")
    result.peak_mb, server.peak_mb()
```
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "hf_alice_write"
USER = "alice"


def _status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Server:
    """``hubflow serve --data-dir D --port 0`` in a child process, with users from ``hubflow.testing``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.endpoint = ""
        self.output: list[str] = []
        self.hwm_resettable = True
        self._proc: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def start(self) -> Server:
        from hubflow.testing import seed_users

        seed_users(self.data_dir)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "hubflow.cli", "serve", "--data-dir", str(self.data_dir), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, cwd=REPO_ROOT,
        )
        found = threading.Event()
        proc = self._proc

        def pump() -> None:  # drain output so the server never blocks on a full pipe
            assert proc.stdout is not None
            for line in proc.stdout:
                self.output.append(line.rstrip("\n"))
                if line.startswith("http://") and not found.is_set():
                    self.endpoint = line.strip()
                    found.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + 30
        while not found.wait(0.05):
            if proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("hubflow serve did not start:\n" + "\n".join(self.output))
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def reset_peak(self) -> None:
        """Reset VmHWM to the current RSS, so the next reading is this phase's peak."""
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as handle:
                handle.write("5")
        except OSError:
            self.hwm_resettable = False

    def peak_mb(self) -> float:
        return (_status_kb(self.pid, "VmHWM") or 0) / 1024

    def rss_mb(self) -> float:
        return (_status_kb(self.pid, "VmRSS") or 0) / 1024

    def create_repo(self, name: str) -> str:
        """A fresh empty model ``alice/<name>`` over plain HTTP (client-neutral setup, not timed)."""
        r = httpx.post(
            f"{self.endpoint}/api/repos/create", json={"name": name, "organization": USER},
            headers={"authorization": f"Bearer {TOKEN}"}, timeout=60,
        )
        if r.status_code not in (200, 409):
            raise RuntimeError(f"create {name}: {r.status_code} {r.text}")
        return f"{USER}/{name}"

    def delete_repo(self, repo_id: str) -> None:
        """Drop a repo made by a run (keeps disk use flat across repeated 1-2 GB uploads)."""
        httpx.request(
            "DELETE", f"{self.endpoint}/api/repos/delete", json={"name": repo_id},
            headers={"authorization": f"Bearer {TOKEN}"}, timeout=60,
        )

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@dataclass
class Measurement:
    """One worker run: its JSON result and the process's peak RSS."""

    client: str
    result: dict[str, Any] = field(default_factory=dict)
    peak_mb: float = 0.0
    wall: float = 0.0

    @property
    def error(self) -> str | None:
        return self.result.get("error")

    @property
    def seconds(self) -> float | None:
        return None if self.error else self.result.get("seconds")


def run_worker(client: str, workload: str, args: dict[str, Any], *, home: Path, timeout: float = 3600) -> Measurement:
    """Run ``benchmarks._worker`` in a fresh process with a fresh ``HF_HOME``; measure its peak RSS."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HF_HOME": str(home), "HF_HUB_CACHE": str(home / "hub"), "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("HF_TOKEN", None)
    out_path, err_path = home / "worker.out", home / "worker.err"
    start = time.perf_counter()
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._worker", client, workload, json.dumps(args)],
            stdout=out, stderr=err, env=env, cwd=REPO_ROOT,
        )
        deadline = start + timeout
        polled_kb = 0
        while proc.poll() is None:
            polled_kb = max(polled_kb, _status_kb(proc.pid, "VmHWM") or 0)
            if time.perf_counter() > deadline:
                proc.kill()
                proc.wait()
                break
            time.sleep(0.02)
    wall = time.perf_counter() - start
    lines = [line for line in out_path.read_text().splitlines() if line.startswith("{")]
    if lines:
        result = json.loads(lines[-1])
    else:
        tail = err_path.read_text().strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        result = {"error": f"worker died: {tail[0][:200]}"}
    peak_kb = result.pop("vmhwm_kb", None) or polled_kb
    return Measurement(client=client, result=result, peak_mb=peak_kb / 1024, wall=wall)
