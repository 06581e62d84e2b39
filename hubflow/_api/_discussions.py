"""Discussions and pull requests on the facade (huggingface_hub 2.4.0 names, parameters, results).

```python
api = HfApi(token="hf_alice_write")
pr = api.create_pull_request("alice/m", "Add weights")      # DiscussionWithDetails, status "draft"
api.comment_discussion("alice/m", pr.num, "Ready for review")
api.merge_pull_request("alice/m", pr.num)
[d.title for d in api.get_repo_discussions("alice/m", discussion_status="closed")]
url = api.upload_attachment("screenshot.png")                # embed it: f"![screenshot]({url})"
```
"""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator
from typing import Literal

import msgspec

from hubflow._api._base import AsyncHfApiBase
from hubflow._settings import TokenArg
from hubflow._validation import normalize_repo_type
from hubflow.schema import (
    Discussion,
    DiscussionComment,
    DiscussionStatusChange,
    DiscussionTitleChange,
    DiscussionWithDetails,
)
from hubflow.tasks.discussions import (
    ChangeDiscussionStatus,
    CommentDiscussion,
    CreateDiscussion,
    EditDiscussionComment,
    GetDiscussionDetails,
    GetDiscussionsPage,
    HideDiscussionComment,
    MergePullRequest,
    RenameDiscussion,
    UploadAttachment,
)

__all__ = ["DiscussionsMixin"]


