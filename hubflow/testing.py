"""Test helpers: a local Hub in-process (ASGI) or as a real process on loopback.

Both come with two users and an org already made: ``alice`` (write token ``hf_alice_write``,
read token ``hf_alice_read``), ``bob`` (write token ``hf_bob_write``) and the org ``acme``
(member ``alice``).

```python
import httpx
from hubflow.testing import HubProcess, LocalHub

hub = LocalHub(tmp_path / "hub")
async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=hub.endpoint) as c:
    (await c.get("/api/whoami-v2", headers={"authorization": "Bearer hf_alice_write"})).json()

with HubProcess(tmp_path / "hub2") as proc:   # `hubflow serve --port 0`
    HfApi(endpoint=proc.endpoint, token="hf_alice_write").whoami()
```
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from hubflow.server._db import Database

__all__ = [
    "ALICE_READ",
    "ALICE_WRITE",
    "BOB_WRITE",
    "FaultPlan",
    "FaultProxy",
    "HubProcess",
    "LocalHub",
    "LogEntry",
    "rate_limited",
    "reset_before_response",
    "reset_mid_request_body",
    "reset_mid_response_body",
    "restart_server",
    "seed_users",
    "stall",
    "status",
]

ALICE_WRITE = "hf_alice_write"
ALICE_READ = "hf_alice_read"
BOB_WRITE = "hf_bob_write"


def seed_users(data_dir: str | os.PathLike[str]) -> None:
    """Create alice, bob and the org acme in a data dir (idempotent).

    ```python
    seed_users("/tmp/hub")
    ```
    """
    path = Path(data_dir)
    path.mkdir(parents=True, exist_ok=True)
    db = Database(path / "hub.db")
    db.add_user("alice", token=ALICE_WRITE, fullname="Alice A.", email="alice@example.com")
    db.add_token("alice", ALICE_READ, read_only=True, token_name="alice-read")
    db.add_user("bob", token=BOB_WRITE, fullname="Bob B.", email="bob@example.com")
    db.add_org("acme", fullname="Acme Corp", members=["alice"])


class LocalHub:
    """A local Hub served in-process: ``.app`` for ``httpx.ASGITransport``, ``.endpoint`` as base URL.

    Keyword arguments override server limits (e.g. ``multipart_threshold=1024``).

    ```python
    hub = LocalHub(tmp_path / "hub")
    transport = httpx.ASGITransport(app=hub.app)
    ```
    """

    endpoint = "http://hub.local"

    def __init__(self, data_dir: str | os.PathLike[str], **limits: Any) -> None:
        from hubflow.server import create_app

        self.data_dir = Path(data_dir)
        seed_users(self.data_dir)
        self.app = create_app(self.data_dir, **limits)


class HubProcess:
    """``hubflow serve --data-dir D --port 0`` as a child process; the URL is parsed from its output.

    Use as a context manager (or call ``start()``/``stop()``). Extra CLI flags go in ``args``.

    ```python
    with HubProcess(tmp_path / "hub") as hub:
        httpx.get(f"{hub.endpoint}/api/models")
    ```
    """

    def __init__(
        self, data_dir: str | os.PathLike[str], *, args: list[str] | None = None, host: str = "127.0.0.1",
        startup_timeout: float = 30.0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.args = list(args or [])
        self.host = host
        self.startup_timeout = startup_timeout
        self.endpoint = ""
        self.output: list[str] = []
        self._proc: subprocess.Popen[str] | None = None
        self._pump: threading.Thread | None = None

    def start(self) -> HubProcess:
        seed_users(self.data_dir)
        cmd = [sys.executable, "-m", "hubflow.cli", "serve", "--data-dir", str(self.data_dir),
               "--host", self.host, "--port", "0", *self.args]
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )
        proc = self._proc
        found = threading.Event()

        def pump() -> None:  # keep draining output so the child never blocks on a full pipe
            assert proc.stdout is not None
            for line in proc.stdout:
                self.output.append(line.rstrip("\n"))
                if not found.is_set() and line.startswith("http://"):
                    self.endpoint = line.strip()
                    found.set()
            proc.stdout.close()

        self._pump = threading.Thread(target=pump, daemon=True)
        self._pump.start()
        deadline = time.monotonic() + self.startup_timeout
        while not found.wait(0.05):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("hubflow serve did not start:\n" + "\n".join(self.output))
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._pump is not None:
            self._pump.join(10)

    def __enter__(self) -> HubProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# Fault injection for resilience tests (docs/resilience.md); imported last: it uses HubProcess.
from hubflow._faults import (  # noqa: E402
    FaultPlan,
    FaultProxy,
    LogEntry,
    rate_limited,
    reset_before_response,
    reset_mid_request_body,
    reset_mid_response_body,
    restart_server,
    stall,
    status,
)
