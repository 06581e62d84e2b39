"""Files, commits, history and downloads through the official client against ``hubflow serve``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from huggingface_hub import (
    CommitOperationAdd,
    CommitOperationCopy,
    CommitOperationDelete,
    HfApi,
    hf_hub_download,
    snapshot_download,
)
from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, RevisionNotFoundError
from huggingface_hub.hf_api import RepoFile, RepoFolder

from hubflow.testing import HubProcess


@pytest.fixture
def api(hub: HubProcess, token: str) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "sub" / "deep").mkdir(parents=True)
    (src / "README.md").write_text("---\nlicense: mit\n---\n# demo\n")
    (src / "config.json").write_text('{"a": 1}')
    (src / "sub" / "a.txt").write_text("aaa")
    (src / "sub" / "deep" / "b.txt").write_text("bbb")
    (src / "weights.bin").write_bytes(os.urandom(3000))
    (src / "skip.log").write_text("log")
    return src


def test_upload_folder_patterns_and_downloads(
    api: HfApi, hub: HubProcess, token: str, repo_factory: Callable[..., str], folder: Path, tmp_path: Path
) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    info = api.upload_folder(repo_id=repo_id, folder_path=folder, ignore_patterns=["*.log"])
    assert len(info.oid) == 40
    files = api.list_repo_files(repo_id)
    assert files == [".gitattributes", "README.md", "config.json", "sub/a.txt", "sub/deep/b.txt", "weights.bin"]
    # LFS by .gitattributes: the tree reports the sha256 and the real size
    weights = next(f for f in api.list_repo_tree(repo_id) if f.path == "weights.bin")
    assert isinstance(weights, RepoFile) and weights.lfs is not None and weights.size == 3000

    cached = hf_hub_download(repo_id, "weights.bin", endpoint=hub.endpoint, token=token, cache_dir=tmp_path / "c")
    assert Path(cached).read_bytes() == (folder / "weights.bin").read_bytes()
    local = hf_hub_download(repo_id, "sub/a.txt", endpoint=hub.endpoint, token=token, local_dir=tmp_path / "ld")
    assert Path(local).read_text() == "aaa"

    snap = snapshot_download(repo_id, endpoint=hub.endpoint, token=token, cache_dir=tmp_path / "s",
                             allow_patterns=["sub/*", "*.json"])
    got = sorted(str(p.relative_to(snap)) for p in Path(snap).rglob("*") if p.is_file())
    assert got == ["config.json", "sub/a.txt", "sub/deep/b.txt"]

    # delete_patterns removes remote files not in the new upload; .gitattributes survives
    (folder / "config.json").unlink()
    api.upload_folder(repo_id=repo_id, folder_path=folder, allow_patterns=["sub/*"], delete_patterns=["*.json"])
    assert "config.json" not in api.list_repo_files(repo_id)
    assert ".gitattributes" in api.list_repo_files(repo_id)


def test_create_commit_add_delete_copy(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    api.create_commit(repo_id, operations=[
        CommitOperationAdd("a.txt", b"hello"), CommitOperationAdd("m.safetensors", b"\x00binary" * 10),
        CommitOperationAdd("dir/x.txt", b"x"),
    ], commit_message="add")
    api.create_commit(repo_id, operations=[
        CommitOperationCopy("a.txt", "copy.txt"), CommitOperationCopy("m.safetensors", "copy.safetensors"),
        CommitOperationDelete("dir/"),
    ], commit_message="copy and delete")
    assert api.list_repo_files(repo_id) == [".gitattributes", "a.txt", "copy.safetensors", "copy.txt", "m.safetensors"]
    infos = {i.path: i for i in api.get_paths_info(repo_id, ["copy.safetensors", "m.safetensors", "missing"])}
    assert set(infos) == {"copy.safetensors", "m.safetensors"}
    assert infos["copy.safetensors"].lfs.sha256 == infos["m.safetensors"].lfs.sha256  # type: ignore[union-attr]
    api.delete_file("a.txt", repo_id)
    with pytest.raises(EntryNotFoundError):
        api.delete_file("a.txt", repo_id)
    assert not api.file_exists(repo_id, "a.txt") and api.file_exists(repo_id, "copy.txt")


def test_parent_commit_mismatch_is_refused(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    first = api.model_info(repo_id).sha
    api.upload_file(path_or_fileobj=b"1", path_in_repo="one.txt", repo_id=repo_id)
    with pytest.raises(HfHubHTTPError) as err:
        api.create_commit(repo_id, operations=[CommitOperationAdd("two.txt", b"2")], commit_message="m",
                          parent_commit=first)
    assert err.value.response.status_code == 412
    assert "two.txt" not in api.list_repo_files(repo_id)


def test_tree_commits_refs_branches_tags(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    api.upload_file(path_or_fileobj=b"v1", path_in_repo="sub/dir/f.txt", repo_id=repo_id, commit_message="first")
    api.upload_file(path_or_fileobj=b"g", path_in_repo="g.txt", repo_id=repo_id, commit_message="second")
    tree = list(api.list_repo_tree(repo_id, path_in_repo="sub", recursive=True, expand=True))
    assert [(type(t).__name__, t.path) for t in tree] == [("RepoFolder", "sub/dir"), ("RepoFile", "sub/dir/f.txt")]
    assert tree[1].last_commit is not None and tree[1].last_commit.title == "first"  # type: ignore[union-attr]
    assert isinstance(tree[0], RepoFolder)
    with pytest.raises(EntryNotFoundError):
        list(api.list_repo_tree(repo_id, path_in_repo="nope"))
    with pytest.raises(RevisionNotFoundError):
        list(api.list_repo_tree(repo_id, revision="nope"))

    commits = api.list_repo_commits(repo_id, formatted=True)
    assert [c.title for c in commits] == ["second", "first", "initial commit"]
    assert commits[0].authors == ["alice"]

    api.create_branch(repo_id, branch="dev", revision=commits[1].commit_id)
    api.create_branch(repo_id, branch="dev", exist_ok=True)
    api.create_tag(repo_id, tag="v1.0", revision="dev", tag_message="release")
    refs = api.list_repo_refs(repo_id)
    assert {b.name: b.target_commit for b in refs.branches}["dev"] == commits[1].commit_id
    assert [(t.name, t.target_commit) for t in refs.tags] == [("v1.0", commits[1].commit_id)]
    assert api.list_repo_files(repo_id, revision="v1.0") == [".gitattributes", "sub/dir/f.txt"]
    api.delete_tag(repo_id, tag="v1.0")
    api.delete_branch(repo_id, branch="dev")
    refs = api.list_repo_refs(repo_id)
    assert [b.name for b in refs.branches] == ["main"] and refs.tags == []

    api.super_squash_history(repo_id, commit_message="squashed")
    assert [c.title for c in api.list_repo_commits(repo_id)] == ["squashed"]
    assert api.list_repo_files(repo_id) == [".gitattributes", "g.txt", "sub/dir/f.txt"]


def test_pull_request_create_and_merge(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    info = api.create_commit(repo_id, operations=[CommitOperationAdd("pr.txt", b"pr")], commit_message="PR",
                             create_pr=True)
    assert info.pr_num == 1 and info.pr_revision == "refs/pr/1"
    assert "pr.txt" not in api.list_repo_files(repo_id)
    assert api.list_repo_files(repo_id, revision="refs/pr/1") == [".gitattributes", "pr.txt"]
    refs = api.list_repo_refs(repo_id, include_pull_requests=True)
    assert [p.ref for p in refs.pull_requests or []] == ["refs/pr/1"]
    api.upload_file(path_or_fileobj=b"m", path_in_repo="main.txt", repo_id=repo_id)  # main moves: a real merge
    api.merge_pull_request(repo_id, 1)
    details = api.get_discussion_details(repo_id, 1)
    assert details.status == "merged" and details.merge_commit_oid
    assert api.list_repo_files(repo_id) == [".gitattributes", "main.txt", "pr.txt"]
    assert api.model_info(repo_id).sha == details.merge_commit_oid


def test_model_info_files_metadata_and_listing(api: HfApi, hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory("listed")
    api.create_repo(repo_id)
    api.upload_file(path_or_fileobj=b"\x00" * 100, path_in_repo="w.bin", repo_id=repo_id)
    info = api.model_info(repo_id, files_metadata=True)
    w = next(s for s in info.siblings or [] if s.rfilename == "w.bin")
    assert w.size == 100 and w.lfs is not None and w.lfs.size == 100 and w.blob_id
    ids = [m.id for m in api.list_models(author="alice", limit=100000)]
    assert repo_id in ids
    assert all(m.author == "alice" for m in api.list_models(author="alice"))
    assert [m.id for m in api.list_models(search=repo_id.split("/")[1])] == [repo_id]


def test_settings_move_delete(api: HfApi, hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    api.update_repo_settings(repo_id, private=True, gated="manual")
    info = api.model_info(repo_id)
    assert info.private is True and info.gated == "manual"
    target = repo_factory("moved", namespace="acme")
    api.move_repo(repo_id, target)
    assert not api.repo_exists(repo_id) and api.repo_exists(target)
    api.delete_repo(target)
    assert not api.repo_exists(target)
    api.delete_repo(target, missing_ok=True)


def test_lfs_files_list_and_permanent_delete(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    api.upload_file(path_or_fileobj=b"\x01" * 64, path_in_repo="x.bin", repo_id=repo_id)
    files = list(api.list_lfs_files(repo_id))
    assert [(f.filename, f.size) for f in files] == [("x.bin", 64)]
    api.permanently_delete_lfs_files(repo_id, files)
    assert list(api.list_lfs_files(repo_id)) == []


def test_big_file_single_part_lfs(api: HfApi, hub: HubProcess, token: str, repo_factory: Callable[..., str],
                                  tmp_path: Path) -> None:
    repo_id = repo_factory()
    api.create_repo(repo_id)
    big = tmp_path / "big.txt"
    big.write_bytes(b"0123456789abcdef" * (11 * 1024 * 1024 // 16))  # text, but > 10 MB → LFS
    api.upload_file(path_or_fileobj=big, path_in_repo="big.txt", repo_id=repo_id)
    entry = api.get_paths_info(repo_id, ["big.txt"])[0]
    assert isinstance(entry, RepoFile) and entry.lfs is not None and entry.size == big.stat().st_size
    out = hf_hub_download(repo_id, "big.txt", endpoint=hub.endpoint, token=token, cache_dir=tmp_path / "c")
    assert Path(out).stat().st_size == big.stat().st_size


def test_multipart_upload(tmp_path: Path, repo_factory: Callable[..., str], token: str) -> None:
    with HubProcess(tmp_path / "mp", args=["--multipart-threshold", "1000", "--multipart-chunk-size", "1024"]) as proc:
        api = HfApi(endpoint=proc.endpoint, token=token)
        repo_id = repo_factory()
        api.create_repo(repo_id)
        data = os.urandom(5000)  # 5 parts of 1024 bytes
        api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=repo_id)
        out = hf_hub_download(repo_id, "w.bin", endpoint=proc.endpoint, token=token, cache_dir=tmp_path / "c")
        assert Path(out).read_bytes() == data


def test_readme_card_validated_and_indexed(api: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory("carded")
    api.create_repo(repo_id)
    with pytest.raises(ValueError, match="Invalid metadata"):
        api.upload_file(path_or_fileobj=b"---\nlicense: [oops\n---\n", path_in_repo="README.md", repo_id=repo_id)
    assert "README.md" not in api.list_repo_files(repo_id)
    api.upload_file(path_or_fileobj=b"---\nlicense: mit\ntags: [hubflow-test]\n---\n# M\n", path_in_repo="README.md",
                    repo_id=repo_id)
    info = api.model_info(repo_id)
    assert info.card_data is not None and info.card_data["license"] == "mit"
    assert "license:mit" in (info.tags or [])
    assert [m.id for m in api.list_models(author="alice", filter="hubflow-test")] == [repo_id]
