"""Webhooks on the facade: list, get, create, update, enable, disable, delete (the token user's webhooks).

Same names, parameters and defaults as ``huggingface_hub.HfApi`` 2.4.0. ``watched`` items may be
``WebhookWatchedItem``s or plain ``{"type", "name"}`` dicts. ``token`` is a ``TokenArg``.

```python
hook = api.create_webhook(url="http://127.0.0.1:9000/hook", watched=[{"type": "user", "name": "alice"}],
                          secret="s3cret")
api.disable_webhook(hook.id).disabled   # True
```
"""

from __future__ import annotations

from typing import Any, Literal

from hubflow._api._base import AsyncHfApiBase
from hubflow._settings import TokenArg
from hubflow.schema import WebhookInfo, WebhookWatchedItem
from hubflow.tasks.webhooks import (
    CreateWebhook,
    DeleteWebhook,
    GetWebhook,
    ListWebhooks,
    SetWebhookEnabled,
    UpdateWebhook,
)

__all__ = ["WebhooksMixin"]

WebhookDomain = Literal["repo", "discussion"]


def _items(watched: list[dict[str, Any] | WebhookWatchedItem] | None) -> list[WebhookWatchedItem]:
    out = []
    for item in watched or []:
        if isinstance(item, WebhookWatchedItem):
            out.append(item)
        elif isinstance(item, dict):
            out.append(WebhookWatchedItem(type=item["type"], name=item["name"]))
        else:  # huggingface_hub's dataclass, or anything with the two attributes
            out.append(WebhookWatchedItem(type=item.type, name=item.name))
    return out


class WebhooksMixin(AsyncHfApiBase):
    """Webhook management (see the module docstring)."""

    async def list_webhooks(self, *, token: TokenArg = None) -> list[WebhookInfo]:
        """Every webhook of the token's user.

        ```python
        [h.url for h in await api.list_webhooks()]
        ```
        """
        result: list[WebhookInfo] = await self._run(ListWebhooks(token=token))
        return result

    async def get_webhook(self, webhook_id: str, *, token: TokenArg = None) -> WebhookInfo:
        """One webhook by id (``HfHubHTTPError`` 404 when it is not yours or does not exist).

        ```python
        (await api.get_webhook("654bbbc16f2ec14d77f109cc")).watched
        ```
        """
        result: WebhookInfo = await self._run(GetWebhook(webhook_id=webhook_id, token=token))
        return result

    async def create_webhook(
        self,
        *,
        url: str | None = None,
        job_id: str | None = None,
        watched: list[dict[str, Any] | WebhookWatchedItem],
        domains: list[WebhookDomain] | None = None,
        secret: str | None = None,
        secrets: dict[str, str] | None = None,
        token: TokenArg = None,
    ) -> WebhookInfo:
        """Create a webhook POSTing to ``url`` (or triggering Job ``job_id``) on events of ``watched`` items.

        ``domains`` defaults to ``["repo", "discussion"]``; ``secret`` is sent back as ``X-Webhook-Secret``.

        ```python
        await api.create_webhook(url="http://127.0.0.1:9000/h", watched=[{"type": "model", "name": "alice/m"}])
        ```
        """
        if url is not None and job_id is not None:
            raise ValueError("Set `url` or `job_id` but not both.")
        if url is None and job_id is None:
            raise ValueError("Missing argument for webhook: `url` or `job_id`.")
        if secrets is not None and job_id is None:
            raise ValueError("`secrets` can only be set together with `job_id`.")
        node = CreateWebhook(
            watched=_items(watched), url=url, job_id=job_id, domains=list(domains) if domains is not None else None,
            secret=secret, secrets=secrets, token=token,
        )
        result: WebhookInfo = await self._run(node)
        return result

    async def update_webhook(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        job_id: str | None = None,
        watched: list[dict[str, Any] | WebhookWatchedItem] | None = None,
        domains: list[WebhookDomain] | None = None,
        secret: str | None = None,
        secrets: dict[str, str] | None = None,
        token: TokenArg = None,
    ) -> WebhookInfo:
        """Change a webhook; arguments left ``None`` are not sent (``watched`` goes as ``[]``: unchanged).

        ```python
        await api.update_webhook(hook.id, domains=["repo"], secret="new")
        ```
        """
        if url is not None and job_id is not None:
            raise ValueError("Set `url` or `job_id` but not both.")
        if secrets is not None and job_id is None:
            raise ValueError("`secrets` can only be set together with `job_id`.")
        node = UpdateWebhook(
            webhook_id=webhook_id, watched=_items(watched), url=url, job_id=job_id,
            domains=list(domains) if domains is not None else None, secret=secret, secrets=secrets, token=token,
        )
        result: WebhookInfo = await self._run(node)
        return result

    async def enable_webhook(self, webhook_id: str, *, token: TokenArg = None) -> WebhookInfo:
        """Enable a webhook.

        ```python
        (await api.enable_webhook(hook.id)).disabled   # False
        ```
        """
        result: WebhookInfo = await self._run(SetWebhookEnabled(webhook_id=webhook_id, enabled=True, token=token))
        return result

    async def disable_webhook(self, webhook_id: str, *, token: TokenArg = None) -> WebhookInfo:
        """Disable a webhook (it stops receiving events).

        ```python
        (await api.disable_webhook(hook.id)).disabled   # True
        ```
        """
        result: WebhookInfo = await self._run(SetWebhookEnabled(webhook_id=webhook_id, enabled=False, token=token))
        return result

    async def delete_webhook(self, webhook_id: str, *, token: TokenArg = None) -> None:
        """Delete a webhook.

        ```python
        await api.delete_webhook(hook.id)
        ```
        """
        await self._run(DeleteWebhook(webhook_id=webhook_id, token=token))
