"""Refs and history on the facade: refs, commits, branches, tags, super-squash.

Same names, parameters and defaults as huggingface_hub 2.4.0; ``token`` is a ``TokenArg``.

```python
api = HfApi(token="hf_alice_write")
api.create_branch("alice/m1", branch="dev", exist_ok=True)
[b.name for b in api.list_repo_refs("alice/m1").branches]   # ["dev", "main"]
api.list_repo_commits("alice/m1")[0].title
```
"""

from __future__ import annotations

from hubflow._api._base import AsyncHfApiBase
from hubflow._settings import TokenArg
from hubflow._validation import normalize_repo_type
from hubflow.schema import GitCommitInfo, GitRefs
from hubflow.tasks.refs import (
    CreateBranch,
    CreateTag,
    DeleteBranch,
    DeleteTag,
    ListRepoCommits,
    ListRepoRefs,
    SuperSquashHistory,
)

__all__ = ["RefsMixin"]


class RefsMixin(AsyncHfApiBase):
    """Branches, tags and history (see the module docstring)."""

    async def list_repo_refs(
        self,
        repo_id: str,
        *,
        repo_type: str | None = None,
        include_pull_requests: bool = False,
        token: TokenArg = None,
    ) -> GitRefs:
        """Branches, tags, converts (and pull requests with ``include_pull_requests=True``).

        ```python
        refs = await api.list_repo_refs("alice/m1", include_pull_requests=True)
        refs.branches[0].target_commit, [pr.ref for pr in refs.pull_requests]
        ```
        """
        node = ListRepoRefs(
            repo_id=repo_id, repo_type=normalize_repo_type(repo_type), include_prs=1 if include_pull_requests else None,
            token=token,
        )
        return await self._run(node)

    async def list_repo_commits(
        self,
        repo_id: str,
        *,
        repo_type: str | None = None,
        token: TokenArg = None,
        revision: str | None = None,
        formatted: bool = False,
    ) -> list[GitCommitInfo]:
        """The history of ``revision`` (default ``main``), newest first.

        ``formatted=True`` also fills ``formatted_title`` / ``formatted_message`` (HTML).

        ```python
        commits = await api.list_repo_commits("alice/m1")
        commits[0].commit_id, commits[0].authors, commits[0].created_at
        ```
        """
        node = ListRepoCommits(
            repo_id=repo_id, repo_type=normalize_repo_type(repo_type), revision=revision or "main",
            expand=["formatted"] if formatted else None, token=token,
        )
        return await self._run(node)

    async def create_branch(
        self,
        repo_id: str,
        *,
        branch: str,
        revision: str | None = None,
        token: TokenArg = None,
        repo_type: str | None = None,
        exist_ok: bool = False,
    ) -> None:
        """Create ``branch`` at ``revision`` (default: the head of the default branch).

        ``exist_ok=True`` ignores an existing branch (also when we may not write but it exists).

        ```python
        await api.create_branch("alice/m1", branch="dev", revision="v1.0", exist_ok=True)
        ```
        """
        node = CreateBranch(
            repo_id=repo_id, branch=branch, repo_type=normalize_repo_type(repo_type), starting_point=revision,
            exist_ok=exist_ok, token=token,
        )
        await self._run(node)

    async def delete_branch(
        self, repo_id: str, *, branch: str, token: TokenArg = None, repo_type: str | None = None
    ) -> None:
        """Delete ``branch``.

        ```python
        await api.delete_branch("alice/m1", branch="dev")
        ```
        """
        await self._run(DeleteBranch(repo_id=repo_id, branch=branch, repo_type=normalize_repo_type(repo_type), token=token))

    async def create_tag(
        self,
        repo_id: str,
        *,
        tag: str,
        tag_message: str | None = None,
        revision: str | None = None,
        token: TokenArg = None,
        repo_type: str | None = None,
        exist_ok: bool = False,
    ) -> None:
        """Tag ``revision`` (default ``main``); ``exist_ok=True`` ignores an existing tag.

        ```python
        await api.create_tag("alice/m1", tag="v1.0", tag_message="first release")
        ```
        """
        node = CreateTag(
            repo_id=repo_id, tag=tag, repo_type=normalize_repo_type(repo_type), revision=revision or "main",
            message=tag_message, exist_ok=exist_ok, token=token,
        )
        await self._run(node)

    async def delete_tag(self, repo_id: str, *, tag: str, token: TokenArg = None, repo_type: str | None = None) -> None:
        """Delete ``tag``.

        ```python
        await api.delete_tag("alice/m1", tag="v1.0")
        ```
        """
        await self._run(DeleteTag(repo_id=repo_id, tag=tag, repo_type=normalize_repo_type(repo_type), token=token))

    async def super_squash_history(
        self,
        repo_id: str,
        *,
        branch: str | None = None,
        commit_message: str | None = None,
        repo_type: str | None = None,
        token: TokenArg = None,
    ) -> None:
        """Squash the whole history of ``branch`` (default ``main``) into one commit. Irreversible.

        ```python
        await api.super_squash_history("alice/m1", commit_message="Fresh start")
        ```
        """
        branch = branch or "main"
        node = SuperSquashHistory(
            repo_id=repo_id, branch=branch, repo_type=normalize_repo_type(repo_type),
            message=commit_message or f"Super-squash branch '{branch}' using huggingface_hub", token=token,
        )
        await self._run(node)
