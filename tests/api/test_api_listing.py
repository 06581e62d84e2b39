"""Listings: models/datasets/spaces, repo trees and files, paths info, LFS files; laziness and vs the official client."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import huggingface_hub
import pytest

from hubflow import AsyncHfApi, HfApi
from hubflow.errors import (
    EntryNotFoundError,
    HFValidationError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from hubflow.schema import DatasetInfo, ModelInfo, RepoFile, RepoFolder, SpaceInfo
from hubflow.testing import HubProcess, LocalHub

if TYPE_CHECKING:
    from conftest import Counter  # tests/api/conftest.py: the ``counted`` fixture's request counter

FILES = {
    "config.json": b'{"a": 1}',
    "weights/model.bin": b"\0" * 2048,
    "weights/part/a.txt": b"aaa",
    "weights/part/b.txt": b"bbbb",
    "notes.md": b"# notes",
}


def _commit_lines(files: dict[str, bytes]) -> bytes:
    lines = [json.dumps({"key": "header", "value": {"summary": "add files", "description": ""}})]
    for path, data in files.items():
        value = {"path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"}
        lines.append(json.dumps({"key": "file", "value": value}))
    return "\n".join(lines).encode()


def _post_commit(api: HfApi, repo_id: str, files: dict[str, bytes], repo_type: str = "model") -> None:
    plural = {"model": "models", "dataset": "datasets", "space": "spaces"}[repo_type]
    response = api.portal.call(
        lambda: api.hub.client.post(
            f"{api.endpoint}/api/{plural}/{repo_id}/commit/main",
            content=_commit_lines(files),
            headers={"authorization": "Bearer hf_alice_write", "content-type": "application/x-ndjson"},
        )
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def real(hub: HubProcess, token: str) -> Iterator[HfApi]:
    with HfApi(endpoint=hub.endpoint, token=token) as api:
        yield api


def test_list_repo_tree_equals_official_client(real: HfApi, hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory("tree")
    real.create_repo(repo_id)
    _post_commit(real, repo_id, FILES)
    official = huggingface_hub.HfApi(endpoint=hub.endpoint, token="hf_alice_write")
    for kwargs in ({}, {"recursive": True}, {"path_in_repo": "weights"}, {"path_in_repo": "weights/part", "recursive": True}):
        ours = list(real.list_repo_tree(repo_id, **kwargs))  # type: ignore[arg-type]
        theirs = list(official.list_repo_tree(repo_id, **kwargs))  # type: ignore[arg-type]
        assert [type(e).__name__ for e in ours] == [type(e).__name__ for e in theirs]
        assert [e.path for e in ours] == [e.path for e in theirs]
        assert [(e.blob_id, e.size, e.lfs) for e in ours if isinstance(e, RepoFile)] == [
            (e.blob_id, e.size, e.lfs) for e in theirs if isinstance(e, huggingface_hub.hf_api.RepoFile)
        ]
        assert [e.tree_id for e in ours if isinstance(e, RepoFolder)] == [
            e.tree_id for e in theirs if isinstance(e, huggingface_hub.hf_api.RepoFolder)
        ]
    files = real.list_repo_files(repo_id)
    assert files == official.list_repo_files(repo_id)
    assert set(files) == {".gitattributes", *FILES}
    expanded = list(real.list_repo_tree(repo_id, expand=True))
    titles = {e.path: e.last_commit.title for e in expanded if e.last_commit is not None}
    assert titles == {".gitattributes": "initial commit", "config.json": "add files", "notes.md": "add files", "weights": "add files"}
    with pytest.raises(EntryNotFoundError):
        list(real.list_repo_tree(repo_id, path_in_repo="nope"))
    with pytest.raises(RevisionNotFoundError):
        list(real.list_repo_tree(repo_id, revision="nope"))
    with pytest.raises(RepositoryNotFoundError):
        real.list_repo_files(repo_factory("missing"))


def test_tree_listing_sees_new_commits(real: HfApi, repo_factory: Callable[..., str]) -> None:
    # The server caches walked trees by tree sha: a new commit must show up.
    repo_id = repo_factory("fresh")
    real.create_repo(repo_id)
    assert real.list_repo_files(repo_id) == [".gitattributes"]
    _post_commit(real, repo_id, {"new.txt": b"n"})
    assert real.list_repo_files(repo_id) == [".gitattributes", "new.txt"]


def test_get_paths_info_keeps_order_and_batches(real: HfApi, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory("paths")
    real.create_repo(repo_id)
    _post_commit(real, repo_id, FILES)
    entries = real.get_paths_info(repo_id, ["weights", "notes.md", "missing.txt", "config.json"])
    assert [e.path for e in entries] == ["weights", "notes.md", "config.json"]
    assert isinstance(entries[0], RepoFolder) and isinstance(entries[1], RepoFile) and entries[1].size == 7
    single = real.get_paths_info(repo_id, "config.json", expand=True)
    assert len(single) == 1 and single[0].last_commit is not None
    # 1,201 paths: three requests of <= 500, answers in request order.
    many = ["notes.md", "config.json"] * 600 + ["weights"]
    got = real.get_paths_info(repo_id, many)
    assert [e.path for e in got] == many
    with pytest.raises(HFValidationError):
        real.get_paths_info(repo_id, ["../etc/passwd"])


def test_paths_info_batches_counted(counted: tuple[HfApi, Counter]) -> None:
    api, counter = counted
    api.create_repo("alice/batches")
    api.get_paths_info("alice/batches", [f"f{i}" for i in range(1001)])
    assert counter.count("/paths-info/") == 3


def test_list_models_lazy_pages_and_limit(counted: tuple[HfApi, Counter]) -> None:
    api, counter = counted
    for i in range(12):
        api.create_repo(f"alice/m{i:02d}")
    api.create_repo("acme/other")
    counter.paths.clear()
    iterator = api.list_models(author="alice")
    assert counter.count("/api/models") == 0  # nothing requested before iteration
    first = next(iterator)
    assert isinstance(first, ModelInfo) and first.id.startswith("alice/m")
    assert counter.count("/api/models") == 1  # one page of 5 for the first item
    rest = list(iterator)
    assert len(rest) == 11 and counter.count("/api/models") == 3
    assert {m.id for m in [first, *rest]} == {f"alice/m{i:02d}" for i in range(12)}
    assert all(m.author == "alice" and m.sha for m in rest)
    counter.paths.clear()
    limited = list(api.list_models(author="alice", limit=3))
    assert len(limited) == 3 and counter.count("/api/models") == 1
    counter.paths.clear()
    assert len(list(api.list_models(author="alice", limit=7))) == 7
    assert counter.count("/api/models") == 2  # stops at the page holding item 7
    found = list(api.list_models(search="m07"))
    assert [m.id for m in found] == ["alice/m07"]
    full = next(api.list_models(author="acme", full=True))
    assert full.siblings is not None and full.siblings[0].rfilename == ".gitattributes"
    with pytest.raises(HFValidationError):
        api.list_models(expand=["sha"], full=True)


def test_list_datasets_and_spaces(counted: tuple[HfApi, Counter]) -> None:
    api, _ = counted
    api.create_repo("alice/d1", repo_type="dataset")
    api.create_repo("alice/s1", repo_type="space", space_sdk="static")
    datasets = list(api.list_datasets(author="alice"))
    assert [type(d) for d in datasets] == [DatasetInfo] and datasets[0].id == "alice/d1"
    spaces = list(api.list_spaces(author="alice", sort="likes"))
    assert [type(s) for s in spaces] == [SpaceInfo] and spaces[0].id == "alice/s1"
    assert list(api.list_datasets(author="alice", language="xx")) == []  # filter=language:xx


def test_list_repo_tree_is_lazy(counted: tuple[HfApi, Counter]) -> None:
    api, counter = counted
    api.create_repo("alice/big")
    _post_commit(api, "alice/big", {f"f{i:02d}.txt": b"x" for i in range(12)})
    counter.paths.clear()
    iterator = api.list_repo_tree("alice/big")
    entry = next(iterator)
    assert isinstance(entry, RepoFile) and counter.count("/tree/") == 1
    assert len(list(iterator)) == 12 and counter.count("/tree/") == 3


def test_list_lfs_files_and_permanent_delete(real: HfApi, hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path) -> None:
    repo_id = repo_factory("lfs")
    real.create_repo(repo_id)
    official = huggingface_hub.HfApi(endpoint=hub.endpoint, token="hf_alice_write")
    blob = tmp_path / "w.bin"
    blob.write_bytes(b"\1" * 4096)
    official.upload_file(path_or_fileobj=str(blob), path_in_repo="w.bin", repo_id=repo_id)
    files = list(real.list_lfs_files(repo_id))
    assert len(files) == 1 and files[0].filename == "w.bin" and files[0].size == 4096
    assert [(f.file_oid, f.oid, f.size) for f in official.list_lfs_files(repo_id)] == [
        (f.file_oid, f.oid, f.size) for f in files
    ]
    (ours,) = [e for e in real.list_repo_tree(repo_id) if e.path == "w.bin"]
    (theirs,) = [e for e in official.list_repo_tree(repo_id) if e.path == "w.bin"]
    assert isinstance(ours, RepoFile) and ours.lfs is not None and theirs.lfs is not None
    assert (ours.blob_id, ours.size, ours.lfs.sha256, ours.lfs.size, ours.lfs.pointer_size) == (
        theirs.blob_id, theirs.size, theirs.lfs.sha256, theirs.lfs.size, theirs.lfs.pointer_size
    )
    real.permanently_delete_lfs_files(repo_id, files)
    assert list(real.list_lfs_files(repo_id)) == []


@pytest.mark.anyio
async def test_async_listings(small_pages: LocalHub, token: str, counter: Counter) -> None:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=small_pages.app),  # type: ignore[arg-type]
        event_hooks={"request": [counter]},
    )
    async with AsyncHfApi(endpoint=small_pages.endpoint, token=token, client=client) as api:
        for i in range(7):
            await api.create_repo(f"alice/a{i}")
        counter.paths.clear()
        paged = api.list_models(author="alice")
        first = await paged.__anext__()
        assert first.id == "alice/a0" and counter.count("/api/models") == 1
        rest = [m async for m in paged]
        assert [m.id for m in rest] == [f"alice/a{i}" for i in range(1, 7)]
        assert counter.count("/api/models") == 2
        assert await api.list_repo_files("alice/a0") == [".gitattributes"]
        entries = [e async for e in api.list_repo_tree("alice/a0", recursive=True)]
        assert [e.path for e in entries] == [".gitattributes"]
        info = await api.get_paths_info("alice/a0", [".gitattributes"])
        assert isinstance(info[0], RepoFile) and info[0].blob_id == entries[0].blob_id  # type: ignore[union-attr]
        assert [f async for f in api.list_lfs_files("alice/a0")] == []
    await client.aclose()
