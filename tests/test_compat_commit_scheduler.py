"""CommitScheduler against the local Hub: immediate first push, periodic pushes of changed files only,
size-capped partial files, squash_history, stop(), the context manager, and trigger() serialised
with run_as_future."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubflow import CommitScheduler, HfApi, PartialFileIO
from hubflow.testing import HubProcess


@pytest.fixture
def api(hub: HubProcess, token: str) -> Iterator[HfApi]:
    with HfApi(endpoint=hub.endpoint, token=token) as client:
        yield client


def _wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _scheduled(api: HfApi, repo_id: str) -> list[str]:
    return [c.title for c in api.list_repo_commits(repo_id) if c.title == "Scheduled Commit"]


def test_periodic_pushes_send_only_changed_files(api: HfApi, repo_factory, tmp_path: Path) -> None:
    repo_id = repo_factory("sched")
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "a.txt").write_text("one")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ignored")
    scheduler = CommitScheduler(repo_id=repo_id, folder_path=folder, every=0.01, path_in_repo="run",
                                hf_api=api)  # 0.6 s
    try:
        _wait_for(lambda: len(_scheduled(api, repo_id)) >= 1)  # the first push happens at once
        assert sorted(api.list_repo_files(repo_id)) == [".gitattributes", "run/a.txt"]
        with scheduler.lock:
            (folder / "b.txt").write_text("two")
        _wait_for(lambda: "run/b.txt" in api.list_repo_files(repo_id))
        time.sleep(1.5)  # more rounds with nothing changed: no new commit
        assert len(_scheduled(api, repo_id)) == 2
        (folder / "a.txt").unlink()  # local deletions are never pushed
        assert scheduler.trigger().result(timeout=10) is None
        assert "run/a.txt" in api.list_repo_files(repo_id)
    finally:
        scheduler.stop()
    scheduler._scheduler_thread.join(timeout=5)
    assert not scheduler._scheduler_thread.is_alive()  # stop() wakes the sleeping thread


def test_context_manager_pushes_on_exit_and_squashes(api: HfApi, repo_factory, tmp_path: Path) -> None:
    repo_id = repo_factory("schedsq")
    folder = tmp_path / "out"
    with CommitScheduler(repo_id=repo_id, folder_path=folder, every=10, hf_api=api, squash_history=True) as s:
        assert folder.is_dir()  # created
        _wait_for(lambda: s.last_future is not None)
        assert s.last_future is not None and s.last_future.result(timeout=10) is None  # empty folder: no commit
        (folder / "metrics.jsonl").write_text('{"loss": 1}\n')
    assert api.list_repo_files(repo_id) == [".gitattributes", "metrics.jsonl"]
    assert len(api.list_repo_commits(repo_id)) == 1  # squashed into one commit
    assert s.trigger().result(timeout=10) is None  # stopped: a queued push does nothing


def test_trigger_is_serialised_with_run_as_future(api: HfApi, repo_factory, tmp_path: Path) -> None:
    repo_id = repo_factory("schedq")
    folder = tmp_path / "q"
    folder.mkdir()
    scheduler = CommitScheduler(repo_id=repo_id, folder_path=folder, every=10, hf_api=api)
    try:
        _wait_for(lambda: scheduler.last_future is not None)
        assert scheduler.last_future is not None and scheduler.last_future.result(timeout=10) is None
        order: list[str] = []
        first = api.run_as_future(lambda: order.append("before"))
        (folder / "x.txt").write_text("x")
        push = scheduler.trigger()
        last = api.run_as_future(lambda: order.append("after"))
        info = push.result(timeout=10)
        last.result(timeout=10)
        first.result(timeout=10)
        assert info is not None and order == ["before", "after"]
        assert api.list_repo_files(repo_id) == [".gitattributes", "x.txt"]
    finally:
        scheduler.stop()


def test_bad_arguments(api: HfApi, repo_factory, tmp_path: Path) -> None:
    file = tmp_path / "f"
    file.write_text("x")
    with pytest.raises(ValueError):
        CommitScheduler(repo_id=repo_factory(), folder_path=file, hf_api=api)
    with pytest.raises(ValueError):
        CommitScheduler(repo_id=repo_factory(), folder_path=tmp_path / "d", every=0, hf_api=api)


def test_partial_file_io_caps_reads(tmp_path: Path) -> None:
    path = tmp_path / "grow.log"
    path.write_bytes(b"0123456789")
    with PartialFileIO(path, size_limit=4) as f:
        with path.open("ab") as more:
            more.write(b"appended later")
        assert len(f) == 4 and f.read() == b"0123" and f.read() == b""
        assert f.seek(0, 2) == 4 and f.seek(2) == 2 and f.read(10) == b"23"
        assert f.seek(100) == 4
        with pytest.raises(OSError):
            f.fileno()
