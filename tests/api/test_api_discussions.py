"""hubflow's facade for discussions and pull requests: attribute-level results, paging, rights, validation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from hubflow import HfApi, HfHubHTTPError, RepositoryNotFoundError
from hubflow.schema import DiscussionComment, DiscussionCommit, DiscussionStatusChange, DiscussionTitleChange
from hubflow.testing import ALICE_WRITE, BOB_WRITE, HubProcess, LocalHub


def _api(hub: LocalHub, token: str) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token, transport=httpx.ASGITransport(app=hub.app))


@pytest.fixture
def small_pages(tmp_path: object) -> LocalHub:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    return LocalHub(tmp_path / "hub", page_size=2)


@pytest.fixture
def apis(small_pages: LocalHub) -> Iterator[tuple[HfApi, HfApi]]:
    alice, bob = _api(small_pages, ALICE_WRITE), _api(small_pages, BOB_WRITE)
    yield alice, bob
    alice.close()
    bob.close()


@pytest.fixture
def repo(apis: tuple[HfApi, HfApi], repo_factory: Callable[..., str]) -> str:
    alice, _ = apis
    repo_id = repo_factory("disc")
    alice.create_repo(repo_id)
    alice.upload_file(path_or_fileobj=b"hello\n", path_in_repo="README.md", repo_id=repo_id)
    return repo_id


def test_create_comment_edit_hide_rename_status(apis: tuple[HfApi, HfApi], repo: str) -> None:
    alice, bob = apis
    d = bob.create_discussion(repo, "Question", description="  Why?  ")
    assert (d.num, d.title, d.status, d.author, d.is_pull_request, d.repo_id, d.repo_type) == (
        1, "Question", "open", "bob", False, repo, "model")
    assert d.url == f"http://hub.local/{repo}/discussions/1" and d.git_reference is None
    assert d.target_branch is None and d.conflicting_files is None
    (first,) = d.events
    assert isinstance(first, DiscussionComment) and first.content == "Why?"

    default = alice.create_discussion(repo, "No description")
    assert default.events[0].content.startswith("Discussion opened with the [huggingface_hub Python library]")

    c = alice.comment_discussion(repo, 1, "Because.")
    assert isinstance(c, DiscussionComment) and c.author == "alice" and c.content == "Because." and not c.edited
    e = alice.edit_discussion_comment(repo, 1, c.id, "Because!")
    assert e.edited and e.content == "Because!" and e.number_of_edits == 1 and e.last_edited_by == "alice"
    assert e.rendered == "Because!"
    t = bob.rename_discussion(repo, 1, "Better question")
    assert isinstance(t, DiscussionTitleChange) and (t.old_title, t.new_title) == ("Question", "Better question")
    s = bob.change_discussion_status(repo, 1, "closed", comment="  ")
    assert isinstance(s, DiscussionStatusChange) and s.new_status == "closed" and s.author == "bob"
    with pytest.warns(UserWarning, match="irreversible"):
        h = alice.hide_discussion_comment(repo, 1, first.id)
    assert h.hidden and h.content != "Why?"

    details = alice.get_discussion_details(repo, 1)
    assert details.status == "closed" and details.title == "Better question"
    assert [ev.type for ev in details.events] == ["comment", "comment", "title-change", "status-change"]


def test_rights_and_errors(apis: tuple[HfApi, HfApi], repo: str) -> None:
    alice, bob = apis
    alice.create_discussion(repo, "Roadmap")
    for call in (lambda: bob.rename_discussion(repo, 1, "Mine now"), lambda: bob.change_discussion_status(repo, 1, "closed")):
        with pytest.raises(HfHubHTTPError) as err:
            call()
        assert err.value.status_code == 403
    with pytest.raises(HfHubHTTPError) as err:
        alice.get_discussion_details(repo, 7)
    assert err.value.status_code == 404
    with pytest.raises(ValueError):
        alice.get_discussion_details(repo, 0)
    with pytest.raises(ValueError):
        alice.change_discussion_status(repo, 1, "merged")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        list(alice.get_repo_discussions(repo, discussion_type="issues"))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        alice.create_discussion(repo, "x", repo_type="kernel")
    alice.update_repo_settings(repo, private=True)
    with pytest.raises(RepositoryNotFoundError):
        bob.get_discussion_details(repo, 1)


def test_pull_request_flow_and_merge_rights(apis: tuple[HfApi, HfApi], repo: str) -> None:
    alice, bob = apis
    pr = bob.create_pull_request(repo, "Add weights")
    assert pr.is_pull_request and pr.status == "draft" and pr.git_reference == "refs/pr/1"
    assert pr.target_branch == "refs/heads/main" and pr.conflicting_files == [] and pr.merge_commit_oid is None
    assert pr.events[0].content.startswith("Pull Request opened with")
    alice.upload_file(path_or_fileobj=b"w\n", path_in_repo="w.txt", repo_id=repo, revision="refs/pr/1")
    pr = alice.get_discussion_details(repo, 1)
    assert "b/w.txt" in (pr.diff or "")
    assert [ev.summary for ev in pr.events if isinstance(ev, DiscussionCommit)] == ["Upload w.txt with huggingface_hub"]

    with pytest.raises(HfHubHTTPError) as err:
        bob.merge_pull_request(repo, 1)
    assert err.value.status_code == 403
    assert alice.merge_pull_request(repo, 1) is None
    merged = alice.get_discussion_details(repo, 1)
    assert merged.status == "merged" and merged.merge_commit_oid == alice.repo_info(repo).sha
    assert alice.file_exists(repo, "w.txt")


def test_listing_pages_and_filters(apis: tuple[HfApi, HfApi], repo: str) -> None:
    alice, bob = apis
    for i in range(3):
        alice.create_discussion(repo, f"alice {i}")
    bob.create_discussion(repo, "bob 0")
    alice.create_pull_request(repo, "a PR")
    alice.change_discussion_status(repo, 2, "closed")
    listed = list(alice.get_repo_discussions(repo))  # page size 2 on this hub: three pages
    assert [d.num for d in listed] == [5, 4, 3, 2, 1]
    assert all(d.endpoint == "http://hub.local" for d in listed)
    assert [d.num for d in alice.get_repo_discussions(repo, author="bob")] == [4]
    assert [d.num for d in alice.get_repo_discussions(repo, discussion_type="pull_request")] == [5]
    assert [d.num for d in alice.get_repo_discussions(repo, discussion_status="closed")] == [2]
    assert [d.num for d in alice.get_repo_discussions(repo, discussion_type="discussion", discussion_status="open")] == [
        4, 3, 1]


def test_facade_against_real_hub(hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    with HfApi(endpoint=hub.endpoint, token=ALICE_WRITE) as api:
        repo = repo_factory("disc")
        api.create_repo(repo)
        d = api.create_discussion(repo, "Over loopback")
        assert d.url == f"{hub.endpoint}/{repo}/discussions/1"
        assert [x.title for x in api.get_repo_discussions(repo)] == ["Over loopback"]
        assert api.comment_discussion(repo, d.num, "hi", run_as_future=True).result().content == "hi"
