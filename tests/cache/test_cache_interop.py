"""Interop without a server: huggingface_hub reads hubflow's cache and hubflow reads the official one."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from hubflow._cache import CACHED_NO_EXIST, RepoCache, TreeEntry, try_to_load_from_cache

COMMIT = "a1" * 20
PR_COMMIT = "b2" * 20
README = b"# model card\n"
WEIGHTS = os.urandom(4096)


def _git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _store(repo: RepoCache, data: bytes, etag: str) -> None:
    tmp = repo.new_incomplete_path(etag)
    tmp.write_bytes(data)
    repo.finalize_blob(tmp, etag, expected_size=len(data))


@pytest.fixture
def hubflow_cache(cache_dir: Path) -> RepoCache:
    """A cache entry written only with hubflow: main and refs/pr/1, a no-exist marker, a tree."""
    repo = RepoCache(cache_dir, "alice/m1")
    readme_etag, weights_etag = _git_sha1(README), hashlib.sha256(WEIGHTS).hexdigest()
    _store(repo, README, readme_etag)
    _store(repo, WEIGHTS, weights_etag)
    repo.link_snapshot(COMMIT, "README.md", readme_etag)
    repo.link_snapshot(COMMIT, "sub/dir/model.bin", weights_etag)
    repo.link_snapshot(PR_COMMIT, "README.md", readme_etag)
    repo.write_ref("main", COMMIT)
    repo.write_ref("refs/pr/1", PR_COMMIT)
    repo.mark_no_exist(COMMIT, "missing.json")
    repo.write_tree(
        COMMIT,
        {
            "README.md": TreeEntry(size=len(README), blob_id=readme_etag),
            "sub/dir/model.bin": TreeEntry(
                size=len(WEIGHTS), blob_id="c" * 40, lfs_sha256=weights_etag, lfs_size=len(WEIGHTS)
            ),
        },
    )
    return repo


def test_official_try_to_load_from_cache_reads_hubflow(hubflow_cache: RepoCache, cache_dir: Path) -> None:
    from huggingface_hub import try_to_load_from_cache as official
    from huggingface_hub.file_download import _CACHED_NO_EXIST

    weights = official("alice/m1", "sub/dir/model.bin", cache_dir=cache_dir)
    assert isinstance(weights, str) and Path(weights).read_bytes() == WEIGHTS
    assert official("alice/m1", "missing.json", cache_dir=cache_dir) is _CACHED_NO_EXIST
    pr_readme = official("alice/m1", "README.md", cache_dir=cache_dir, revision="refs/pr/1")
    assert isinstance(pr_readme, str) and PR_COMMIT in pr_readme and Path(pr_readme).read_bytes() == README
    assert official("alice/m1", "sub/dir/model.bin", cache_dir=cache_dir, revision="refs/pr/1") is None
    # Our own lookup agrees path for path.
    for revision in ("main", "refs/pr/1", COMMIT):
        for name in ("README.md", "sub/dir/model.bin", "missing.json"):
            ours = try_to_load_from_cache("alice/m1", name, cache_dir=cache_dir, revision=revision)
            theirs = official("alice/m1", name, cache_dir=cache_dir, revision=revision)
            assert (ours is CACHED_NO_EXIST) == (theirs is _CACHED_NO_EXIST)
            if ours is not CACHED_NO_EXIST:
                assert ours == theirs


def test_official_hf_hub_download_offline_reads_hubflow(hubflow_cache: RepoCache, cache_dir: Path) -> None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    path = hf_hub_download("alice/m1", "sub/dir/model.bin", cache_dir=cache_dir, local_files_only=True)
    assert Path(path).read_bytes() == WEIGHTS
    assert os.readlink(path) == os.path.join(
        "..", "..", "..", "..", "blobs", hashlib.sha256(WEIGHTS).hexdigest()
    )
    pr = hf_hub_download(
        "alice/m1", "README.md", cache_dir=cache_dir, revision="refs/pr/1", local_files_only=True
    )
    assert Path(pr).read_bytes() == README
    by_sha = hf_hub_download(
        "alice/m1", "README.md", cache_dir=cache_dir, revision=COMMIT, local_files_only=True
    )
    assert by_sha == str(hubflow_cache.snapshot_path(COMMIT, "README.md"))
    with pytest.raises(LocalEntryNotFoundError):
        hf_hub_download("alice/m1", "missing.json", cache_dir=cache_dir, local_files_only=True)


def test_official_scan_cache_dir_sees_exactly_hubflow_entry(
    hubflow_cache: RepoCache, cache_dir: Path
) -> None:
    from huggingface_hub import scan_cache_dir

    info = scan_cache_dir(cache_dir)
    assert info.warnings == []
    (repo,) = info.repos
    assert (repo.repo_id, repo.repo_type, repo.nb_files) == ("alice/m1", "model", 2)
    assert repo.size_on_disk == len(README) + len(WEIGHTS)
    assert set(repo.refs) == {"main", "refs/pr/1"}
    revisions = {r.commit_hash: r for r in repo.revisions}
    assert set(revisions) == {COMMIT, PR_COMMIT}
    assert revisions[COMMIT].refs == {"main"} and revisions[PR_COMMIT].refs == {"refs/pr/1"}
    assert {f.file_name for f in revisions[COMMIT].files} == {"README.md", "model.bin"}
    assert (cache_dir / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_official_tree_cache_reads_hubflow_tree(hubflow_cache: RepoCache) -> None:
    from huggingface_hub._tree_cache import read_tree_cache

    entries = read_tree_cache(str(hubflow_cache.folder), COMMIT)
    assert entries is not None and set(entries) == {"README.md", "sub/dir/model.bin"}
    assert entries["sub/dir/model.bin"].lfs_sha256 == hashlib.sha256(WEIGHTS).hexdigest()
    assert entries["sub/dir/model.bin"].lfs_size == len(WEIGHTS)
    assert entries["README.md"].lfs_sha256 is None and entries["README.md"].size == len(README)


def test_hubflow_reads_official_cache(cache_dir: Path) -> None:
    """Build an entry with huggingface_hub's own internal helpers, read it back with hubflow."""
    from huggingface_hub._tree_cache import TreeCacheEntry, write_tree_cache
    from huggingface_hub.file_download import (
        _cache_commit_hash_for_specific_revision,
        _chmod_and_move,
        _create_symlink,
        repo_folder_name,
    )

    storage = cache_dir / repo_folder_name(repo_id="acme/data", repo_type="dataset")
    etag = hashlib.sha256(WEIGHTS).hexdigest()
    (storage / "blobs").mkdir(parents=True)
    incomplete = storage / "blobs" / f"{etag}.0badc0de.incomplete"
    incomplete.write_bytes(WEIGHTS)
    _chmod_and_move(incomplete, storage / "blobs" / etag)
    pointer = storage / "snapshots" / COMMIT / "data" / "train.bin"
    pointer.parent.mkdir(parents=True)
    _create_symlink(str(storage / "blobs" / etag), str(pointer), new_blob=True)
    _cache_commit_hash_for_specific_revision(str(storage), "refs/pr/1", COMMIT)
    _cache_commit_hash_for_specific_revision(str(storage), "main", COMMIT)
    no_exist = storage / ".no_exist" / COMMIT / "gone.txt"
    no_exist.parent.mkdir(parents=True)
    no_exist.touch()
    write_tree_cache(
        str(storage),
        COMMIT,
        {
            "data/train.bin": TreeCacheEntry(
                size=len(WEIGHTS), blob_id="d" * 40, lfs_sha256=etag, lfs_size=len(WEIGHTS)
            )
        },
    )

    repo = RepoCache(cache_dir, "acme/data", "dataset")
    assert repo.folder == storage
    assert repo.read_ref("refs/pr/1") == COMMIT and repo.read_ref("main") == COMMIT
    assert repo.has_blob(etag)
    for revision in ("main", "refs/pr/1", COMMIT):
        assert repo.cached_file(revision, "data/train.bin") == pointer
        found = try_to_load_from_cache(
            "acme/data", "data/train.bin", cache_dir=cache_dir, revision=revision, repo_type="dataset"
        )
        assert found == str(pointer)
    assert repo.is_no_exist(COMMIT, "gone.txt")
    assert (
        try_to_load_from_cache("acme/data", "gone.txt", cache_dir=cache_dir, repo_type="dataset")
        is CACHED_NO_EXIST
    )
    tree = repo.read_tree(COMMIT)
    assert tree == {
        "data/train.bin": TreeEntry(
            size=len(WEIGHTS), blob_id="d" * 40, lfs_sha256=etag, lfs_size=len(WEIGHTS)
        )
    }
    # Linking another revision onto the official blob yields the same relative symlink the client makes.
    ours = repo.link_snapshot(PR_COMMIT, "data/train.bin", etag)
    assert os.readlink(ours) == os.readlink(pointer)
