"""Gated-repo access requests on the facade (huggingface_hub 2.4.0 names and parameters).

Only repo owners (the user, or members of the owning org) may list and handle requests.

```python
api = HfApi(token="hf_alice_write")
api.update_repo_settings("alice/m", gated="manual")
[r.username for r in api.list_pending_access_requests("alice/m")]
api.accept_access_request("alice/m", "bob")
```
"""

from __future__ import annotations

from typing import Any

from hubflow._api._base import AsyncHfApiBase
from hubflow._api._paging import Paged
from hubflow._settings import TokenArg
from hubflow._validation import normalize_repo_type
from hubflow.schema import AccessRequest
from hubflow.tasks.access import GrantAccess, HandleAccessRequest, ListAccessRequests

__all__ = ["AccessMixin"]


class AccessMixin(AsyncHfApiBase):
    """List and handle access requests of gated repos (see the module docstring)."""

    def _access_requests(self, repo_id: str, status: str, repo_type: str | None, token: TokenArg) -> Paged[AccessRequest]:
        node = ListAccessRequests(repo_id=repo_id, status=status, repo_type=normalize_repo_type(repo_type), token=token)
        return Paged(self.hub, node)

    def list_pending_access_requests(
        self, repo_id: str, *, repo_type: str | None = None, token: TokenArg = None
    ) -> Paged[AccessRequest]:
        """Requests awaiting review, lazily (``AccessRequest``: ``username``, ``email``, ``timestamp``, ``fields``).

        ```python
        async for request in api.list_pending_access_requests("alice/m"):
            print(request.username, request.fields)
        ```
        """
        return self._access_requests(repo_id, "pending", repo_type, token)

    def list_accepted_access_requests(
        self, repo_id: str, *, repo_type: str | None = None, token: TokenArg = None
    ) -> Paged[AccessRequest]:
        """Accepted requests (including users granted access with ``grant_access``), lazily.

        ```python
        [r.username async for r in api.list_accepted_access_requests("alice/m")]
        ```
        """
        return self._access_requests(repo_id, "accepted", repo_type, token)

    def list_rejected_access_requests(
        self, repo_id: str, *, repo_type: str | None = None, token: TokenArg = None
    ) -> Paged[AccessRequest]:
        """Rejected requests, lazily.

        ```python
        [r.username async for r in api.list_rejected_access_requests("alice/m")]
        ```
        """
        return self._access_requests(repo_id, "rejected", repo_type, token)

    async def _handle(
        self, repo_id: str, user: str | None, request_id: str | None, status: str, repo_type: str | None,
        token: TokenArg, rejection_reason: str | None = None,
    ) -> None:
        node = HandleAccessRequest(
            repo_id=repo_id, user=user, request_id=request_id, status=status, rejection_reason=rejection_reason,
            repo_type=normalize_repo_type(repo_type), token=token,
        )
        await self._run(node)

    async def accept_access_request(
        self,
        repo_id: str,
        user: str | None = None,
        *,
        request_id: str | None = None,
        repo_type: str | None = None,
        token: TokenArg = None,
    ) -> None:
        """Accept a pending (or rejected) request, named by ``user`` or ``request_id``.

        ```python
        await api.accept_access_request("alice/m", "bob")
        ```
        """
        await self._handle(repo_id, user, request_id, "accepted", repo_type, token)

    async def reject_access_request(
        self,
        repo_id: str,
        user: str | None = None,
        *,
        request_id: str | None = None,
        repo_type: str | None = None,
        rejection_reason: str | None,
        token: TokenArg = None,
    ) -> None:
        """Reject a pending (or accepted) request; ``rejection_reason`` (keyword, may be None) is shown to the user.

        ```python
        await api.reject_access_request("alice/m", "bob", rejection_reason="Research use only")
        ```
        """
        await self._handle(repo_id, user, request_id, "rejected", repo_type, token, rejection_reason)

    async def cancel_access_request(
        self,
        repo_id: str,
        user: str | None = None,
        *,
        request_id: str | None = None,
        repo_type: str | None = None,
        token: TokenArg = None,
    ) -> None:
        """Move an accepted or rejected request back to pending.

        ```python
        await api.cancel_access_request("alice/m", "bob")
        ```
        """
        await self._handle(repo_id, user, request_id, "pending", repo_type, token)

    async def grant_access(
        self, repo_id: str, user: str, *, repo_type: str | None = None, token: TokenArg = None
    ) -> dict[str, Any]:
        """Give ``user`` access without a request (400 if they already have it); returns the Hub's JSON.

        ```python
        await api.grant_access("alice/m", "bob")
        ```
        """
        return await self._run(GrantAccess(repo_id=repo_id, user=user, repo_type=normalize_repo_type(repo_type), token=token))
