"""Papers: `PaperInfo` and `PaperAuthor`.

The Hub sends two shapes: a paper object (`paper_info`) and a daily-paper wrapper
`{"paper": {...}, "title", "publishedAt", "submittedBy", ...}` (daily papers, search). Both
decode into `PaperInfo`; properties apply huggingface_hub's fallbacks (`paper.x`, else top-level
`x`, falsy values falling through).

```python
p = msgspec.json.decode(body, type=PaperInfo)
p.id, p.title, p.upvotes, [a.name for a in p.authors or []]
```
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from hubflow.schema._base import Wire
from hubflow.schema._repos import DatasetInfo, ModelInfo, SpaceInfo
from hubflow.schema._users import Organization, User

__all__ = ["PaperAuthor", "PaperInfo"]


class PaperAuthor(Wire, frozen=True):
    """An author of a paper, linked to a Hub `User` when claimed.

    ```python
    PaperAuthor(name="Ada").user  # None
    ```
    """

    name: str = ""
    user: User | None = None
    status: str | None = None
    status_last_changed_at: datetime | None = None
    hidden: bool | None = None


class _Paper(Wire, frozen=True):
    id: str | None = None
    authors: list[PaperAuthor] | None = None
    published_at: datetime | None = None
    summary: str | None = None
    upvotes: int | None = None
    discussion_id: str | None = None


class PaperInfo(Wire, frozen=True):
    """A paper on the Hub (`paper_info`, `list_papers`, `list_daily_papers`).

    ```python
    msgspec.json.decode(b'{"id": "2401.00001", "title": "T"}', type=PaperInfo).id
    ```
    """

    paper: _Paper | None = None
    top_id: str | None = msgspec.field(default=None, name="id")
    top_authors: list[PaperAuthor] | None = msgspec.field(default=None, name="authors")
    top_published_at: datetime | None = msgspec.field(default=None, name="publishedAt")
    top_summary: str | None = msgspec.field(default=None, name="summary")
    top_upvotes: int | None = msgspec.field(default=None, name="upvotes")
    top_discussion_id: str | None = msgspec.field(default=None, name="discussionId")
    title: str | None = None
    source: str | None = None
    num_comments: int = 0
    submitted_on_daily_at: datetime | None = None
    submitted_by_user: User | None = msgspec.field(default=None, name="submittedBy")
    submitted_on_daily_by: User | None = None
    ai_summary: str | None = msgspec.field(default=None, name="ai_summary")
    ai_keywords: list[str] | None = msgspec.field(default=None, name="ai_keywords")
    organization: Organization | None = None
    project_page: str | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    linked_models: list[ModelInfo] | None = None
    num_total_models: int | None = None
    linked_datasets: list[DatasetInfo] | None = None
    num_total_datasets: int | None = None
    linked_spaces: list[SpaceInfo] | None = None

    @property
    def _inner(self) -> _Paper:
        return self.paper or _Paper()

    @property
    def id(self) -> str | None:
        """arXiv id."""
        return self.top_id or self._inner.id

    @property
    def authors(self) -> list[PaperAuthor] | None:
        """Authors (`None` when not sent or empty)."""
        return self._inner.authors or self.top_authors or None

    @property
    def published_at(self) -> datetime | None:
        """Publication date."""
        return self._inner.published_at or self.top_published_at

    @property
    def summary(self) -> str | None:
        """Abstract."""
        return self._inner.summary or self.top_summary

    @property
    def upvotes(self) -> int | None:
        """Upvotes on the Hub."""
        return self._inner.upvotes or self.top_upvotes

    @property
    def discussion_id(self) -> str | None:
        """Id of the paper's discussion on the Hub."""
        return self._inner.discussion_id or self.top_discussion_id

    @property
    def comments(self) -> int:
        """Number of comments."""
        return self.num_comments

    @property
    def submitted_at(self) -> datetime | None:
        """When the paper entered daily papers (wrapper `publishedAt`, else `submittedOnDailyAt`)."""
        # huggingface_hub reads the top-level publishedAt here only if the inner paper had its own
        wrapper_date = self.top_published_at if self._inner.published_at else None
        return wrapper_date or self.submitted_on_daily_at

    @property
    def submitted_by(self) -> User | None:
        """Who submitted it to daily papers."""
        return self.submitted_by_user or self.submitted_on_daily_by
