"""Webhook delivery: repo events become POSTs to the watching webhooks' URLs, in a background thread.

``install_webhook_delivery(hub)`` subscribes to ``hub.emit``. The listener only enqueues the event, so
a commit never waits for a receiver; one worker thread (started on demand, gone after 5 s idle)
matches each event against the enabled webhooks (domain ``repo``, a watched user/org owning the repo
or the repo itself, and an owner allowed to see a private repo), builds the Hub's version-3 payload
and POSTs it with ``X-Webhook-Secret`` when a secret is set. No redirects are followed, and the URL is
checked again against the allowed targets (loopback unless an admin widened it) right before sending.
Matching happens when the event is emitted (one small query in the request), the payload and the
POST in the worker. Failed deliveries are logged and recorded in ``WebhookDelivery.recent``, never retried.

```python
delivery = install_webhook_delivery(hub)
hub.emit("repo.content", "update", row, ref="refs/heads/main", sha=sha)   # POSTs in the background
```
"""

from __future__ import annotations

import collections
import ipaddress
import json
import logging
import queue
import threading
from typing import Any
from urllib.parse import urlsplit

import httpx

from hubflow.server._db import User
from hubflow.server._hub import Hub, HubEvent
from hubflow.server._paths import PREFIXES

__all__ = ["WebhookDelivery", "allowed_hosts", "install_webhook_delivery", "target_allowed"]

log = logging.getLogger(__name__)
_IDLE_SECONDS = 5.0
_TIMEOUT = 10.0
ALLOWED_HOSTS_KEY = "webhooks.allowed_hosts"


def allowed_hosts(hub: Hub) -> list[str]:
    """Extra hosts an admin allowed (``hubflow admin webhooks allow-host``); ``"*"`` allows any."""
    rows = hub.db.query("SELECT value FROM hub_settings WHERE key = ?", ALLOWED_HOSTS_KEY)
    return list(json.loads(rows[0]["value"])) if rows else []


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost: not resolved, so not trusted


