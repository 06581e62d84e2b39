"""upload_folder: patterns, path_in_repo, skipped dirs, symlinks, deletions, no-op reruns, multi-commit splits."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import huggingface_hub
import pytest

from hubflow import FileChangedError, HfApi, NodeFinished, NodeStarted
from hubflow.pipelines import (
    MAX_FILES_PER_COMMIT,
    filter_paths,
    list_local_files,
    matching_deletions,
    split_into_commits,
)
from hubflow.tasks import FileToUpload, Source
from hubflow.testing import HubProcess


@pytest.fixture
def api(hub: HubProcess, token: str) -> Iterator[HfApi]:
    with HfApi(endpoint=hub.endpoint, token=token) as client:
        yield client


@pytest.fixture
def official(hub: HubProcess, token: str) -> huggingface_hub.HfApi:
    return huggingface_hub.HfApi(endpoint=hub.endpoint, token=token)


@pytest.fixture
def repo(api: HfApi, repo_factory: Callable[..., str]) -> str:
    repo_id = repo_factory("folder")
    api.create_repo(repo_id)
    return repo_id


def _files(official: huggingface_hub.HfApi, repo_id: str, revision: str | None = None) -> set[str]:
    return set(official.list_repo_files(repo_id, revision=revision))


def _make(root: Path, files: dict[str, bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def test_patterns_prefix_and_skipped_dirs(api: HfApi, official: huggingface_hub.HfApi, repo: str, tmp_path: Path) -> None:
    folder = _make(tmp_path / "src", {
        "a.txt": b"a", "b.json": b"{}", "logs/x.log": b"l", "sub/c.txt": b"c", "sub/deep/d.txt": b"d",
        ".git/config": b"git", "sub/.git/HEAD": b"x", ".cache/huggingface/meta": b"m", "sub/.cache/x.txt": b"x",
    })
    info = api.upload_folder(repo_id=repo, folder_path=folder, path_in_repo="up", allow_patterns=["*.txt", "sub/"],
                             ignore_patterns="sub/deep/")
    assert info.commit_message == "Upload folder using huggingface_hub"
    assert _files(official, repo) == {".gitattributes", "up/a.txt", "up/sub/c.txt"}


def test_symlinks_inside_followed_outside_skipped(
    api: HfApi, official: huggingface_hub.HfApi, hub: HubProcess, repo: str, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"do not upload")
    folder = _make(tmp_path / "src", {"real.txt": b"real content", "dir/x.txt": b"x"})
    os.symlink(folder / "real.txt", folder / "link.txt")
    os.symlink(outside, folder / "escape.txt")
    os.symlink(folder / "dir", folder / "dirlink")
    os.symlink(tmp_path / "missing", folder / "broken.txt")
    api.upload_folder(repo_id=repo, folder_path=folder)
    assert _files(official, repo) == {".gitattributes", "real.txt", "link.txt", "dir/x.txt"}
    path = huggingface_hub.hf_hub_download(repo, "link.txt", endpoint=hub.endpoint, token="hf_alice_write")
    assert Path(path).read_bytes() == b"real content"


def test_delete_patterns_keep_gitattributes_and_added(
    api: HfApi, official: huggingface_hub.HfApi, repo: str, tmp_path: Path
) -> None:
    seed = _make(tmp_path / "seed", {"keep.md": b"k", "data/old.txt": b"o", "data/new.txt": b"n0", "data/x.bin": b"b"})
    api.upload_folder(repo_id=repo, folder_path=seed)
    folder = _make(tmp_path / "src", {"new.txt": b"n1"})
    api.upload_folder(repo_id=repo, folder_path=folder, path_in_repo="data", delete_patterns=["*.txt", ".gitattributes"])
    assert _files(official, repo) == {".gitattributes", "keep.md", "data/new.txt", "data/x.bin"}
    api.delete_files(repo, ["*"])
    assert _files(official, repo) == {".gitattributes"}


def test_second_upload_makes_no_commit(api: HfApi, official: huggingface_hub.HfApi, repo: str, tmp_path: Path) -> None:
    folder = _make(tmp_path / "src", {"a.txt": b"a", "w.bin": b"\0" * 2048, "empty": b""})
    first = api.upload_folder(repo_id=repo, folder_path=folder)
    commits = len(official.list_repo_commits(repo))
    second = api.upload_folder(repo_id=repo, folder_path=folder)
    assert second.oid == first.oid
    assert len(official.list_repo_commits(repo)) == commits
    (folder / "a.txt").write_bytes(b"changed")
    third = api.upload_folder(repo_id=repo, folder_path=folder)
    assert third.oid != first.oid
    assert len(official.list_repo_commits(repo)) == commits + 1


def test_large_folder_is_one_commit_by_default(
    api: HfApi, official: huggingface_hub.HfApi, repo: str, tmp_path: Path
) -> None:
    # Atomic like huggingface_hub's: more files than MAX_FILES_PER_COMMIT still land in one commit.
    count = MAX_FILES_PER_COMMIT + 1
    folder = _make(tmp_path / "src", {f"d{i % 7}/f{i}.txt": f"n{i}".encode() for i in range(count)})
    before = len(official.list_repo_commits(repo))
    assert api._async.max_files_per_commit is None
    info = api.upload_folder(repo_id=repo, folder_path=folder, commit_message="All at once")
    commits = official.list_repo_commits(repo)
    assert len(commits) == before + 1 and commits[0].commit_id == info.oid and commits[0].title == "All at once"
    assert len(_files(official, repo)) == count + 1


def test_large_upload_split_into_commits(api: HfApi, official: huggingface_hub.HfApi, repo: str, tmp_path: Path) -> None:
    folder = _make(tmp_path / "src", {f"f{i}.txt": f"file {i}".encode() for i in range(5)})
    api.upload_file(path_or_fileobj=b"gone", path_in_repo="old.txt", repo_id=repo)
    head = official.repo_info(repo).sha
    api._async.max_files_per_commit = 2
    info = api.upload_folder(repo_id=repo, folder_path=folder, commit_message="Bulk", delete_patterns="old.txt",
                             parent_commit=head)
    commits = official.list_repo_commits(repo)
    assert [c.title for c in commits[:3]] == ["Bulk (part 3)", "Bulk (part 2)", "Bulk"]
    assert commits[3].commit_id == head and info.oid == commits[0].commit_id
    first_files = set(official.list_repo_files(repo, revision=commits[2].commit_id))
    assert "old.txt" not in first_files and {"f0.txt", "f1.txt"} <= first_files and "f2.txt" not in first_files
    assert _files(official, repo) == {".gitattributes", *(f"f{i}.txt" for i in range(5))}


def test_split_pull_request(api: HfApi, official: huggingface_hub.HfApi, repo: str, tmp_path: Path) -> None:
    folder = _make(tmp_path / "src", {f"f{i}.txt": f"pr {i}".encode() for i in range(3)})
    main = official.repo_info(repo).sha
    api._async.max_files_per_commit = 2
    info = api.upload_folder(repo_id=repo, folder_path=folder, create_pr=True, commit_message="PR upload")
    assert info.pr_num is not None
    assert official.repo_info(repo).sha == main
    assert _files(official, repo, revision=info.pr_revision) == {".gitattributes", "f0.txt", "f1.txt", "f2.txt"}
    assert official.get_discussion_details(repo, info.pr_num).is_pull_request


def test_pure_helpers(tmp_path: Path) -> None:
    assert filter_paths(["a.txt", "b/c.bin", "b/d.txt"], allow_patterns="b/", ignore_patterns="*.txt") == ["b/c.bin"]
    assert filter_paths(["A.TXT"], allow_patterns="*.txt") == []  # case-sensitive
    assert matching_deletions(["p/a.txt", "a.txt", ".gitattributes", "p/b.txt"], "p", "*.txt", keep={"p/b.txt"}) == [
        "p/a.txt"
    ]
    _make(tmp_path, {"z.txt": b"", "a/b.txt": b""})
    assert [rel for rel, _ in list_local_files(tmp_path)] == ["a/b.txt", "z.txt"]
    files = [FileToUpload(path_in_repo=f"{i}", source=Source(path=f"/x/{i}", size=40)) for i in range(5)]
    assert [len(g) for g in split_into_commits(files, max_files=10, max_inline_bytes=100)] == [2, 2, 1]
    big = [FileToUpload(path_in_repo="b", source=Source(path="/b", size=50 * 1024 * 1024))] * 3
    assert len(split_into_commits(big, max_files=10, max_inline_bytes=100)) == 1  # LFS-sized: not inline


def test_small_files_are_sampled_then_sent_whole(
    api: HfApi, official: huggingface_hub.HfApi, repo: str, tmp_path: Path
) -> None:
    # upload_folder reads only 512 bytes of a small file before the preupload call; an inline file
    # is then read by the commit (never hashed), a small binary file the Hub wants in LFS is hashed
    # after the preupload answer. What lands is byte-exact either way.
    text = b"line\n" * 3000
    binary = b"\0\x01" * 20_000
    folder = _make(tmp_path / "src", {"t.txt": text, "b.dat": binary, "sub/e.txt": b""})
    kinds: list[str] = []
    api.on_event = lambda event: kinds.append(event.kind) if isinstance(event, NodeStarted) else None
    api.upload_folder(repo_id=repo, folder_path=folder)
    assert "SampleBatch" in kinds and "HashBatch" not in kinds and "HashFile" not in kinds
    entries = {e.path: e for e in official.list_repo_tree(repo, recursive=True)
               if isinstance(e, huggingface_hub.hf_api.RepoFile)}
    assert entries["t.txt"].blob_id == hashlib.sha1(b"blob %d\0" % len(text) + text).hexdigest()
    assert entries["t.txt"].lfs is None
    lfs = entries["b.dat"].lfs
    assert lfs is not None and lfs.sha256 == hashlib.sha256(binary).hexdigest() and lfs.size == len(binary)
    assert Path(official.hf_hub_download(repo, "b.dat", cache_dir=tmp_path / "c")).read_bytes() == binary
    assert entries["sub/e.txt"].size == 0


def test_small_file_changed_after_sampling_is_not_committed(
    api: HfApi, official: huggingface_hub.HfApi, repo: str, tmp_path: Path
) -> None:
    folder = _make(tmp_path / "src", {f"f{i}.txt": b"%d\n" % i * 100 for i in range(5)})
    head = official.repo_info(repo).sha
    victim = folder / "f3.txt"

    def rewrite_after_preupload(event: object) -> None:
        if isinstance(event, NodeFinished) and event.kind == "FetchUploadModes":
            victim.write_bytes(b"rewritten")

    api.on_event = rewrite_after_preupload
    with pytest.raises(FileChangedError, match=r"f3\.txt"):
        api.upload_folder(repo_id=repo, folder_path=folder)
    assert official.repo_info(repo).sha == head
