"""Regressions found by running the quickstart notebook against the real facade."""

from __future__ import annotations

from hubflow._events import NodeFinished, NodeProgress, NodeStarted
from jupyter_ext import ProgressWidget
from jupyter_ext._progress_state import ProgressState


def test_bytes_of_a_node_without_a_size_stay_out_of_the_overall_bar() -> None:
    # upload_folder: hashing and the LFS upload announce sizes; the commit node then reports the
    # inline files' bytes without one. Counting those made the label read "40.1 MB / 40.0 MB".
    state = ProgressState()
    state.apply(NodeStarted(key="h", kind="HashFile", label="w.bin", resource="hash", total_bytes=1000))
    state.apply(NodeProgress(key="h", kind="HashFile", delta_bytes=1000, done_bytes=1000))
    state.apply(NodeFinished(key="h", kind="HashFile"))
    state.apply(NodeStarted(key="c", kind="Commit", label="commit", resource="api", total_bytes=None))
    state.apply(NodeProgress(key="c", kind="Commit", delta_bytes=300, done_bytes=300))
    state.apply(NodeProgress(key="c", kind="Commit", delta_bytes=200, done_bytes=500))
    assert (state.done_bytes, state.total_bytes, state.unsized_bytes) == (1000, 1000, 500)
    state.apply(NodeFinished(key="c", kind="Commit"))
    assert (state.done_bytes, state.total_bytes) == (1000, 1000)


def test_the_widget_label_never_shows_more_done_than_total() -> None:
    widget = ProgressWidget(interval=0)
    widget.on_event(NodeStarted(key="u", kind="UploadLfsObject", label="w.bin", resource="transfer",
                                total_bytes=2_000_000))  # fmt: skip
    widget.on_event(
        NodeProgress(key="u", kind="UploadLfsObject", delta_bytes=2_000_000, done_bytes=2_000_000)
    )
    widget.on_event(NodeFinished(key="u", kind="UploadLfsObject"))
    widget.on_event(NodeStarted(key="c", kind="Commit", label="commit", resource="api", total_bytes=None))
    widget.on_event(NodeProgress(key="c", kind="Commit", delta_bytes=150_000, done_bytes=150_000))
    widget.on_event(NodeFinished(key="c", kind="Commit"))
    widget.finish()
    assert widget.bytes_label.value == "2.0 MB / 2.0 MB"
    assert widget.overall_bar.value == widget.overall_bar.max == 2_000_000
    assert widget.overall_bar.bar_style == "success"