def target_allowed(hub: Hub, url: str) -> str | None:
    """None when ``url`` may receive deliveries, else the reason it may not.

    ```python
    target_allowed(hub, "http://127.0.0.1:9000/hook")   # None
    target_allowed(hub, "https://example.com/hook")     # "... not a loopback address ..."
    ```
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"Invalid webhook URL {url!r}: an absolute http(s) URL is required"
    host = parts.hostname
    extra = allowed_hosts(hub)
    if _is_loopback(host) or "*" in extra or host.lower() in (h.lower() for h in extra):
        return None
    return (
        f"Webhook target {host!r} is not a loopback address; this local Hub only delivers to 127.0.0.0/8, ::1"
        " and localhost unless an admin allows more (hubflow admin webhooks allow-host HOST)"
    )


class WebhookDelivery:
    """The queue and worker of one Hub; ``recent`` keeps the last 100 outcomes ``(webhook id, status or error)``."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.queue: queue.Queue[tuple[HubEvent, list[dict[str, Any]]]] = queue.Queue()
        self.recent: collections.deque[tuple[str, int | str]] = collections.deque(maxlen=100)
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def __call__(self, event: HubEvent) -> None:
        # match now (one small query), so a webhook created after the event is not triggered by it
        hooks = self.matching(event)
        if not hooks:
            return
        self.queue.put((event, hooks))
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="hubflow-webhooks", daemon=True)
                self._worker.start()

    def _run(self) -> None:
        with httpx.Client(timeout=_TIMEOUT, follow_redirects=False, trust_env=False) as client:
            while True:
                try:
                    event, hooks = self.queue.get(timeout=_IDLE_SECONDS)
                except queue.Empty:
                    with self._lock:  # exit only if nothing arrived meanwhile; __call__ restarts us
                        if self.queue.empty():
                            self._worker = None
                            return
                    continue
                try:
                    for hook in hooks:
                        self._send(client, hook, self.payload(event, hook))
                except Exception:  # never let one bad event kill the worker
                    log.exception("webhook delivery failed for %s %s", event.scope, event.row.repo_id)

    def _send(self, client: httpx.Client, hook: dict[str, Any], payload: dict[str, Any]) -> None:
        reason = target_allowed(self.hub, hook["url"])
        if reason is not None:
            self.recent.append((hook["id"], reason))
            return
        headers = {"Content-Type": "application/json", "User-Agent": "hubflow-local-hub-webhooks"}
        if hook["secret"]:
            headers["X-Webhook-Secret"] = hook["secret"]
        try:
            response = client.post(hook["url"], content=json.dumps(payload).encode(), headers=headers)
            self.recent.append((hook["id"], response.status_code))
        except httpx.HTTPError as e:
            log.warning("webhook %s: POST %s failed: %s", hook["id"], hook["url"], e)
            self.recent.append((hook["id"], f"{type(e).__name__}: {e}"))

    # -- matching and payloads -------------------------------------------------------------------------
    def matching(self, event: HubEvent) -> list[dict[str, Any]]:
        """The enabled webhooks an event triggers (as dicts)."""
        domain = "discussion" if event.scope.startswith("discussion") else "repo"
        row = event.row
        out = []
        for hook in self.hub.db.query("SELECT * FROM webhooks WHERE disabled = 0 AND url IS NOT NULL"):
            if domain not in json.loads(hook["domains"]):
                continue
            if not any(_watches(item, row.type, row.namespace, row.repo_id) for item in json.loads(hook["watched"])):
                continue
            owner = User(name=hook["owner"], role="read", token_name="", token_created=0.0)
            if row.private and not self.hub.owns(owner, row.namespace):
                continue
            out.append(dict(hook))
        return out

    def payload(self, event: HubEvent, hook: dict[str, Any]) -> dict[str, Any]:
        """The Hub's webhook body (version 3) for one event; URLs use the Hub URL the webhook was saved from."""
        row = event.row
        base = hook.get("hub_url") or "http://localhost"
        api_type = f"{row.type}s"
        repo: dict[str, Any] = {
            "type": row.type, "name": row.repo_id, "id": f"{row.id:024x}", "private": row.private,
            "url": {"web": f"{base}/{PREFIXES[row.type]}{row.repo_id}", "api": f"{base}/api/{api_type}/{row.repo_id}"},
            "owner": {"id": row.namespace}, "tags": row.tags,
        }
        body: dict[str, Any] = {"event": {"action": event.action, "scope": event.scope}, "repo": repo}
        if event.scope.startswith("repo") and event.action != "delete":
            head, old = self._shas(event)
            if head is not None:
                repo["headSha"] = head
            if event.scope == "repo.content":
                body["updatedRefs"] = [{"ref": event.details.get("ref"), "oldSha": old, "newSha": event.details.get("sha")}]
        if event.scope == "repo.config":
            body["updatedConfig"] = event.details.get("updated_config") or {}
        body["webhook"] = {"id": hook["id"], "version": 3}
        return body

    def _shas(self, event: HubEvent) -> tuple[str | None, str | None]:
        """(sha of main, parent of the pushed commit): read from git, after the fact."""
        try:
            git = self.hub.open_git(event.row)
        except Exception:  # the repo was deleted or moved meanwhile
            return None, None
        try:
            head = git.resolve("main")
            old = None
            sha = event.details.get("sha")
            if sha:
                parents = git.commit_obj(sha).parents
                old = parents[0].decode() if parents else None
            return head, old
        finally:
            git.close()


def _watches(item: dict[str, Any], type_: str, namespace: str, repo_id: str) -> bool:
    kind, name = item.get("type"), item.get("name")
    if kind in ("user", "org"):
        return bool(name == namespace)
    return bool(kind == type_ and name == repo_id)


def install_webhook_delivery(hub: Hub) -> WebhookDelivery:
    """Subscribe webhook delivery to ``hub``'s events (once per Hub)."""
    for listener in hub.listeners:
        if isinstance(listener, WebhookDelivery):
            return listener
    delivery = WebhookDelivery(hub)
    hub.listeners.append(delivery)
    return delivery
