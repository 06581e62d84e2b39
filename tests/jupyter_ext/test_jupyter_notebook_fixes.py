"""Regressions found by running the quickstart notebook against the real facade."""

from __future__ import annotations

from hubflow._events import NodeFinished, NodeProgress, NodeRetrying, NodeStarted
from jupyter_ext import JobMetricsWidget, ProgressWidget, RepoTreeWidget
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


def test_one_retry_is_singular() -> None:
    widget = ProgressWidget(interval=0)
    widget.on_event(
        NodeStarted(key="u", kind="UploadLfsObject", label="w.bin", resource="transfer", total_bytes=10)
    )
    widget.on_event(NodeRetrying(key="u", kind="UploadLfsObject", attempt=1, delay=0.1, error="HTTP 503"))
    widget.finish()
    assert "· 1 retry" in widget.status_label.value and "retries" not in widget.status_label.value


def test_a_job_without_network_traffic_says_so_and_peaks_outlive_the_last_sample() -> None:
    # The local Hub reports rx/tx 0 and a finished job's last sample reads CPU 0 %, 0 B.
    metrics = JobMetricsWidget(interval=0)
    for cpu, mem in ((40.0, 100e6), (55.0, 200e6), (0.0, 0.0)):
        metrics.push({"cpu_usage_pct": cpu, "memory_used_bytes": mem, "memory_total_bytes": 16e9,
                      "rx_bps": 0, "tx_bps": 0})  # fmt: skip
    metrics.finish()
    assert "network (no traffic)" in metrics.chart.value and "peak 1 B/s" not in metrics.chart.value
    assert "CPU 0%" in metrics.values.value
    assert "peak: CPU 55%, memory 200.0 MB" in metrics.values.value
    metrics.push({"rx_bps": 2000, "tx_bps": 0})
    metrics.finish()
    assert "network (peak 2.0 kB/s)" in metrics.chart.value


def test_tree_file_rows_carry_their_own_compact_line_height() -> None:
    tree = RepoTreeWidget([{"type": "file", "path": "w.bin", "size": 5, "lfs": {"size": 5}}])
    [row] = [c for c in tree.root.children if "hubflow-tree-file" in c._dom_classes]
    assert "line-height: 22px" in row.value and row.layout.margin == "0 2px"
    assert 'class="hubflow-tree-lfs"' in row.value and "border-radius" in row.value
