"""The benchmark harness keeps working: its smoke size runs end to end and writes the table."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKLOAD_LABELS = [
    "`upload_folder` of 20 small files",
    "`upload_folder` of 2 files of 2 MB (LFS)",
    "sha256 hashing during the LFS upload",
    "sha256 hashing stage alone, same files",
    "`snapshot_download` of the 20-small-file repo",
    "`snapshot_download` of the 2x2 MB repo",
    "`list_repo_tree(recursive=True)` of a 200-file repo",
    "`list_models` over 50 repos",
    "peak memory uploading 16 MB vs 2 MB",
]
SERVER_PHASES = ["commit of 200 small files", "recursive tree listing", "LFS upload of 20 MB", "LFS download of 20 MB"]
SECONDS = re.compile(r"^\d+\.\d{3} s$")


def _rows(text: str, heading: str) -> list[list[str]]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("|---")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[1:]]


def test_smoke_size_produces_both_tables(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    env = {**os.environ, "HF_HUB_DISABLE_XET": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--size", "smoke", "--runs", "1", "--out", str(out),
         "--work-dir", str(tmp_path / "work")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=55,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    assert text in proc.stdout
    assert re.search(r"Machine: \d+ cores, sha256 on one core [\d,]+ MB/s", text)

    rows = _rows(text, "## hubflow vs huggingface_hub (issue #5)")
    labels = [r[0] for r in rows]
    for label in WORKLOAD_LABELS:
        assert any(lb.startswith(label) for lb in labels), (label, labels)
    assert len(rows) == len(WORKLOAD_LABELS)
    for row in rows:
        assert len(row) == 8, row
        assert row[7] in ("pass", "miss", "n/a"), row
        if not row[0].startswith("sha256"):
            # the official client always runs: its cell is a time, never "n/a"/"error"
            assert SECONDS.match(row[1]), row
            assert row[2].endswith("MB"), row
        hubflow = row[3]
        assert SECONDS.match(hubflow) or hubflow.startswith("n/a") or hubflow.endswith("MB/s"), row

    server = _rows(text, "## Local Hub server (issue #2)")
    assert [any(r[0].startswith(p) for r in server) for p in SERVER_PHASES] == [True] * 4
    for row in server:
        assert SECONDS.match(row[1]), row
        assert re.fullmatch(r"\d+ MB", row[3]) and int(row[3].split()[0]) > 0, row
