"""Gated-repo access requests (`GET /api/{T}/{R}/user-access-request/{status}`).

```python
requests = msgspec.json.decode(body, type=list[AccessRequest])
[(r.username, r.status) for r in requests]
```
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hubflow.schema._base import Wire

__all__ = ["AccessRequest", "AccessRequestUser"]


class AccessRequestUser(Wire, frozen=True):
    """The requester (`user` object; its name is under the key `user`)."""

    user: str | None = None
    fullname: str | None = None
    email: str | None = None
    avatar_url: str | None = None
    is_pro: bool | None = None
    type: str | None = None


class AccessRequest(Wire, frozen=True):
    """One access request: `username`, `request_id`, `fullname`, `email`, `timestamp`, `status`, `fields`.

    ```python
    r = msgspec.json.decode(item, type=AccessRequest)
    r.username, r.status, r.timestamp
    ```
    """

    request_id: str
    status: str
    timestamp: datetime
    requester: AccessRequestUser | None = msgspec.field(default=None, name="user")
    fields: dict[str, Any] | None = None

    @property
    def username(self) -> str | None:
        """Requester's user name (`None` when the repo hides it)."""
        return self.requester.user if self.requester else None

    @property
    def fullname(self) -> str | None:
        """Requester's full name."""
        return self.requester.fullname if self.requester else None

    @property
    def email(self) -> str | None:
        """Requester's email (`None` when hidden or granted manually)."""
        return self.requester.email if self.requester else None
