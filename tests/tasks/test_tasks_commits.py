"""The upload graph as nodes: structure, runtime growth, and resumption from a journal."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from hubflow import AsyncHfApi, Journal
from hubflow._events import Event, NodeFinished, NodeStarted
from hubflow.pipelines import build_upload_graph
from hubflow.tasks import (
    Commit,
    FetchUploadModes,
    FileToUpload,
    HashBatch,
    HashFile,
    RepoTarget,
    UploadLfsObject,
    file_source,
)
from hubflow.testing import LocalHub


def _files(root: Path, count: int) -> list[FileToUpload]:
    out = []
    for i in range(count):
        path = root / f"f{i}.bin"
        path.write_bytes(b"\0" + bytes([i]) * 100)  # binary: LFS on the local Hub
        out.append(FileToUpload(path_in_repo=f"f{i}.bin", source=file_source(path)))
    return out


def test_graph_shape(tmp_path: Path) -> None:
    files = _files(tmp_path, 5)
    plan = build_upload_graph(RepoTarget(repo_id="alice/m"), additions=files, commit_message="m",
                              max_files_per_commit=2)
    # small files are hashed per preupload batch (HashBatch), a lone one by HashFile
    assert [type(h) for h in plan.hashes] == [HashBatch, HashBatch, HashFile]
    assert len(plan.commits) == 3 and len(plan.modes) == 3
    graph = plan.graph
    first_modes = plan.modes[0]
    # a preupload batch waits for the hashes of ITS files only
    assert graph.dependencies(first_modes) == [plan.hashes[0]]
    assert plan.hashes[0].sources == [f.source for f in files[:2]]
    assert plan.commits[0] in graph.dependencies(plan.commits[1])
    assert [c.summary for c in plan.commits] == ["m", "m (part 2)", "m (part 3)"]
    assert plan.commits[0].limit_key() == ("alice/m", "model", "main")
    assert not plan.commits[0].retry_safe()


def test_hash_key_tracks_file_identity(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"one")
    before = HashFile(source=file_source(path)).key
    assert HashFile(source=file_source(path)).key == before
    path.write_bytes(b"two!")
    assert HashFile(source=file_source(path)).key != before


@pytest.mark.anyio
async def test_resumed_run_skips_hashes_and_transfers(asgi_hub: LocalHub, tmp_path: Path) -> None:
    api = AsyncHfApi(endpoint=asgi_hub.endpoint, token="hf_alice_write",
                     transport=httpx.ASGITransport(app=asgi_hub.app))
    await api.create_repo("alice/resume")
    files = _files(tmp_path, 3)
    target = RepoTarget(repo_id="alice/resume")
    journal = Journal(tmp_path / "upload.journal")

    # First run stops before the commit (as if killed after the transfers).
    first: list[Event] = []
    pre = build_upload_graph(target, additions=files, commit=False)
    await api._run_graph(pre.graph, on_event=first.append, journal=journal)
    assert len([e for e in first if isinstance(e, NodeStarted) and e.kind == "UploadLfsObject"]) == 3

    second: list[Event] = []
    plan = build_upload_graph(target, additions=files, commit_message="resumed")
    results = await api._run_graph(plan.graph, on_event=second.append, journal=journal)
    replayed = {e.kind for e in second if isinstance(e, NodeFinished) and e.from_journal}
    assert replayed == {"HashBatch"}
    assert not [e for e in second if isinstance(e, NodeStarted) and e.kind == "UploadLfsObject"]
    info = results[plan.commits[0]]
    assert isinstance(plan.commits[0], Commit) and info.oid
    modes = results[plan.modes[0]]
    assert isinstance(plan.modes[0], FetchUploadModes) and {m.upload_mode for m in modes} == {"lfs"}
    assert all(h in journal for h in plan.hashes)
    assert UploadLfsObject.journaled and HashFile.journaled and HashBatch.journaled
    await api.aclose()
