"""Refs and history nodes: refs, commits, branches, tags, super-squash.

Branch and tag names in paths are percent-encoded with no safe characters (``feat/x`` →
``feat%2Fx``), as huggingface_hub sends them.

```python
refs = await ctx.submit(ListRepoRefs(repo_id="alice/m1", include_prs=1))
await ctx.submit(CreateBranch(repo_id="alice/m1", branch="dev", exist_ok=True))
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import msgspec

from hubflow._validation import validate_revision
from hubflow.errors import HfHubHTTPError, HFValidationError
from hubflow.schema import GitCommitInfo, GitRefs
from hubflow.tasks._base import Endpoint
from hubflow.tasks.repos import _check_repo

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = [
    "CreateBranch",
    "CreateTag",
    "DeleteBranch",
    "DeleteTag",
    "ListRepoCommits",
    "ListRepoRefs",
    "SuperSquashHistory",
]


def _check_name(kind: str, name: str) -> None:
    if not isinstance(name, str) or not name:
        raise HFValidationError(f"{kind} must be a non-empty string: {name!r}.")
    validate_revision(name)


class ListRepoRefs(Endpoint[GitRefs], kw_only=True):
    """``GET /api/{T}/{R}/refs[?include_prs=1]`` → ``GitRefs`` (``pull_requests`` only when asked).

    ```python
    ListRepoRefs(repo_id="alice/m1", include_prs=1)
    ```
    """

    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/refs"
    result_type = GitRefs

    repo_id: str
    repo_type: str = "model"
    include_prs: int | None = None

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)

    def decode(self, content: bytes) -> GitRefs:
        refs = msgspec.json.decode(content, type=GitRefs)
        if self.include_prs:
            return refs if refs.pull_requests is not None else msgspec.structs.replace(refs, pull_requests=[])
        return msgspec.structs.replace(refs, pull_requests=None) if refs.pull_requests is not None else refs


class ListRepoCommits(Endpoint[list[GitCommitInfo]], kw_only=True):
    """``GET /api/{T}/{R}/commits/{rev}`` (paginated, newest first) → ``GitCommitInfo`` items.

    ``expand=["formatted"]`` is sent as ``expand[]=formatted`` (HTML title and message).

    ```python
    ListRepoCommits(repo_id="alice/m1", revision="dev", expand=["formatted"])
    ```
    """

    method = "GET"
    path = "/api/{repo_type_plural}/{repo_id}/commits/{revision}"
    result_type = GitCommitInfo
    paginated = True

    repo_id: str
    repo_type: str = "model"
    revision: str = "main"
    expand: list[str] | None = msgspec.field(default=None, name="expand[]")

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)
        validate_revision(self.revision)


class CreateBranch(Endpoint[None], kw_only=True):
    """``POST /api/{T}/{R}/branch/{branch}`` from ``starting_point`` (default: the default branch head).

    ``exist_ok=True`` ignores a 409, and a 403 when ``list_repo_refs`` shows the branch exists.

    ```python
    CreateBranch(repo_id="alice/m1", branch="dev", starting_point="v1.0", exist_ok=True)
    ```
    """

    idempotent: ClassVar[bool] = False
    method = "POST"
    path = "/api/{repo_type_plural}/{repo_id}/branch/{branch}"
    exclude = frozenset({"exist_ok"})

    repo_id: str
    branch: str
    repo_type: str = "model"
    starting_point: str | None = msgspec.field(default=None, name="startingPoint")
    exist_ok: bool = False

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)
        _check_name("branch", self.branch)
        if self.starting_point is not None:
            validate_revision(self.starting_point)

    async def run(self, ctx: Context) -> None:
        try:
            await super().run(ctx)
        except HfHubHTTPError as err:
            status = err.response.status_code
            if self.exist_ok and status == 409:
                return
            if self.exist_ok and status == 403:
                # No write access on the namespace, but the branch may already be there.
                try:
                    refs = await ListRepoRefs(repo_id=self.repo_id, repo_type=self.repo_type, token=self.token).run(ctx)
                except HfHubHTTPError:
                    raise err from None
                if any(ref.name == self.branch for ref in refs.branches):
                    return
            raise


class DeleteBranch(Endpoint[None], kw_only=True):
    """``DELETE /api/{T}/{R}/branch/{branch}``.

    ```python
    DeleteBranch(repo_id="alice/m1", branch="dev")
    ```
    """

    idempotent: ClassVar[bool] = False
    method = "DELETE"
    path = "/api/{repo_type_plural}/{repo_id}/branch/{branch}"

    repo_id: str
    branch: str
    repo_type: str = "model"

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)
        _check_name("branch", self.branch)


class CreateTag(Endpoint[None], kw_only=True):
    """``POST /api/{T}/{R}/tag/{revision}`` with ``{"tag", "message"?}``; ``exist_ok`` ignores a 409.

    ```python
    CreateTag(repo_id="alice/m1", tag="v1.0", revision="main", message="first release")
    ```
    """

    idempotent: ClassVar[bool] = False
    method = "POST"
    path = "/api/{repo_type_plural}/{repo_id}/tag/{revision}"
    exclude = frozenset({"exist_ok"})

    repo_id: str
    tag: str
    repo_type: str = "model"
    revision: str = "main"
    message: str | None = None
    exist_ok: bool = False

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)
        _check_name("tag", self.tag)
        validate_revision(self.revision)

    async def run(self, ctx: Context) -> None:
        try:
            await super().run(ctx)
        except HfHubHTTPError as err:
            if not (self.exist_ok and err.response.status_code == 409):
                raise


class DeleteTag(Endpoint[None], kw_only=True):
    """``DELETE /api/{T}/{R}/tag/{tag}``.

    ```python
    DeleteTag(repo_id="alice/m1", tag="v1.0")
    ```
    """

    idempotent: ClassVar[bool] = False
    method = "DELETE"
    path = "/api/{repo_type_plural}/{repo_id}/tag/{tag}"

    repo_id: str
    tag: str
    repo_type: str = "model"

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)
        _check_name("tag", self.tag)


class SuperSquashHistory(Endpoint[None], kw_only=True):
    """``POST /api/{T}/{R}/super-squash/{branch}``: squash the branch's history into one commit.

    ```python
    SuperSquashHistory(repo_id="alice/m1", branch="main", message="Squash")
    ```
    """

    idempotent: ClassVar[bool] = False
    method = "POST"
    path = "/api/{repo_type_plural}/{repo_id}/super-squash/{branch}"

    repo_id: str
    branch: str = "main"
    repo_type: str = "model"
    message: str

    def __post_init__(self) -> None:
        _check_repo(self.repo_id, self.repo_type)
        _check_name("branch", self.branch)
