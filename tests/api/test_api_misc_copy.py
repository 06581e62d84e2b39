"""Facade: copy_files between repo locations (single file, folders with cp -r / rsync rules, across repos)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubflow import EntryNotFoundError, HfApi, parse_hf_uri
from hubflow._api._copy import copy_target_path
from hubflow.testing import HubProcess


@pytest.fixture
def api(hub: HubProcess, token: str) -> Iterator[HfApi]:
    with HfApi(endpoint=hub.endpoint, token=token) as client:
        yield client


@pytest.fixture
def source(api: HfApi, repo_factory, tmp_path: Path) -> str:
    repo_id = repo_factory("copysrc")
    api.create_repo(repo_id)
    folder = tmp_path / "src"
    (folder / "weights").mkdir(parents=True)
    (folder / "config.json").write_text('{"a": 1}')
    (folder / "weights" / "w.bin").write_bytes(b"\x01" * 2048)  # *.bin: LFS by the default .gitattributes
    (folder / "weights" / "notes.txt").write_text("regular")
    api.upload_folder(repo_id=repo_id, folder_path=folder)
    return repo_id


def _files(api: HfApi, repo_id: str, repo_type: str | None = None) -> dict[str, str]:
    out = {}
    for entry in api.list_repo_tree(repo_id, recursive=True, repo_type=repo_type):
        if hasattr(entry, "blob_id"):
            out[entry.path] = entry.lfs.sha256 if entry.lfs else entry.blob_id
    out.pop(".gitattributes", None)
    return out


def test_single_file_and_folders_in_the_same_repo(api: HfApi, source: str) -> None:
    before = _files(api, source)
    api.copy_files(f"hf://{source}/config.json", f"hf://{source}/backup/config.json")
    api.copy_files(f"hf://{source}/weights", f"hf://{source}/backup/")  # existing folder: nests weights/
    api.copy_files(f"hf://{source}/weights/", f"hf://{source}/flat")  # trailing "/": the contents only
    after = _files(api, source)
    assert after["backup/config.json"] == before["config.json"]
    assert after["backup/weights/w.bin"] == before["weights/w.bin"]
    assert after["backup/weights/notes.txt"] == before["weights/notes.txt"]
    assert after["flat/w.bin"] == before["weights/w.bin"] and "flat/weights/w.bin" not in after
    assert api.list_repo_commits(source)[0].title == f"Copy files from models/{source}"


def test_across_repos_and_types(api: HfApi, source: str, repo_factory, tmp_path: Path) -> None:
    dest = repo_factory("copydst")
    api.create_repo(dest, repo_type="dataset")
    api.copy_files(f"hf://{source}/", f"hf://datasets/{dest}/mirror/")
    copied = _files(api, dest, "dataset")
    # as huggingface_hub, a repo-to-repo copy includes the source's .gitattributes (only buckets skip it)
    assert "mirror/.gitattributes" in copied
    copied.pop("mirror/.gitattributes")
    assert copied == {f"mirror/{path}": oid for path, oid in _files(api, source).items()}
    # the bytes are right, LFS and regular alike
    w = api.hf_hub_download(dest, "mirror/weights/w.bin", repo_type="dataset", cache_dir=tmp_path / "c")
    assert hashlib.sha256(Path(w).read_bytes()).hexdigest() == hashlib.sha256(b"\x01" * 2048).hexdigest()
    notes = api.hf_hub_download(dest, "mirror/weights/notes.txt", repo_type="dataset", cache_dir=tmp_path / "c")
    assert Path(notes).read_text() == "regular"


def test_copy_from_a_revision(api: HfApi, source: str) -> None:
    old = api.list_repo_commits(source)[0].commit_id
    api.upload_file(path_or_fileobj=b'{"a": 2}', path_in_repo="config.json", repo_id=source)
    api.copy_files(f"hf://{source}@{old}/config.json", f"hf://{source}/old-config.json")
    assert _files(api, source)["old-config.json"] != _files(api, source)["config.json"]


def test_errors(api: HfApi, source: str) -> None:
    with pytest.raises(EntryNotFoundError):
        api.copy_files(f"hf://{source}/nothing-here", f"hf://{source}/x")
    with pytest.raises(NotImplementedError):
        api.copy_files(f"hf://{source}/config.json", "hf://buckets/alice/b/")
    with pytest.raises(ValueError):
        api.copy_files("alice/no-scheme", f"hf://{source}/x")


def test_uri_and_target_rules() -> None:
    uri = parse_hf_uri("hf://datasets/alice/d@refs/pr/3/train.json")
    assert (uri.type, uri.id, uri.revision, uri.path_in_repo) == ("dataset", "alice/d", "refs/pr/3", "train.json")
    assert parse_hf_uri("hf://alice/m/x@1.txt").revision is None
    assert parse_hf_uri("hf://alice/m@feature%2Fx/a").revision == "feature/x"
    for bad in ("hf://", "hf://model/alice/m", "hf://alice", "hf://alice/m@/x"):
        with pytest.raises(ValueError):
            parse_hf_uri(bad)
    rules = {"destination_path": "dst", "destination_is_directory": True, "merge_contents": False}
    assert copy_target_path("a/b/c.txt", "a/b", is_single_file=False, destination_exists_as_directory=False,
                            **rules) == "dst/c.txt"  # a new destination is the folder's new name
    assert copy_target_path("c.txt", None, is_single_file=True, destination_exists_as_directory=True,
                            **rules) == "dst/c.txt"
