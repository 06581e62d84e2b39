"""Commit results: the raw `CommitResponse` and the user-facing `CommitInfo`.

`CommitInfo` is a frozen Struct (so the journal can store it), not a `str` subclass like
huggingface_hub's; it keeps the same attributes, `str(info)` is the commit URL and
`info == "<commit url>"` holds, which covers the ways the `str` base was used.

```python
resp = msgspec.json.decode(body, type=CommitResponse)
info = commit_info_from_response(resp, commit_message="Add", endpoint=E)
info.oid, info.repo_url.repo_id, info.pr_num
```
"""

from __future__ import annotations

import re

from hubflow.schema._base import Wire
from hubflow.schema._urls import RepoUrl

__all__ = ["CommitInfo", "CommitResponse", "commit_info_from_response"]

_PR_URL = re.compile(r".*/discussions/(\d+)")


class CommitResponse(Wire, frozen=True):
    """Answer of `POST /api/{T}/{R}/commit/{rev}`.

    ```python
    msgspec.json.decode(b'{"commitOid": "ab", "commitUrl": "https://h/a/b/commit/ab"}', type=CommitResponse)
    ```
    """

    commit_url: str
    commit_oid: str
    pull_request_url: str | None = None
    hook_output: str | None = None


class CommitInfo(Wire, rename=None, frozen=True):
    """A created commit: `commit_url`, `commit_message`, `commit_description`, `oid`, `pr_url`,
    and computed `repo_url`, `pr_revision`, `pr_num`.

    ```python
    info = CommitInfo(commit_url="https://huggingface.co/a/m/commit/ab", commit_message="m", oid="ab")
    assert info.repo_url.repo_id == "a/m" and str(info) == info.commit_url
    ```
    """

    commit_url: str
    commit_message: str = ""
    commit_description: str = ""
    oid: str = ""
    pr_url: str | None = None
    endpoint: str | None = None

    @property
    def repo_url(self) -> RepoUrl:
        """URL of the repository (the part of `commit_url` before `/commit/`)."""
        return RepoUrl(self.commit_url.split("/commit/")[0], endpoint=self.endpoint)

    @property
    def pr_revision(self) -> str | None:
        """`refs/pr/<n>` when the commit opened a pull request."""
        if self.pr_url is None:
            return None
        match = _PR_URL.fullmatch(self.pr_url)
        if match is None:
            raise ValueError(f"Expected a pull request URL, got {self.pr_url!r}")
        return f"refs/pr/{match[1]}"

    @property
    def pr_num(self) -> int | None:
        """Number of the pull request opened by the commit, if any."""
        revision = self.pr_revision
        return int(revision.rsplit("/", 1)[-1]) if revision else None

    def __str__(self) -> str:
        return self.commit_url

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.commit_url == other
        if isinstance(other, CommitInfo) and type(other) is type(self):
            return (self.commit_url, self.commit_message, self.commit_description, self.oid, self.pr_url) == (
                other.commit_url,
                other.commit_message,
                other.commit_description,
                other.oid,
                other.pr_url,
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.commit_url)


def commit_info_from_response(
    response: CommitResponse,
    *,
    commit_message: str,
    commit_description: str = "",
    endpoint: str | None = None,
    create_pr: bool = False,
) -> CommitInfo:
    """Build the `CommitInfo` returned to users from the commit endpoint's answer.

    `pullRequestUrl` is only read when a PR was requested, as huggingface_hub does.

    ```python
    info = commit_info_from_response(resp, commit_message="Upload", endpoint="http://127.0.0.1:8080")
    ```
    """
    return CommitInfo(
        commit_url=response.commit_url,
        commit_message=commit_message,
        commit_description=commit_description,
        oid=response.commit_oid,
        pr_url=response.pull_request_url if create_pr else None,
        endpoint=endpoint,
    )
