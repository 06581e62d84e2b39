"""``list_user_repos``: storage per repo computed from what the local Hub stores, rights, paging, official client."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import huggingface_hub
import pytest

from hubflow import AsyncHfApi, HfApi, HfHubHTTPError, RepoStorageInfo, list_user_repos
from hubflow.tasks import ListUserRepos
from hubflow.testing import ALICE_READ, ALICE_WRITE, BOB_WRITE, HubProcess, LocalHub


@pytest.fixture
def local(tmp_path: Path) -> LocalHub:
    return LocalHub(tmp_path / "hub", page_size=2)


def _api(hub: LocalHub, token: str | bool) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token, transport=httpx.ASGITransport(app=hub.app))


def _git_bytes(hub: LocalHub, repo_type: str, repo_id: str) -> int:
    objects = hub.data_dir / "repos" / f"{repo_type}s" / f"{repo_id}.git" / "objects"
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(objects) for f in files)


def _by_id(api: HfApi, namespace: str | None = None) -> dict[str, RepoStorageInfo]:
    return {r.id: r for r in api.list_user_repos(namespace)}


def test_storage_is_git_objects_plus_referenced_lfs(local: LocalHub, repo_factory: Callable[..., str]) -> None:
    alice = _api(local, ALICE_WRITE)
    model, data = repo_factory("m"), repo_factory("d")
    alice.create_repo(model)
    alice.create_repo(data, repo_type="dataset", private=True)
    weights = os.urandom(5000)
    alice.upload_file(path_or_fileobj=weights, path_in_repo="w.bin", repo_id=model)  # *.bin: LFS
    alice.upload_file(path_or_fileobj=b"x" * 300, path_in_repo="a.txt", repo_id=model)

    repos = _by_id(alice)
    assert set(repos) == {model, data}
    m, d = repos[model], repos[data]
    assert isinstance(m, RepoStorageInfo) and isinstance(m.updated_at, datetime)
    assert (m.type, m.visibility, d.type, d.visibility) == ("model", "public", "dataset", "private")
    assert m.storage == _git_bytes(local, "model", model) + 5000
    assert d.storage == _git_bytes(local, "dataset", data) > 0
    assert m.storage_percent == pytest.approx(100 * m.storage / (m.storage + d.storage))
    assert m.storage_percent + d.storage_percent == pytest.approx(100)
    assert [r.id for r in alice.list_user_repos()] == [model, data]  # largest first

    # Same bytes under a second name: one LFS object. Deleted files still count (history).
    alice.upload_file(path_or_fileobj=weights, path_in_repo="copy.bin", repo_id=model)
    alice.delete_files(model, delete_patterns=["*.bin"])
    assert _by_id(alice)[model].storage == _git_bytes(local, "model", model) + 5000
    # Squashing drops the history that referenced the LFS object.
    alice.super_squash_history(model)
    assert _by_id(alice)[model].storage == _git_bytes(local, "model", model)


def test_permanently_deleted_lfs_objects_stop_counting(local: LocalHub, repo_factory: Callable[..., str]) -> None:
    alice = _api(local, ALICE_WRITE)
    repo = repo_factory("p")
    alice.create_repo(repo)
    alice.upload_file(path_or_fileobj=os.urandom(4000), path_in_repo="w.bin", repo_id=repo)
    assert _by_id(alice)[repo].storage == _git_bytes(local, "model", repo) + 4000
    # Without a history rewrite the pointer stays in the tree, but the object is gone: it occupies nothing.
    alice.permanently_delete_lfs_files(repo, list(alice.list_lfs_files(repo)), rewrite_history=False)
    assert "w.bin" in alice.list_repo_files(repo)
    assert _by_id(alice)[repo].storage == _git_bytes(local, "model", repo)
    # With it (the default), the file leaves the history too.
    alice.upload_file(path_or_fileobj=os.urandom(5000), path_in_repo="v.bin", repo_id=repo)
    assert _by_id(alice)[repo].storage == _git_bytes(local, "model", repo) + 5000
    alice.permanently_delete_lfs_files(repo, list(alice.list_lfs_files(repo)))
    assert "v.bin" not in alice.list_repo_files(repo)
    assert _by_id(alice)[repo].storage == _git_bytes(local, "model", repo)


def test_every_ref_counts_until_it_is_gone(local: LocalHub, repo_factory: Callable[..., str]) -> None:
    alice = _api(local, ALICE_WRITE)
    repo = repo_factory("r")
    alice.create_repo(repo)
    alice.create_branch(repo, branch="dev")
    alice.upload_file(path_or_fileobj=os.urandom(3000), path_in_repo="dev.bin", repo_id=repo, revision="dev")
    alice.create_tag(repo, tag="v1", revision="dev")
    assert _by_id(alice)[repo].storage == _git_bytes(local, "model", repo) + 3000
    alice.delete_branch(repo, branch="dev")
    assert _by_id(alice)[repo].storage == _git_bytes(local, "model", repo) + 3000  # the tag still holds it
    alice.delete_tag(repo, tag="v1")
    assert _by_id(alice)[repo].storage == _git_bytes(local, "model", repo)


def test_rights_orgs_and_paging(local: LocalHub, repo_factory: Callable[..., str]) -> None:
    alice, bob = _api(local, ALICE_WRITE), _api(local, BOB_WRITE)
    ours = [repo_factory("o", namespace="acme") for _ in range(3)]
    for repo in ours:
        alice.create_repo(repo, private=repo == ours[0])
    bob.create_repo(repo_factory("b", namespace="bob"))

    paged = alice.list_user_repos(namespace="acme")
    listed = list(paged)
    assert sorted(r.id for r in listed) == sorted(ours) and paged.requests == 2  # page size 2
    assert {r.id: r.visibility for r in listed}[ours[0]] == "private"
    assert alice.list_user_repos() and not any(r.id.startswith("acme/") for r in alice.list_user_repos())
    assert [r.id.split("/")[0] for r in bob.list_user_repos()] == ["bob"]
    assert len(list(_api(local, ALICE_READ).list_user_repos("acme"))) == 3  # reading needs no write token

    with pytest.raises(HfHubHTTPError) as err:
        list(bob.list_user_repos(namespace="acme"))  # not a member
    assert err.value.status_code == 403
    with pytest.raises(HfHubHTTPError) as err:
        list(alice.list_user_repos(namespace="nobody"))
    assert err.value.status_code == 404
    with pytest.raises(HfHubHTTPError) as err:
        list(alice.list_user_repos(namespace="bob"))  # a user, not an organisation
    assert err.value.status_code == 404
    with pytest.raises(HfHubHTTPError) as err:
        list(_api(local, False).list_user_repos())
    assert err.value.status_code == 401


@pytest.mark.anyio
async def test_async_facade_and_node(local: LocalHub, repo_factory: Callable[..., str]) -> None:
    assert ListUserRepos().request_path() == "/api/settings/repositories"
    assert ListUserRepos(namespace="acme").request_path() == "/api/organizations/acme/settings/repositories"
    assert ListUserRepos(namespace="acme").request_params() == []
    async with AsyncHfApi(endpoint=local.endpoint, token=ALICE_WRITE,
                          transport=httpx.ASGITransport(app=local.app)) as api:
        repo = repo_factory("a")
        await api.create_repo(repo)
        assert [r.id async for r in api.list_user_repos()] == [repo]


def test_official_client_and_module_alias(hub: HubProcess, repo_factory: Callable[..., str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repo_factory("hf")
    with HfApi(endpoint=hub.endpoint, token=ALICE_WRITE) as api:
        api.create_repo(repo, private=True)
    official = huggingface_hub.HfApi(endpoint=hub.endpoint, token=ALICE_WRITE)
    theirs = {r.id: r for r in official.list_user_repos()}
    assert isinstance(theirs[repo], huggingface_hub.hf_api.RepoStorageInfo)
    assert (theirs[repo].type, theirs[repo].visibility) == ("model", "private") and theirs[repo].storage > 0
    assert all(r.id.startswith("alice/") for r in theirs.values())
    org_repo = repo_factory("hf", namespace="acme")
    official.create_repo(org_repo)
    assert org_repo in {r.id for r in official.list_user_repos(namespace="acme")}
    with pytest.raises(huggingface_hub.errors.HfHubHTTPError) as err:
        list(huggingface_hub.HfApi(endpoint=hub.endpoint, token=BOB_WRITE).list_user_repos(namespace="acme"))
    assert err.value.response.status_code == 403

    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    monkeypatch.setenv("HF_TOKEN", ALICE_WRITE)
    import hubflow._module_functions as module_functions

    monkeypatch.setattr(module_functions, "_default", None)
    try:
        ours = {r.id: r for r in list_user_repos()}
    finally:
        module_functions.default_api().close()
    assert ours[repo].storage == theirs[repo].storage
