"""``upload_large_folder``: commits, journal placement, report, limit warnings, the CLI sub-command."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from large_folder_helpers import assert_tree_equals_folder, make_folder  # type: ignore[import-not-found]

from hubflow import HfApi, LargeFolderWarning, NodeFinished, NodeProgress
from hubflow.pipelines._large_folder_report import LargeFolderReport, format_size
from hubflow.pipelines.large_folder import (
    LARGE_FOLDER_COMMIT_MESSAGE,
    build_large_folder_graph,
    check_recommended_limits,
    journal_path,
    scan_folder,
)
from hubflow.tasks.hashing import Source
from hubflow.tasks.lfs import FileToUpload, RepoTarget
from hubflow.testing import HubProcess, LocalHub


def _api(hub: LocalHub, token: str) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token, transport=httpx.ASGITransport(app=hub.app))


def test_commits_in_bounded_groups_with_the_tools_message(
    asgi_hub: LocalHub, token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_folder(tmp_path / "data", small=25, lfs=0, seed=1)
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: x")
    with _api(asgi_hub, token) as api:
        api._async.large_folder_files_per_commit = 10
        api.upload_large_folder("alice/groups", folder, repo_type="model", private=True, print_report_every=0)
        commits = api.list_repo_commits("alice/groups")
        files = api.list_repo_files("alice/groups")
        assert api.model_info("alice/groups").private
    assert [c.title for c in commits[:-1]] == [LARGE_FOLDER_COMMIT_MESSAGE] * 3  # 10 + 10 + 5 files
    assert not any(f.startswith((".git/", ".cache/")) for f in files) and len(files) == 26  # + .gitattributes
    target = RepoTarget(repo_id="alice/groups", repo_type="model")
    assert journal_path(folder, target, asgi_hub.endpoint).is_file()  # next to the data, in .cache
    out = capsys.readouterr().out
    assert "hashed 25/25" in out and "committed: 25/25" in out


def test_changed_file_is_rehashed_and_recommitted_alone(asgi_hub: LocalHub, token: str, tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "data", small=12, lfs=0, seed=2)
    with _api(asgi_hub, token) as api:
        api._async.large_folder_files_per_commit = 5
        api.upload_large_folder("alice/changed", folder, repo_type="dataset", print_report=False)
        (folder / "d3" / "file-0003.txt").write_text("new content\n")
        events: list[object] = []
        api.on_event = events.append
        api.upload_large_folder("alice/changed", folder, repo_type="dataset", print_report=False)
        commits = api.list_repo_commits("alice/changed", repo_type="dataset")
        entry = api.get_paths_info("alice/changed", ["d3/file-0003.txt"], repo_type="dataset")[0]
    fresh = [e for e in events if isinstance(e, NodeFinished) and e.kind == "HashFile" and not e.from_journal]
    assert len(fresh) == 1  # only the edited file; its group's other files come from the journal
    assert len(commits) == 1 + 3 + 1 and commits[0].title == LARGE_FOLDER_COMMIT_MESSAGE
    assert entry.blob_id == hashlib.sha1(b"blob 12\0new content\n").hexdigest()


def test_stale_journal_after_repo_recreated(asgi_hub: LocalHub, token: str, tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "data", small=6, lfs=0, seed=3)
    with _api(asgi_hub, token) as api:
        api.upload_large_folder("alice/again", folder, repo_type="dataset", print_report=False)
        api.delete_repo("alice/again", repo_type="dataset")
        api.upload_large_folder("alice/again", folder, repo_type="dataset", print_report=False)
        files = api.list_repo_files("alice/again", repo_type="dataset")
    assert len(files) == 7  # the journal's commits are not on the new branch: everything is committed again


def test_recommended_limit_warnings() -> None:
    def files(n: int, folder: str = "d", size: int = 1) -> list[FileToUpload]:
        return [FileToUpload(path_in_repo=f"{folder}/{i}", source=Source(path=f"/x/{i}", size=size)) for i in range(n)]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert check_recommended_limits(files(10)) == []
        check_recommended_limits(files(10_001, "big"))
        check_recommended_limits([*files(1, "a", 21 * 1000**3), *files(1, "b", 51 * 1000**3)])
    messages = [str(w.message) for w in caught]
    assert all(w.category is LargeFolderWarning for w in caught)
    assert any("'big' has 10001 entries" in m for m in messages)
    assert any("'a/0'" in m and "20 GB" in m for m in messages)
    assert any("'b/0'" in m and "50 GB" in m for m in messages)
    many = [FileToUpload(path_in_repo=f"f{i}", source=Source(path="/x", size=1)) for i in range(100_001)]
    with pytest.warns(LargeFolderWarning) as record:
        check_recommended_limits(many)
    assert [str(w.message).split(":")[0] for w in record] == ["The folder has 100001 files", "Folder '.' has 100001 entries"]


def test_graph_skips_committed_groups(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "data", small=7, lfs=0, seed=5)
    files = scan_folder(folder)
    plan = build_large_folder_graph(RepoTarget(repo_id="alice/x"), files, max_files_per_commit=3)
    assert len(plan.commits) == 3 and len(plan.hashes) == 7 and plan.skipped_groups == []
    deps = plan.graph.dag
    assert deps.has_edge(plan.commits[0].key, plan.commits[1].key)  # one commit at a time, in order


def test_report_prints_periodically() -> None:
    now = [0.0]
    lines: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            lines.append(text)

        def flush(self) -> None:
            pass

    report = LargeFolderReport(total_files=2, total_bytes=3000, hash_sizes={"h1": 1000, "h2": 2000}, every=10,
                               out=Out(), clock=lambda: now[0])  # type: ignore[arg-type]
    report(NodeProgress(key="h1", kind="HashFile", delta_bytes=1000, done_bytes=1000))
    report(NodeFinished(key="h1", kind="HashFile"))
    assert lines == []
    now[0] = 10.5
    report(NodeFinished(key="h2", kind="HashFile", from_journal=True))
    text = "".join(lines)
    assert "hashed 2/2 (3.0k/3.0k)" in text and "1 hashes" in text and format_size(1536) == "1.5k"


def test_cli_upload_large_folder(hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "data", small=20, lfs=1, seed=6, lfs_size=(200_000, 300_000))
    repo = repo_factory("cli")
    base = [sys.executable, "-m", "hubflow.cli", "upload-large-folder"]
    auth = ["--endpoint", hub.endpoint, "--token", "hf_alice_write"]
    done = subprocess.run([*base, repo, str(folder), "--repo-type", "dataset", "--num-workers", "2", *auth],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "committed: 21/21" in done.stdout
    assert_tree_equals_folder(hub.endpoint, repo, folder)
    bad = subprocess.run([*base, "a/b/c", str(folder), "--repo-type", "dataset", *auth],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr.startswith("hubflow upload-large-folder: HFValidationError:") and "a/b/c" in bad.stderr
