"""`hubflow demo`: the generated folder, the report, and a full run in a real process."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

from hubflow._demo import DemoReport, generate_folder

HUBFLOW = str(Path(sys.executable).parent / "hubflow")


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file()}


def test_generated_folder_is_seeded_nested_and_sized(tmp_path: Path) -> None:
    sizes = generate_folder(tmp_path / "a", small=30, large=2, large_size=100_000, seed=7)
    again = generate_folder(tmp_path / "b", small=30, large=2, large_size=100_000, seed=7)
    generate_folder(tmp_path / "c", small=30, large=2, large_size=100_000, seed=8)
    assert sizes == again and len(sizes) == 32
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b") != _digests(tmp_path / "c")
    small = [size for path, size in sizes.items() if path.endswith(".txt")]
    assert len(small) == 30 and all(1024 <= size <= 64 * 1024 for size in small)
    assert any(path.count("/") >= 2 for path in sizes)  # nested folders
    for path, size in sizes.items():
        assert (tmp_path / "a" / path).stat().st_size == size
    assert (tmp_path / "a" / "weights" / "shard_01.bin").stat().st_size == 100_000


def test_report_says_failed_when_a_file_differs() -> None:
    report = DemoReport(repo_id="alice/d", files=3, total_bytes=3 * 1024 * 1024, lfs_files=1,
                        upload_seconds=0.5, download_seconds=0.25, commit_oid="a" * 40,
                        mismatched=["x.txt"], missing=[])
    assert not report.verified
    text = "\n".join(report.lines())
    assert "FAILED" in text and "mismatch x.txt" in text and "6.0 MB/s" in text
    ok = DemoReport(repo_id="alice/d", files=3, total_bytes=1, lfs_files=1, upload_seconds=1,
                    download_seconds=1, commit_oid="b" * 40, mismatched=[], missing=[])
    assert ok.verified and "verified OK" in ok.lines()[-1]


def test_bad_arguments_are_one_line() -> None:
    proc = subprocess.run([HUBFLOW, "demo", "--large-size", "0"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("hubflow demo: ValueError: ") and "\n" not in proc.stderr.strip()


def test_demo_runs_and_verifies() -> None:
    env = {**os.environ, "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    proc = subprocess.run([HUBFLOW, "demo", "--small", "20", "--large", "1", "--large-size", "2"],
                          env=env, capture_output=True, text=True, timeout=100)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "verified OK: all 21 files match their sha256" in out
    assert re.search(r"files      21, [0-9.]+ MB \(1 stored in LFS by the Hub\)", out), out
    assert "upload" in out and "MB/s" in out and "download" in out
