"""How fast this machine writes new file data: into fresh page cache vs into recently freed pages.

``python -m benchmarks.page_cache [--dir DIR] [--mb 256] [--rounds 3]`` writes ``--mb`` MB files
after ``os.sync()``, all kept until the end: one right after another file of that size was
deleted (its pages are reused), one when nothing was freed (the kernel needs new pages). On the
2-core Firecracker VM of the benchmarks, new pages run at ~400-550 MB/s and just-freed ones at
2-5 GB/s: writing new data is expensive there, for the local Hub storing uploads as for a client
filling its cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

MiB = 1024 * 1024


def write_file(path: Path, size_mb: int, block: bytes) -> float:
    """Write ``size_mb`` MiB of ``block`` to ``path``; return MB/s (the write calls only)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        start = time.perf_counter()
        for _ in range(size_mb):
            os.write(fd, block)
        elapsed = time.perf_counter() - start
    finally:
        os.close(fd)
    return size_mb / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: a temp dir)")
    parser.add_argument("--mb", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="page-cache-", dir=args.dir))
    block = os.urandom(MiB)
    try:
        for n in range(args.rounds):
            first = work / f"first-{n}"
            write_file(first, args.mb, block)
            os.sync()
            first.unlink()  # its pages are free now: the next file reuses them
            recycled = write_file(work / f"reused-{n}", args.mb, block)
            os.sync()
            fresh = write_file(work / f"fresh-{n}", args.mb, block)  # nothing was freed: new pages
            print(f"round {n + 1}: new pages {fresh:,.0f} MB/s | just-freed pages {recycled:,.0f} MB/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
