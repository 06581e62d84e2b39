"""LFS transfers (basic and multipart), changed files, parallel hashing and flat memory."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import huggingface_hub
import pytest

from hubflow import CommitOperationAdd, FileChangedError, HfApi, NodeFinished, NodeStarted
from hubflow._events import Event
from hubflow.testing import HubProcess

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def multipart_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    """A Hub that switches to multipart above 1 MiB, with 256 KiB parts."""
    args = ["--multipart-threshold", str(MiB), "--multipart-chunk-size", str(256 * 1024)]
    with HubProcess(tmp_path_factory.mktemp("mp-hub"), args=args) as proc:
        yield proc


def _api(hub: HubProcess, events: list[Event]) -> HfApi:
    api = HfApi(endpoint=hub.endpoint, token="hf_alice_write")
    api.on_event = events.append
    return api


def _download(hub: HubProcess, repo_id: str, filename: str) -> bytes:
    return Path(huggingface_hub.hf_hub_download(repo_id, filename, endpoint=hub.endpoint,
                                                token="hf_alice_write")).read_bytes()


def _started(events: list[Event], kind: str) -> list[NodeStarted]:
    return [e for e in events if isinstance(e, NodeStarted) and e.kind == kind]


def test_large_file_single_part(hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path) -> None:
    content = os.urandom(11 * MiB)
    local = tmp_path / "big.bin"
    local.write_bytes(content)
    events: list[Event] = []
    repo = repo_factory("lfs")
    with _api(hub, events) as api:
        api.create_repo(repo)
        api.upload_file(path_or_fileobj=local, path_in_repo="big.bin", repo_id=repo)
    assert len(_started(events, "UploadLfsObject")) == 1 and not _started(events, "UploadLfsPart")
    entry = next(iter(huggingface_hub.HfApi(endpoint=hub.endpoint).get_paths_info(repo, ["big.bin"])))
    assert entry.lfs.sha256 == hashlib.sha256(content).hexdigest() and entry.size == len(content)
    assert _download(hub, repo, "big.bin") == content


def test_multipart_parts_in_parallel(multipart_hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path) -> None:
    content = os.urandom(MiB + 5 * 256 * 1024 + 17)  # 10 parts, the last one short
    local = tmp_path / "parts.bin"
    local.write_bytes(content)
    events: list[Event] = []
    repo = repo_factory("multipart")
    with _api(multipart_hub, events) as api:
        api.create_repo(repo)
        api.upload_file(path_or_fileobj=local, path_in_repo="parts.bin", repo_id=repo)
    parts = _started(events, "UploadLfsPart")
    assert len(parts) == 10 and len(_started(events, "CompleteLfsMultipart")) == 1
    assert sum(p.total_bytes or 0 for p in parts) == len(content)
    running, peak = 0, 0
    part_keys = {p.key for p in parts}
    for event in events:
        if isinstance(event, NodeStarted) and event.key in part_keys:
            running += 1
            peak = max(peak, running)
        elif isinstance(event, NodeFinished) and event.key in part_keys:
            running -= 1
    assert peak > 1
    assert _download(multipart_hub, repo, "parts.bin") == content


def _mutate_after_hash(path: Path, new: bytes, keep_stat: bool) -> Callable[[Event], None]:
    """An event sink that rewrites ``path`` as soon as its hash is done (fault injection)."""
    done = []

    def sink(event: Event) -> None:
        if isinstance(event, NodeFinished) and event.kind == "HashFile" and not done:
            done.append(True)
            stat = path.stat()
            path.write_bytes(new)
            if keep_stat:  # same size and mtime: only the content check can notice
                os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    return sink


@pytest.mark.parametrize(
    ("original", "replacement", "keep_stat"),
    [
        (b"regular text file\n" * 10, b"REGULAR TEXT FILE\n" * 10, True),  # inline: git sha1 re-check
        (b"\0lfs" * 1000, b"\0LFS" * 1000, True),  # LFS: sha256 re-check while streaming
        (b"\0lfs" * 1000, b"\0lfs" * 999, False),  # size changed: stat check
    ],
)
def test_file_changed_between_hash_and_upload(
    hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path, original: bytes, replacement: bytes,
    keep_stat: bool,
) -> None:
    local = tmp_path / "changing.bin"
    local.write_bytes(original)
    repo = repo_factory("changed")
    with HfApi(endpoint=hub.endpoint, token="hf_alice_write") as api:
        api.create_repo(repo)
        head = api.repo_info(repo).sha
        api.on_event = _mutate_after_hash(local, replacement, keep_stat)
        with pytest.raises(FileChangedError, match=r"changing\.bin") as caught:
            api.create_commit(repo, [CommitOperationAdd(path_in_repo="f.bin", path_or_fileobj=local)],
                              commit_message="racy")
        assert caught.value.path == str(local)
        assert api.repo_info(repo).sha == head
    lfs = list(huggingface_hub.HfApi(endpoint=hub.endpoint, token="hf_alice_write").list_lfs_files(repo))
    assert lfs == []


def test_hashing_runs_on_all_cores(hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path) -> None:
    for i in range(4):
        with open(tmp_path / f"f{i}.bin", "wb") as f:
            f.write(bytes([i + 1]) + b"\0")
            f.truncate(24 * MiB)
    events: list[Event] = []
    repo = repo_factory("parallel")
    with _api(hub, events) as api:
        api.create_repo(repo)
        api.upload_folder(repo_id=repo, folder_path=tmp_path)
        cores = api.settings.limits.hash
    hash_keys = {e.key for e in _started(events, "HashFile")}
    assert len(hash_keys) == 4
    running, peak = 0, 0
    for event in events:
        if isinstance(event, NodeStarted) and event.key in hash_keys:
            running += 1
            peak = max(peak, running)
        elif isinstance(event, NodeFinished) and event.key in hash_keys:
            running -= 1
    assert cores == (os.cpu_count() or 1)
    assert peak == min(cores, 4)  # 2 on the 2-core CI box
    progress = sum(e.delta_bytes for e in events if getattr(e, "kind", "") == "HashFile" and hasattr(e, "delta_bytes"))
    assert progress == 4 * 24 * MiB


_MEMORY_SCRIPT = textwrap.dedent(
    """
    import sys
    from hubflow import HfApi

    def peak_kib():  # VmHWM: this process's own peak (ru_maxrss may carry the parent's across exec)
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

    endpoint, repo, path = sys.argv[1:4]
    with HfApi(endpoint=endpoint, token="hf_alice_write") as api:
        api.upload_file(path_or_fileobj=b"\\0warm up", path_in_repo="warm.bin", repo_id=repo)
        before = peak_kib()
        api.upload_file(path_or_fileobj=path, path_in_repo="huge.bin", repo_id=repo)
        after = peak_kib()
    print(before // 1024, (after - before) // 1024)
    """
)


def test_memory_stays_flat(hub: HubProcess, repo_factory: Callable[..., str], tmp_path: Path) -> None:
    size = 200 * MiB
    local = tmp_path / "huge.bin"
    with open(local, "wb") as f:  # sparse: quick to make, still 200 MB to hash and stream
        f.write(b"\0header")
        f.truncate(size)
    repo = repo_factory("memory")
    with HfApi(endpoint=hub.endpoint, token="hf_alice_write") as api:
        api.create_repo(repo)
    done = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, hub.endpoint, repo, str(local)],
                          capture_output=True, text=True, timeout=110, check=False)
    assert done.returncode == 0, done.stderr
    baseline_mib, growth_mib = map(int, done.stdout.strip().splitlines()[-1].split())
    assert baseline_mib < 200  # the baseline is this process's own, not an inherited peak
    print(f"peak RSS growth: {growth_mib} MiB")
    assert growth_mib < 60, f"peak RSS grew by {growth_mib} MiB for a {size // MiB} MiB upload"
    info = next(iter(huggingface_hub.HfApi(endpoint=hub.endpoint).get_paths_info(repo, ["huge.bin"])))
    assert info.size == size
