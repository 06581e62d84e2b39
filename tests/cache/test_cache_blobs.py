"""Blob finalisation, snapshot pointers and crash safety."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from hubflow._cache import BlobIntegrityError, CorruptedCacheException, RepoCache, try_to_load_from_cache

COMMIT = "f" * 40
DATA = b"0123456789" * 100
SHA256 = hashlib.sha256(DATA).hexdigest()
SHA1 = "9" * 40  # a regular-file etag: size-checked only


def _leftovers(repo: RepoCache) -> list[str]:
    return sorted(p.name for p in (repo.folder / "blobs").iterdir())


def test_incomplete_paths_are_unique_and_tag_the_cache(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    first, second = repo.new_incomplete_path(SHA256), repo.new_incomplete_path(SHA256)
    assert first != second and first.parent == repo.folder / "blobs"
    etag, unique, suffix = first.name.split(".")
    assert (etag, len(unique), suffix) == (SHA256, 8, "incomplete")
    int(unique, 16)
    assert (cache_dir / "CACHEDIR.TAG").is_file()


def test_finalize_accepts_good_blob_with_directory_mode(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    tmp = repo.new_incomplete_path(SHA256)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT, 0o600)  # like a mkstemp file
    os.write(fd, DATA)
    os.close(fd)
    blob = repo.finalize_blob(tmp, SHA256, expected_size=len(DATA), expected_sha256=SHA256)
    assert blob == repo.blob_path(SHA256) and blob.read_bytes() == DATA
    probe = repo.folder / "blobs" / "probe"
    probe.touch()
    assert stat.S_IMODE(blob.stat().st_mode) == stat.S_IMODE(probe.stat().st_mode)
    probe.unlink()
    assert _leftovers(repo) == [SHA256]


@pytest.mark.parametrize(
    ("size", "sha"),
    [(len(DATA) + 1, None), (len(DATA) - 1, SHA256), (len(DATA), None), (len(DATA), "0" * 64)],
    ids=["too-short", "too-long", "wrong-content", "wrong-streamed-sha"],
)
def test_finalize_refuses_and_deletes(cache_dir: Path, size: int, sha: str | None) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    etag = SHA256 if size != len(DATA) or sha else hashlib.sha256(b"other").hexdigest()
    tmp = repo.new_incomplete_path(etag)
    tmp.write_bytes(DATA)
    with pytest.raises(BlobIntegrityError) as info:
        repo.finalize_blob(tmp, etag, expected_size=size, expected_sha256=sha)
    assert isinstance(info.value, OSError) and isinstance(info.value, CorruptedCacheException)
    assert "Consistency check failed" in str(info.value)
    assert _leftovers(repo) == []
    with pytest.raises(FileNotFoundError):
        repo.link_snapshot(COMMIT, "f.bin", etag)
    assert not repo.snapshot_dir(COMMIT).exists()


def test_regular_etag_is_size_checked_only(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    tmp = repo.new_incomplete_path(SHA1)
    tmp.write_bytes(DATA)
    assert repo.finalize_blob(tmp, SHA1, expected_size=None).read_bytes() == DATA


def test_abandoned_incomplete_file_is_never_cached(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    repo.write_ref("main", COMMIT)
    tmp = repo.new_incomplete_path(SHA256)
    tmp.write_bytes(DATA[:10])  # the process died here
    assert not repo.has_blob(SHA256)
    assert repo.cached_file("main", "f.bin") is None
    assert try_to_load_from_cache("alice/m1", "f.bin", cache_dir=cache_dir) is None
    with pytest.raises(FileNotFoundError):
        repo.link_snapshot(COMMIT, "f.bin", SHA256)
    # A later download completes independently of the leftover.
    tmp2 = repo.new_incomplete_path(SHA256)
    tmp2.write_bytes(DATA)
    repo.finalize_blob(tmp2, SHA256, expected_size=len(DATA))
    repo.link_snapshot(COMMIT, "f.bin", SHA256)
    cached = repo.cached_file("main", "f.bin")
    assert cached is not None and cached.read_bytes() == DATA


def test_dangling_pointer_is_not_cached(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    tmp = repo.new_incomplete_path(SHA256)
    tmp.write_bytes(DATA)
    repo.finalize_blob(tmp, SHA256, expected_size=len(DATA))
    repo.link_snapshot(COMMIT, "f.bin", SHA256)
    repo.blob_path(SHA256).unlink()  # e.g. a manual cleanup removed the blob
    assert repo.cached_file(COMMIT, "f.bin") is None
    assert try_to_load_from_cache("alice/m1", "f.bin", cache_dir=cache_dir, revision=COMMIT) is None


def test_link_snapshot_is_idempotent_and_replaces_stale_pointer(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    for etag, data in ((SHA256, DATA), (SHA1, b"old")):
        tmp = repo.new_incomplete_path(etag)
        tmp.write_bytes(data)
        repo.finalize_blob(tmp, etag, expected_size=len(data))
    pointer = repo.link_snapshot(COMMIT, "a/b/f.bin", SHA1)
    assert os.readlink(pointer) == f"../../../../blobs/{SHA1}"
    assert repo.link_snapshot(COMMIT, "a/b/f.bin", SHA1) == pointer
    repo.link_snapshot(COMMIT, "a/b/f.bin", SHA256)
    assert pointer.read_bytes() == DATA
    assert sorted(p.name for p in pointer.parent.iterdir()) == ["f.bin"]


def test_copy_fallback_when_symlinks_disabled(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_DISABLE_SYMLINKS", "1")
    repo = RepoCache(cache_dir, "alice/m1")
    tmp = repo.new_incomplete_path(SHA256)
    tmp.write_bytes(DATA)
    repo.finalize_blob(tmp, SHA256, expected_size=len(DATA))
    copied = repo.link_snapshot(COMMIT, "copy.bin", SHA256)
    assert not copied.is_symlink() and copied.read_bytes() == DATA and repo.has_blob(SHA256)
    moved = repo.link_snapshot(COMMIT, "moved.bin", SHA256, new_blob=True)
    assert not moved.is_symlink() and moved.read_bytes() == DATA and not repo.has_blob(SHA256)
    assert repo.cached_file(COMMIT, "copy.bin") == copied


def test_crash_before_rename_leaves_nothing_at_final_paths(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: the atomic rename fails (disk full, kill) at every final path."""
    repo = RepoCache(cache_dir, "alice/m1")
    tmp = repo.new_incomplete_path(SHA256)
    tmp.write_bytes(DATA)

    def boom(src: object, dst: object) -> None:
        raise OSError("injected failure")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="injected"):
        repo.finalize_blob(tmp, SHA256, expected_size=len(DATA))
    with pytest.raises(OSError, match="injected"):
        repo.write_ref("main", COMMIT)
    with pytest.raises(OSError, match="injected"):
        repo.mark_no_exist(COMMIT, "x.txt")
    monkeypatch.undo()
    assert _leftovers(repo) == []  # neither the blob nor the temp file
    assert repo.read_ref("main") is None and list((repo.folder / "refs").iterdir()) == []
    assert not repo.is_no_exist(COMMIT, "x.txt")
    assert list((repo.folder / ".no_exist" / COMMIT).iterdir()) == []


def test_concurrent_downloads_of_one_blob_converge(cache_dir: Path) -> None:
    import threading

    repo = RepoCache(cache_dir, "alice/m1")
    errors: list[BaseException] = []

    def download(i: int) -> None:
        try:
            tmp = repo.new_incomplete_path(SHA256)  # no lock: a lock ignored by the filesystem
            tmp.write_bytes(DATA)
            repo.finalize_blob(tmp, SHA256, expected_size=len(DATA))
            repo.link_snapshot(COMMIT, "f.bin", SHA256)
            repo.write_ref("main", COMMIT)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=download, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert _leftovers(repo) == [SHA256]
    cached = repo.cached_file("main", "f.bin")
    assert cached is not None and cached.read_bytes() == DATA
    assert sorted(p.name for p in repo.snapshot_dir(COMMIT).iterdir()) == ["f.bin"]
