"""Git refs and history: `GitRefs`, `GitRefInfo`, `GitCommitInfo`.

```python
refs = msgspec.json.decode(body, type=GitRefs)             # GET /api/{T}/{R}/refs
commits = msgspec.json.decode(body, type=list[GitCommitInfo])  # GET /api/{T}/{R}/commits/{rev}
```
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from hubflow.schema._base import Wire

__all__ = ["GitCommitAuthor", "GitCommitFormatted", "GitCommitInfo", "GitRefInfo", "GitRefs"]


class GitRefInfo(Wire, frozen=True):
    """One ref: `{"name": "main", "ref": "refs/heads/main", "targetCommit": "<sha>"}`.

    ```python
    GitRefInfo(name="main", ref="refs/heads/main", target_commit="3b41...")
    ```
    """

    name: str
    ref: str
    target_commit: str


class GitRefs(Wire, frozen=True):
    """All refs of a repository; `pull_requests` is `None` unless `include_prs=1` was sent.

    ```python
    [b.name for b in msgspec.json.decode(body, type=GitRefs).branches]
    ```
    """

    branches: list[GitRefInfo] = []
    converts: list[GitRefInfo] = []
    tags: list[GitRefInfo] = []
    pull_requests: list[GitRefInfo] | None = None


class GitCommitAuthor(Wire, frozen=True):
    """An author of a commit in the history listing: `{"user", "avatar"}`."""

    user: str
    avatar: str | None = None


class GitCommitFormatted(Wire, frozen=True):
    """HTML renderings of a commit's title and message (`expand[]=formatted`)."""

    title: str | None = None
    message: str | None = None


class GitCommitInfo(Wire, frozen=True):
    """One commit of `list_repo_commits`; `authors` are user names like huggingface_hub's.

    Wire: `{"id", "title", "message", "date", "authors": [{"user", "avatar"}], "formatted"?}`.

    ```python
    c = msgspec.json.decode(item, type=GitCommitInfo)
    c.commit_id, c.created_at, c.authors
    ```
    """

    commit_id: str = msgspec.field(name="id")
    created_at: datetime = msgspec.field(name="date")
    title: str = ""
    message: str = ""
    author_details: list[GitCommitAuthor] = msgspec.field(default_factory=list, name="authors")
    formatted: GitCommitFormatted | None = None

    @property
    def authors(self) -> list[str]:
        """User names of the authors."""
        return [a.user for a in self.author_details]

    @property
    def formatted_title(self) -> str | None:
        """HTML title, when requested with `formatted=True`."""
        return self.formatted.title if self.formatted else None

    @property
    def formatted_message(self) -> str | None:
        """HTML message, when requested with `formatted=True`."""
        return self.formatted.message if self.formatted else None
