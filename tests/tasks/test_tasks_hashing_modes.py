"""HashFile's paths: small sources on the loop, large ones in a thread, no git blob id above the LFS-only size."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hubflow._events import Event, NodeFinished, NodeProgress
from hubflow._hashing import hash_file_sync
from hubflow._settings import Settings
from hubflow.graph import Graph, run
from hubflow.tasks.hashing import (
    INLINE_HASH_SIZE,
    LFS_ONLY_SIZE,
    HashFile,
    file_source,
    hash_source_sync,
    memory_source,
    release_source,
)


def _git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.mark.anyio
async def test_small_medium_and_lfs_only_sizes(tmp_path: Path) -> None:
    contents = {
        "small.txt": b"s" * 1000,
        "medium.bin": b"m" * (INLINE_HASH_SIZE + 1),
        "large.bin": bytes(range(256)) * (LFS_ONLY_SIZE // 256 + 3),
    }
    graph = Graph()
    nodes = {}
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
        nodes[name] = graph.add(HashFile(source=file_source(tmp_path / name)))
    events: list[Event] = []
    results = await run(graph, Settings(endpoint="http://127.0.0.1:9"), on_event=events.append)
    for name, data in contents.items():
        hashes = results[nodes[name]]
        assert hashes.sha256 == hashlib.sha256(data).hexdigest()
        assert hashes.size == len(data) and hashes.sample == data[:512]
        assert hashes.git_sha1 == ("" if name == "large.bin" else _git_sha1(data))
    # progress covers every byte and comes before each node's NodeFinished
    for name, data in contents.items():
        key = nodes[name].key
        mine = [e for e in events if getattr(e, "key", None) == key]
        assert sum(e.delta_bytes for e in mine if isinstance(e, NodeProgress)) == len(data)
        assert isinstance(mine[-1], NodeFinished)


def test_hash_source_sync_always_has_the_git_blob_id(tmp_path: Path) -> None:
    data = b"x" * (LFS_ONLY_SIZE + 1)
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    assert hash_source_sync(file_source(path)).git_sha1 == _git_sha1(data)
    assert hash_file_sync(path, git_sha1=False).git_sha1 == ""
    source = memory_source(data)
    try:
        assert hash_source_sync(source).git_sha1 == _git_sha1(data)
    finally:
        release_source(source)
