"""Errors the local Hub answers with, shaped the way ``huggingface_hub`` maps them.

Every error is JSON ``{"error": message}`` with ``X-Error-Message`` and, where the client needs it,
``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``, ``EntryNotFound``, ``GatedRepo``).

```python
raise HubError(404, "Repository not found", code="RepoNotFound")
```
"""

from __future__ import annotations

from starlette.responses import JSONResponse


class HubError(Exception):
    """An HTTP error answer; raised anywhere in a handler, rendered by the router."""

    def __init__(self, status: int, message: str, *, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        headers = dict(self.headers)
        # Header values must be latin-1; messages quote user input, so keep them ASCII.
        headers["X-Error-Message"] = self.message.encode("ascii", "replace").decode().replace("\n", " ")
        if self.code:
            headers["X-Error-Code"] = self.code
        return JSONResponse({"error": self.message}, status_code=self.status, headers=headers)


def repo_not_found(repo_id: str = "") -> HubError:
    return HubError(404, f"Repository not found: {repo_id}".strip(": "), code="RepoNotFound")


def revision_not_found(rev: str) -> HubError:
    return HubError(404, f"Invalid rev id: {rev}", code="RevisionNotFound")


def entry_not_found(path: str, commit: str | None = None) -> HubError:
    headers = {"X-Repo-Commit": commit} if commit else None
    return HubError(404, f"Entry not found: {path}", code="EntryNotFound", headers=headers)


def bad_request(message: str) -> HubError:
    return HubError(400, message)


def forbidden(message: str = "You don't have the rights to perform this action") -> HubError:
    return HubError(403, message)
