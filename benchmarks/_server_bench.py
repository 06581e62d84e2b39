"""Issue #2: the local Hub under load, driven by the official client; times and the SERVER's peak memory.

Phases, per run: one commit of many small files (``create_commit``), a recursive tree listing of
that repo, an LFS upload of one large file (``upload_folder``) and its ``snapshot_download``. The
server's peak RSS is reset before each phase and read after it (see ``benchmarks._proc``).

```python
phases, idle_mb = run_server_bench(work, SIZES["smoke"], runs=1)
```
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks._data import write_large_file
from benchmarks._proc import TOKEN, Measurement, Server, run_worker
from benchmarks._sizes import Sizes

CLIENT = "huggingface_hub"


@dataclass
class Phase:
    """One phase: the client's measurements and the server's peak RSS during each."""

    label: str
    size_bytes: int | None = None
    runs: list[Measurement] = field(default_factory=list)
    server_peaks: list[float] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        return next((m.error for m in self.runs if m.error), None)

    @property
    def median_seconds(self) -> float | None:
        times = [m.seconds for m in self.runs if m.seconds is not None]
        return statistics.median(times) if times else None


@dataclass
class ServerReport:
    """The server benchmark's phases plus the server's idle RSS and whether peaks are per phase."""

    phases: list[Phase]
    idle_mb: float
    per_phase: bool


def run_server_bench(work: Path, sizes: Sizes, *, runs: int) -> ServerReport:
    """Start a fresh local Hub in ``work`` and run the phases ``runs`` times."""
    mb = 1024 * 1024
    big = write_large_file(work / "server-lfs" / "weights.bin", size=sizes.server_lfs, seed=13).parent
    homes = itertools.count()
    commit = Phase(f"commit of {sizes.server_files:,} small files (`create_commit`)")
    tree = Phase(f"recursive tree listing of that repo ({sizes.server_files:,} files)")
    upload = Phase(f"LFS upload of {sizes.server_lfs // mb} MB (`upload_folder`)", size_bytes=sizes.server_lfs)
    download = Phase(f"LFS download of {sizes.server_lfs // mb} MB (`snapshot_download`)", size_bytes=sizes.server_lfs)
    with Server(work / "server-hub") as server:
        idle = server.rss_mb()

        def phase(p: Phase, workload: str, **kw: object) -> None:
            home = work / "server-homes" / f"h{next(homes):04d}"
            if workload == "snapshot_download":
                kw["cache_dir"] = str(home / "cache")
            server.reset_peak()
            p.runs.append(run_worker(CLIENT, workload, {"endpoint": server.endpoint, "token": TOKEN, **kw}, home=home))
            p.server_peaks.append(server.peak_mb())

        for run in range(runs):
            repo = server.create_repo(f"srv-commit-{run}")
            phase(commit, "create_commit_files", repo_id=repo, count=sizes.server_files, seed=run)
            phase(tree, "list_repo_tree", repo_id=repo)
            repo = server.create_repo(f"srv-lfs-{run}")
            phase(upload, "upload_folder", repo_id=repo, folder=str(big))
            phase(download, "snapshot_download", repo_id=repo)
            server.delete_repo(repo)
        resettable = server.hwm_resettable
    return ServerReport(phases=[commit, tree, upload, download], idle_mb=idle, per_phase=resettable)
