"""The tqdm view: counts files and bytes from the event stream; env switch; core does not import tqdm views."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from hubflow._events import NodeFailed, NodeFinished, NodeProgress, NodeStarted
from hubflow.progress import TqdmProgress, progress_bars_enabled


def _feed(view: TqdmProgress) -> None:
    for key, size in (("a", 100), ("b", 50)):
        view(NodeStarted(key=key, kind="Upload", label=key, resource="transfer", total_bytes=size))
    view(NodeProgress(key="a", kind="Upload", delta_bytes=60, done_bytes=60))
    view(NodeProgress(key="a", kind="Upload", delta_bytes=40, done_bytes=100))
    view(NodeFinished(key="a", kind="Upload"))
    view(NodeFailed(key="b", kind="Upload", error="boom", error_type="HfHubHTTPError"))


def test_counts_and_draws() -> None:
    out = io.StringIO()
    with TqdmProgress("Upload", enabled=True, file=out, mininterval=0) as view:
        _feed(view)
        assert (view.files_total, view.files_done, view.files_failed) == (2, 1, 1)
        assert (view.bytes_total, view.bytes_done) == (150, 100)
    text = out.getvalue()
    assert "Upload" in text and "1/2 done, 1 failed" in text


def test_bytes_of_unsized_nodes_do_not_push_done_past_the_total() -> None:
    out = io.StringIO()
    with TqdmProgress("Upload", enabled=True, file=out) as view:
        view(NodeStarted(key="h", kind="HashBatch", label="3 files", resource="hash", total_bytes=300))
        view(NodeProgress(key="h", kind="HashBatch", delta_bytes=300, done_bytes=300))
        view(NodeFinished(key="h", kind="HashBatch"))
        view(NodeStarted(key="c", kind="Commit", label="alice/m@main", resource="commit", total_bytes=None))
        view(NodeProgress(key="c", kind="Commit", delta_bytes=40, done_bytes=40))  # inline content, no size announced
        view(NodeFinished(key="c", kind="Commit"))
        assert (view.bytes_done, view.bytes_total, view.unsized_bytes) == (300, 300, 40)
    assert "100%|" in out.getvalue() and "2/2 done" in out.getvalue()


def test_node_events_do_not_redraw_each_time() -> None:
    # Thousands of small-file nodes: a redraw per event used to cost more than hashing the file.
    out = io.StringIO()
    with TqdmProgress("Upload", enabled=True, file=out) as view:
        for i in range(3000):
            view(NodeStarted(key=str(i), kind="HashFile", label=str(i), resource="hash", total_bytes=10))
            view(NodeFinished(key=str(i), kind="HashFile"))
    text = out.getvalue()
    assert text.count("\r") < 100  # a few redraws, not 6000
    assert "3000/3000 done" in text  # the final state is drawn on close


def test_env_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    assert not progress_bars_enabled()
    view = TqdmProgress()
    _feed(view)
    assert view._bar is None and view.files_done == 1  # counted, never drawn
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "0")
    assert progress_bars_enabled(default=False)
    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS")
    assert progress_bars_enabled() and not progress_bars_enabled(default=False)


def test_core_does_not_import_progress_views() -> None:
    code = "import sys, hubflow; print('tqdm' in sys.modules, 'hubflow.progress' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
