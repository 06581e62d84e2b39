"""Issue #5: hubflow vs huggingface_hub, workload by workload, against one local Hub.

Each workload is measured ``runs`` times per client, alternating clients so drift hits both; every
measurement is a fresh worker process with a fresh ``HF_HOME``. Setup (repos to download or list,
the 10,000 bulk models) happens outside the timed region. A hubflow failure becomes an "n/a" cell,
and after a first failure the remaining runs of that workload are skipped for that client.

```python
rows, hashing = run_suite(server, work, SIZES["smoke"], runs=1, only=None, models_namespace="bulk")
```
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from benchmarks._data import write_large_file, write_large_files, write_small_files
from benchmarks._proc import TOKEN, Measurement, Server, run_worker
from benchmarks._sizes import Sizes

CLIENTS = ("huggingface_hub", "hubflow")
SHORT = {"huggingface_hub": "hf", "hubflow": "hfl"}
T = TypeVar("T")
SUITE = ("upload_small", "upload_lfs", "download_small", "download_lfs", "list_tree", "list_models", "memory")


@dataclass
class Row:
    """One workload: its label, target ratio and each client's measurements."""

    name: str
    label: str
    target: float | None
    runs: dict[str, list[Measurement]] = field(default_factory=lambda: {c: [] for c in CLIENTS})
    extra: dict[str, list[Measurement]] = field(default_factory=lambda: {c: [] for c in CLIENTS})
    """memory row: the 256 MB reference uploads (``runs`` holds the 2 GB ones)."""


@dataclass
class Hashing:
    """The hashing figure: hubflow's MB/s during the LFS upload (or from ``_hashing`` directly)."""

    mb_s: list[float] = field(default_factory=list)
    source: str = "upload_folder events"
    error: str | None = None
    alone_mb_s: list[float] = field(default_factory=list)
    """The hashing stage alone on the same files (``HashFile`` nodes, no transfers competing)."""


