"""JobMetricsWidget: ring buffer bounds, SVG polylines, latest values, threads, watching a stream."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from jupyter_ext import JobMetricsWidget


def sample(i: int, **extra: Any) -> dict[str, Any]:
    """A sample shaped like api.md §7.7's metric event."""
    return {
        "cpu_usage_pct": i % 100,
        "cpu_millicores": 2000,
        "memory_used_bytes": 500_000_000,
        "memory_total_bytes": 16_000_000_000,
        "rx_bps": 100 * i,
        "tx_bps": 50,
        "gpus": {"gpu-0": {"utilization": 40, "memory_used_bytes": 1, "memory_total_bytes": 2}},
        "replica": "r-1",
        **extra,
    }


def polyline_points(svg: str, name: str) -> list[tuple[float, float]]:
    match = re.search(rf'<polyline class="hubflow-metrics-{name}"[^>]*points="([^"]*)"', svg)
    assert match, f"no {name} polyline"
    return [tuple(map(float, p.split(","))) for p in match.group(1).split()]  # type: ignore[misc]


def test_ring_buffer_is_bounded_and_polylines_have_one_point_per_sample() -> None:
    widget = JobMetricsWidget(capacity=30)
    for i in range(100):
        widget.push(sample(i))
    widget.finish()
    points = widget.samples()
    assert len(points) == 30 and widget.pushed == 100
    assert points[0].cpu_pct == 70 and points[-1].cpu_pct == 99  # the oldest were dropped
    svg = widget.chart.value
    assert svg.count("<svg") == 2
    for name in ("cpu", "mem", "gpu", "rx", "tx"):
        assert len(polyline_points(svg, name)) == 30
    cpu = polyline_points(svg, "cpu")
    assert cpu[-1][0] > cpu[0][0]  # newest at the right
    assert cpu[-1][1] < cpu[0][1]  # 99 % is drawn higher than 70 %


def test_partial_buffer_and_missing_metrics() -> None:
    widget = JobMetricsWidget(capacity=10)
    for i in range(4):
        widget.push({"cpu_usage_pct": 10 * i, "rx_bps": 5, "tx_bps": 5})
    widget.finish()
    svg = widget.chart.value
    assert len(polyline_points(svg, "cpu")) == 4
    assert 'class="hubflow-metrics-gpu" fill="none" stroke="#2ca02c" stroke-width="1.5" points=""' in svg
    assert "GPU" not in widget.values.value and "memory" not in widget.values.value


def test_latest_values_line() -> None:
    widget = JobMetricsWidget()
    widget.push(sample(12))
    widget.finish()
    text = widget.values.value
    assert "CPU 12%" in text
    assert "memory 500.0 MB / 16.0 GB (3%)" in text
    assert "GPU 40%" in text
    assert "↓ 1.2 kB/s" in text and "↑ 50 B/s" in text
    assert "replica r-1" in text
    assert "hubflow-metrics-chart" in widget.chart._dom_classes
    assert "hubflow-metrics" in widget._dom_classes


def test_replica_filter() -> None:
    widget = JobMetricsWidget(replica="r-2")
    widget.push(sample(1))
    widget.push(sample(2, replica="r-2"))
    assert [p.cpu_pct for p in widget.samples()] == [2]


def test_push_from_threads_is_throttled_and_exact() -> None:
    widget = JobMetricsWidget(capacity=1000, interval=0.05)
    renders: list[object] = []
    widget.chart.observe(renders.append, names="value")

    def produce() -> None:
        for i in range(250):
            widget.push(sample(i))

    threads = [threading.Thread(target=produce) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    widget.finish()
    assert widget.pushed == 1000 and len(widget.samples()) == 1000
    assert len(polyline_points(widget.chart.value, "cpu")) == 1000
    assert len(renders) < 100  # 1,000 samples did not mean 1,000 SVG re-renders


def test_watch_consumes_a_stream_in_the_background() -> None:
    release = threading.Event()

    def stream() -> Iterator[dict[str, Any]]:
        yield sample(1)
        yield sample(2)
        release.wait(5)
        yield sample(3)

    widget = JobMetricsWidget()
    thread = widget.watch(stream())
    release.set()
    thread.join(5)
    assert not thread.is_alive()
    assert [p.cpu_pct for p in widget.samples()] == [1, 2, 3]
    assert "CPU 3%" in widget.values.value


def test_watch_reports_a_broken_stream() -> None:
    def stream() -> Iterator[dict[str, Any]]:
        yield sample(7)
        raise ConnectionError("reset by peer")

    widget = JobMetricsWidget()
    widget.watch(stream()).join(5)
    assert "CPU 7%" in widget.values.value
    assert "stream ended: reset by peer" in widget.values.value
