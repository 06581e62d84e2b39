"""Bad input ends in a clear, typed error naming what was wrong, and nothing is written.

"Nothing written" is checked as: the branch head is unchanged (or the repo does not exist), and
for LFS, the object is not in the store.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hubflow import (
    BadRequestError,
    CommitOperationAdd,
    FileChangedError,
    HfApi,
    HfHubHTTPError,
    HFValidationError,
    NodeFinished,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from hubflow._events import Event
from hubflow.testing import ALICE_READ, LocalHub


def _api(hub: LocalHub, token: str) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token, transport=httpx.ASGITransport(app=hub.app))


@pytest.fixture
def api(asgi_hub: LocalHub, token: str) -> Iterator[HfApi]:
    with _api(asgi_hub, token) as client:
        yield client


@pytest.fixture
def repo(api: HfApi, repo_factory: Callable[..., str]) -> str:
    repo_id = repo_factory("bad")
    api.create_repo(repo_id, repo_type="dataset")
    api.upload_file(path_or_fileobj=b"first", path_in_repo="first.txt", repo_id=repo_id, repo_type="dataset")
    return repo_id


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    for i in range(5):
        (root / "sub" / f"{i}.txt").write_text(f"file {i}\n")
    return root


def _head(api: HfApi, repo: str) -> str:
    return api.list_repo_commits(repo, repo_type="dataset")[0].commit_id


def _large(api: HfApi, repo: str, folder: Path, **kwargs: Any) -> None:
    api.upload_large_folder(repo, folder, repo_type="dataset", print_report=False, **kwargs)


# -- repo ids, paths, revisions, tokens ----------------------------------------------------------
@pytest.mark.parametrize("repo_id", ["a/b/c", "alice/bad name", "alice/-x", "alice/x--y", "alice/x..y",
                                     "alice/model.git", "", "alice/" + "x" * 97])
def test_malformed_repo_id(api: HfApi, folder: Path, repo_id: str) -> None:
    with pytest.raises(HFValidationError, match=r"[Rr]epo"):
        _large(api, repo_id, folder)
    with pytest.raises(HFValidationError):
        api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id)
    assert not (folder / ".cache").exists()  # not even a journal


@pytest.mark.parametrize("path_in_repo", ["/abs.txt", "../up.txt", "a/../../b.txt", ".git/config", "sub/.git/x",
                                          "nul\x00.txt"])
def test_bad_path_in_repo(api: HfApi, repo: str, path_in_repo: str) -> None:
    head = _head(api, repo)
    with pytest.raises((HFValidationError, ValueError)) as caught:
        api.upload_file(path_or_fileobj=b"x", path_in_repo=path_in_repo, repo_id=repo, repo_type="dataset")
    assert repr(path_in_repo.strip("/").split("/")[0])[1:-1] in str(caught.value) or path_in_repo in str(caught.value)
    with pytest.raises((HFValidationError, ValueError)):
        CommitOperationAdd(path_in_repo=path_in_repo, path_or_fileobj=b"x")
    assert _head(api, repo) == head


def test_revision_that_does_not_exist(api: HfApi, repo: str, folder: Path) -> None:
    head = _head(api, repo)
    with pytest.raises(RevisionNotFoundError, match="no-such-branch"):
        _large(api, repo, folder, revision="no-such-branch")
    assert _head(api, repo) == head and not (folder / ".cache").exists()


def test_revision_in_a_missing_repo_creates_nothing(api: HfApi, repo_factory: Callable[..., str], folder: Path) -> None:
    missing = repo_factory("missing")
    with pytest.raises(RepositoryNotFoundError, match="dev"):
        _large(api, missing, folder, revision="dev")
    assert not api.repo_exists(missing, repo_type="dataset")


def test_token_without_write_access(asgi_hub: LocalHub, api: HfApi, repo: str, folder: Path) -> None:
    head = _head(api, repo)
    with _api(asgi_hub, ALICE_READ) as reader, pytest.raises(HfHubHTTPError) as caught:
        _large(reader, repo, folder)
    assert caught.value.response.status_code == 403
    assert _head(api, repo) == head


def test_repo_type_is_required(api: HfApi, folder: Path) -> None:
    with pytest.raises(ValueError, match="repo_type"):
        api.upload_large_folder("alice/x", folder, repo_type=None, print_report=False)  # type: ignore[arg-type]


def test_folder_that_is_not_a_directory(api: HfApi, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    for path in (tmp_path / "missing", tmp_path / "file.txt"):
        with pytest.raises(ValueError, match=re.escape(str(path))):
            api.upload_large_folder("alice/x", path, repo_type="dataset", print_report=False)
    assert not api.repo_exists("alice/x")


# -- local files ---------------------------------------------------------------------------------
def test_missing_file(api: HfApi, repo: str, tmp_path: Path) -> None:
    head = _head(api, repo)
    missing = tmp_path / "nope.bin"
    with pytest.raises(ValueError, match=r"nope\.bin.*not a file"):  # huggingface_hub's type and words
        api.upload_file(path_or_fileobj=str(missing), path_in_repo="nope.bin", repo_id=repo, repo_type="dataset")
    with pytest.raises(ValueError, match=r"nope\.bin.*not a file"):  # huggingface_hub's type and words
        CommitOperationAdd(path_in_repo="nope.bin", path_or_fileobj=str(missing))
    assert _head(api, repo) == head


def test_file_removed_after_listing(api: HfApi, repo: str, folder: Path) -> None:
    head = _head(api, repo)
    victim = folder / "sub" / "3.txt"

    def remove_after_first_hash(event: Event) -> None:
        if isinstance(event, NodeFinished) and event.kind == "HashFile" and victim.exists():
            victim.unlink()

    api.on_event = remove_after_first_hash
    with pytest.raises(FileChangedError, match=r"3\.txt"):
        _large(api, repo, folder)
    assert _head(api, repo) == head


def test_unreadable_file(api: HfApi, repo: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fault injection: the tests run as root, for whom chmod 000 does not stop reading.
    victim = str((folder / "sub" / "2.txt").resolve())
    real_open = io.open

    def deny(file: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(file, int) and os.fspath(file) == victim:  # (dulwich also opens file descriptors)
            raise PermissionError(13, "Permission denied", victim)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", deny)  # pathlib's open
    monkeypatch.setattr(builtins, "open", deny)
    head = _head(api, repo)
    with pytest.raises(PermissionError, match=r"2\.txt"):
        _large(api, repo, folder)
    assert _head(api, repo) == head


@pytest.mark.parametrize("same_stat", [False, True])
def test_file_changed_between_hash_and_upload(api: HfApi, repo: str, folder: Path, same_stat: bool) -> None:
    victim = folder / "sub" / "1.txt"
    victim.write_bytes(b"\0binary " * 2000)  # an LFS file: its sha256 is rechecked while streaming
    head = _head(api, repo)

    def rewrite_after_hashing(event: Event) -> None:
        if isinstance(event, NodeFinished) and event.kind == "FetchUploadModes":
            stat = victim.stat()
            victim.write_bytes(b"\0BINARY " * 2000 if same_stat else b"short")
            if same_stat:
                os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    api.on_event = rewrite_after_hashing
    with pytest.raises(FileChangedError, match=r"1\.txt"):
        _large(api, repo, folder)
    assert _head(api, repo) == head
    corrupt = hashlib.sha256(b"\0BINARY " * 2000).hexdigest()
    assert not any(f.lfs and f.lfs.sha256 == corrupt for f in api.list_repo_tree(repo, repo_type="dataset",
                                                                                  recursive=True))


# -- documented behaviour: symlinks and empty files -------------------------------------------------
def test_symlinks_and_empty_files(api: HfApi, repo: str, folder: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    (folder / "link-out.txt").symlink_to(outside)
    (folder / "link-in.txt").symlink_to(folder / "sub" / "0.txt")
    (folder / "dangling.txt").symlink_to(tmp_path / "gone")
    (folder / "dirlink").symlink_to(folder / "sub", target_is_directory=True)
    (folder / "empty.txt").write_bytes(b"")
    _large(api, repo, folder)
    files = {f.path: f for f in api.list_repo_tree(repo, repo_type="dataset", recursive=True)}
    assert "link-out.txt" not in files and "dangling.txt" not in files and not any(p.startswith("dirlink") for p in files)
    assert files["link-in.txt"].size == (folder / "sub" / "0.txt").stat().st_size
    empty = files["empty.txt"]
    assert empty.size == 0 and empty.lfs is None and empty.blob_id == hashlib.sha1(b"blob 0\0").hexdigest()


# -- server side -------------------------------------------------------------------------------------
@pytest.mark.anyio
@pytest.mark.parametrize("body", [b"this is not json\n", b'{"key":"header","value":{"summary":"x"}}\n{"key":"file"\n',
                                  b'{"key":"header","value":{"summary":"x"}}\n{"key":"teleport","value":{}}\n'])
async def test_server_refuses_malformed_ndjson(asgi_hub: LocalHub, token: str, repo_factory: Callable[..., str],
                                               body: bytes) -> None:
    with _api(asgi_hub, token) as api:
        repo = repo_factory()
        api.create_repo(repo)
        head = api.list_repo_commits(repo)[0].commit_id
        with pytest.raises(BadRequestError) as caught:
            await api.hub.request("POST", f"/api/models/{repo}/commit/main", content=body,
                                  headers={"content-type": "application/x-ndjson"})
        assert caught.value.response.status_code == 400 and caught.value.server_message
        assert api.list_repo_commits(repo)[0].commit_id == head


@pytest.mark.anyio
@pytest.mark.parametrize("sent", [b"B" * 1000, b"A" * 999, b"A" * 1001])
async def test_server_refuses_lfs_bytes_not_matching(asgi_hub: LocalHub, token: str,
                                                     repo_factory: Callable[..., str], sent: bytes) -> None:
    content = b"A" * 1000
    oid = hashlib.sha256(content).hexdigest()
    with _api(asgi_hub, token) as api:
        repo = repo_factory()
        api.create_repo(repo)
        head = api.list_repo_commits(repo)[0].commit_id
        batch = await api.hub.request(
            "POST", f"/{repo}.git/info/lfs/objects/batch",
            json={"operation": "upload", "transfers": ["basic"], "objects": [{"oid": oid, "size": len(content)}]},
            headers={"accept": "application/vnd.git-lfs+json", "content-type": "application/vnd.git-lfs+json"},
        )
        href = batch.json()["objects"][0]["actions"]["upload"]["href"]
        with pytest.raises(BadRequestError, match=oid[:12]):
            await api.hub.request("PUT", href, content=sent, hub_headers=False)
        assert not asgi_hub.app.state.hub.lfs.exists(oid)
        line = b'{"key":"lfsFile","value":{"path":"w.bin","algo":"sha256","oid":"%s","size":1000}}\n' % oid.encode()
        with pytest.raises(HfHubHTTPError):  # a commit cannot point at the refused object
            await api.hub.request("POST", f"/api/models/{repo}/commit/main",
                                  content=b'{"key":"header","value":{"summary":"x"}}\n' + line,
                                  headers={"content-type": "application/x-ndjson"})
        assert api.list_repo_commits(repo)[0].commit_id == head


def test_server_refuses_oversized_request(tmp_path: Path, token: str) -> None:
    hub = LocalHub(tmp_path / "small-hub", max_body_size=4096)
    with _api(hub, token) as api:
        api.create_repo("alice/small")
        head = api.list_repo_commits("alice/small")[0].commit_id
        with pytest.raises(HfHubHTTPError, match="too large") as caught:
            api.upload_file(path_or_fileobj=b"x" * 10_000, path_in_repo="big.txt", repo_id="alice/small")
        assert caught.value.response.status_code == 413
        assert api.list_repo_commits("alice/small")[0].commit_id == head
