"""``hubflow serve`` and ``hubflow admin`` as real commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from huggingface_hub import HfApi

from hubflow.cli import main
from hubflow.testing import HubProcess


def test_admin_adds_users_and_orgs_while_serving(hub: HubProcess, capsys: object) -> None:
    assert main(["admin", "--data-dir", str(hub.data_dir), "user", "add", "carol", "--token", "hf_carol",
                 "--fullname", "Carol C."]) == 0
    assert main(["admin", "--data-dir", str(hub.data_dir), "user", "add", "carol", "--token", "hf_carol_ro",
                 "--read-only"]) == 0
    assert main(["admin", "--data-dir", str(hub.data_dir), "org", "add", "labs", "--member", "carol"]) == 0
    me = HfApi(endpoint=hub.endpoint, token="hf_carol").whoami()
    assert me["name"] == "carol" and me["fullname"] == "Carol C." and [o["name"] for o in me["orgs"]] == ["labs"]
    ro = HfApi(endpoint=hub.endpoint, token="hf_carol_ro").whoami()
    assert ro["auth"]["accessToken"]["role"] == "read"
    assert HfApi(endpoint=hub.endpoint, token="hf_carol").create_repo("labs/x").repo_id == "labs/x"
    assert main(["admin", "--data-dir", str(hub.data_dir), "org", "add", "bad", "--member", "ghost"]) == 1


def test_serve_on_empty_dir_creates_first_user(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hubflow.cli", "serve", "--data-dir", str(tmp_path / "new"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = proc.stdout.readline().strip()
        assert "write token" in first and url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        token = first.rsplit(" ", 1)[1].strip()
        assert HfApi(endpoint=url, token=token).whoami()["auth"]["accessToken"]["role"] == "write"
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
