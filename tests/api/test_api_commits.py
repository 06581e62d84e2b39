"""create_commit / upload_file / delete_* against a real local Hub, checked with the official client."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import huggingface_hub
import pytest

from hubflow import (
    CommitConflictError,
    CommitOperationAdd,
    CommitOperationCopy,
    CommitOperationDelete,
    HfApi,
    HFValidationError,
)
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
    repo_id = repo_factory("commits")
    api.create_repo(repo_id)
    return repo_id


def _tree(official: huggingface_hub.HfApi, repo_id: str, revision: str | None = None) -> dict[str, object]:
    return {e.path: e for e in official.list_repo_tree(repo_id, recursive=True, revision=revision)
            if isinstance(e, huggingface_hub.hf_api.RepoFile)}


def _read(hub: HubProcess, repo_id: str, filename: str, revision: str | None = None) -> bytes:
    path = huggingface_hub.hf_hub_download(repo_id, filename, revision=revision, endpoint=hub.endpoint,
                                           token="hf_alice_write")
    return Path(path).read_bytes()


def test_add_delete_copy_seen_by_official_client(
    api: HfApi, official: huggingface_hub.HfApi, hub: HubProcess, repo: str, tmp_path: Path
) -> None:
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"\0\1" * 3000)  # binary → LFS on the local Hub
    first = api.create_commit(repo, [
        CommitOperationAdd(path_in_repo="a.txt", path_or_fileobj=b"hello\n"),
        CommitOperationAdd(path_in_repo="dir/w.bin", path_or_fileobj=weights),
        CommitOperationAdd(path_in_repo="old/x.txt", path_or_fileobj=b"x"),
    ], commit_message="first", commit_description="body")
    assert first.oid == official.repo_info(repo).sha
    assert first.commit_message == "first" and first.commit_description == "body"
    tree = _tree(official, repo)
    assert tree["dir/w.bin"].lfs.sha256 == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert tree["a.txt"].lfs is None

    second = api.create_commit(repo, [
        CommitOperationCopy(src_path_in_repo="dir/w.bin", path_in_repo="copy/w.bin"),
        CommitOperationCopy(src_path_in_repo="a.txt", path_in_repo="b.txt"),
        CommitOperationDelete(path_in_repo="a.txt"),
        CommitOperationDelete(path_in_repo="old/"),
    ], commit_message="second")
    tree = _tree(official, repo)
    assert set(tree) == {".gitattributes", "dir/w.bin", "copy/w.bin", "b.txt"}
    assert tree["copy/w.bin"].lfs.sha256 == tree["dir/w.bin"].lfs.sha256
    assert _read(hub, repo, "b.txt") == b"hello\n"
    assert _read(hub, repo, "copy/w.bin") == weights.read_bytes()
    assert [c.commit_id for c in official.list_repo_commits(repo)][:2] == [second.oid, first.oid]


def test_unchanged_files_make_no_commit(api: HfApi, official: huggingface_hub.HfApi, repo: str) -> None:
    info = api.upload_file(path_or_fileobj=b"same", path_in_repo="s.txt", repo_id=repo)
    again = api.upload_file(path_or_fileobj=b"same", path_in_repo="s.txt", repo_id=repo)
    assert again.oid == info.oid == official.repo_info(repo).sha
    assert len(official.list_repo_commits(repo)) == 2  # initial + one upload


def test_parent_commit_mismatch_is_a_typed_conflict(api: HfApi, official: huggingface_hub.HfApi, repo: str) -> None:
    first = api.upload_file(path_or_fileobj=b"1", path_in_repo="f.txt", repo_id=repo)
    api.upload_file(path_or_fileobj=b"2", path_in_repo="f.txt", repo_id=repo)
    head = official.repo_info(repo).sha
    with pytest.raises(CommitConflictError):
        api.create_commit(repo, [CommitOperationAdd(path_in_repo="g.txt", path_or_fileobj=b"g")],
                          commit_message="stale", parent_commit=first.oid)
    assert official.repo_info(repo).sha == head
    assert "g.txt" not in _tree(official, repo)
    ok = api.create_commit(repo, [CommitOperationAdd(path_in_repo="g.txt", path_or_fileobj=b"g")],
                           commit_message="fresh", parent_commit=head)
    assert official.list_repo_commits(repo)[0].commit_id == ok.oid


def test_create_pr_lands_on_refs_pr(api: HfApi, official: huggingface_hub.HfApi, hub: HubProcess, repo: str) -> None:
    main_before = official.repo_info(repo).sha
    info = api.create_commit(repo, [CommitOperationAdd(path_in_repo="pr.txt", path_or_fileobj=b"from a PR")],
                             commit_message="Propose", create_pr=True)
    assert info.pr_num is not None and info.pr_revision == f"refs/pr/{info.pr_num}"
    assert info.pr_url.endswith(f"/discussions/{info.pr_num}")
    assert official.repo_info(repo).sha == main_before
    assert official.repo_info(repo, revision=info.pr_revision).sha == info.oid
    assert _read(hub, repo, "pr.txt", revision=info.pr_revision) == b"from a PR"


def test_upload_file_from_path_bytes_and_fileobj(
    api: HfApi, official: huggingface_hub.HfApi, hub: HubProcess, repo: str, tmp_path: Path
) -> None:
    local = tmp_path / "p.txt"
    local.write_bytes(b"from a path")
    api.upload_file(path_or_fileobj=local, path_in_repo="p.txt", repo_id=repo)
    api.upload_file(path_or_fileobj=b"from bytes", path_in_repo="b.txt", repo_id=repo)
    handle = io.BytesIO(b"skipped:from a file object")
    handle.seek(len(b"skipped:"))  # read from the current position, as huggingface_hub does
    info = api.upload_file(path_or_fileobj=handle, path_in_repo="sub/f.bin", repo_id=repo, commit_message="fobj")
    assert info.commit_message == "fobj"
    assert _read(hub, repo, "p.txt") == b"from a path"
    assert _read(hub, repo, "b.txt") == b"from bytes"
    assert _read(hub, repo, "sub/f.bin") == b"from a file object"
    with open(local, "rb") as f:
        api.upload_file(path_or_fileobj=f, path_in_repo="p2.txt", repo_id=repo)
    assert _read(hub, repo, "p2.txt") == b"from a path"


def test_empty_file_is_regular(api: HfApi, official: huggingface_hub.HfApi, repo: str) -> None:
    api.upload_file(path_or_fileobj=b"", path_in_repo="empty.bin", repo_id=repo)
    entry = _tree(official, repo)["empty.bin"]
    assert entry.size == 0 and entry.lfs is None


def test_delete_file_files_folder(api: HfApi, official: huggingface_hub.HfApi, repo: str) -> None:
    api.create_commit(repo, [CommitOperationAdd(path_in_repo=p, path_or_fileobj=p.encode())
                             for p in ["a.txt", "b.log", "c/d.log", "c/e.txt", "f/g.txt", "f/h/i.txt"]],
                      commit_message="seed")
    api.delete_file("a.txt", repo)
    api.delete_files(repo, ["*.log"])
    assert set(_tree(official, repo)) == {".gitattributes", "c/e.txt", "f/g.txt", "f/h/i.txt"}
    info = api.delete_folder("f", repo)
    assert info.commit_message == "Delete folder f with huggingface_hub"
    assert set(_tree(official, repo)) == {".gitattributes", "c/e.txt"}


@pytest.mark.parametrize("bad", ["/abs.txt", "../up.txt", "a/../b", ".git/config", "a\x00b", "a//b"])
def test_bad_paths_rejected_before_any_request(bad: str) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    with HfApi(endpoint="http://hub.invalid", token="x", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(HFValidationError, match="path_in_repo"):
            client.upload_file(path_or_fileobj=b"x", path_in_repo=bad, repo_id="alice/m")
        with pytest.raises(HFValidationError):
            client.create_commit("alice/m", [CommitOperationDelete(path_in_repo=bad)], commit_message="m")
    assert sent == []


def test_operation_validation() -> None:
    assert CommitOperationDelete(path_in_repo="dir/").is_folder is True
    assert CommitOperationDelete(path_in_repo="file").is_folder is False
    assert CommitOperationAdd(path_in_repo="./x.txt", path_or_fileobj=b"").path_in_repo == "x.txt"
    with pytest.raises(ValueError, match="not a file"):
        CommitOperationAdd(path_in_repo="x", path_or_fileobj=os.path.join("no", "such", "file"))
    with pytest.raises(ValueError, match="binary"):
        CommitOperationAdd(path_in_repo="x", path_or_fileobj=io.StringIO("text"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="src_repo_type"):
        CommitOperationCopy(src_path_in_repo="a", path_in_repo="b", src_repo_id="alice/x")
    with pytest.raises(HFValidationError, match=r"\.\./a"):
        CommitOperationCopy(src_path_in_repo="../a", path_in_repo="b")


def test_empty_message_and_bad_parent_rejected(api: HfApi, repo: str) -> None:
    op = CommitOperationAdd(path_in_repo="x", path_or_fileobj=b"x")
    with pytest.raises(ValueError, match="commit_message"):
        api.create_commit(repo, [op], commit_message="")
    with pytest.raises(ValueError, match="parent_commit"):
        api.create_commit(repo, [op], commit_message="m", parent_commit="not-hex")


def test_operations_cannot_be_reused(api: HfApi, repo: str) -> None:
    op = CommitOperationAdd(path_in_repo="once.txt", path_or_fileobj=b"1")
    api.create_commit(repo, [op], commit_message="once")
    assert op.upload_info is not None and op.upload_info.size == 1
    with pytest.raises(ValueError, match="already been committed"):
        api.create_commit(repo, [op], commit_message="twice")


def test_preupload_then_commit(api: HfApi, official: huggingface_hub.HfApi, hub: HubProcess, repo: str) -> None:
    content = b"\0binary shard" * 100
    op = CommitOperationAdd(path_in_repo="shard.bin", path_or_fileobj=content)
    api.preupload_lfs_files(repo, [op])
    assert op._is_uploaded and op.path_or_fileobj == b""  # free_memory drops the content
    info = api.create_commit(repo, [op], commit_message="shards")
    assert official.repo_info(repo).sha == info.oid
    assert _read(hub, repo, "shard.bin") == content
