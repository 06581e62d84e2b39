"""``permanently_delete_lfs_files``: with ``rewrite_history`` (the default) the files leave every commit of every ref.

Without it the object is gone and the pointers stay: a download is a clear 404, as on the Hub.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import huggingface_hub
import pytest

from hubflow import CommitOperationAdd, HfApi
from hubflow.errors import EntryNotFoundError
from hubflow.testing import HubProcess

pytestmark = pytest.mark.timeout(60)

SECRET = b"\0leaked weights\0" * 2000
KEPT = b"\0kept weights\0" * 2000


@pytest.fixture
def api(hub: HubProcess, token: str) -> Iterator[HfApi]:
    with HfApi(endpoint=hub.endpoint, token=token) as client:
        yield client


def _history(api: HfApi, repo_id: str, revision: str = "main") -> list[tuple[str, str]]:
    return [(c.commit_id, c.title) for c in api.list_repo_commits(repo_id, revision=revision)]


def _make_repo(api: HfApi, repo_id: str) -> None:
    api.create_repo(repo_id)
    api.create_commit(repo_id, [
        CommitOperationAdd("weights/secret.bin", SECRET),
        CommitOperationAdd("weights/only/secret-copy.bin", SECRET),
        CommitOperationAdd("kept.bin", KEPT),
    ], commit_message="add weights")
    api.create_commit(repo_id, [CommitOperationAdd("notes.txt", b"notes")], commit_message="add notes")
    api.create_branch(repo_id, branch="dev")
    api.create_tag(repo_id, tag="v1")
    api.create_commit(repo_id, [CommitOperationAdd("later.txt", b"later")], commit_message="add later")


def test_rewrite_history_removes_the_files_from_every_ref(
    api: HfApi, hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path
) -> None:
    repo_id = repo_factory("lfs-rewrite")
    _make_repo(api, repo_id)
    before = _history(api, repo_id)
    lfs = list(api.list_lfs_files(repo_id))
    secret = [f for f in lfs if "secret" in f.filename]
    assert len(lfs) == 2 and len(secret) == 1  # both secret paths name one object

    api.permanently_delete_lfs_files(repo_id, secret)

    after = _history(api, repo_id)
    assert [title for _, title in after] == [title for _, title in before]  # same commits, messages kept
    assert after[-1][0] == before[-1][0]  # the initial commit never held it: its id is unchanged
    assert all(new != old for (new, _), (old, _) in zip(after[:-1], before[:-1], strict=True))
    for revision in ("main", "dev", "v1", after[1][0]):
        files = api.list_repo_files(repo_id, revision=revision)
        assert "kept.bin" in files and "notes.txt" in files
        assert not any("secret" in f for f in files)
        assert not any(f.startswith("weights/only") for f in files)  # a folder left empty is gone
    assert "later.txt" in api.list_repo_files(repo_id) and "later.txt" not in api.list_repo_files(repo_id, revision="dev")
    assert api.repo_info(repo_id).sha == after[0][0]
    assert [f.filename for f in api.list_lfs_files(repo_id)] == ["kept.bin"]

    official = huggingface_hub.HfApi(endpoint=hub.endpoint, token="hf_alice_write")
    kept = official.hf_hub_download(repo_id, "kept.bin", cache_dir=tmp_path / "cache")
    assert Path(kept).read_bytes() == KEPT
    with pytest.raises(huggingface_hub.errors.EntryNotFoundError):
        official.hf_hub_download(repo_id, "weights/secret.bin", cache_dir=tmp_path / "cache")


def test_official_client_rewrites_too_and_without_rewrite_pointers_stay(
    api: HfApi, hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path
) -> None:
    official = huggingface_hub.HfApi(endpoint=hub.endpoint, token="hf_alice_write")
    rewritten = repo_factory("lfs-official")
    _make_repo(api, rewritten)
    official.permanently_delete_lfs_files(
        rewritten, [f for f in official.list_lfs_files(rewritten) if "secret" in f.filename]
    )
    assert not any("secret" in f for f in official.list_repo_files(rewritten, revision="v1"))

    kept_pointers = repo_factory("lfs-no-rewrite")
    _make_repo(api, kept_pointers)
    head = api.repo_info(kept_pointers).sha
    secret = [f for f in api.list_lfs_files(kept_pointers) if "secret" in f.filename]
    api.permanently_delete_lfs_files(kept_pointers, secret, rewrite_history=False)
    assert api.repo_info(kept_pointers).sha == head
    assert "weights/secret.bin" in api.list_repo_files(kept_pointers)
    with pytest.raises(EntryNotFoundError, match="missing"):
        api.hf_hub_download(kept_pointers, "weights/secret.bin", cache_dir=tmp_path / "cache")
