"""Blob locks exclude each other across threads and against `filelock.FileLock` (huggingface_hub)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

from hubflow._cache import RepoCache, file_lock

ETAG = "a" * 64


def test_lock_path_is_the_official_one(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1", "space")
    assert repo.lock_path(ETAG) == cache_dir / ".locks" / "spaces--alice--m1" / f"{ETAG}.lock"


def test_two_threads_exclude_each_other(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    inside = 0
    overlaps: list[int] = []
    order: list[str] = []
    guard = threading.Lock()

    def worker(name: str) -> None:
        nonlocal inside
        with repo.lock(ETAG):
            with guard:
                inside += 1
                overlaps.append(inside)
                order.append(f"{name}+")
            time.sleep(0.05)
            with guard:
                inside -= 1
                order.append(f"{name}-")

    threads = [threading.Thread(target=worker, args=(str(i),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert max(overlaps) == 1 and len(order) == 8
    assert all(order[i][:-1] == order[i + 1][:-1] for i in range(0, 8, 2))


def test_timeout_raises_while_held(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    with repo.lock(ETAG):
        errors: list[BaseException] = []

        def contender() -> None:
            try:
                with repo.lock(ETAG, timeout=0.2):
                    pass
            except BaseException as exc:
                errors.append(exc)

        t = threading.Thread(target=contender)
        t.start()
        t.join(5)
        assert len(errors) == 1 and isinstance(errors[0], TimeoutError)
    with repo.lock(ETAG, timeout=0.2):  # free again once released
        pass


def test_hubflow_lock_excludes_filelock(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    with repo.lock(ETAG), pytest.raises(Timeout):
        FileLock(str(repo.lock_path(ETAG))).acquire(timeout=0.2)
    other = FileLock(str(repo.lock_path(ETAG)))
    other.acquire(timeout=1)
    other.release()


def test_filelock_excludes_hubflow_lock(cache_dir: Path) -> None:
    from huggingface_hub.utils import WeakFileLock

    path = RepoCache(cache_dir, "alice/m1").lock_path(ETAG)
    path.parent.mkdir(parents=True)
    # WeakFileLock is exactly what hf_hub_download holds around a blob download.
    with WeakFileLock(path), pytest.raises(TimeoutError), file_lock(path, timeout=0.2):
        pass
    with file_lock(path, timeout=1):
        pass
    assert path.exists()  # never deleted: all waiters share one inode
