"""Webhooks: `WebhookInfo` and `WebhookWatchedItem`.

`get_webhook`, `create_webhook`, ... answer `{"webhook": {...}}` (decode `WebhookResponse`);
`list_webhooks` answers a bare array.

```python
hook = msgspec.json.decode(body, type=WebhookResponse).webhook
hook.id, hook.url, [w.name for w in hook.watched]
```
"""

from __future__ import annotations

from hubflow.schema._base import Wire
from hubflow.schema._jobs import JobSpec

__all__ = ["WebhookInfo", "WebhookResponse", "WebhookWatchedItem"]


class WebhookWatchedItem(Wire, frozen=True):
    """An item watched by a webhook: `type` (`model`, `dataset`, `space`, `user`, `org`, `bucket`) and `name`.

    ```python
    WebhookWatchedItem(type="user", name="alice")
    ```
    """

    type: str
    name: str


class WebhookInfo(Wire, frozen=True):
    """A webhook: `id`, `url` or `job`, `watched`, `domains`, `secret`, `disabled`.

    ```python
    msgspec.json.decode(item, type=WebhookInfo).disabled
    ```
    """

    id: str
    watched: list[WebhookWatchedItem] = []
    domains: list[str] = []
    disabled: bool = False
    url: str | None = None
    job: JobSpec | None = None
    secret: str | None = None


class WebhookResponse(Wire, frozen=True):
    """`{"webhook": WebhookInfo}` envelope of the single-webhook calls."""

    webhook: WebhookInfo
