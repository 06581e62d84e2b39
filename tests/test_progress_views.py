"""The facade's default progress view: the view-factory hook, deferred creation, tqdm on stderr, the env switch."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from hubflow import Context, Graph, HfApi, Task
from hubflow._events import Event, NodeFinished, NodeProgress, NodeStarted
from hubflow.progress import default_view, describe, get_view_factory, set_view_factory


class Moves(Task[int]):
    """A node that reports ``size`` bytes moved in two steps (no HTTP)."""

    resource = "transfer"
    size: int

    def total_bytes(self) -> int | None:
        return self.size

    async def run(self, ctx: Context) -> int:
        ctx.emit_progress(self.size // 2)
        ctx.emit_progress(self.size - self.size // 2)
        return self.size


class Quiet(Task[int]):
    """A node that moves no bytes (like whoami)."""

    async def run(self, ctx: Context) -> int:
        return 1


class RecordingView:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.finished = 0

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def finish(self) -> None:
        self.finished += 1


@pytest.fixture
def views(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[RecordingView]]:
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "0")
    made: list[RecordingView] = []

    def factory() -> RecordingView:
        made.append(RecordingView())
        return made[-1]

    previous = set_view_factory(factory)
    try:
        yield made
    finally:
        set_view_factory(previous)


def test_set_and_get_view_factory() -> None:
    def factory() -> RecordingView:
        return RecordingView()

    assert get_view_factory() is None
    assert set_view_factory(factory) is None
    assert get_view_factory() is factory
    assert set_view_factory(None) is factory
    assert get_view_factory() is None


def test_registered_factory_watches_runs_that_move_bytes(views: list[RecordingView]) -> None:
    graph = Graph()
    graph.add(Moves(size=10))
    graph.add(Quiet())
    with HfApi(endpoint="http://127.0.0.1:9", token=False) as api:
        api.run(graph)
        assert len(views) == 1
        kinds = [type(e) for e in views[0].events]
        # Events before the first byte were buffered and replayed: nothing is lost.
        assert kinds.count(NodeStarted) == 2 and kinds.count(NodeFinished) == 2
        assert sum(e.delta_bytes for e in views[0].events if isinstance(e, NodeProgress)) == 10
        assert views[0].finished == 1
        quiet = Graph()
        quiet.add(Quiet())
        api.run(quiet)
        assert len(views) == 1  # no bytes moved: no view made


def test_an_explicit_sink_replaces_the_default_view(views: list[RecordingView]) -> None:
    mine: list[Event] = []
    graph = Graph()
    graph.add(Moves(size=4))
    with HfApi(endpoint="http://127.0.0.1:9", token=False) as api:
        api.on_event = mine.append
        api.run(graph)
    assert views == [] and any(isinstance(e, NodeProgress) for e in mine)


def test_env_switch_turns_every_default_view_off(views: list[RecordingView], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    assert default_view() is None
    graph = Graph()
    graph.add(Moves(size=4))
    with HfApi(endpoint="http://127.0.0.1:9", token=False) as api:
        api.run(graph)
    assert views == []


def test_jupyter_ext_registers_through_the_hook() -> None:
    import jupyter_ext

    def factory() -> RecordingView:
        return RecordingView()

    previous = jupyter_ext.set_view_factory(factory)
    try:
        assert get_view_factory() is factory
    finally:
        jupyter_ext.set_view_factory(previous)
    assert get_view_factory() is previous


_SCRIPT = textwrap.dedent(
    """
    from hubflow import Graph, HfApi, Task

    class Moves(Task[int]):
        resource = "transfer"
        size: int

        def total_bytes(self):
            return self.size

        async def run(self, ctx):
            ctx.emit_progress(self.size)
            return self.size

    graph = Graph()
    graph.add(Moves(size=2048))
    with HfApi(endpoint="http://127.0.0.1:9", token=False) as api:
        api.run(graph)
    print("ran")
    """
)


@pytest.mark.parametrize("disabled", ["1", None])
def test_tqdm_bar_on_stderr_unless_disabled(disabled: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    if disabled is not None:
        env["HF_HUB_DISABLE_PROGRESS_BARS"] = disabled
    proc = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ran"
    if disabled:
        assert proc.stderr == ""
    else:
        assert "hubflow" in proc.stderr and "2.00k" in proc.stderr and "1/1 done" in proc.stderr


def test_a_factory_taking_a_description_gets_the_runs_title(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "0")
    titles: list[str] = []

    def factory(*, description: str) -> RecordingView:
        titles.append(description)
        return RecordingView()

    previous = set_view_factory(factory)
    try:
        graph = Graph()
        graph.add(Moves(size=3))
        with HfApi(endpoint="http://127.0.0.1:9", token=False) as api:
            api.run(graph)
    finally:
        set_view_factory(previous)
    assert titles == ["hubflow"]  # neither an upload nor a download


def test_describe_names_uploads_and_downloads() -> None:
    assert describe(["HashBatch", "FetchUploadModes", "Commit"]) == "Upload"
    assert describe(["ResolveRevision", "ListSnapshotFiles", "DownloadFile"]) == "Download"
    assert describe(["WhoAmI"]) == "hubflow"
