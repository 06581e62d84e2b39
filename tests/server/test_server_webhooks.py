"""Webhooks through the official client against a real ``hubflow serve``: management, loopback-only
targets, and deliveries to a receiver thread after commits."""

from __future__ import annotations

import http.server
import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from huggingface_hub import HfApi, WebhookWatchedItem
from huggingface_hub.errors import BadRequestError, HfHubHTTPError

from hubflow.server._admin_extras import set_allowed_hosts
from hubflow.testing import ALICE_READ, BOB_WRITE, HubProcess, LocalHub


@dataclass
class Receiver:
    """A loopback HTTP server recording each POST as (headers, JSON body)."""

    url: str
    received: queue.Queue[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=queue.Queue)

    def next(self, timeout: float = 5.0) -> tuple[dict[str, str], dict[str, Any]]:
        return self.received.get(timeout=timeout)

    def quiet(self, wait: float = 0.5) -> bool:
        try:
            self.received.get(timeout=wait)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got: queue.Queue[tuple[dict[str, str], dict[str, Any]]] = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            got.put(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook", received=got)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_management(hub: HubProcess, token: str) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    hook = api.create_webhook(url="http://127.0.0.1:1/h", watched=[WebhookWatchedItem(type="user", name="alice")],
                              secret="s3")
    assert len(hook.id) == 24 and hook.domains == ["repo", "discussion"] and hook.disabled is False
    assert (hook.url, hook.secret, hook.job) == ("http://127.0.0.1:1/h", "s3", None)
    assert hook.id in [h.id for h in api.list_webhooks()]
    got = api.get_webhook(hook.id)
    assert [(w.type, w.name) for w in got.watched] == [("user", "alice")]

    updated = api.update_webhook(hook.id, url="http://localhost:2/h", domains=["repo"])
    assert (updated.url, updated.domains) == ("http://localhost:2/h", ["repo"])
    assert [(w.type, w.name) for w in updated.watched] == [("user", "alice")]  # watched=[] kept them
    updated = api.update_webhook(hook.id, watched=[{"type": "model", "name": "alice/m"}], secret="new")
    assert [(w.type, w.name) for w in updated.watched] == [("model", "alice/m")] and updated.secret == "new"
    assert api.disable_webhook(hook.id).disabled is True
    assert api.get_webhook(hook.id).disabled is True
    assert api.enable_webhook(hook.id).disabled is False
    api.delete_webhook(hook.id)
    assert hook.id not in [h.id for h in api.list_webhooks()]
    with pytest.raises(HfHubHTTPError) as err:
        api.get_webhook(hook.id)
    assert err.value.response.status_code == 404


def test_webhooks_belong_to_their_user(hub: HubProcess, token: str) -> None:
    alice = HfApi(endpoint=hub.endpoint, token=token)
    bob = HfApi(endpoint=hub.endpoint, token=BOB_WRITE)
    hook = alice.create_webhook(url="http://127.0.0.1:1/h", watched=[{"type": "user", "name": "alice"}])
    assert hook.id not in [h.id for h in bob.list_webhooks()]
    for call in (lambda: bob.get_webhook(hook.id), lambda: bob.delete_webhook(hook.id),
                 lambda: bob.disable_webhook(hook.id)):
        with pytest.raises(HfHubHTTPError) as err:
            call()
        assert err.value.response.status_code == 404
    reader = HfApi(endpoint=hub.endpoint, token=ALICE_READ)
    assert hook.id in [h.id for h in reader.list_webhooks()]
    with pytest.raises(HfHubHTTPError) as err:
        reader.delete_webhook(hook.id)
    assert err.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as err:
        HfApi(endpoint=hub.endpoint, token=False).list_webhooks()
    assert err.value.response.status_code == 401
    alice.delete_webhook(hook.id)


@pytest.mark.parametrize("url", ["https://example.com/hook", "http://10.0.0.1/h", "http://169.254.169.254/",
                                 "ftp://127.0.0.1/h", "http://127.0.0.1.example.com/h"])
def test_non_loopback_targets_are_refused(hub: HubProcess, token: str, url: str) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    with pytest.raises(BadRequestError):
        api.create_webhook(url=url, watched=[{"type": "user", "name": "alice"}])
    hook = api.create_webhook(url="http://[::1]:9/h", watched=[{"type": "user", "name": "alice"}])
    with pytest.raises(BadRequestError):
        api.update_webhook(hook.id, url=url)
    api.delete_webhook(hook.id)


def test_job_webhooks_are_refused(hub: HubProcess, token: str) -> None:
    with pytest.raises(BadRequestError):
        HfApi(endpoint=hub.endpoint, token=token).create_webhook(job_id="abc", watched=[{"type": "user", "name": "alice"}])


@pytest.mark.anyio
async def test_admin_can_allow_more_hosts(tmp_path: Any) -> None:
    local = LocalHub(tmp_path / "hub")

    async def create() -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=local.app), base_url=local.endpoint) as client:
            response = await client.post(
                "/api/settings/webhooks", headers={"authorization": f"Bearer {BOB_WRITE}"},
                json={"watched": [{"type": "user", "name": "bob"}], "url": "https://hooks.internal/x"},
            )
            return response.status_code

    assert await create() == 400
    set_allowed_hosts(local.app.state.hub.db, ["hooks.internal"])
    assert await create() == 200
    set_allowed_hosts(local.app.state.hub.db, ["*"])
    assert await create() == 200


