"""Module-level aliases: `from hubflow import create_repo, upload_file, ...` use one default HfApi,
created from the environment at first use."""

from __future__ import annotations

from collections.abc import Iterator

import huggingface_hub as hh
import pytest

import hubflow
import hubflow._module_functions as module_functions
from hubflow.testing import HubProcess


@pytest.fixture
def default_env(hub: HubProcess, token: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(module_functions, "_default", None)
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    monkeypatch.setenv("HF_TOKEN", token)
    yield
    if module_functions._default is not None:
        module_functions._default.close()


def test_aliases_use_a_default_api_read_from_env_at_first_use(default_env: None, repo_factory) -> None:
    repo_id = repo_factory("aliases")
    url = hubflow.create_repo(repo_id)
    assert url.repo_id == repo_id
    api = hubflow.default_api()
    assert api is hubflow.default_api()
    hubflow.upload_file(path_or_fileobj=b"hi", path_in_repo="a.txt", repo_id=repo_id)
    assert hubflow.list_repo_files(repo_id) == [".gitattributes", "a.txt"]
    assert hubflow.whoami()["name"] == "alice"
    with hubflow.HfApi() as other:  # same environment, same Hub
        assert api.endpoint == other.endpoint
        assert hubflow.model_info(repo_id).sha == other.model_info(repo_id).sha
    assert [m.id for m in hubflow.list_models(author="alice", search=repo_id.split("/")[1])] == [repo_id]
    future = hubflow.upload_file(path_or_fileobj=b"x", path_in_repo="b.txt", repo_id=repo_id, run_as_future=True)
    assert future.result(timeout=10).oid
    hubflow.delete_repo(repo_id)
    assert not hubflow.repo_exists(repo_id)


def test_aliases_mirror_official_names() -> None:
    for name in ("create_repo", "upload_folder", "list_models", "hf_hub_download", "snapshot_download",
                 "resolve_revision", "copy_files", "run_as_future", "CommitScheduler", "ModelInfo", "RepoFile"):
        assert hasattr(hh, name) and name in hubflow.__all__, name
    assert hubflow.create_repo.__doc__ == hubflow.HfApi.create_repo.__doc__
