"""ProgressWidget driven by synthetic event streams: totals, rows, troubles, throttling, threads."""

from __future__ import annotations

import threading

import pytest

from hubflow._events import Event, NodeFailed, NodeFinished, NodeProgress, NodeRetrying, NodeStarted
from jupyter_ext import ProgressWidget


class FakeClock:
    """A clock the test moves by hand, so throttling is deterministic."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def started(key: str, size: int | None, kind: str = "UploadLfsObject") -> NodeStarted:
    return NodeStarted(key=key, kind=kind, label=f"{key}.bin", resource="transfer", total_bytes=size)


def progress(key: str, delta: int, done: int, kind: str = "UploadLfsObject") -> NodeProgress:
    return NodeProgress(key=key, kind=kind, delta_bytes=delta, done_bytes=done)


def file_events(key: str, size: int, chunk: int) -> list[Event]:
    events: list[Event] = [started(key, size)]
    done = 0
    while done < size:
        step = min(chunk, size - done)
        done += step
        events.append(progress(key, step, done))
    events.append(NodeFinished(key=key, kind="UploadLfsObject"))
    return events


def classes(widget: object) -> tuple[str, ...]:
    return tuple(getattr(widget, "_dom_classes", ()))


def test_bar_tracks_bytes_and_files() -> None:
    widget = ProgressWidget(description="Upload")
    widget.on_event(started("a", 100))
    widget.on_event(started("b", 300))
    widget.on_event(progress("a", 40, 40))
    widget.on_event(progress("b", 100, 100))
    widget.on_event(progress("a", 20, 60))
    widget.finish()
    assert (widget.overall_bar.value, widget.overall_bar.max) == (160, 400)
    assert widget.status_label.value.startswith("0/2 done")
    assert widget.bytes_label.value == "160 B / 400 B"
    rows = widget.nodes_box.children
    assert [row.children[0].value for row in rows] == ["a.bin", "b.bin"]
    assert [(row.children[1].value, row.children[1].max) for row in rows] == [(60, 100), (100, 300)]
    assert all("hubflow-progress-node" in classes(row) for row in rows)

    widget.on_event(NodeFinished(key="a", kind="UploadLfsObject"))
    widget.finish()
    assert widget.overall_bar.value == 200  # a finished: its 100 bytes count in full
    assert widget.status_label.value.startswith("1/2 done")
    assert [row.children[0].value for row in widget.nodes_box.children] == ["b.bin"]
    assert widget.overall_bar.bar_style == ""

    widget.on_event(NodeFinished(key="b", kind="UploadLfsObject"))
    widget.finish()
    assert (widget.overall_bar.value, widget.overall_bar.max) == (400, 400)
    assert widget.nodes_box.children == ()
    assert widget.overall_bar.bar_style == "success"
    assert "ETA 0s" in widget.status_label.value


def test_css_classes_for_the_browser() -> None:
    widget = ProgressWidget()
    assert "hubflow-progress" in classes(widget)
    overall = widget.children[0]
    assert "hubflow-progress-overall" in classes(overall)
    assert "hubflow-progress-bar" in classes(widget.overall_bar)


def test_visible_rows_are_capped() -> None:
    widget = ProgressWidget(max_rows=3)
    for i in range(10):
        widget.on_event(started(f"n{i}", 10))
    widget.finish()
    assert len(widget.nodes_box.children) == 3
    assert [r.children[0].value for r in widget.nodes_box.children] == ["n0.bin", "n1.bin", "n2.bin"]
    assert widget.more_label.value == "+ 7 more running"


def test_retry_then_failure_rows_show_the_error() -> None:
    widget = ProgressWidget()
    widget.on_event(started("a", 100))
    widget.on_event(progress("a", 70, 70))
    widget.on_event(
        NodeRetrying(key="a", kind="UploadLfsObject", attempt=1, delay=0.5, error="HTTP 503 <busy>")
    )
    widget.finish()
    (row,) = widget.troubles_box.children
    assert "hubflow-progress-retry" in classes(row)
    assert "HTTP 503 &lt;busy&gt;" in row.value and "a.bin" in row.value
    assert widget.overall_bar.value == 0  # the retried attempt starts over

    widget.on_event(NodeRetrying(key="a", kind="UploadLfsObject", attempt=2, delay=1.0, error="HTTP 502"))
    widget.finish()
    (row,) = widget.troubles_box.children  # the newer retry replaces the older one
    assert "retry 2" in row.value and "HTTP 502" in row.value

    widget.on_event(
        NodeFailed(
            key="a", kind="UploadLfsObject", error="gave up after 3 attempts", error_type="HfHubHTTPError"
        )
    )
    widget.finish()
    (row,) = widget.troubles_box.children
    assert "hubflow-progress-failed" in classes(row)
    assert "hubflow-progress-retry" not in classes(row)
    assert "HfHubHTTPError: gave up after 3 attempts" in row.value
    assert widget.overall_bar.bar_style == "danger"
    assert "1 failed" in widget.status_label.value and "2 retries" in widget.status_label.value


def test_failure_rows_are_capped() -> None:
    widget = ProgressWidget(max_trouble_rows=4)
    for i in range(9):
        widget.on_event(started(f"f{i}", 1))
        widget.on_event(
            NodeFailed(key=f"f{i}", kind="HashFile", error="vanished", error_type="FileNotFoundError")
        )
    widget.finish()
    rows = widget.troubles_box.children
    assert len(rows) == 5
    assert sum("hubflow-progress-failed" in classes(r) for r in rows) == 4
    assert rows[-1].value == "+ 5 more"


def test_journal_hits_count_as_done_without_started() -> None:
    widget = ProgressWidget()
    widget.on_event(NodeFinished(key="x", kind="HashFile", from_journal=True))
    widget.finish()
    assert widget.status_label.value.startswith("1/1 done")
    assert widget.overall_bar.value == widget.overall_bar.max == 1  # no sizes known: counts nodes


def test_throttle_collapses_ten_thousand_events() -> None:
    clock = FakeClock()
    widget = ProgressWidget(interval=0.1, clock=clock)
    changes: list[object] = []
    widget.overall_bar.observe(changes.append, names="value")
    widget.status_label.observe(changes.append, names="value")
    # 2,500 small files, 4 events each = 10,000 events over 2 simulated seconds.
    n = 0
    for i in range(2500):
        for event in file_events(f"s{i}", 8, 4):
            widget.on_event(event)
            n += 1
            clock.now += 2.0 / 10_000
    assert n == 10_000
    assert widget.renders <= 25  # ~10 Hz over 2 s, plus the first render
    assert len(changes) <= 2 * 25
    widget.finish()
    assert (widget.overall_bar.value, widget.overall_bar.max) == (20_000, 20_000)
    assert widget.status_label.value.startswith("2500/2500 done")


def test_trailing_render_happens_without_more_events() -> None:
    widget = ProgressWidget(interval=0.05)
    done = threading.Event()
    widget.overall_bar.observe(lambda change: done.set() if change["new"] == 10 else None, names="value")
    widget.on_event(started("a", 10))  # the first event renders at once
    widget.on_event(progress("a", 10, 10))  # inside the interval: deferred
    assert widget.overall_bar.value == 0
    assert done.wait(5), "the trailing render never came"
    assert widget.renders == 2


@pytest.mark.parametrize("threads", [4])
def test_events_from_many_threads_end_with_exact_totals(threads: int) -> None:
    widget = ProgressWidget(interval=0.001)
    per_thread = 200

    def produce(t: int) -> None:
        for i in range(per_thread):
            for event in file_events(f"t{t}-{i}", 1000 + i, 300):
                widget.on_event(event)

    workers = [threading.Thread(target=produce, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    widget.finish()
    expected = threads * sum(1000 + i for i in range(per_thread))
    assert (widget.overall_bar.value, widget.overall_bar.max) == (expected, expected)
    total = threads * per_thread
    assert widget.status_label.value.startswith(f"{total}/{total} done")
    assert widget.nodes_box.children == ()
    assert widget.overall_bar.bar_style == "success"


def test_widget_is_an_event_sink() -> None:
    widget = ProgressWidget()
    sinks = [widget]
    for sink in sinks:
        sink(started("a", 5))
    widget.finish()
    assert widget.overall_bar.max == 5
