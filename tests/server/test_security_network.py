"""Network-facing risks: webhook SSRF, Jobs (host command execution), the listening address."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hubflow.server import create_app
from hubflow.server._cli import exposure_warning
from hubflow.testing import ALICE_WRITE, BOB_WRITE, LocalHub, seed_users

pytestmark = pytest.mark.anyio
ALICE = {"authorization": f"Bearer {ALICE_WRITE}"}
BOB = {"authorization": f"Bearer {BOB_WRITE}"}


@pytest.fixture
async def client(asgi_hub: LocalHub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_hub.app), base_url=asgi_hub.endpoint) as c:
        yield c


@pytest.mark.parametrize("url", [
    "http://example.com/h", "http://localhost.example.com/h", "http://127.0.0.1.nip.io/h", "http://2130706433/h",
    "http://0177.0.0.1/h", "http://0x7f.0.0.1/h", "http://127.1/h", "http://[::ffff:127.0.0.1]/h",
    "http://[::ffff:7f00:1]/h", "http://127.0.0.1@evil.example/h", "http://127.0.0.1\\@evil.example/h",
    "http://127.0.0.1:80@evil.example/h", "http://evil.example%40127.0.0.1/h", "http://169.254.169.254/latest",
    "http://10.0.0.1/h", "http://0.0.0.0/h", "http://[::]/h", "file:///etc/passwd", "gopher://127.0.0.1/h",
    "ftp://127.0.0.1/h", "//127.0.0.1/h", "http:///h", "http://localhost%00.evil.example/h",
])
async def test_webhook_targets_must_be_loopback(client: httpx.AsyncClient, url: str) -> None:
    body = {"watched": [{"type": "user", "name": "alice"}], "url": url}
    r = await client.post("/api/settings/webhooks", json=body, headers=ALICE)
    assert r.status_code == 400, url
    ok = await client.post("/api/settings/webhooks", json={**body, "url": "http://127.0.0.1:9/h"}, headers=ALICE)
    hook = ok.json()["webhook"]["id"]
    r = await client.post(f"/api/settings/webhooks/{hook}", json={"url": url}, headers=ALICE)
    assert r.status_code == 400
    assert (await client.get(f"/api/settings/webhooks/{hook}", headers=ALICE)).json()["webhook"]["url"].startswith(
        "http://127.0.0.1:9/")


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/h", "http://127.8.9.10/h", "http://localhost:1/h",
                                 "http://[::1]:9/h", "https://LOCALHOST/h"])
async def test_webhook_loopback_targets_are_accepted(client: httpx.AsyncClient, url: str) -> None:
    r = await client.post("/api/settings/webhooks", json={"watched": [{"type": "user", "name": "alice"}], "url": url},
                          headers=ALICE)
    assert r.status_code == 200


async def test_webhook_delivery_does_not_follow_redirects(asgi_hub: LocalHub) -> None:
    """The receiver answers 302 to a non-loopback host: the Hub records the 302 and goes no further."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    hits: list[str] = []

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hits.append(self.path)
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/followed")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_hub.app), base_url=asgi_hub.endpoint) as c:
            await c.post("/api/settings/webhooks", headers=ALICE, json={
                "watched": [{"type": "user", "name": "alice"}], "url": f"http://127.0.0.1:{server.server_port}/hook"})
            await c.post("/api/repos/create", json={"name": "m"}, headers=ALICE)
            delivery = asgi_hub.app.state.hub.listeners[0]
            deadline = time.monotonic() + 5
            while not delivery.recent and time.monotonic() < deadline:
                time.sleep(0.05)
        assert [status for _, status in delivery.recent] == [302]
        assert hits == ["/hook"]
    finally:
        server.shutdown()
        server.server_close()


# -- Jobs ----------------------------------------------------------------------------------------------------
async def test_jobs_are_off_by_default(client: httpx.AsyncClient) -> None:
    spec = {"command": ["python", "-c", "print(1)"], "dockerImage": "python:3.12"}
    for method, url in (("POST", "/api/jobs/alice"), ("GET", "/api/jobs/alice"), ("GET", "/api/jobs/hardware"),
                        ("POST", "/api/scheduled-jobs/alice")):
        r = await client.request(method, url, json=spec, headers=ALICE)
        assert r.status_code == 403 and "--enable-jobs" in r.json()["error"]
    assert (await client.get("/api/jobs/alice", headers={"authorization": "Bearer nope"})).status_code == 401


async def test_jobs_when_enabled_are_isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBFLOW_SERVER_ONLY_SECRET", "server-env-must-not-leak")
    seed_users(tmp_path / "hub")
    app = create_app(tmp_path / "hub", enable_jobs=True)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.local") as c:
            code = "import os; print(os.environ.get('HUBFLOW_SERVER_ONLY_SECRET'), os.environ['MY_SECRET'])"
            spec = {"command": ["python", "-c", code], "dockerImage": "python:3.12", "secrets": {"MY_SECRET": "t0p"}}
            r = await c.post("/api/jobs/alice", json=spec, headers=ALICE)
            assert r.status_code == 200
            job = r.json()
            assert "t0p" not in r.text and job["secrets"] == ["MY_SECRET"]
            job_id = job["id"]
            # bob can neither start jobs in alice's namespace nor see, cancel or read them
            assert (await c.post("/api/jobs/alice", json=spec, headers=BOB)).status_code == 403
            assert (await c.get("/api/jobs/alice", headers=BOB)).status_code == 403
            assert (await c.get(f"/api/jobs/bob/{job_id}", headers=BOB)).status_code == 404
            assert (await c.post(f"/api/jobs/bob/{job_id}/cancel", headers=BOB)).status_code == 404
            assert (await c.get(f"/api/jobs/alice/{job_id}/logs", headers=BOB)).status_code == 403
            assert (await c.get("/api/jobs/alice", headers={})).status_code == 401
            assert (await c.get("/api/jobs/alice?limit=abc", headers=ALICE)).status_code == 400
            assert (await c.get("/api/jobs/alice?cursor=abc", headers=ALICE)).status_code == 400
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                info = (await c.get(f"/api/jobs/alice/{job_id}", headers=ALICE)).json()
                if info["status"]["stage"] not in ("SCHEDULING", "RUNNING"):
                    break
                time.sleep(0.1)
            assert info["status"]["stage"] == "COMPLETED" and "t0p" not in str(info)
        log = (tmp_path / "hub" / "jobs" / f"{job_id}.log").read_text()
        assert "None t0p" in log and "server-env-must-not-leak" not in log
    finally:
        app.state.jobs.close()


# -- listening address ---------------------------------------------------------------------------------------
def test_exposure_warning() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert exposure_warning(host) is None
    for host in ("0.0.0.0", "::", "192.168.1.5", "example.com"):
        warning = exposure_warning(host)
        assert warning is not None and host in warning and "token" in warning


def test_serve_binds_loopback_by_default_and_warns_otherwise(tmp_path: Path) -> None:
    import argparse

    from hubflow.server import _cli

    parser = argparse.ArgumentParser()
    _cli.register(parser.add_subparsers())
    assert parser.parse_args(["serve"]).host == "127.0.0.1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hubflow.cli", "serve", "--data-dir", str(tmp_path / "hub"), "--host", "0.0.0.0",
         "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "WARNING" in line and "0.0.0.0" in line
    finally:
        proc.terminate()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