def test_delivery_after_upload(hub: HubProcess, token: str, repo_factory: Callable[..., str],
                               receiver: Receiver) -> None:
    api = HfApi(endpoint=hub.endpoint, token=token)
    repo_id = repo_factory("hooked")
    api.create_repo(repo_id)
    hook = api.create_webhook(url=receiver.url, watched=[{"type": "model", "name": repo_id}], secret="s3cret")
    try:
        commit = api.upload_file(path_or_fileobj=b"hello", path_in_repo="a.txt", repo_id=repo_id)
        headers, body = receiver.next()
        assert headers["x-webhook-secret"] == "s3cret" and headers["content-type"] == "application/json"
        assert body["event"] == {"action": "update", "scope": "repo.content"}
        assert body["webhook"] == {"id": hook.id, "version": 3}
        repo = body["repo"]
        assert (repo["type"], repo["name"], repo["private"], repo["headSha"]) == ("model", repo_id, False, commit.oid)
        assert repo["url"] == {"web": f"{hub.endpoint}/{repo_id}", "api": f"{hub.endpoint}/api/models/{repo_id}"}
        parent = api.list_repo_commits(repo_id)[1].commit_id
        assert body["updatedRefs"] == [{"ref": "refs/heads/main", "oldSha": parent, "newSha": commit.oid}]

        api.update_repo_settings(repo_id, private=True)
        _, body = receiver.next()
        assert body["event"] == {"action": "update", "scope": "repo.config"}
        assert body["updatedConfig"] == {"private": True} and body["repo"]["private"] is True

        api.disable_webhook(hook.id)
        api.upload_file(path_or_fileobj=b"again", path_in_repo="b.txt", repo_id=repo_id)
        assert receiver.quiet()  # disabled: nothing delivered
        api.enable_webhook(hook.id)
        api.delete_repo(repo_id)
        _, body = receiver.next()
        assert body["event"] == {"action": "delete", "scope": "repo"} and "headSha" not in body["repo"]
    finally:
        api.delete_webhook(hook.id)


def test_watching_a_user_and_private_repos(hub: HubProcess, token: str, repo_factory: Callable[..., str],
                                           receiver: Receiver) -> None:
    alice = HfApi(endpoint=hub.endpoint, token=token)
    bob = HfApi(endpoint=hub.endpoint, token=BOB_WRITE)
    bobs_hook = bob.create_webhook(url=receiver.url, watched=[{"type": "user", "name": "alice"}], domains=["repo"])
    try:
        private = repo_factory("secret")
        alice.create_repo(private, private=True)
        alice.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=private)
        assert receiver.quiet()  # bob cannot see alice's private repo: no event for him
        public = repo_factory("open")
        alice.create_repo(public, repo_type="dataset")
        _, body = receiver.next()
        assert body["event"] == {"action": "create", "scope": "repo"}
        assert (body["repo"]["type"], body["repo"]["name"]) == ("dataset", public)
    finally:
        bob.delete_webhook(bobs_hook.id)


def test_a_slow_receiver_never_blocks_a_commit(tmp_path: Any) -> None:
    release = threading.Event()
    got: queue.Queue[str] = queue.Queue()

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            release.wait(10)  # hold the delivery until the commit is done
            got.put(self.headers.get("x-webhook-secret", ""))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with HubProcess(tmp_path / "hub") as proc:
            api = HfApi(endpoint=proc.endpoint, token=BOB_WRITE)
            api.create_repo("bob/slow")
            api.create_webhook(url=f"http://127.0.0.1:{server.server_address[1]}/h",
                               watched=[{"type": "user", "name": "bob"}], secret="k")
            api.upload_file(path_or_fileobj=b"1", path_in_repo="one.txt", repo_id="bob/slow")
            api.upload_file(path_or_fileobj=b"2", path_in_repo="two.txt", repo_id="bob/slow")  # not queued behind
            assert got.empty()  # both commits returned while the first delivery is still held
            release.set()
            assert [got.get(timeout=5), got.get(timeout=5)] == ["k", "k"]
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_a_failing_listener_does_not_fail_the_commit(tmp_path: Any) -> None:
    local = LocalHub(tmp_path / "hub")
    hub_state = local.app.state.hub
    seen: list[str] = []

    def broken(event: Any) -> None:
        seen.append(event.scope)
        raise RuntimeError("injected listener fault")

    hub_state.listeners.insert(0, broken)
    import logging

    logging.getLogger("hubflow.server._hub").disabled = True  # the fault is logged; keep the test output clean
    try:
        from hubflow import HfApi as FacadeApi

        with FacadeApi(endpoint=local.endpoint, token=BOB_WRITE, transport=httpx.ASGITransport(app=local.app)) as api:
            api.create_repo("bob/m")
            info = api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="bob/m")
            assert info.oid and api.file_exists("bob/m", "x.txt")
    finally:
        logging.getLogger("hubflow.server._hub").disabled = False
    assert seen == ["repo", "repo.content"]
