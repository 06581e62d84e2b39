"""Webhook nodes: ``/api/settings/webhooks`` (list, get, create, update, enable, disable, delete).

Webhooks belong to the token's user. Single-webhook answers are ``{"webhook": {...}}``, unwrapped
into ``WebhookInfo``; the list is a bare array.

```python
hook = await ctx.submit(CreateWebhook(url="http://127.0.0.1:9000/hook",
                                      watched=[WebhookWatchedItem(type="user", name="alice")]))
```
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

import msgspec

from hubflow.schema import WebhookInfo, WebhookResponse, WebhookWatchedItem
from hubflow.tasks._base import Endpoint

__all__ = [
    "WEBHOOK_DOMAINS",
    "CreateWebhook",
    "DeleteWebhook",
    "GetWebhook",
    "ListWebhooks",
    "SetWebhookEnabled",
    "UpdateWebhook",
]

WEBHOOK_DOMAINS = ("repo", "discussion")


class _OneWebhook(Endpoint[WebhookInfo], kw_only=True):
    """An answer ``{"webhook": {...}}`` → ``WebhookInfo``."""

    def decode(self, content: bytes) -> WebhookInfo:
        return msgspec.json.decode(content, type=WebhookResponse).webhook


class _ById(_OneWebhook, kw_only=True):
    webhook_id: str

    def request_path(self) -> str:
        return type(self).path.format(webhook_id=quote(self.webhook_id, safe=""))


class ListWebhooks(Endpoint[list[WebhookInfo]], kw_only=True):
    """``GET /api/settings/webhooks`` → ``list[WebhookInfo]`` (the token user's webhooks).

    ```python
    ListWebhooks()
    ```
    """

    method = "GET"
    path = "/api/settings/webhooks"
    result_type = list[WebhookInfo]


class GetWebhook(_ById, kw_only=True):
    """``GET /api/settings/webhooks/{id}`` → ``WebhookInfo``.

    ```python
    GetWebhook(webhook_id="654bbbc16f2ec14d77f109cc")
    ```
    """

    method = "GET"
    path = "/api/settings/webhooks/{webhook_id}"


def _watched(items: list[WebhookWatchedItem]) -> list[dict[str, str]]:
    return [{"type": w.type, "name": w.name} for w in items]


class CreateWebhook(_OneWebhook, kw_only=True):
    """``POST /api/settings/webhooks`` → the new ``WebhookInfo``.

    Exactly one of ``url`` / ``job_id``; ``domains`` defaults to both ``repo`` and ``discussion``.

    ```python
    CreateWebhook(url="http://127.0.0.1:9000/h", watched=[WebhookWatchedItem(type="user", name="alice")])
    ```
    """

    idempotent: ClassVar[bool] = False
    method = "POST"
    path = "/api/settings/webhooks"
    watched: list[WebhookWatchedItem]
    url: str | None = None
    job_id: str | None = None
    domains: list[str] | None = None
    secret: str | None = None
    secrets: dict[str, str] | None = None

    def request_body(self) -> Any:
        body: dict[str, Any] = {
            "watched": _watched(self.watched),
            "domains": list(self.domains) if self.domains is not None else list(WEBHOOK_DOMAINS),
        }
        for key, value in (("secret", self.secret), ("url", self.url), ("jobSourceId", self.job_id),
                           ("secrets", self.secrets)):
            if value is not None:
                body[key] = value
        return body


class UpdateWebhook(_ById, kw_only=True):
    """``POST /api/settings/webhooks/{id}``: ``watched`` is always sent (``[]`` = unchanged on the local Hub).

    ```python
    UpdateWebhook(webhook_id="654b...", url="http://127.0.0.1:9001/h", domains=["repo"])
    ```
    """

    method = "POST"
    path = "/api/settings/webhooks/{webhook_id}"
    watched: list[WebhookWatchedItem] = []
    url: str | None = None
    job_id: str | None = None
    domains: list[str] | None = None
    secret: str | None = None
    secrets: dict[str, str] | None = None

    def request_body(self) -> Any:
        body: dict[str, Any] = {"watched": _watched(self.watched)}
        for key, value in (("url", self.url), ("jobSourceId", self.job_id), ("domains", self.domains),
                           ("secret", self.secret), ("secrets", self.secrets)):
            if value is not None:
                body[key] = value
        return body


class SetWebhookEnabled(_ById, kw_only=True):
    """``POST /api/settings/webhooks/{id}/enable`` (or ``/disable``), no body → ``WebhookInfo``.

    ```python
    SetWebhookEnabled(webhook_id="654b...", enabled=False)
    ```
    """

    method = "POST"
    path = "/api/settings/webhooks/{webhook_id}/{action}"
    enabled: bool

    def request_path(self) -> str:
        action = "enable" if self.enabled else "disable"
        return type(self).path.format(webhook_id=quote(self.webhook_id, safe=""), action=action)

    def request_body(self) -> Any:
        return None


class DeleteWebhook(_ById, kw_only=True):
    """``DELETE /api/settings/webhooks/{id}``.

    ```python
    DeleteWebhook(webhook_id="654b...")
    ```
    """

    idempotent: ClassVar[bool] = False
    method = "DELETE"
    path = "/api/settings/webhooks/{webhook_id}"

    def decode(self, content: bytes) -> None:  # type: ignore[override]
        return None  # the answer carries nothing
