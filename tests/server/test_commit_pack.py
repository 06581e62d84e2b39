"""The commit path's pack writing (stored zlib streams) and the preupload answer for many paths."""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from hubflow import CommitOperationAdd, HfApi
from hubflow.testing import LocalHub


def _api_and_new_repo(asgi_hub: LocalHub, token: str, repo_factory: Callable[..., str]) -> tuple[HfApi, str]:
    api = HfApi(endpoint=asgi_hub.endpoint, token=token, transport=httpx.ASGITransport(app=asgi_hub.app))
    repo = repo_factory()
    api.create_repo(repo)
    return api, repo


def test_large_commit_is_one_valid_pack(asgi_hub: LocalHub, token: str, repo_factory: Callable[..., str]) -> None:
    api, repo = _api_and_new_repo(asgi_hub, token, repo_factory)
    ops = [CommitOperationAdd(path_in_repo=f"d{i % 7}/f{i}.txt", path_or_fileobj=f"file {i}\n".encode() * (i + 1))
           for i in range(260)]
    api.create_commit(repo, ops, commit_message="many")
    namespace, name = repo.split("/")
    git_dir = asgi_hub.data_dir / "repos" / "models" / namespace / f"{name}.git"
    packs = list((git_dir / "objects" / "pack").glob("*.pack"))
    assert len(packs) == 1
    for i in (0, 131, 259):
        assert Path(api.hf_hub_download(repo, f"d{i % 7}/f{i}.txt")).read_bytes() == f"file {i}\n".encode() * (i + 1)
    git = shutil.which("git")
    if git is not None:  # the stored-deflate pack must satisfy git itself
        done = subprocess.run([git, "fsck", "--full"], cwd=git_dir, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr


@pytest.mark.anyio
async def test_preupload_reports_oids_of_many_existing_paths(
    asgi_hub: LocalHub, token: str, repo_factory: Callable[..., str]
) -> None:
    api, repo = _api_and_new_repo(asgi_hub, token, repo_factory)
    ops = [CommitOperationAdd(path_in_repo=f"a/b{i % 3}/f{i}.txt", path_or_fileobj=f"{i}".encode()) for i in range(30)]
    api.create_commit(repo, ops, commit_message="add")
    tree = {f.path: f.blob_id for f in api.list_repo_tree(repo, recursive=True) if hasattr(f, "blob_id")}
    files = [{"path": f"a/b{i % 3}/f{i}.txt", "sample": "", "size": 1} for i in range(30)]
    # Not files: an absent one, a directory, a path below a file, a path in an absent directory.
    absent = ["a/b0/missing.txt", "a/b1", "a/b0/f0.txt/x", "z/y/x.txt"]
    files += [{"path": p, "sample": "", "size": 1} for p in absent]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_hub.app), base_url=asgi_hub.endpoint) as client:
        response = await client.post(f"/api/models/{repo}/preupload/main", json={"files": files},
                                     headers={"authorization": f"Bearer {token}"})
    answer = {f["path"]: f.get("oid") for f in response.json()["files"]}
    assert answer == {**{p: tree[p] for p in answer if p in tree}, **dict.fromkeys(absent)}
    assert len(answer) == 34 and all(answer[f"a/b{i % 3}/f{i}.txt"] for i in range(30))


@pytest.mark.anyio
async def test_preupload_answers_modes_and_names_bad_entries(
    asgi_hub: LocalHub, token: str, repo_factory: Callable[..., str]
) -> None:
    # The common body is decoded in one msgspec pass; what it refuses gets a 400 naming the fault.
    repo = _api_and_new_repo(asgi_hub, token, repo_factory)[1]
    url = f"/api/models/{repo}/preupload/main"
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_hub.app), base_url=asgi_hub.endpoint) as client:
        files = [{"path": "t.txt", "sample": base64.b64encode(b"text\n").decode(), "size": 5},
                 {"path": "b.dat", "sample": base64.b64encode(b"\0\1\2").decode(), "size": 3},
                 {"path": "w.bin", "sample": None, "size": 1},  # null sample: the general path
                 {"path": "big.txt", "sample": "", "size": 11 * 1024 * 1024}]
        response = await client.post(url, json={"files": files, "gitIgnore": "*.dat\n"}, headers=headers)
        assert response.status_code == 200
        modes = {f["path"]: (f["uploadMode"], f["shouldIgnore"]) for f in response.json()["files"]}
        assert modes == {"t.txt": ("regular", False), "b.dat": ("lfs", True), "w.bin": ("lfs", False),
                         "big.txt": ("lfs", False)}
        for body, message in [
            ({"files": [{"path": "x.txt", "sample": "%%%", "size": 1}]}, "Invalid base64 sample for x.txt"),
            ({"files": [{"path": "x.txt", "sample": "", "size": "many"}]}, "Invalid size for x.txt"),
            ({"files": "x.txt"}, "'files' must be a list"),
            ({"files": ["x.txt"]}, "Each entry of 'files' must be an object"),
        ]:
            response = await client.post(url, json=body, headers=headers)
            assert response.status_code == 400 and response.json()["error"] == message
