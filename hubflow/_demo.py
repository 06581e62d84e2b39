"""``hubflow demo``: a round trip through an embedded local Hub, verified byte for byte.

Starts ``hubflow serve`` on loopback with a temporary data folder, creates a repo, generates a
seeded folder (small text files in nested folders plus a few large binary files that go
through LFS), uploads it with ``HfApi.upload_folder`` (the task graph, with a progress view),
downloads it back with ``snapshot_download`` into a fresh cache, compares the sha256 of every
file with the original, and prints a short report. Exit code 0 only if everything matched.

```console
$ hubflow demo --small 200 --large 3 --large-size 20
```
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

__all__ = ["DemoReport", "generate_folder", "register", "run_demo"]

_MB = 1024 * 1024
_WORDS = ("hub", "flow", "graph", "node", "task", "commit", "blob", "tree", "lfs", "sha", "byte", "file")


class DemoReport(msgspec.Struct, kw_only=True):
    """What ``run_demo`` did and found."""

    repo_id: str
    files: int
    total_bytes: int
    lfs_files: int
    """Files the Hub's tree lists with an ``lfs`` pointer."""
    upload_seconds: float
    download_seconds: float
    commit_oid: str
    mismatched: list[str]
    missing: list[str]
    hub_verification: str | None = None
    """Summary of ``verify_repo_checksums`` (``None`` when the facade does not offer it)."""
    hub_verification_ok: bool = True

    @property
    def verified(self) -> bool:
        """Every original file came back with the same sha256 (and the Hub's own check agreed)."""
        return not self.mismatched and not self.missing and self.hub_verification_ok

    def lines(self) -> list[str]:
        """The printed report."""
        size = self.total_bytes / _MB

        def rate(seconds: float) -> str:
            return f"{size / seconds:.1f} MB/s" if seconds > 0 else "-"

        out = [
            f"repo       {self.repo_id} @ {self.commit_oid[:12]}",
            f"files      {self.files}, {size:.1f} MB ({self.lfs_files} stored in LFS by the Hub)",
            f"upload     {self.upload_seconds:.2f} s, {rate(self.upload_seconds)}",
            f"download   {self.download_seconds:.2f} s, {rate(self.download_seconds)}",
        ]
        if self.hub_verification is not None:
            out.append(f"hub check  {self.hub_verification}")
        if self.verified:
            out.append(f"verified OK: all {self.files} files match their sha256")
        else:
            bad = [*(f"mismatch {p}" for p in self.mismatched), *(f"missing {p}" for p in self.missing)]
            out.append(f"verification FAILED ({len(bad)} problems): " + "; ".join(bad[:5]))
        return out


