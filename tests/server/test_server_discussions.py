"""Discussions and pull requests on the real local Hub, driven by the official ``huggingface_hub`` client.

The official client parses every answer unmodified; rights are checked with bob's token.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from huggingface_hub import HfApi
from huggingface_hub.community import (
    DiscussionComment,
    DiscussionCommit,
    DiscussionStatusChange,
    DiscussionTitleChange,
)
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from hubflow.testing import ALICE_WRITE, BOB_WRITE, HubProcess


@pytest.fixture
def apis(hub: HubProcess) -> tuple[HfApi, HfApi]:
    return HfApi(endpoint=hub.endpoint, token=ALICE_WRITE), HfApi(endpoint=hub.endpoint, token=BOB_WRITE)


@pytest.fixture
def repo(apis: tuple[HfApi, HfApi], repo_factory: Callable[..., str]) -> str:
    alice, _ = apis
    repo_id = repo_factory("disc")
    alice.create_repo(repo_id)
    alice.upload_file(path_or_fileobj=b"hello\n", path_in_repo="README.md", repo_id=repo_id)
    return repo_id


def test_discussion_lifecycle(apis: tuple[HfApi, HfApi], repo: str, hub: HubProcess) -> None:
    alice, bob = apis
    d = bob.create_discussion(repo, "  Question about data  ", description="Where is it from?")
    assert (d.num, d.title, d.status, d.author, d.is_pull_request) == (1, "Question about data", "open", "bob", False)
    assert d.repo_id == repo and d.repo_type == "model" and d.git_reference is None
    assert d.url == f"{hub.endpoint}/{repo}/discussions/1"
    assert d.target_branch is None and d.conflicting_files is None and d.merge_commit_oid is None
    (first,) = d.events
    assert isinstance(first, DiscussionComment) and first.content == "Where is it from?" and first.author == "bob"

    comment = alice.comment_discussion(repo, 1, "From the web.")
    assert isinstance(comment, DiscussionComment) and comment.content == "From the web." and not comment.edited
    edited = alice.edit_discussion_comment(repo, 1, comment.id.upper(), "From the web, 2024.")
    assert edited.content == "From the web, 2024." and edited.edited and edited.number_of_edits == 1
    assert edited.edit_history[0]["raw"] == "From the web." and edited.last_edited_by == "alice"
    with pytest.raises(HfHubHTTPError) as e:  # only the author edits a comment
        bob.edit_discussion_comment(repo, 1, comment.id, "hijack")
    assert e.value.response.status_code == 403

    title = bob.rename_discussion(repo, 1, "Where does the data come from?")
    assert isinstance(title, DiscussionTitleChange)
    assert (title.old_title, title.new_title) == ("Question about data", "Where does the data come from?")
    status = bob.change_discussion_status(repo, 1, "closed", comment="Answered, thanks")
    assert isinstance(status, DiscussionStatusChange) and status.new_status == "closed"
    with pytest.warns(UserWarning, match="irreversible"):
        hidden = alice.hide_discussion_comment(repo, 1, first.id)
    assert hidden.hidden and hidden.id == first.id and "Where is it from?" not in hidden.content

    d = alice.get_discussion_details(repo, 1)
    assert d.title == "Where does the data come from?" and d.status == "closed"
    kinds = [type(e).__name__ for e in d.events]
    assert kinds == ["DiscussionComment", "DiscussionComment", "DiscussionTitleChange", "DiscussionComment",
                     "DiscussionStatusChange"]
    assert d.events[0].hidden and d.events[3].content == "Answered, thanks"


def test_discussion_rights(apis: tuple[HfApi, HfApi], repo: str) -> None:
    alice, bob = apis
    alice.create_discussion(repo, "Roadmap")
    for call in (
        lambda: bob.rename_discussion(repo, 1, "Not mine"),
        lambda: bob.change_discussion_status(repo, 1, "closed"),
    ):
        with pytest.raises(HfHubHTTPError) as e:
            call()
        assert e.value.response.status_code == 403
    first = alice.get_discussion_details(repo, 1).events[0]
    with pytest.raises(HfHubHTTPError) as e, pytest.warns(UserWarning):
        bob.hide_discussion_comment(repo, 1, first.id)
    assert e.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as e:
        alice.get_discussion_details(repo, 99)
    assert e.value.response.status_code == 404

    alice.update_repo_settings(repo, private=True)
    with pytest.raises(RepositoryNotFoundError):
        list(bob.get_repo_discussions(repo))
    with pytest.raises(RepositoryNotFoundError):
        bob.comment_discussion(repo, 1, "hello?")


def test_pull_request_merge(apis: tuple[HfApi, HfApi], repo: str) -> None:
    alice, bob = apis
    pr = bob.create_pull_request(repo, "Add weights", description="weights v1")
    assert pr.status == "draft" and pr.is_pull_request and pr.git_reference == "refs/pr/1"
    assert pr.target_branch == "refs/heads/main" and pr.conflicting_files == [] and pr.merge_commit_oid is None
    alice.upload_file(path_or_fileobj=b"w1\n", path_in_repo="weights.txt", repo_id=repo, revision=pr.git_reference)

    pr = alice.get_discussion_details(repo, pr.num)
    assert "diff --git a/weights.txt b/weights.txt" in (pr.diff or "") and "+w1" in (pr.diff or "")
    commits = [e for e in pr.events if isinstance(e, DiscussionCommit)]
    assert len(commits) == 1 and commits[0].oid == alice.list_repo_refs(
        repo, include_pull_requests=True).pull_requests[0].target_commit

    with pytest.raises(HfHubHTTPError) as e:  # bob opened it but cannot merge into alice's repo
        bob.merge_pull_request(repo, pr.num)
    assert e.value.response.status_code == 403

    assert alice.merge_pull_request(repo, pr.num, comment="Thanks!") is None
    merged = alice.get_discussion_details(repo, pr.num)
    assert merged.status == "merged"
    assert merged.merge_commit_oid == alice.repo_info(repo).sha
    assert alice.hf_hub_download(repo, "weights.txt", cache_dir=None) is not None
    statuses = [e.new_status for e in merged.events if isinstance(e, DiscussionStatusChange)]
    assert statuses == ["merged"]
    assert [e.content for e in merged.events if isinstance(e, DiscussionComment)][-1] == "Thanks!"
    with pytest.raises(HfHubHTTPError) as e:
        alice.merge_pull_request(repo, pr.num)
    assert e.value.response.status_code == 400


def test_pull_request_conflicts_listed(apis: tuple[HfApi, HfApi], repo: str) -> None:
    alice, _ = apis
    pr = alice.create_pull_request(repo, "Edit README")
    alice.upload_file(path_or_fileobj=b"pr\n", path_in_repo="README.md", repo_id=repo, revision=pr.git_reference)
    alice.upload_file(path_or_fileobj=b"main\n", path_in_repo="README.md", repo_id=repo)
    assert alice.get_discussion_details(repo, pr.num).conflicting_files == ["README.md"]
    with pytest.raises(HfHubHTTPError) as e:
        alice.merge_pull_request(repo, pr.num)
    assert e.value.response.status_code == 409


def test_list_filters_and_pages(apis: tuple[HfApi, HfApi], repo: str, hub: HubProcess) -> None:
    alice, bob = apis
    alice.create_discussion(repo, "By alice")
    bob.create_discussion(repo, "By bob")
    alice.create_pull_request(repo, "PR by alice")
    alice.change_discussion_status(repo, 1, "closed")

    def nums(**kwargs: str) -> list[int]:
        return [d.num for d in alice.get_repo_discussions(repo, **kwargs)]  # type: ignore[arg-type]

    assert nums() == [3, 2, 1]
    assert nums(discussion_type="pull_request") == [3]
    assert nums(discussion_type="discussion") == [2, 1]
    assert nums(discussion_status="closed") == [1]
    assert nums(discussion_status="open") == [3, 2]  # draft PRs count as open
    assert nums(author="bob") == [2]
    listed = next(iter(alice.get_repo_discussions(repo, discussion_type="pull_request")))
    assert listed.is_pull_request and listed.status == "draft" and listed.author == "alice"

    # more than one page (50 per page): the client follows ?p= until start + len >= count
    with httpx.Client(base_url=hub.endpoint, headers={"authorization": f"Bearer {ALICE_WRITE}"}) as http:
        for i in range(50):
            r = http.post(f"/api/models/{repo}/discussions", json={"title": f"Bulk {i}", "description": "x"})
            assert r.status_code == 200
        page = http.get(f"/api/models/{repo}/discussions", params={"p": 1}).json()
    assert (page["count"], page["start"], len(page["discussions"])) == (53, 50, 3)
    assert nums() == list(range(53, 0, -1))
