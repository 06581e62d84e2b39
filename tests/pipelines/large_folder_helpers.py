"""Shared pieces of the ``upload_large_folder`` tests: a seeded folder, the event log, the checks."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import huggingface_hub

from hubflow._events import Event, NodeFinished, NodeProgress
from hubflow.pipelines.large_folder import LARGE_FOLDER_COMMIT_MESSAGE

MiB = 1024 * 1024
WORKER = Path(__file__).with_name("large_folder_worker.py")
TRANSFER_KINDS = ("UploadLfsObject", "UploadLfsPart")


def make_folder(root: Path, *, small: int, lfs: int, seed: int, lfs_size: tuple[int, int] = (4 * MiB, 8 * MiB)) -> Path:
    """``small`` small text files in ten folders and ``lfs`` random binaries spread among them."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    for i in range(small):
        path = root / f"d{i % 10}" / f"file-{i:04d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"{i}\n" + "x" * rng.randrange(10, 2000))
    for i in range(lfs):
        path = root / f"d{(i * 10) // max(lfs, 1)}" / f"weights-{i}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(rng.randbytes(rng.randrange(*lfs_size)))
    return root


def local_digests(folder: Path) -> dict[str, tuple[int, str, str]]:
    """``path → (size, sha256, git blob sha1)`` of every file outside ``.cache``."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not rel.startswith(".cache/"):
            data = path.read_bytes()
            blob = hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()
            out[rel] = (len(data), hashlib.sha256(data).hexdigest(), blob)
    return out


@dataclass
class EventLog:
    """Events of every run: fresh finishes and bytes moved, per (kind, key)."""

    fresh: Counter[tuple[str, str]] = field(default_factory=Counter)
    from_journal: Counter[str] = field(default_factory=Counter)
    bytes_by_kind: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, key: str, *, finished: bool = False, from_journal: bool = False, size: int = 0) -> None:
        if finished and from_journal:
            self.from_journal[kind] += 1
        elif finished:
            self.fresh[(kind, key)] += 1
        self.bytes_by_kind[kind] += size

    def sink(self, event: Event) -> None:
        if isinstance(event, NodeFinished):
            self.add(event.kind, event.key, finished=True, from_journal=event.from_journal)
        elif isinstance(event, NodeProgress):
            self.add(event.kind, event.key, size=event.delta_bytes)

    def read_file(self, path: Path) -> None:
        for line in path.read_bytes().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # the line being written when the process was killed
            if record["type"] == "finished":
                self.add(record["kind"], record["key"], finished=True, from_journal=record["from_journal"])
            else:
                self.add(record["kind"], record["key"], size=record["bytes"])

    def fresh_finishes(self, kind: str) -> int:
        return sum(n for (k, _), n in self.fresh.items() if k == kind)

    def repeated(self, *kinds: str) -> list[tuple[str, str]]:
        return [key for key, n in self.fresh.items() if key[0] in kinds and n > 1]


def run_until(endpoint: str, folder: Path, repo: str, events: Path, per_commit: int, *, after: int,
              sig: int = signal.SIGKILL, timeout: float = 60) -> bool:
    """Run the worker; send ``sig`` once it reported ``after`` fresh finishes. True if that interrupted it."""
    events.write_bytes(b"")
    stderr = events.with_suffix(".stderr")
    with stderr.open("wb") as err:
        proc = subprocess.Popen([sys.executable, str(WORKER), endpoint, str(folder), repo, str(events),
                                 str(per_commit)], stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if events.read_bytes().count(b'"from_journal":false') >= after:
                proc.send_signal(sig)
                return proc.wait(30) != 0  # 0: it had already finished when the signal came
            time.sleep(0.002)
        assert proc.poll() is not None, "the worker did not finish in time"
        assert proc.returncode == 0, stderr.read_text()
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def assert_tree_equals_folder(endpoint: str, repo: str, folder: Path) -> None:
    """The branch's files are exactly the folder's, by sha256 (LFS) or git blob id (regular)."""
    official = huggingface_hub.HfApi(endpoint=endpoint, token="hf_alice_write")
    remote = {e.path: e for e in official.list_repo_tree(repo, recursive=True, repo_type="dataset")
              if isinstance(e, huggingface_hub.hf_api.RepoFile) and e.path != ".gitattributes"}
    local = local_digests(folder)
    assert sorted(remote) == sorted(local)
    for path, (size, sha256, blob) in local.items():
        entry = remote[path]
        assert entry.size == size, path
        if entry.lfs is not None:
            assert entry.lfs.sha256 == sha256, path
        else:
            assert entry.blob_id == blob, path


def assert_each_file_committed_once(endpoint: str, repo: str, expected_commits: int) -> list[str]:
    """New commits (after the repo's first) == expected, titled as huggingface_hub's, disjoint diffs."""
    official = huggingface_hub.HfApi(endpoint=endpoint, token="hf_alice_write")
    commits = official.list_repo_commits(repo, repo_type="dataset")[::-1]  # oldest first
    new = commits[1:]
    assert len(new) == expected_commits, [c.title for c in commits]
    assert {c.title for c in new} == {LARGE_FOLDER_COMMIT_MESSAGE}
    seen: dict[str, str] = {}
    previous: dict[str, str] = {}
    for commit in commits:
        tree = {e.path: getattr(e, "blob_id", "") for e in official.list_repo_tree(
            repo, recursive=True, repo_type="dataset", revision=commit.commit_id)}
        changed = [p for p, b in tree.items() if previous.get(p) != b and p != ".gitattributes"]
        for path in changed:
            assert path not in seen, f"{path} committed in {seen[path]} and again in {commit.commit_id}"
            seen[path] = commit.commit_id
        previous = tree
    return [c.commit_id for c in new]


def journal_records(folder: Path) -> Counter[tuple[str, str]]:
    """How many journal records each ``(kind, key)`` has (a node redone would have two)."""
    return Counter((r["kind"], r["key"]) for r in map(json.loads, journal_lines(folder)))


def journal_lines(folder: Path) -> list[bytes]:
    """Every line of the (single) journal in ``folder``; asserts nothing else lies next to it."""
    upload = folder / ".cache" / "huggingface" / "upload"
    entries = sorted(os.listdir(upload))
    assert len(entries) == 1 and entries[0].endswith(".journal"), entries
    return (upload / entries[0]).read_bytes().splitlines(keepends=True)
