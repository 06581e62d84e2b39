"""hubflow's facade for webhooks: CRUD with attribute checks, validation, and a delivery end to end."""

from __future__ import annotations

import http.server
import json
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hubflow import BadRequestError, HfApi, HfHubHTTPError
from hubflow.schema import WebhookInfo, WebhookWatchedItem
from hubflow.tasks import CreateWebhook, SetWebhookEnabled, UpdateWebhook
from hubflow.testing import ALICE_WRITE, BOB_WRITE, HubProcess, LocalHub


@pytest.fixture
def local(tmp_path: Path) -> LocalHub:
    return LocalHub(tmp_path / "hub")


def _api(local: LocalHub, token: str) -> HfApi:
    return HfApi(endpoint=local.endpoint, token=token, transport=httpx.ASGITransport(app=local.app))


def test_crud(local: LocalHub) -> None:
    with _api(local, ALICE_WRITE) as api:
        hook = api.create_webhook(url="http://localhost:9/h", watched=[WebhookWatchedItem(type="org", name="acme"),
                                                                       {"type": "dataset", "name": "alice/d"}])
        assert isinstance(hook, WebhookInfo)
        assert [(w.type, w.name) for w in hook.watched] == [("org", "acme"), ("dataset", "alice/d")]
        assert (hook.url, hook.secret, hook.disabled, hook.domains) == (
            "http://localhost:9/h", None, False, ["repo", "discussion"])
        assert [h.id for h in api.list_webhooks()] == [hook.id]
        updated = api.update_webhook(hook.id, domains=["discussion"], secret="x")
        assert (updated.domains, updated.secret, len(updated.watched)) == (["discussion"], "x", 2)
        assert api.disable_webhook(hook.id).disabled is True
        assert api.enable_webhook(hook.id).disabled is False
        assert api.get_webhook(hook.id).secret == "x"
        with _api(local, BOB_WRITE) as bob:
            assert bob.list_webhooks() == []
            with pytest.raises(HfHubHTTPError) as err:
                bob.get_webhook(hook.id)
            assert err.value.status_code == 404
        assert api.delete_webhook(hook.id) is None
        assert api.list_webhooks() == []


def test_validation(local: LocalHub) -> None:
    with _api(local, ALICE_WRITE) as api:
        watched = [{"type": "user", "name": "alice"}]
        with pytest.raises(ValueError):
            api.create_webhook(url="http://127.0.0.1/h", job_id="j", watched=watched)
        with pytest.raises(ValueError):
            api.create_webhook(watched=watched)
        with pytest.raises(ValueError):
            api.create_webhook(url="http://127.0.0.1/h", watched=watched, secrets={"A": "b"})
        with pytest.raises(BadRequestError):
            api.create_webhook(url="https://example.org/h", watched=watched)
        with pytest.raises(BadRequestError):
            api.create_webhook(url="http://127.0.0.1/h", watched=[{"type": "galaxy", "name": "x"}])
        with pytest.raises(BadRequestError):
            api.create_webhook(url="http://127.0.0.1/h", watched=watched, domains=["nope"])  # type: ignore[list-item]


def test_node_bodies() -> None:
    create = CreateWebhook(url="http://127.0.0.1/h", watched=[WebhookWatchedItem(type="user", name="a")])
    assert create.request_body() == {"watched": [{"type": "user", "name": "a"}], "domains": ["repo", "discussion"],
                                     "url": "http://127.0.0.1/h"}
    update = UpdateWebhook(webhook_id="abc", url="http://127.0.0.1/x")
    assert update.request_path() == "/api/settings/webhooks/abc"
    assert update.request_body() == {"watched": [], "url": "http://127.0.0.1/x"}  # as the official client
    toggle = SetWebhookEnabled(webhook_id="abc", enabled=False)
    assert (toggle.request_path(), toggle.request_body()) == ("/api/settings/webhooks/abc/disable", None)


@pytest.fixture
def receiver() -> Iterator[tuple[str, queue.Queue[tuple[dict[str, str], dict[str, Any]]]]]:
    got: queue.Queue[tuple[dict[str, str], dict[str, Any]]] = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            got.put(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}/hook", got
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_delivery_after_upload(hub: HubProcess, token: str, repo_factory: Callable[..., str],
                               receiver: tuple[str, queue.Queue[tuple[dict[str, str], dict[str, Any]]]]) -> None:
    url, got = receiver
    with HfApi(endpoint=hub.endpoint, token=token) as api:
        repo_id = repo_factory("space")
        api.create_repo(repo_id, repo_type="space", space_sdk="static")
        hook = api.create_webhook(url=url, watched=[{"type": "space", "name": repo_id}], domains=["repo"],
                                  secret="topsecret")
        try:
            info = api.upload_file(path_or_fileobj=b"<p>hi</p>", path_in_repo="index.html", repo_id=repo_id,
                                   repo_type="space")
            headers, body = got.get(timeout=5)
            assert headers["x-webhook-secret"] == "topsecret"
            assert body["event"]["scope"] == "repo.content"
            assert (body["repo"]["type"], body["repo"]["name"], body["repo"]["headSha"]) == ("space", repo_id, info.oid)
            assert body["updatedRefs"][0]["newSha"] == info.oid
            api.add_space_secret(repo_id, "K", "v")  # Space secrets are repo.config events on the Hub
            _, body = got.get(timeout=5)
            assert body["event"] == {"action": "update", "scope": "repo.config"} and body["updatedConfig"] == {}
        finally:
            api.delete_webhook(hook.id)
