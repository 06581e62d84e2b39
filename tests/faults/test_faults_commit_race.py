"""Two clients committing to one branch: with ``parent_commit`` exactly one wins and the other gets a
typed conflict; without it both land. A commit whose answer is lost is never applied twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import huggingface_hub
import pytest

from hubflow import CommitConflictError, CommitOperationAdd, HfApi, NodeFinished
from hubflow.schema import CommitInfo
from hubflow.testing import ALICE_WRITE, FaultProxy, HubProcess, reset_before_response, status

pytestmark = pytest.mark.timeout(60)


def _race(apis: list[HfApi], repo_id: str, parent: str | None) -> list[CommitInfo | BaseException]:
    barrier = threading.Barrier(len(apis))
    outcomes: list[CommitInfo | BaseException] = [RuntimeError("not run")] * len(apis)

    def commit(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = apis[i].create_commit(
                repo_id, [CommitOperationAdd(path_in_repo=f"client-{i}.txt", path_or_fileobj=b"%d\n" % i)],
                commit_message=f"client {i}", parent_commit=parent,
            )
        except BaseException as exc:  # collected and asserted on below
            outcomes[i] = exc

    threads = [threading.Thread(target=commit, args=(i,)) for i in range(len(apis))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


@pytest.fixture
def repo(hub: HubProcess, repo_factory: Callable[..., str]) -> str:
    repo_id = repo_factory()
    huggingface_hub.HfApi(endpoint=hub.endpoint, token=ALICE_WRITE).create_repo(repo_id)
    return repo_id


def _files(hub: HubProcess, repo_id: str) -> set[str]:
    return set(huggingface_hub.HfApi(endpoint=hub.endpoint, token=ALICE_WRITE).list_repo_files(repo_id))


def _history(hub: HubProcess, repo_id: str) -> list[str]:
    return [c.commit_id for c in huggingface_hub.HfApi(endpoint=hub.endpoint, token=ALICE_WRITE).list_repo_commits(repo_id)]


@pytest.mark.parametrize("round_", range(3))
def test_with_parent_commit_one_wins_the_other_conflicts(
    hub: HubProcess, repo: str, make_api: Callable[..., HfApi], round_: int
) -> None:
    parent = huggingface_hub.HfApi(endpoint=hub.endpoint).model_info(repo).sha
    outcomes = _race([make_api(hub.endpoint), make_api(hub.endpoint)], repo, parent)
    wins = [o for o in outcomes if isinstance(o, CommitInfo)]
    conflicts = [o for o in outcomes if isinstance(o, CommitConflictError)]
    assert (len(wins), len(conflicts)) == (1, 1), outcomes
    assert conflicts[0].status_code == 412
    winner = outcomes.index(wins[0])
    assert _files(hub, repo) == {".gitattributes", f"client-{winner}.txt"}  # nothing of the loser
    assert _history(hub, repo)[0] == wins[0].oid
    assert len(_history(hub, repo)) == 2


def test_without_parent_commit_both_land(hub: HubProcess, repo: str, make_api: Callable[..., HfApi]) -> None:
    outcomes = _race([make_api(hub.endpoint), make_api(hub.endpoint)], repo, None)
    assert all(isinstance(o, CommitInfo) for o in outcomes), outcomes
    assert _files(hub, repo) == {".gitattributes", "client-0.txt", "client-1.txt"}
    history = _history(hub, repo)
    assert len(history) == 3
    assert {o.oid for o in outcomes if isinstance(o, CommitInfo)} <= set(history)


def test_lost_answer_to_a_parent_commit_commit_is_applied_once(
    hub: HubProcess, repo: str, make_api: Callable[..., HfApi]
) -> None:
    # The Hub applies the commit, the answer is lost, hubflow retries (parent_commit makes that
    # safe): the retry meets 412, recognises its own commit at the head, and returns it.
    parent = huggingface_hub.HfApi(endpoint=hub.endpoint).model_info(repo).sha
    with FaultProxy(hub) as proxy:
        proxy.plan.add(reset_before_response(forward=True), method="POST", path="/commit/")
        info = make_api(proxy.url).create_commit(
            repo, [CommitOperationAdd(path_in_repo="x.txt", path_or_fileobj=b"x")], commit_message="x",
            parent_commit=parent,
        )
        assert [e.status for e in proxy.entries("POST", "/commit/")] == [None, 412]
    history = _history(hub, repo)
    assert len(history) == 2
    assert info.oid == history[0]
    assert _files(hub, repo) == {".gitattributes", "x.txt"}


def test_lost_answer_to_an_upload_folder_commit_is_recognised(
    hub: HubProcess, repo: str, make_api: Callable[..., HfApi], tmp_path: Path
) -> None:
    # upload_folder samples small files instead of hashing them: recognising its own commit after
    # a lost answer then hashes them (the rare path) to compare blob ids with the head's.
    for i in range(3):
        (tmp_path / f"f{i}.txt").write_bytes(b"%d\n" % i * 50)
    parent = huggingface_hub.HfApi(endpoint=hub.endpoint).model_info(repo).sha
    with FaultProxy(hub) as proxy:
        proxy.plan.add(reset_before_response(forward=True), method="POST", path="/commit/")
        info = make_api(proxy.url).upload_folder(repo_id=repo, folder_path=tmp_path, commit_message="x",
                                                 parent_commit=parent)
        assert [e.status for e in proxy.entries("POST", "/commit/")] == [None, 412]
    assert info.oid == _history(hub, repo)[0] and len(_history(hub, repo)) == 2
    assert _files(hub, repo) == {".gitattributes", "f0.txt", "f1.txt", "f2.txt"}


def test_another_upload_folder_commit_with_our_title_is_a_conflict(
    hub: HubProcess, repo: str, make_api: Callable[..., HfApi], tmp_path: Path
) -> None:
    # Same title, same parent, same paths, other bytes: the sampled files' blob ids (computed for
    # the check) differ from the head's, so the retry's 412 is raised, not taken for our commit.
    # The other commit lands after our preupload call, so f0.txt had no remote oid to compare then.
    api = huggingface_hub.HfApi(endpoint=hub.endpoint, token=ALICE_WRITE)
    parent = api.model_info(repo).sha
    (tmp_path / "f0.txt").write_bytes(b"ours")

    def theirs_after_preupload(event: object) -> None:
        if isinstance(event, NodeFinished) and event.kind == "FetchUploadModes":
            api.upload_file(path_or_fileobj=b"theirs", path_in_repo="f0.txt", repo_id=repo, commit_message="x")

    with FaultProxy(hub) as proxy:
        proxy.plan.add(status(503), method="POST", path="/commit/", times=1)
        client = make_api(proxy.url)
        client.on_event = theirs_after_preupload
        with pytest.raises(CommitConflictError):
            client.upload_folder(repo_id=repo, folder_path=tmp_path, commit_message="x", parent_commit=parent)
        assert [e.status for e in proxy.entries("POST", "/commit/")] == [503, 412]


@pytest.mark.parametrize("other_title", ["other", "x"])
def test_a_real_conflict_on_retry_is_still_a_conflict(
    hub: HubProcess, repo: str, make_api: Callable[..., HfApi], other_title: str
) -> None:
    # The branch moved (another client) after we read parent_commit; our first attempt gets a 503
    # (not applied), the retry's 412 is a genuine conflict — the head is not our commit — and is
    # raised, even when the other commit has our title and our parent (its content differs).
    api = huggingface_hub.HfApi(endpoint=hub.endpoint, token=ALICE_WRITE)
    parent = api.model_info(repo).sha
    api.upload_file(path_or_fileobj=b"other", path_in_repo="other.txt", repo_id=repo, commit_message=other_title)
    with FaultProxy(hub) as proxy:
        proxy.plan.add(status(503), method="POST", path="/commit/", times=1)
        with pytest.raises(CommitConflictError):
            make_api(proxy.url).create_commit(
                repo, [CommitOperationAdd(path_in_repo="mine.txt", path_or_fileobj=b"m")], commit_message="x",
                parent_commit=parent,
            )
        assert [e.status for e in proxy.entries("POST", "/commit/")] == [503, 412]
    assert "mine.txt" not in _files(hub, repo)
