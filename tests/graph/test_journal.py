"""Resumption: finished journaled nodes are not rerun, even after a torn last line."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from graph_helpers import Echo, Probe

from hubflow._events import Event, NodeFinished
from hubflow._hashing import FileHashes
from hubflow._settings import Settings
from hubflow.graph import Context, Graph, Journal, run
from hubflow.tasks import Task

pytestmark = pytest.mark.anyio


class MakeHashes(Task[FileHashes]):
    journaled = True
    n: int

    async def run(self, ctx: Context) -> FileHashes:
        return FileHashes(size=self.n, sha256="a" * 64, git_sha1="b" * 40, sample=b"\x00\x01")


def _graph() -> tuple[Graph, list[Echo], MakeHashes]:
    graph = Graph()
    echoes = [graph.add(Echo(value={"i": i}, name=f"e{i}")) for i in range(3)]
    hashes = graph.add(MakeHashes(n=7), after=echoes)
    return graph, echoes, hashes


async def test_finished_nodes_are_skipped_with_typed_results(tmp_path: Path, probe: Probe, settings: Settings) -> None:
    path = tmp_path / "j" / "run.journal"
    graph, echoes, hashes = _graph()
    first = await run(graph, settings, journal=Journal(path))
    assert sum(probe.runs.values()) == 3
    probe.reset()
    events: list[Event] = []
    graph, echoes, hashes = _graph()
    second = await run(graph, settings, journal=Journal(path), on_event=events.append)
    assert sum(probe.runs.values()) == 0  # nothing rerun
    assert second[hashes] == first[hashes] and isinstance(second[hashes], FileHashes)
    assert second[echoes[1]] == {"i": 1}
    finished = [e for e in events if isinstance(e, NodeFinished)]
    assert len(finished) == 4 and all(e.from_journal for e in finished)
    assert second.from_journal == {t.key for t in [*echoes, hashes]}


async def test_torn_last_line_is_ignored_and_repaired(tmp_path: Path, probe: Probe, settings: Settings) -> None:
    path = tmp_path / "run.journal"
    graph, _, _ = _graph()
    await run(graph, settings, journal=Journal(path))
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) == 4
    # Simulate kill -9 in the middle of writing the last record.
    path.write_bytes(b"".join(lines[:3]) + lines[3][:20])
    probe.reset()
    graph, _echoes, _hashes = _graph()
    journal = Journal(path)
    await run(graph, settings, journal=journal)
    assert sum(probe.runs.values()) == 0  # the three echoes were intact
    # The torn record was cut off before the re-run node was appended: every line parses.
    records = [msgspec.json.decode(line) for line in path.read_bytes().splitlines()]
    assert [r["kind"] for r in records] == ["Echo", "Echo", "Echo", "MakeHashes"]
    assert len(Journal(path)) == 4


async def test_only_journaled_nodes_are_recorded(tmp_path: Path, probe: Probe, settings: Settings) -> None:
    from graph_helpers import Sleep

    path = tmp_path / "run.journal"
    graph = Graph()
    graph.add(Sleep(name="api-read"))
    await run(graph, settings, journal=Journal(path))
    assert not path.exists() or path.read_bytes() == b""
