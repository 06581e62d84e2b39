"""Discussions and pull requests: `Discussion`, `DiscussionWithDetails` and the event types.

Events are dispatched on their `type` (`comment`, `status-change`, `commit`, `title-change`;
anything else is a plain `DiscussionEvent`). msgspec's tagged unions cannot fall back on
unknown tags, so the details keep the wire events (`raw_events`) and `events` builds the typed
objects on access; the journal stores the wire form and round-trips exactly.
`endpoint` is not on the wire: the facade sets it (`msgspec.structs.replace`) for `url`.

```python
d = msgspec.json.decode(body, type=DiscussionWithDetails)
[e.content for e in d.events if isinstance(e, DiscussionComment)]
```
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hubflow.schema._base import Wire

__all__ = [
    "Discussion",
    "DiscussionAuthor",
    "DiscussionComment",
    "DiscussionCommit",
    "DiscussionEvent",
    "DiscussionPage",
    "DiscussionRepo",
    "DiscussionStatusChange",
    "DiscussionTitleChange",
    "DiscussionWithDetails",
    "RawDiscussionEvent",
    "deserialize_event",
]

DEFAULT_ENDPOINT = "https://huggingface.co"


class DiscussionAuthor(Wire, frozen=True):
    """Author object of a discussion or event (only `name` is used)."""

    name: str = "deleted"


class DiscussionRepo(Wire, frozen=True):
    """`repo` of a discussion: `{"name": "alice/m", "type": "model"}`."""

    name: str
    type: str = "model"


class RawDiscussionEvent(Wire, frozen=True):
    """An event as sent: `id`, `type`, `createdAt`, `author`, `data`."""

    id: str
    type: str
    created_at: datetime
    author: DiscussionAuthor | None = None
    data: dict[str, Any] = {}


class DiscussionEvent(Wire, frozen=True):
    """An event of a discussion (generic form, also used for unknown types).

    ```python
    deserialize_event(raw).created_at
    ```
    """

    id: str
    type: str
    created_at: datetime
    author: str = "deleted"
    data: dict[str, Any] = {}


class DiscussionComment(DiscussionEvent, frozen=True):
    """A comment: `content` (markdown), `edited`, `hidden`, and `rendered`, `last_edited_at`, ... from `data`.

    ```python
    details = api.get_discussion_details("alice/m", 1)
    texts = [e.content for e in details.events if isinstance(e, DiscussionComment) and not e.hidden]
    ```
    """

    content: str = ""
    edited: bool = False
    hidden: bool = False

    @property
    def rendered(self) -> str:
        """HTML rendering of the latest version."""
        return str(self.data["latest"]["html"])

    @property
    def last_edited_at(self) -> datetime:
        """When the latest version was written."""
        return msgspec.convert(self.data["latest"]["updatedAt"], datetime)

    @property
    def last_edited_by(self) -> str:
        """Author of the latest version (`"deleted"` if gone)."""
        return str(self.data["latest"].get("author", {}).get("name", "deleted"))

    @property
    def edit_history(self) -> list[dict[str, Any]]:
        """Previous versions, as sent."""
        return list(self.data["history"])

    @property
    def number_of_edits(self) -> int:
        """Number of versions in the history."""
        return len(self.edit_history)


class DiscussionStatusChange(DiscussionEvent, frozen=True):
    """A status change (`open`, `closed`, `merged`, `draft`).

    ```python
    change = api.change_discussion_status("alice/m", 1, new_status="closed")
    change.new_status  # "closed"
    ```
    """

    new_status: str = ""


class DiscussionCommit(DiscussionEvent, frozen=True):
    """A commit pushed to a pull request: `summary` (first line) and `oid`.

    ```python
    pushed = [e.oid for e in details.events if isinstance(e, DiscussionCommit)]
    ```
    """

    summary: str = ""
    oid: str = ""


class DiscussionTitleChange(DiscussionEvent, frozen=True):
    """A title change: `old_title`, `new_title`.

    ```python
    change = api.rename_discussion("alice/m", 1, new_title="Better title")
    change.old_title, change.new_title
    ```
    """

    old_title: str = ""
    new_title: str = ""


def deserialize_event(event: RawDiscussionEvent) -> DiscussionEvent:
    """Build the typed event for a wire event (unknown types give a plain `DiscussionEvent`).

    ```python
    deserialize_event(RawDiscussionEvent(id="1", type="commit", created_at=now, data={"oid": "a", "subject": "s"}))
    ```
    """
    common: dict[str, Any] = {
        "id": event.id,
        "type": event.type,
        "created_at": event.created_at,
        "author": event.author.name if event.author else "deleted",
        "data": event.data,
    }
    data = event.data
    if event.type == "comment":
        return DiscussionComment(
            **common, edited=data["edited"], hidden=data["hidden"], content=data["latest"]["raw"]
        )
    if event.type == "status-change":
        return DiscussionStatusChange(**common, new_status=data["status"])
    if event.type == "commit":
        return DiscussionCommit(**common, summary=data["subject"], oid=data["oid"])
    if event.type == "title-change":
        return DiscussionTitleChange(**common, old_title=data["from"], new_title=data["to"])
    return DiscussionEvent(**common)


class Discussion(Wire, frozen=True):
    """A discussion or pull request as listed (`get_repo_discussions`).

    ```python
    d = msgspec.json.decode(item, type=Discussion)
    d.num, d.title, d.repo_id, d.is_pull_request, d.git_reference
    ```
    """

    num: int
    title: str
    status: str
    created_at: datetime
    is_pull_request: bool
    repo: DiscussionRepo
    author_info: DiscussionAuthor | None = msgspec.field(default=None, name="author")
    endpoint: str = DEFAULT_ENDPOINT

    @property
    def author(self) -> str:
        """Author name (`"deleted"` if the account is gone)."""
        return self.author_info.name if self.author_info else "deleted"

    @property
    def repo_id(self) -> str:
        """Repository id."""
        return self.repo.name

    @property
    def repo_type(self) -> str:
        """Repository type (`model`, `dataset`, `space`)."""
        return self.repo.type

    @property
    def git_reference(self) -> str | None:
        """`refs/pr/{num}` for pull requests, else `None`."""
        return f"refs/pr/{self.num}" if self.is_pull_request else None

    @property
    def url(self) -> str:
        """Web page of the discussion."""
        if self.repo_type == "model":
            return f"{self.endpoint}/{self.repo_id}/discussions/{self.num}"
        return f"{self.endpoint}/{self.repo_type}s/{self.repo_id}/discussions/{self.num}"


class DiscussionPage(Wire, frozen=True):
    """One page of `GET /api/{T}/{R}/discussions?p=N`: continue while `start + len < count`."""

    discussions: list[Discussion]
    count: int = 0
    start: int = 0
    num_closed_discussions: int | None = None


class _Changes(Wire, frozen=True):
    base: str | None = None
    merge_commit_id: str | None = None


class DiscussionWithDetails(Discussion, frozen=True):
    """A discussion with its events, diff and PR facts (`get_discussion_details`).

    ```python
    d = msgspec.json.decode(body, type=DiscussionWithDetails)
    d.target_branch, d.merge_commit_oid, d.conflicting_files, d.events
    ```
    """

    raw_events: list[RawDiscussionEvent] = msgspec.field(default_factory=list, name="events")
    changes: _Changes | None = None
    files_with_conflicts: list[str] | bool | None = None
    diff: str | None = None

    @property
    def events(self) -> list[DiscussionEvent]:
        """Typed events, oldest first."""
        return [deserialize_event(e) for e in self.raw_events]

    @property
    def conflicting_files(self) -> list[str] | bool | None:
        """Conflicting paths, or `True` when they cannot be listed; `None` for discussions."""
        return self.files_with_conflicts if self.is_pull_request else None

    @property
    def target_branch(self) -> str | None:
        """Full ref the pull request targets (`None` for discussions)."""
        return self.changes.base if self.is_pull_request and self.changes else None

    @property
    def merge_commit_oid(self) -> str | None:
        """Merge commit, once merged (`None` for discussions)."""
        return self.changes.merge_commit_id if self.is_pull_request and self.changes else None
