"""``upload_large_folder`` interrupted (``kill -9`` at seeded random points, Ctrl-C) and resumed.

After the last run: the branch's tree equals the folder (sha256 / git blob id of every file), no
file was hashed twice, no LFS object or part was uploaded twice (fresh ``NodeFinished`` events
per key, over every run), and every file landed in exactly one commit.
"""

from __future__ import annotations

import json
import math
import random
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import pytest
from large_folder_helpers import (  # type: ignore[import-not-found]
    TRANSFER_KINDS,
    EventLog,
    MiB,
    assert_each_file_committed_once,
    assert_tree_equals_folder,
    journal_lines,
    journal_records,
    local_digests,
    make_folder,
    run_until,
)

from hubflow import HfApi
from hubflow.testing import HubProcess

PER_COMMIT = 50


@pytest.fixture(scope="module")
def small_multipart_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    """A Hub that sends LFS objects above 1 MiB through multipart, in 1 MiB parts."""
    args = ["--multipart-threshold", str(MiB), "--multipart-chunk-size", str(MiB)]
    with HubProcess(tmp_path_factory.mktemp("lf-hub"), args=args) as proc:
        yield proc


def _final_run(hub: HubProcess, folder: Path, repo: str, log: EventLog) -> None:
    with HfApi(endpoint=hub.endpoint, token="hf_alice_write") as api:
        api._async.large_folder_files_per_commit = PER_COMMIT
        api.on_event = log.sink
        api.upload_large_folder(repo, folder, repo_type="dataset", print_report=False)


def _check(hub: HubProcess, folder: Path, repo: str, log: EventLog, files: int) -> list[str]:
    assert_tree_equals_folder(hub.endpoint, repo, folder)
    assert log.repeated("HashFile") == []
    assert log.repeated(*TRANSFER_KINDS) == []
    oids = assert_each_file_committed_once(hub.endpoint, repo, math.ceil(files / PER_COMMIT))
    commits = [json.loads(line)["result"]["oid"] for line in journal_lines(folder)
               if json.loads(line)["kind"] == "Commit"]
    assert sorted(set(commits)) == sorted(oids) and len(commits) == len(oids)  # one record per commit
    return oids


def test_kill_9_at_random_points_then_resume(
    small_multipart_hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_folder(tmp_path / "data", small=300, lfs=6, seed=4)
    digests = local_digests(folder)
    total = sum(size for size, _, _ in digests.values())
    lfs_total = sum(size for size, _, _ in digests.values() if size > MiB)
    repo = repo_factory("large")
    rng = random.Random(20240604)
    log = EventLog()
    kills = 0
    for index, (low, high) in enumerate([(40, 200), (20, 120), (10, 80)]):
        events = tmp_path / f"events-{index}.jsonl"
        after = rng.randrange(low, high)
        kills += run_until(small_multipart_hub.endpoint, folder, repo, events, PER_COMMIT, after=after)
        log.read_file(events)
    assert kills >= 2  # the seeded points fall inside the runs
    interrupted_hash_bytes = log.bytes_by_kind["HashFile"]
    interrupted_upload_bytes = sum(log.bytes_by_kind[k] for k in TRANSFER_KINDS)
    before_final = log.from_journal.copy()
    _final_run(small_multipart_hub, folder, repo, log)
    _check(small_multipart_hub, folder, repo, log, len(digests))
    hashed = log.bytes_by_kind["HashFile"]
    uploaded = sum(log.bytes_by_kind[k] for k in TRANSFER_KINDS)
    resumed = log.from_journal - before_final
    with capsys.disabled():
        print(f"\n[large folder kill -9] files={len(digests)} bytes={total} lfs_bytes={lfs_total} kills={kills}"
              f" hashed_before_final={interrupted_hash_bytes} uploaded_before_final={interrupted_upload_bytes}"
              f" re-hashed={hashed - total} re-uploaded={uploaded - lfs_total}"
              f" final_run_from_journal={dict(resumed)}")
    # Bytes are redone only for nodes cut mid-way: the file being hashed, and the parts in flight
    # (4 transfer slots) or sent but not yet journaled when the process died.
    assert hashed - total <= kills * 8 * MiB
    assert uploaded - lfs_total <= kills * 8 * MiB
    # Every file hashed once, every part uploaded once: one journal record each, none repeated.
    records = journal_records(folder)
    assert sum(1 for kind, _ in records if kind == "HashFile") == len(digests)
    assert max(records.values()) == 1


def test_ctrl_c_then_resume(small_multipart_hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "data", small=90, lfs=2, seed=7)
    digests = local_digests(folder)
    repo = repo_factory("ctrlc")
    events = tmp_path / "events.jsonl"
    log = EventLog()
    assert run_until(small_multipart_hub.endpoint, folder, repo, events, PER_COMMIT, after=30, sig=signal.SIGINT)
    log.read_file(events)
    lines = journal_lines(folder)  # nothing else (no temp file) next to it
    assert lines and all(line.endswith(b"\n") for line in lines)
    for line in lines:
        msgspec.json.decode(line)  # no torn record
    _final_run(small_multipart_hub, folder, repo, log)
    _check(small_multipart_hub, folder, repo, log, len(digests))
    assert log.from_journal["HashFile"] >= 1


def test_rerun_after_completion_does_nothing(
    small_multipart_hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path
) -> None:
    folder = make_folder(tmp_path / "data", small=60, lfs=1, seed=9, lfs_size=(2 * MiB, 3 * MiB))
    repo = repo_factory("rerun")
    first, second = EventLog(), EventLog()
    _final_run(small_multipart_hub, folder, repo, first)
    _final_run(small_multipart_hub, folder, repo, second)
    # Every group is known committed: no node of the upload graph runs, not even from the journal.
    assert {kind for kind, _ in second.fresh} == {"CreateRepo"} and second.from_journal == {}
    _check(small_multipart_hub, folder, repo, first, len(local_digests(folder)))
