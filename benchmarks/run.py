"""The one command: ``python -m benchmarks.run [--size full|smoke] [--runs 3] [--only NAME] [--out FILE]``.

Starts a local Hub on loopback, measures every workload with both clients (issue #5) and runs the
server benchmark (issue #2), then writes one markdown document to ``--out`` and prints it.
``--only`` (repeatable, or comma-separated) picks workloads: ``upload_small``, ``upload_lfs``,
``download_small``, ``download_lfs``, ``list_tree``, ``list_models``, ``memory``, ``server``.

```console
$ python -m benchmarks.run --size smoke --runs 1
$ python -m benchmarks.run --size full --runs 3 --only upload_lfs,memory --out benchmarks/results/lfs.md
```
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from benchmarks._data import seed_model_repos, sha256_single_core_mb_s
from benchmarks._proc import Server
from benchmarks._report import Machine, render
from benchmarks._server_bench import run_server_bench
from benchmarks._sizes import SIZES
from benchmarks._suite import SUITE, Hashing, Row, run_suite

ALL = (*SUITE, "server")
MODELS_NAMESPACE = "bulk"
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "RESULTS.md"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--runs", type=int, default=3, help="runs per workload and client (median reported)")
    parser.add_argument("--only", action="append", default=[], help=f"workloads to run, from: {', '.join(ALL)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="markdown file to write")
    parser.add_argument("--work-dir", type=Path, default=None, help="where data and the Hub live (default: a temp dir)")
    args = parser.parse_args(argv)
    only = {name.strip() for item in args.only for name in item.split(",") if name.strip()}
    unknown = only - set(ALL)
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(sorted(unknown))}; choose from {', '.join(ALL)}")
    args.only = only or None
    if args.runs < 1:
        parser.error("--runs must be ≥ 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; returns the exit code (0 even when targets are missed: benchmarks are not tests)."""
    args = _parse(argv)
    sizes = SIZES[args.size]
    started = time.perf_counter()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="hubflow-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        machine = Machine(
            cores=os.cpu_count() or 1, sha256_mb_s=sha256_single_core_mb_s(sizes.sha_buffer), size=args.size,
            runs=args.runs,
            versions=f"huggingface_hub {version('huggingface_hub')}, hubflow {version('hubflow')}, "
                     f"Python {sys.version.split()[0]}",
        )
        suite = [n for n in SUITE if args.only is None or n in args.only]
        rows: list[Row] = []
        hashing: Hashing | None = None
        if suite:
            hub_dir = work / "hub"
            if "list_models" in suite:
                took = seed_model_repos(hub_dir, namespace=MODELS_NAMESPACE, count=sizes.models)
                print(f"seeded {sizes.models:,} repos in {took:.1f} s", file=sys.stderr)
            with Server(hub_dir) as server:
                rows, hashing = run_suite(
                    server, work, sizes, runs=args.runs, only=set(suite), models_namespace=MODELS_NAMESPACE
                )
        server_report = None
        if args.only is None or "server" in args.only:
            server_report = run_server_bench(work, sizes, runs=args.runs)
        text = render(machine, rows, hashing, server_report)
        text += f"\n_Total benchmark wall time: {time.perf_counter() - started:.0f} s._\n"
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
