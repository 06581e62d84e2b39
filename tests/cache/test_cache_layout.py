"""Layout rules: cache root from the environment, folder names, path safety, refs, markers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hubflow._cache import (
    CACHED_NO_EXIST,
    RepoCache,
    default_cache_dir,
    repo_folder_name,
    try_to_load_from_cache,
    validate_relative_path,
)

SHA = "1" * 40
SHA2 = "2" * 40


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return monkeypatch


def test_default_cache_dir_follows_env_at_call_time(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "huggingface" / "hub"
    clean_env.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "huggingface" / "hub"
    clean_env.setenv("HF_HOME", str(tmp_path / "hfhome"))
    assert default_cache_dir() == tmp_path / "hfhome" / "hub"
    clean_env.setenv("HUGGINGFACE_HUB_CACHE", str(tmp_path / "legacy"))
    assert default_cache_dir() == tmp_path / "legacy"
    clean_env.setenv("HF_HUB_CACHE", "~/new")
    assert default_cache_dir() == tmp_path / "home" / "new"


def test_repo_folder_name_matches_official() -> None:
    from huggingface_hub.file_download import repo_folder_name as official

    for repo_id, repo_type in [("alice/m1", "model"), ("squad", "dataset"), ("acme/s-p", "space")]:
        assert repo_folder_name(repo_id, repo_type) == official(repo_id=repo_id, repo_type=repo_type)
    assert repo_folder_name("alice/m1", None) == "models--alice--m1"
    with pytest.raises(ValueError):
        repo_folder_name("alice/m1", "bucket")


@pytest.mark.parametrize(
    "bad", ["../x", "a/../../b", "/etc/passwd", "C:\\x", "\\\\host\\share", "a\\..\\b", ""]
)
def test_unsafe_paths_are_rejected(bad: str, cache_dir: Path) -> None:
    with pytest.raises(ValueError):
        validate_relative_path(bad)
    with pytest.raises(ValueError):
        RepoCache(cache_dir, "alice/m1").snapshot_path(SHA, bad)


def test_header_values_cannot_escape_the_repo_folder(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    for bad in ["../x", "a/b", "..", ""]:
        with pytest.raises(ValueError):
            repo.blob_path(bad)
        with pytest.raises(ValueError):
            repo.snapshot_dir(bad)
    with pytest.raises(ValueError):
        repo.write_ref("../../evil", SHA)


def test_refs_nest_and_are_written_only_when_needed(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1", "dataset")
    repo.write_ref("refs/pr/1", SHA)
    assert (repo.folder / "refs" / "refs" / "pr" / "1").read_bytes() == SHA.encode()  # no newline
    assert repo.read_ref("refs/pr/1") == SHA
    assert repo.read_ref("main") is None
    repo.write_ref(SHA, SHA)  # a sha names itself: no ref file
    assert not (repo.folder / "refs" / SHA).exists()
    mtime = (repo.folder / "refs" / "refs" / "pr" / "1").stat().st_mtime_ns
    os.chmod(repo.folder / "refs" / "refs" / "pr", 0o555)  # read-only cache, already up to date
    try:
        repo.write_ref("refs/pr/1", SHA)
    finally:
        os.chmod(repo.folder / "refs" / "refs" / "pr", 0o755)
    assert (repo.folder / "refs" / "refs" / "pr" / "1").stat().st_mtime_ns == mtime
    repo.write_ref("refs/pr/1", SHA2)
    assert repo.read_ref("refs/pr/1") == SHA2
    assert repo.resolve("refs/pr/1") == SHA2 and repo.resolve(SHA) == SHA and repo.resolve("v1") is None
    # no temp files left next to the ref
    assert sorted(p.name for p in (repo.folder / "refs" / "refs" / "pr").iterdir()) == ["1"]


def test_no_exist_markers(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    assert not repo.is_no_exist(SHA, "dir/missing.txt")
    repo.mark_no_exist(SHA, "dir/missing.txt")
    assert repo.is_no_exist(SHA, "dir/missing.txt")
    assert (repo.folder / ".no_exist" / SHA / "dir" / "missing.txt").read_bytes() == b""
    assert not repo.is_no_exist(SHA2, "dir/missing.txt")
    repo.write_ref("main", SHA)
    assert try_to_load_from_cache("alice/m1", "dir/missing.txt", cache_dir=cache_dir) is CACHED_NO_EXIST


def test_try_to_load_from_cache_never_falls_back(cache_dir: Path) -> None:
    repo = RepoCache(cache_dir, "alice/m1")
    assert try_to_load_from_cache("alice/m1", "a.txt", cache_dir=cache_dir) is None  # no repo folder
    tmp = repo.new_incomplete_path("e" * 40)
    tmp.write_bytes(b"abc")
    repo.finalize_blob(tmp, "e" * 40, expected_size=3)
    repo.link_snapshot(SHA, "a.txt", "e" * 40)
    repo.write_ref("main", SHA)
    found = try_to_load_from_cache("alice/m1", "a.txt", cache_dir=cache_dir)
    assert found == str(repo.snapshot_path(SHA, "a.txt"))
    assert try_to_load_from_cache("alice/m1", "a.txt", cache_dir=cache_dir, revision=SHA) == found
    assert try_to_load_from_cache("alice/m1", "a.txt", cache_dir=cache_dir, revision=SHA2) is None
    assert try_to_load_from_cache("alice/m1", "a.txt", cache_dir=cache_dir, revision="dev") is None
    assert try_to_load_from_cache("alice/m1", "b.txt", cache_dir=cache_dir) is None
    assert try_to_load_from_cache("alice/m1", "a.txt", cache_dir=cache_dir, repo_type="dataset") is None
    with pytest.raises(ValueError):
        try_to_load_from_cache("alice/m1", "a.txt", cache_dir=cache_dir, repo_type="bucket")
    with pytest.raises(ValueError):
        try_to_load_from_cache("alice/m1", "../a.txt", cache_dir=cache_dir)


def test_try_to_load_from_cache_uses_default_cache_dir(
    monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(cache_dir))
    repo = RepoCache(None, "alice/m1")
    assert repo.cache_dir == cache_dir
    repo.mark_no_exist(SHA, "x")
    assert try_to_load_from_cache("alice/m1", "x", revision=SHA) is CACHED_NO_EXIST