class _Ctx:
    def __init__(self, server: Server, work: Path, sizes: Sizes, runs: int) -> None:
        self.server, self.work, self.sizes, self.runs = server, work, sizes, runs
        self._homes = itertools.count()
        self._cache: dict[str, Any] = {}

    def home(self) -> Path:
        return self.work / "homes" / f"h{next(self._homes):04d}"

    def once(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = make()
        value: T = self._cache[key]
        return value

    def args(self, **kw: Any) -> dict[str, Any]:
        return {"endpoint": self.server.endpoint, "token": TOKEN, **kw}

    # -- data and source repos (setup, untimed) -------------------------------------------------------------
    def small(self) -> Path:
        return self.once("small", lambda: write_small_files(self.work / "small", count=self.sizes.small_files, seed=5))

    def lfs(self) -> Path:
        s = self.sizes
        return self.once("lfs", lambda: write_large_files(self.work / "lfs", count=s.lfs_files, size=s.lfs_size, seed=7))

    def mem_folder(self, which: str) -> Path:
        size = self.sizes.mem_small if which == "small" else self.sizes.mem_large
        folder = self.work / f"mem-{which}"
        return self.once(f"mem-{which}", lambda: write_large_file(folder / "weights.bin", size=size, seed=11).parent)

    def source_repo(self, name: str, folder: Path) -> str:
        def make() -> str:
            repo = self.server.create_repo(name)
            m = run_worker("huggingface_hub", "upload_folder", self.args(repo_id=repo, folder=str(folder)), home=self.home())
            if m.error:
                raise RuntimeError(f"setup of {repo} failed: {m.error}")
            return repo

        return self.once(f"repo-{name}", make)

    def tree_repo(self) -> str:
        def make() -> str:
            repo = self.server.create_repo("src-tree")
            args = self.args(repo_id=repo, count=self.sizes.tree_files, seed=3)
            m = run_worker("huggingface_hub", "create_commit_files", args, home=self.home())
            if m.error:
                raise RuntimeError(f"setup of {repo} failed: {m.error}")
            return repo

        return self.once("repo-tree", make)


def _measure(ctx: _Ctx, row: Row, one: Callable[[str, int], Measurement], bucket: str = "runs") -> None:
    """``one(client, run)`` for every run, alternating clients; skip a client after its first error."""
    failed: set[str] = set()
    for run in range(ctx.runs):
        for client in CLIENTS:
            if client in failed:
                continue
            os.sync()  # every run starts with nothing left to write back from the previous one
            m = one(client, run)
            getattr(row, bucket)[client].append(m)
            if m.error:
                failed.add(client)


def _upload(ctx: _Ctx, prefix: str, folder: Path) -> Callable[[str, int], Measurement]:
    def one(client: str, run: int) -> Measurement:
        repo = ctx.server.create_repo(f"{prefix}-{SHORT[client]}-{run}")
        m = run_worker(client, "upload_folder", ctx.args(repo_id=repo, folder=str(folder)), home=ctx.home())
        # The uploaded repo is not read again: delete it, so the Hub's storage (and the page cache
        # it fills) is the same for every run instead of growing with the runs before it.
        ctx.server.delete_repo(repo)
        return m

    return one


def _download(ctx: _Ctx, repo: str) -> Callable[[str, int], Measurement]:
    def one(client: str, run: int) -> Measurement:
        home = ctx.home()
        m = run_worker(client, "snapshot_download", ctx.args(repo_id=repo, cache_dir=str(home / "cache")), home=home)
        # The downloaded bytes are not read again: drop them, so their writeback does not throttle
        # the next run's writes (it is always the other client's turn next).
        shutil.rmtree(home, ignore_errors=True)
        return m

    return one


def _plain(ctx: _Ctx, workload: str, args: dict[str, Any]) -> Callable[[str, int], Measurement]:
    def one(client: str, run: int) -> Measurement:
        return run_worker(client, workload, args, home=ctx.home())

    return one


def _same_count(row: Row) -> None:
    """A hubflow result with a different file/entry count than the official client's is wrong, not fast."""
    ref = next((m.result.get("count") for m in row.runs["huggingface_hub"] if not m.error), None)
    for m in row.runs["hubflow"]:
        if not m.error and ref is not None and m.result.get("count") != ref:
            m.result = {"error": f"wrong result: count {m.result.get('count')} ≠ {ref}"}


def run_suite(
    server: Server, work: Path, sizes: Sizes, *, runs: int, only: set[str] | None, models_namespace: str
) -> tuple[list[Row], Hashing | None]:
    """Measure every selected issue-#5 workload; return the rows and the hashing figure."""
    ctx = _Ctx(server, work, sizes, runs)
    want = [name for name in SUITE if only is None or name in only]
    mb = 1024 * 1024
    rows: list[Row] = []
    hashing: Hashing | None = None
    for name in want:
        if name == "upload_small":
            row = Row(name, f"`upload_folder` of {sizes.small_files:,} small files (1-64 KB)", 0.5)
            _measure(ctx, row, _upload(ctx, "up-small", ctx.small()))
        elif name == "upload_lfs":
            row = Row(name, f"`upload_folder` of {sizes.lfs_files} files of {sizes.lfs_size // mb} MB (LFS)", 0.7)
            _measure(ctx, row, _upload(ctx, "up-lfs", ctx.lfs()))
            hashing = _hashing(ctx, row)
        elif name == "download_small":
            row = Row(name, f"`snapshot_download` of the {sizes.small_files:,}-small-file repo, empty cache", 0.7)
            _measure(ctx, row, _download(ctx, ctx.source_repo("src-small", ctx.small())))
        elif name == "download_lfs":
            label = f"`snapshot_download` of the {sizes.lfs_files}x{sizes.lfs_size // mb} MB repo, empty cache"
            row = Row(name, label, 0.7)
            _measure(ctx, row, _download(ctx, ctx.source_repo("src-lfs", ctx.lfs())))
        elif name == "list_tree":
            row = Row(name, f"`list_repo_tree(recursive=True)` of a {sizes.tree_files:,}-file repo", 0.5)
            _measure(ctx, row, _plain(ctx, "list_repo_tree", ctx.args(repo_id=ctx.tree_repo())))
        elif name == "list_models":
            row = Row(name, f"`list_models` over {sizes.models:,} repos, decoded into objects", 0.3)
            _measure(ctx, row, _plain(ctx, "list_models", ctx.args(author=models_namespace)))
        else:
            label = f"peak memory uploading {sizes.mem_large // mb} MB vs {sizes.mem_small // mb} MB"
            row = Row(name, label, None)
            _measure(ctx, row, _upload(ctx, "mem-large", ctx.mem_folder("large")))
            _measure(ctx, row, _upload(ctx, "mem-small", ctx.mem_folder("small")), bucket="extra")
        _same_count(row)
        rows.append(row)
    return rows, hashing


def _hashing(ctx: _Ctx, row: Row) -> Hashing:
    """Hashing MB/s from hubflow's upload events; else ``hubflow._hashing`` on the same files, in threads."""
    figures = [m.result["hash_mb_s"] for m in row.runs["hubflow"] if not m.error and "hash_mb_s" in m.result]
    files = [str(p) for p in sorted(ctx.lfs().iterdir())]
    if figures:
        out = Hashing(mb_s=figures)
        for _ in range(ctx.runs):
            m = run_worker("hubflow", "hash_graph", {"files": files}, home=ctx.home())
            if not m.error:
                out.alone_mb_s.append(m.result["hash_mb_s"])
        return out
    out = Hashing(source="hubflow._hashing directly (upload_folder gave no hash events)")
    for _ in range(ctx.runs):
        m = run_worker("hubflow", "hash_files", {"files": files}, home=ctx.home())
        if m.error:
            out.error = m.error
            break
        out.mb_s.append(m.result["hash_mb_s"])
    return out
