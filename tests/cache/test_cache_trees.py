"""`trees/<sha>.json`: format, validity rule and sharing with huggingface_hub's tree cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubflow._cache import RepoCache, TreeEntry, huggingface_dir, read_tree, write_tree
from hubflow.errors import HFValidationError

COMMIT = "d" * 40
ENTRIES = {
    "b.txt": TreeEntry(size=2, blob_id="1" * 40),
    "a/model.bin": TreeEntry(size=9, blob_id="2" * 40, lfs_sha256="3" * 64, lfs_size=9, xet_hash="4" * 64),
}


def test_tree_file_format(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    assert repo.write_tree(COMMIT, ENTRIES)
    raw = json.loads((repo.folder / "trees" / f"{COMMIT}.json").read_text())
    assert raw == {
        "format_version": 1,
        "files": {
            "a/model.bin": {
                "size": 9,
                "blob_id": "2" * 40,
                "lfs_sha256": "3" * 64,
                "lfs_size": 9,
                "xet_hash": "4" * 64,
            },
            "b.txt": {"size": 2, "blob_id": "1" * 40},
        },
    }
    assert list(raw["files"]) == ["a/model.bin", "b.txt"]  # sorted like upstream
    assert repo.read_tree(COMMIT) == ENTRIES
    assert repo.read_tree("e" * 40) is None


def test_invalid_xet_hash_is_not_written(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    bad = {"f": TreeEntry(size=1, blob_id="1" * 40, xet_hash="not-a-hash")}
    assert not repo.write_tree(COMMIT, bad)
    assert not (repo.folder / "trees").exists()


def test_unknown_version_or_garbage_reads_as_missing(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    path = repo.folder / "trees" / f"{COMMIT}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format_version": 2, "files": {}}))
    assert repo.read_tree(COMMIT) is None
    path.write_text("{not json")
    assert repo.read_tree(COMMIT) is None
    path.write_text(json.dumps({"format_version": 1, "files": {"f": {"size": "x"}}}))
    assert repo.read_tree(COMMIT) is None


def test_local_dir_trees_are_shared_both_ways(tmp_path: Path) -> None:
    from huggingface_hub._tree_cache import (
        TreeCacheEntry,
        read_tree_cache,
        tree_cache_folder_for_local_dir,
        write_tree_cache,
    )

    folder = huggingface_dir(tmp_path)
    assert str(folder) == tree_cache_folder_for_local_dir(str(tmp_path))
    assert write_tree(folder, COMMIT, ENTRIES)
    theirs = read_tree_cache(str(folder), COMMIT)
    assert theirs is not None and theirs["a/model.bin"].xet_hash == "4" * 64
    other = "f" * 40
    write_tree_cache(str(folder), other, {"x": TreeCacheEntry(size=1, blob_id="5" * 40)})
    assert read_tree(folder, other) == {"x": TreeEntry(size=1, blob_id="5" * 40)}


def test_bad_commit_is_a_validation_error(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    with pytest.raises(HFValidationError) as info:
        repo.read_tree("../x")
    assert isinstance(info.value, ValueError)  # upstream raises a plain ValueError here
