"""Gated-repo access request nodes: list (by status), handle (accept / reject / reset), grant.

```python
pending = await ctx.submit(ListAccessRequests(repo_id="alice/m", status="pending"))
await ctx.submit(HandleAccessRequest(repo_id="alice/m", user="bob", status="accepted"))
await ctx.submit(GrantAccess(repo_id="alice/m", user="carol"))
```
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from hubflow._validation import normalize_repo_type, validate_repo_id
from hubflow.schema import AccessRequest
from hubflow.tasks._base import Endpoint

__all__ = ["GrantAccess", "HandleAccessRequest", "ListAccessRequests"]

_STATUSES = ("pending", "accepted", "rejected")


class ListAccessRequests(Endpoint[AccessRequest], kw_only=True):
    """``GET /api/{T}/{R}/user-access-request/{status}`` (``Link``-paginated; repo owners only).

    ```python
    ListAccessRequests(repo_id="alice/m", status="rejected")
    ```
    """

    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/user-access-request/{status}"
    result_type = AccessRequest
    paginated = True

    repo_id: str
    status: str
    repo_type: str = "model"

    def __post_init__(self) -> None:
        validate_repo_id(self.repo_id)
        normalize_repo_type(self.repo_type)
        if self.status not in _STATUSES:
            raise ValueError(f"Invalid access request status, must be one of {_STATUSES}")


class HandleAccessRequest(Endpoint[None], kw_only=True):
    """``POST /api/{T}/{R}/user-access-request/handle``: move a request to ``status``.

    Exactly one of ``user`` / ``request_id``; ``rejection_reason`` only with ``rejected``.

    ```python
    HandleAccessRequest(repo_id="alice/m", request_id="65f...", status="rejected", rejection_reason="no")
    ```
    """

    method = "POST"
    path = "/api/{repo_type_plural}/{repo_id}/user-access-request/handle"
    idempotent: ClassVar[bool] = False

    repo_id: str
    status: str
    user: str | None = None
    request_id: str | None = msgspec.field(default=None, name="requestId")
    rejection_reason: str | None = msgspec.field(default=None, name="rejectionReason")
    repo_type: str = "model"

    def __post_init__(self) -> None:
        validate_repo_id(self.repo_id)
        normalize_repo_type(self.repo_type)
        if self.status not in _STATUSES:
            raise ValueError(f"Invalid access request status, must be one of {_STATUSES}")
        if self.user is None and self.request_id is None:
            raise ValueError("One of `user` or `request_id` must be provided.")
        if self.user is not None and self.request_id is not None:
            raise ValueError("Cannot provide both `user` and `request_id`.")
        if self.rejection_reason is not None and self.status != "rejected":
            raise ValueError("`rejection_reason` can only be passed when rejecting an access request.")

    def request_body(self) -> Any:
        # the Hub's order: who, then status, then the reason
        body: dict[str, Any] = {"user": self.user} if self.user is not None else {"requestId": self.request_id}
        body["status"] = self.status
        if self.rejection_reason is not None:
            body["rejectionReason"] = self.rejection_reason
        return body


class GrantAccess(Endpoint[dict[str, Any]], kw_only=True):
    """``POST /api/{T}/{R}/user-access-request/grant`` ``{"user": ...}``: give access without a request.

    ```python
    GrantAccess(repo_id="alice/m", user="bob")
    ```
    """

    method = "POST"
    path = "/api/{repo_type_plural}/{repo_id}/user-access-request/grant"
    result_type = dict[str, Any]
    idempotent: ClassVar[bool] = False

    repo_id: str
    user: str
    repo_type: str = "model"

    def __post_init__(self) -> None:
        validate_repo_id(self.repo_id)
        normalize_repo_type(self.repo_type)