def generate_folder(root: Path, *, small: int, large: int, large_size: int, seed: int = 0) -> dict[str, int]:
    """Write ``small`` text files (1-64 KB, nested folders) and ``large`` binary files of ``large_size`` bytes.

    Seeded: the same arguments give the same bytes. Returns ``{relative path: size}``.

    ```python
    sizes = generate_folder(Path("data"), small=20, large=1, large_size=2 * 1024 * 1024)
    ```
    """
    rng = random.Random(seed)
    sizes: dict[str, int] = {}
    for i in range(small):
        folder = "/".join(f"{rng.choice(_WORDS)}{rng.randrange(4)}" for _ in range(rng.randrange(1, 4)))
        rel = f"{folder}/file_{i:04d}.txt"
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        size = rng.randint(1024, 64 * 1024)
        # Text, so that the Hub stores them as regular git blobs (binary content would go to LFS).
        line = " ".join(rng.choice(_WORDS) for _ in range(12)) + "\n"
        data = (f"# {rel}\n" + line * (size // len(line) + 1)).encode()[:size]
        target.write_bytes(data)
        sizes[rel] = size
    for i in range(large):
        rel = f"weights/shard_{i:02d}.bin"
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(rng.randbytes(large_size))
        sizes[rel] = large_size
    return sizes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_MB):
            digest.update(chunk)
    return digest.hexdigest()


def _hub_check(api: Any, repo_id: str, cache_dir: Path) -> tuple[str | None, bool]:
    """``verify_repo_checksums`` against the Hub's own checksums, when the facade has it."""
    verify = getattr(api, "verify_repo_checksums", None)
    if verify is None:
        return None, True
    result = verify(repo_id, cache_dir=cache_dir)
    mismatches = list(getattr(result, "mismatches", []))
    missing = list(getattr(result, "missing_paths", []))
    checked = getattr(result, "checked_count", "?")
    ok = not mismatches and not missing
    return f"{checked} files checked by verify_repo_checksums: {'OK' if ok else 'MISMATCH'}", ok


def run_demo(
    workdir: Path, *, small: int = 200, large: int = 3, large_size: int = 20 * _MB, seed: int = 0,
    repo_id: str = "alice/hubflow-demo", log: Callable[[str], None] = print,
) -> DemoReport:
    """Serve a local Hub from ``workdir``, upload a generated folder, download it, verify it.

    ```python
    report = run_demo(Path(tempfile.mkdtemp()), small=20, large=1, large_size=2 * 1024 * 1024)
    assert report.verified
    ```
    """
    from hubflow import HfApi
    from hubflow.progress import default_view
    from hubflow.testing import ALICE_WRITE, HubProcess

    source = workdir / "source"
    sizes = generate_folder(source, small=small, large=large, large_size=large_size, seed=seed)
    log(f"generated {len(sizes)} files ({sum(sizes.values()) / _MB:.1f} MB) in {source}")
    with HubProcess(workdir / "hub") as hub, HfApi(endpoint=hub.endpoint, token=ALICE_WRITE) as api:
        log(f"local Hub at {hub.endpoint} (data in {workdir / 'hub'})")
        api.create_repo(repo_id, exist_ok=True)

        view = default_view("Upload")
        api.on_event = view
        started = time.perf_counter()
        try:
            info = api.upload_folder(folder_path=str(source), repo_id=repo_id,
                                     commit_message="hubflow demo: upload a generated folder")
        finally:
            if view is not None:
                view.finish()
        upload_seconds = time.perf_counter() - started

        cache_dir = workdir / "cache"
        view = default_view("Download")
        api.on_event = view
        started = time.perf_counter()
        try:
            snapshot = Path(api.snapshot_download(repo_id, cache_dir=str(cache_dir)))
        finally:
            if view is not None:
                view.finish()
        download_seconds = time.perf_counter() - started
        api.on_event = None

        mismatched, missing = [], []
        for rel in sorted(sizes):
            copy = snapshot / rel
            if not copy.is_file():
                missing.append(rel)
            elif _sha256(copy) != _sha256(source / rel):
                mismatched.append(rel)
        hub_summary, hub_ok = _hub_check(api, repo_id, cache_dir)
        # Ask the Hub which files it stores in LFS rather than assuming the large ones went there.
        lfs_files = sum(1 for entry in api.list_repo_tree(repo_id, recursive=True) if getattr(entry, "lfs", None))
    return DemoReport(
        repo_id=repo_id, files=len(sizes), total_bytes=sum(sizes.values()), lfs_files=lfs_files,
        upload_seconds=upload_seconds, download_seconds=download_seconds, commit_oid=info.oid,
        mismatched=mismatched, missing=missing, hub_verification=hub_summary, hub_verification_ok=hub_ok,
    )


def register(subparsers: Any, *, guard: Callable[[Callable[[argparse.Namespace], int]], Any]) -> None:
    """Add ``hubflow demo`` (``guard`` turns typed errors into one line and exit code 1)."""
    demo = subparsers.add_parser("demo", help="round trip through an embedded local Hub, verified")
    demo.add_argument("--small", type=int, default=200, metavar="N", help="small files (1-64 KB), default 200")
    demo.add_argument("--large", type=int, default=3, metavar="N", help="large LFS files, default 3")
    demo.add_argument("--large-size", type=float, default=20, metavar="MB", help="size of each large file, default 20")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--keep", action="store_true", help="keep the temporary folder (hub data, files, cache)")
    demo.set_defaults(func=guard(_demo))


def _demo(args: argparse.Namespace) -> int:
    if args.small < 0 or args.large < 0 or args.large_size <= 0 or args.small + args.large == 0:
        raise ValueError("--small and --large must be >= 0 (not both 0) and --large-size > 0")
    workdir = Path(tempfile.mkdtemp(prefix="hubflow-demo-"))
    try:
        report = run_demo(workdir, small=args.small, large=args.large,
                          large_size=int(args.large_size * _MB), seed=args.seed)
        print()
        for line in report.lines():
            print(line)
        sys.stdout.flush()
        return 0 if report.verified else 1
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
