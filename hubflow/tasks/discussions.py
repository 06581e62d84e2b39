"""Discussion and pull-request nodes: list pages, details, create, comment, rename, status, merge, edit, hide.

Nodes validate the repo id, the repo type and the discussion number when they are built.
Changes answer with one event under a key (``newMessage``, ``newTitle``, ``newStatus``,
``updatedComment``), decoded into the typed event (``DiscussionComment``, ...).

```python
page = await ctx.submit(GetDiscussionsPage(repo_id="alice/m", discussion_type="pull_request", p=0))
pr = await ctx.submit(CreateDiscussion(repo_id="alice/m", title="Add weights", pull_request=True))
await ctx.submit(MergePullRequest(repo_id="alice/m", discussion_num=pr.num))
url = await ctx.submit(UploadAttachment(path="shot.png"))   # embed as ![shot](url)
```
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import anyio.to_thread
import msgspec

from hubflow._constants import REPO_TYPE_PLURAL
from hubflow._validation import normalize_repo_type, validate_repo_id
from hubflow.schema import (
    DiscussionComment,
    DiscussionPage,
    DiscussionStatusChange,
    DiscussionTitleChange,
    DiscussionWithDetails,
    RawDiscussionEvent,
    deserialize_event,
)
from hubflow.tasks._base import Endpoint, Task

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = [
    "ChangeDiscussionStatus",
    "CommentDiscussion",
    "CreateDiscussion",
    "EditDiscussionComment",
    "GetDiscussionDetails",
    "GetDiscussionsPage",
    "HideDiscussionComment",
    "MergePullRequest",
    "RenameDiscussion",
    "UploadAttachment",
]

T = TypeVar("T")

DISCUSSION_TYPES = ("all", "discussion", "pull_request")
DISCUSSION_STATUS = ("all", "open", "closed")


def _check(repo_id: str, repo_type: str, num: int | None = None) -> None:
    validate_repo_id(repo_id)
    normalize_repo_type(repo_type)
    if num is not None and (not isinstance(num, int) or isinstance(num, bool) or num <= 0):
        raise ValueError("Invalid discussion_num, must be a positive integer")


class GetDiscussionsPage(Endpoint[DiscussionPage], kw_only=True):
    """``GET /api/{T}/{R}/discussions?type=&status=&author=&p=``: one page (``count``, ``start``, items).

    ```python
    GetDiscussionsPage(repo_id="alice/m", discussion_status="open", p=1)
    ```
    """

    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/discussions"
    result_type = DiscussionPage

    repo_id: str
    repo_type: str = "model"
    discussion_type: str | None = msgspec.field(default=None, name="type")
    discussion_status: str | None = msgspec.field(default=None, name="status")
    author: str | None = None
    p: int = 0

    def __post_init__(self) -> None:
        _check(self.repo_id, self.repo_type)
        if self.discussion_type is not None and self.discussion_type not in DISCUSSION_TYPES:
            raise ValueError(f"Invalid discussion_type, must be one of {DISCUSSION_TYPES}")
        if self.discussion_status is not None and self.discussion_status not in DISCUSSION_STATUS:
            raise ValueError(f"Invalid discussion_status, must be one of {DISCUSSION_STATUS}")


class GetDiscussionDetails(Endpoint[DiscussionWithDetails], kw_only=True):
    """``GET /api/{T}/{R}/discussions/{num}?diff=1``: events, target branch, conflicts, diff.

    ```python
    GetDiscussionDetails(repo_id="alice/m", discussion_num=2)
    ```
    """

    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/discussions/{discussion_num}"
    result_type = DiscussionWithDetails

    repo_id: str
    discussion_num: int
    repo_type: str = "model"
    diff: int = 1

    def __post_init__(self) -> None:
        _check(self.repo_id, self.repo_type, self.discussion_num)


class CreateDiscussion(Task[DiscussionWithDetails], kw_only=True):
    """``POST /api/{T}/{R}/discussions`` then its details (PRs start as ``draft`` with ``refs/pr/N``).

    A blank description becomes huggingface_hub's fixed sentence, as the official client sends.

    ```python
    CreateDiscussion(repo_id="alice/m", title="Typo in README", description="line 3")
    ```
    """

    idempotent: ClassVar[bool] = False

    repo_id: str
    title: str
    description: str | None = None
    repo_type: str = "model"
    pull_request: bool = False

    def __post_init__(self) -> None:
        _check(self.repo_id, self.repo_type)

    def body(self) -> dict[str, Any]:
        description = (self.description or "").strip()
        if not description:
            kind = "Pull Request" if self.pull_request else "Discussion"
            description = f"{kind} opened with the [huggingface_hub Python library](https://huggingface.co/docs/huggingface_hub)"
        return {"title": self.title.strip(), "description": description, "pullRequest": self.pull_request}

    async def run(self, ctx: Context) -> DiscussionWithDetails:
        plural = REPO_TYPE_PLURAL[normalize_repo_type(self.repo_type)]
        response = await ctx.hub.request(
            "POST", f"/api/{plural}/{self.repo_id}/discussions", token=self.token, json=self.body()
        )
        num = int(msgspec.json.decode(response.content)["num"])
        details = GetDiscussionDetails(repo_id=self.repo_id, repo_type=self.repo_type, discussion_num=num,
                                       token=self.token)
        return await details.run(ctx)


class _Change(Endpoint[T], kw_only=True):
    """``POST /api/{T}/{R}/discussions/{num}/{resource}`` answering ``{answer_key: event}``."""

    method = "POST"
    answer_key: ClassVar[str] = ""
    idempotent: ClassVar[bool] = False

    repo_id: str
    discussion_num: int
    repo_type: str = "model"

    def __post_init__(self) -> None:
        _check(self.repo_id, self.repo_type, self.discussion_num)

    def decode(self, content: bytes) -> T:
        raw = msgspec.json.decode(content, type=dict[str, RawDiscussionEvent])[type(self).answer_key]
        return deserialize_event(raw)  # type: ignore[return-value]


class CommentDiscussion(_Change[DiscussionComment], kw_only=True):
    """Add a comment (``{"comment": ...}`` → ``newMessage``).

    ```python
    CommentDiscussion(repo_id="alice/m", discussion_num=1, comment="Thanks!")
    ```
    """

    path = "/api/{repo_type_plural}/{repo_id}/discussions/{discussion_num}/comment"
    answer_key = "newMessage"

    comment: str


class RenameDiscussion(_Change[DiscussionTitleChange], kw_only=True):
    """Change the title (``{"title": ...}`` → ``newTitle``).

    ```python
    RenameDiscussion(repo_id="alice/m", discussion_num=1, new_title="Better title")
    ```
    """

    path = "/api/{repo_type_plural}/{repo_id}/discussions/{discussion_num}/title"
    answer_key = "newTitle"

    new_title: str = msgspec.field(name="title")


class ChangeDiscussionStatus(_Change[DiscussionStatusChange], kw_only=True):
    """Open or close (``{"status", "comment"?}`` → ``newStatus``); a blank comment is not sent.

    ```python
    ChangeDiscussionStatus(repo_id="alice/m", discussion_num=1, new_status="closed", comment="Done")
    ```
    """

    path = "/api/{repo_type_plural}/{repo_id}/discussions/{discussion_num}/status"
    answer_key = "newStatus"

    new_status: str = msgspec.field(name="status")
    comment: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.new_status not in ("open", "closed"):
            raise ValueError("Invalid status, valid statuses are: 'open' and 'closed'")

    def request_body(self) -> Any:
        body: dict[str, Any] = {"status": self.new_status}
        if self.comment and self.comment.strip():
            body["comment"] = self.comment.strip()
        return body


class MergePullRequest(_Change[None], kw_only=True):
    """Merge a pull request into its target branch; no body unless a non-blank ``comment``.

    ```python
    MergePullRequest(repo_id="alice/m", discussion_num=2, comment="LGTM")
    ```
    """

    path = "/api/{repo_type_plural}/{repo_id}/discussions/{discussion_num}/merge"

    comment: str | None = None

    def request_body(self) -> Any:
        return {"comment": self.comment.strip()} if self.comment and self.comment.strip() else None

    def decode(self, content: bytes) -> None:
        return None


class EditDiscussionComment(_Change[DiscussionComment], kw_only=True):
    """Replace a comment's content (``{"content": ...}`` → ``updatedComment``); the id is sent lowercased.

    ```python
    EditDiscussionComment(repo_id="alice/m", discussion_num=1, comment_id=c.id, new_content="fixed")
    ```
    """

    path = "/api/{repo_type_plural}/{repo_id}/discussions/{discussion_num}/comment/{comment_ref}/edit"
    answer_key = "updatedComment"
    exclude = frozenset({"comment_id"})

    comment_id: str
    new_content: str = msgspec.field(name="content")

    @property
    def comment_ref(self) -> str:
        return self.comment_id.lower()


class HideDiscussionComment(_Change[DiscussionComment], kw_only=True):
    """Hide a comment (irreversible; no body → ``updatedComment``).

    ```python
    HideDiscussionComment(repo_id="alice/m", discussion_num=1, comment_id=c.id)
    ```
    """

    path = "/api/{repo_type_plural}/{repo_id}/discussions/{discussion_num}/comment/{comment_ref}/hide"
    answer_key = "updatedComment"
    exclude = frozenset({"comment_id"})

    comment_id: str

    @property
    def comment_ref(self) -> str:
        return self.comment_id.lower()

    def request_body(self) -> Any:
        return None


# huggingface_hub's extension → Content-Type table for attachments (hf_api._ATTACHMENT_CONTENT_TYPES)
ATTACHMENT_CONTENT_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
}


class UploadAttachment(Task[str], kw_only=True):
    """``POST /uploads`` with a file's bytes (``Content-Type`` from its extension) → the file's public URL.

    An unsupported extension is a ``ValueError`` when the node is built, before anything is sent,
    as in huggingface_hub. Retrying is safe: the Hub stores attachments by content.

    ```python
    UploadAttachment(path="screenshot.png")
    ```
    """

    resource: ClassVar[str] = "transfer"

    path: str

    def __post_init__(self) -> None:
        if self.content_type is None:
            formats = ", ".join(ATTACHMENT_CONTENT_TYPES)
            raise ValueError(f"Cannot upload '{self.path}': supported formats are {formats}.")

    @property
    def content_type(self) -> str | None:
        return ATTACHMENT_CONTENT_TYPES.get(Path(self.path).suffix.lower())

    def total_bytes(self) -> int | None:
        try:
            return Path(self.path).stat().st_size
        except OSError:
            return None

    async def run(self, ctx: Context) -> str:
        data = await anyio.to_thread.run_sync(Path(self.path).read_bytes)
        assert self.content_type is not None  # checked in __post_init__
        response = await ctx.hub.request(
            "POST", "/uploads", token=self.token, content=data, headers={"Content-Type": self.content_type},
        )
        return response.text.strip()
