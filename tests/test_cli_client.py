"""`hubflow whoami | repo create/delete | upload | download` against a real local Hub process.

Hub state is checked with the official huggingface_hub client, independently of hubflow's facade.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import huggingface_hub
import pytest

from hubflow.cli import main
from hubflow.testing import HubProcess

HUBFLOW = str(Path(sys.executable).parent / "hubflow")


@pytest.fixture
def cli(hub: HubProcess, token: str, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `hubflow ARGS --endpoint <hub> --token <alice>` in-process: (exit code, stdout, stderr)."""

    def invoke(*args: str, auth: bool = True) -> tuple[int, str, str]:
        capsys.readouterr()
        extra = ["--endpoint", hub.endpoint, "--token", token] if auth else []
        code = main([*args, *extra])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def official(hub: HubProcess, token: str) -> huggingface_hub.HfApi:
    return huggingface_hub.HfApi(endpoint=hub.endpoint, token=token)


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_whoami(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("whoami")
    assert code == 0
    assert out.splitlines() == ["alice", "orgs: acme"]


def test_whoami_reads_env(hub: HubProcess, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    monkeypatch.setenv("HF_TOKEN", "hf_bob_write")
    assert main(["whoami"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "bob"


def test_whoami_bad_token_is_one_line(hub: HubProcess, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["whoami", "--endpoint", hub.endpoint, "--token", "hf_not_a_token"])
    assert code == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("hubflow whoami: ") and "401" in line


def test_whoami_real_process(hub: HubProcess, token: str) -> None:
    env = {**os.environ, "HF_ENDPOINT": hub.endpoint, "HF_TOKEN": token}
    proc = subprocess.run([HUBFLOW, "whoami"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "alice"


def test_malformed_repo_id_real_process(hub: HubProcess, token: str) -> None:
    args = [HUBFLOW, "repo", "create", "alice/bad/name", "--endpoint", hub.endpoint, "--token", token]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    line = _one_line(proc.stderr)
    assert line.startswith("hubflow repo create: HFValidationError") and "alice/bad/name" in line


def test_upload_missing_path_names_it(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    code, out, err = cli("upload", "alice/whatever", str(missing))
    assert code == 1 and out == ""
    line = _one_line(err)
    assert "hubflow upload" in line and str(missing) in line


def test_download_malformed_repo_id(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, _, err = cli("download", "alice/--bad")
    assert code == 1
    assert "HFValidationError" in _one_line(err)


def test_usage_errors_exit_non_zero() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["repo", "create"])  # missing REPO_ID: argparse says so and exits 2
    assert exc.value.code == 2


def test_repo_create_and_delete(
    cli: Callable[..., tuple[int, str, str]], official: huggingface_hub.HfApi, repo_factory: Callable[..., str]
) -> None:
    repo_id = repo_factory("cli")
    code, out, _ = cli("repo", "create", repo_id, "--repo-type", "dataset", "--private")
    assert code == 0 and out.strip().endswith(f"datasets/{repo_id}")
    assert official.dataset_info(repo_id).private is True

    code, _, err = cli("repo", "create", repo_id, "--repo-type", "dataset")
    assert code == 1 and "409" in _one_line(err)
    assert cli("repo", "create", repo_id, "--repo-type", "dataset", "--exist-ok")[0] == 0

    code, out, _ = cli("repo", "delete", repo_id, "--repo-type", "dataset")
    assert code == 0 and repo_id in out
    assert not official.repo_exists(repo_id, repo_type="dataset")

    code, _, err = cli("repo", "delete", repo_id, "--repo-type", "dataset")
    assert code == 1 and "RepositoryNotFoundError" in _one_line(err)
    assert cli("repo", "delete", repo_id, "--repo-type", "dataset", "--missing-ok")[0] == 0


def _folder(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("alpha\n")
    (root / "sub" / "b.txt").write_text("beta\n")
    (root / "sub" / "skip.log").write_text("noise\n")
    (root / "big.bin").write_bytes(os.urandom(300_000))
    return root


def test_upload_folder_creates_repo_then_download(
    cli: Callable[..., tuple[int, str, str]], official: huggingface_hub.HfApi, repo_factory: Callable[..., str],
    tmp_path: Path,
) -> None:
    repo_id = repo_factory("up")
    folder = _folder(tmp_path / "data")
    code, out, err = cli("upload", repo_id, str(folder), "--exclude", "*.log", "--commit-message", "first")
    assert code == 0, err
    assert "/commit/" in out
    files = set(official.list_repo_files(repo_id))
    assert {"a.txt", "sub/b.txt", "big.bin"} <= files and "sub/skip.log" not in files
    assert official.list_repo_commits(repo_id)[0].title == "first"

    # One file: its path in the cache.
    code, out, err = cli("download", repo_id, "sub/b.txt", "--cache-dir", str(tmp_path / "cache"))
    assert code == 0, err
    path = Path(out.strip())
    assert path.read_text() == "beta\n" and str(tmp_path / "cache") in str(path)

    # The whole repo into a folder.
    local = tmp_path / "copy"
    code, out, err = cli("download", repo_id, "--local-dir", str(local))
    assert code == 0, err
    assert Path(out.strip()) == local
    assert (local / "big.bin").read_bytes() == (folder / "big.bin").read_bytes()
    assert (local / "a.txt").read_text() == "alpha\n"

    # A pattern filter.
    only = tmp_path / "only"
    assert cli("download", repo_id, "--include", "sub/*", "--local-dir", str(only))[0] == 0
    assert (only / "sub" / "b.txt").is_file() and not (only / "a.txt").exists()


def test_upload_file_path_in_repo_branch_and_pr(
    cli: Callable[..., tuple[int, str, str]], official: huggingface_hub.HfApi, repo_factory: Callable[..., str],
    tmp_path: Path,
) -> None:
    repo_id = repo_factory("file")
    source = tmp_path / "notes.md"
    source.write_text("# notes\n")
    code, _, err = cli("upload", repo_id, str(source), "--repo-type", "dataset")
    assert code == 0, err
    assert "notes.md" in official.list_repo_files(repo_id, repo_type="dataset")

    code, _, err = cli("upload", repo_id, str(source), "docs/readme.md", "--repo-type", "dataset",
                       "--revision", "dev")
    assert code == 0, err
    assert "docs/readme.md" in official.list_repo_files(repo_id, repo_type="dataset", revision="dev")
    assert "docs/readme.md" not in official.list_repo_files(repo_id, repo_type="dataset")

    code, out, err = cli("upload", repo_id, str(source), "pr.md", "--repo-type", "dataset", "--create-pr")
    assert code == 0, err
    assert "/discussions/" in out
    assert "pr.md" in official.list_repo_files(repo_id, repo_type="dataset", revision="refs/pr/1")


def test_upload_and_download_real_process(
    hub: HubProcess, token: str, official: huggingface_hub.HfApi, repo_factory: Callable[..., str], tmp_path: Path
) -> None:
    repo_id = repo_factory("proc")
    folder = _folder(tmp_path / "data")
    env = {**os.environ, "HF_ENDPOINT": hub.endpoint, "HF_TOKEN": token}
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
    up = subprocess.run([HUBFLOW, "upload", repo_id, str(folder), "--private"], env=env,
                        capture_output=True, text=True, timeout=60)
    assert up.returncode == 0, up.stderr
    assert official.model_info(repo_id).private is True
    # Progress bars on (the default): one tqdm bar titled "Upload" on stderr, the URL alone on stdout.
    assert "Upload: 100%|" in up.stderr and "/commit/" in up.stdout and "Upload" not in up.stdout
    env["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    down = subprocess.run([HUBFLOW, "download", repo_id, "--cache-dir", str(tmp_path / "cache")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert down.returncode == 0, down.stderr
    assert down.stderr == ""  # bars off: nothing on stderr
    snapshot = Path(down.stdout.strip())
    assert (snapshot / "sub" / "skip.log").read_text() == "noise\n"
