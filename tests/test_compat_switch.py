"""Switch the import: one script body, run with `huggingface_hub` and with `hubflow` against the same
local Hub, gives the same observable results (file lists, sha256s, attribute values)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import huggingface_hub
import huggingface_hub.constants
import pytest

import hubflow
from hubflow.testing import HubProcess


def script(lib: ModuleType, repo_id: str, work: Path) -> dict[str, Any]:
    """A realistic script, written once against the shared API surface (only `lib` differs)."""
    api = lib.HfApi()
    url = lib.create_repo(repo_id, exist_ok=False)
    folder = work / "model"
    (folder / "weights").mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden": 8}')
    (folder / "README.md").write_text("---\nlicense: mit\ntags:\n- demo\n---\n# Demo\n")
    (folder / "weights" / "model.bin").write_bytes(bytes(range(256)) * 64)
    (folder / "weights" / "scratch.tmp").write_text("ignored")
    commit = lib.upload_folder(repo_id=repo_id, folder_path=folder, ignore_patterns=["*.tmp"],
                               commit_message="Initial upload")
    files = sorted(lib.list_repo_files(repo_id))
    tree = sorted((e.path, getattr(e, "size", None), getattr(e, "lfs", None) is not None)
                  for e in api.list_repo_tree(repo_id, recursive=True))
    config = lib.hf_hub_download(repo_id, "config.json", cache_dir=work / "cache")
    snapshot = Path(lib.snapshot_download(repo_id, cache_dir=work / "cache"))
    snapshot_sha = {p.relative_to(snapshot).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in sorted(snapshot.rglob("*")) if p.is_file()}
    info = lib.model_info(repo_id, files_metadata=True)
    lib.create_branch(repo_id, branch="dev")
    lib.delete_file("config.json", repo_id, revision="dev", commit_message="Drop config on dev")
    refs = api.list_repo_refs(repo_id)
    exists_main = lib.file_exists(repo_id, "config.json")
    exists_dev = lib.file_exists(repo_id, "config.json", revision="dev")
    return {
        "_api": api,
        "url": (url.repo_id, url.repo_type, url.namespace),
        "commit": (commit.commit_message, len(commit.oid)),
        "files": files,
        "tree": tree,
        "config": Path(config).read_text(),
        "snapshot": snapshot_sha,
        "info": (info.id, info.author, info.private, sorted(info.tags), info.card_data["license"]
                 if info.card_data else None, sorted((s.rfilename, s.size) for s in info.siblings or [])),
        "lfs": [(s.rfilename, s.lfs.sha256 if s.lfs else None) for s in sorted(info.siblings or [],
                                                                                 key=lambda s: s.rfilename)],
        "branches": sorted(b.name for b in refs.branches),
        "dev_files": sorted(lib.list_repo_files(repo_id, revision="dev")),
        "exists": (exists_main, exists_dev),
        "commits_on_dev": [c.title for c in lib.list_repo_commits(repo_id, revision="dev")],
    }


@pytest.fixture
def hub_env(hub: HubProcess, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # both libraries read the environment: the official one at import (constants), so patch those too
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    monkeypatch.setenv("HF_TOKEN", token)
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", hub.endpoint)
    monkeypatch.setattr(huggingface_hub.constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    official_api = huggingface_hub.HfApi(endpoint=hub.endpoint, token=token)
    for name in ("create_repo", "upload_folder", "list_repo_files", "model_info", "create_branch", "delete_file",
                 "file_exists", "list_repo_commits"):
        monkeypatch.setattr(huggingface_hub, f"{name}", getattr(official_api, name))
    import hubflow._module_functions as module_functions

    monkeypatch.setattr(module_functions, "_default", None)


def test_same_script_same_results(hub_env: None, repo_factory, tmp_path: Path) -> None:
    results = {}
    for lib in (huggingface_hub, hubflow):
        repo_id = repo_factory(f"switch-{lib.__name__}")
        results[lib.__name__] = script(lib, repo_id, tmp_path / lib.__name__)
        api = results[lib.__name__].pop("_api")
        if lib is hubflow:  # hubflow's facades own an HTTP client and a loop thread: close them
            api.close()
            hubflow.default_api().close()
        # repo ids differ by name only: compare everything else
        results[lib.__name__]["url"] = results[lib.__name__]["url"][1:]
        results[lib.__name__]["info"] = results[lib.__name__]["info"][1:]
    ours, theirs = results["hubflow"], results["huggingface_hub"]
    for key in theirs:
        assert ours[key] == theirs[key], key
    assert theirs["files"] == [".gitattributes", "README.md", "config.json", "weights/model.bin"]
    assert theirs["exists"] == (True, False) and theirs["branches"] == ["dev", "main"]
    assert theirs["snapshot"]["weights/model.bin"] == hashlib.sha256(bytes(range(256)) * 64).hexdigest()
    assert os.environ["HF_HUB_DISABLE_XET"] == "1"