class DiscussionsMixin(AsyncHfApiBase):
    """Discussions and pull requests (see the module docstring)."""

    async def get_repo_discussions(
        self,
        repo_id: str,
        *,
        author: str | None = None,
        discussion_type: Literal["all", "discussion", "pull_request"] | None = None,
        discussion_status: Literal["all", "open", "closed"] | None = None,
        repo_type: str | None = None,
        token: TokenArg = None,
    ) -> AsyncIterator[Discussion]:
        """Discussions and pull requests of a repo, newest first, fetched page by page (``?p=``).

        ```python
        async for d in api.get_repo_discussions("alice/m", discussion_type="pull_request"):
            print(d.num, d.title, d.status, d.git_reference)
        ```
        """
        page_index = 0
        while True:
            node = GetDiscussionsPage(
                repo_id=repo_id, repo_type=normalize_repo_type(repo_type), author=author,
                discussion_type=discussion_type, discussion_status=discussion_status, p=page_index, token=token,
            )
            page = await self._run(node)
            for discussion in page.discussions:
                yield msgspec.structs.replace(discussion, endpoint=self.endpoint)
            if page.start + len(page.discussions) >= page.count or not page.discussions:
                return
            page_index += 1

    async def get_discussion_details(
        self, repo_id: str, discussion_num: int, *, repo_type: str | None = None, token: TokenArg = None
    ) -> DiscussionWithDetails:
        """One discussion or pull request with its events (and, for PRs, target branch, conflicts, diff).

        ```python
        d = await api.get_discussion_details("alice/m", 2)
        [e.type for e in d.events], d.target_branch, d.merge_commit_oid
        ```
        """
        node = GetDiscussionDetails(
            repo_id=repo_id, discussion_num=discussion_num, repo_type=normalize_repo_type(repo_type), token=token
        )
        return msgspec.structs.replace(await self._run(node), endpoint=self.endpoint)

    async def create_discussion(
        self,
        repo_id: str,
        title: str,
        *,
        token: TokenArg = None,
        description: str | None = None,
        repo_type: str | None = None,
        pull_request: bool = False,
    ) -> DiscussionWithDetails:
        """Open a discussion (or a pull request with ``pull_request=True``); returns its details.

        ```python
        d = await api.create_discussion("alice/m", "Question about the license", description="...")
        ```
        """
        node = CreateDiscussion(
            repo_id=repo_id, title=title, description=description, repo_type=normalize_repo_type(repo_type),
            pull_request=pull_request, token=token,
        )
        return msgspec.structs.replace(await self._run(node), endpoint=self.endpoint)

    async def create_pull_request(
        self,
        repo_id: str,
        title: str,
        *,
        token: TokenArg = None,
        description: str | None = None,
        repo_type: str | None = None,
    ) -> DiscussionWithDetails:
        """Open a pull request (status ``draft``, branch ``refs/pr/{num}`` at the base head).

        ```python
        pr = await api.create_pull_request("alice/m", "Add weights")
        await api.upload_file(path_or_fileobj=b"...", path_in_repo="w.bin", repo_id="alice/m", revision=pr.git_reference)
        ```
        """
        return await self.create_discussion(
            repo_id, title, token=token, description=description, repo_type=repo_type, pull_request=True
        )

    async def comment_discussion(
        self, repo_id: str, discussion_num: int, comment: str, *, token: TokenArg = None, repo_type: str | None = None
    ) -> DiscussionComment:
        """Add a comment (markdown) to a discussion or pull request.

        ```python
        c = await api.comment_discussion("alice/m", 1, "Thanks!")
        c.id, c.content
        ```
        """
        node = CommentDiscussion(
            repo_id=repo_id, discussion_num=discussion_num, comment=comment, repo_type=normalize_repo_type(repo_type),
            token=token,
        )
        return await self._run(node)

    async def rename_discussion(
        self, repo_id: str, discussion_num: int, new_title: str, *, token: TokenArg = None,
        repo_type: str | None = None,
    ) -> DiscussionTitleChange:
        """Change the title (the author or a repo owner may).

        ```python
        change = await api.rename_discussion("alice/m", 1, "Better title")
        change.old_title, change.new_title
        ```
        """
        node = RenameDiscussion(
            repo_id=repo_id, discussion_num=discussion_num, new_title=new_title,
            repo_type=normalize_repo_type(repo_type), token=token,
        )
        return await self._run(node)

    async def change_discussion_status(
        self,
        repo_id: str,
        discussion_num: int,
        new_status: Literal["open", "closed"],
        *,
        token: TokenArg = None,
        comment: str | None = None,
        repo_type: str | None = None,
    ) -> DiscussionStatusChange:
        """Open or close a discussion / pull request, optionally with a comment.

        ```python
        (await api.change_discussion_status("alice/m", 1, "closed", comment="Fixed")).new_status  # "closed"
        ```
        """
        node = ChangeDiscussionStatus(
            repo_id=repo_id, discussion_num=discussion_num, new_status=new_status, comment=comment,
            repo_type=normalize_repo_type(repo_type), token=token,
        )
        return await self._run(node)

    async def merge_pull_request(
        self,
        repo_id: str,
        discussion_num: int,
        *,
        token: TokenArg = None,
        comment: str | None = None,
        repo_type: str | None = None,
    ) -> None:
        """Merge a pull request into its target branch (repo owners only).

        ```python
        await api.merge_pull_request("alice/m", 2, comment="LGTM")
        ```
        """
        node = MergePullRequest(
            repo_id=repo_id, discussion_num=discussion_num, comment=comment, repo_type=normalize_repo_type(repo_type),
            token=token,
        )
        await self._run(node)

    async def edit_discussion_comment(
        self,
        repo_id: str,
        discussion_num: int,
        comment_id: str,
        new_content: str,
        *,
        token: TokenArg = None,
        repo_type: str | None = None,
    ) -> DiscussionComment:
        """Replace the content of one of your comments (the old version goes to ``edit_history``).

        ```python
        c = await api.edit_discussion_comment("alice/m", 1, comment.id, "fixed typo")
        c.edited, c.number_of_edits
        ```
        """
        node = EditDiscussionComment(
            repo_id=repo_id, discussion_num=discussion_num, comment_id=comment_id, new_content=new_content,
            repo_type=normalize_repo_type(repo_type), token=token,
        )
        return await self._run(node)

    async def hide_discussion_comment(
        self,
        repo_id: str,
        discussion_num: int,
        comment_id: str,
        *,
        token: TokenArg = None,
        repo_type: str | None = None,
    ) -> DiscussionComment:
        """Hide a comment (irreversible; repo owners or the comment's author).

        ```python
        (await api.hide_discussion_comment("alice/m", 1, comment.id)).hidden  # True
        ```
        """
        warnings.warn(
            "Hidden comments' content cannot be retrieved anymore. Hiding a comment is irreversible.", UserWarning,
            stacklevel=2,
        )
        node = HideDiscussionComment(
            repo_id=repo_id, discussion_num=discussion_num, comment_id=comment_id,
            repo_type=normalize_repo_type(repo_type), token=token,
        )
        return await self._run(node)

    async def upload_attachment(self, path: str | os.PathLike[str], *, token: TokenArg = None) -> str:
        """Upload an image, video or audio file for a discussion or PR comment; returns its URL.

        Supported: PNG, JPEG, GIF, WebP, MP4, MOV, WebM, MP3, WAV (``ValueError`` otherwise, before
        sending); the Hub limits files to 10 MB (50 MB for videos). Embed the URL as
        ``![alt](url)`` for an image, the bare URL for a video, ``<audio controls src="url"></audio>``.

        ```python
        url = await api.upload_attachment("screenshot.png")
        await api.create_discussion("alice/m", title="Rendering bug", description=f"![screenshot]({url})")
        ```
        """
        return await self._run(UploadAttachment(path=os.fspath(path), token=token))
