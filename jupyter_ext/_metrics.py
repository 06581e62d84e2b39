"""``JobMetricsWidget``: live CPU, memory, GPU and network of a Hub Job as small SVG charts.

Samples are the dicts ``fetch_job_metrics(job_id, follow=True)`` yields, one per second
(api.md §7.7): ``cpu_usage_pct``, ``memory_used_bytes``, ``memory_total_bytes``, ``rx_bps``,
``tx_bps``, ``gpus: {id: {utilization, memory_used_bytes, memory_total_bytes}}``, ``replica``.
A bounded ring buffer keeps the last ``capacity`` samples; rendering is throttled.

```python
widget = JobMetricsWidget(capacity=120)
display(widget)
widget.watch(api.fetch_job_metrics(job.id, follow=True))   # background thread
```
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from ._chart import COLORS, line_chart
from ._format import escape, human_bytes, human_rate
from ._throttle import Throttle

__all__ = ["JobMetricsWidget", "Point"]


@dataclass(frozen=True)
class Point:
    """One sample reduced to what the charts draw (``None`` where the sample had no value)."""

    cpu_pct: float | None
    mem_pct: float | None
    gpu_pct: float | None
    rx_bps: float | None
    tx_bps: float | None
    mem_used: float | None
    mem_total: float | None
    replica: str | None

    @classmethod
    def from_sample(cls, sample: Mapping[str, Any]) -> Point:
        """Read a metrics dict; missing or malformed fields become ``None``.

        ```python
        p = Point.from_sample({"cpu_usage_pct": 12, "memory_used_bytes": 1, "memory_total_bytes": 4})
        assert p.mem_pct == 25.0
        ```
        """
        used, total = _num(sample.get("memory_used_bytes")), _num(sample.get("memory_total_bytes"))
        gpus = sample.get("gpus") or {}
        utils = [_num(g.get("utilization")) for g in gpus.values() if isinstance(g, Mapping)]
        known = [u for u in utils if u is not None]
        replica = sample.get("replica")
        return cls(
            cpu_pct=_num(sample.get("cpu_usage_pct")),
            mem_pct=used / total * 100 if used is not None and total else None,
            gpu_pct=sum(known) / len(known) if known else None,
            rx_bps=_num(sample.get("rx_bps")),
            tx_bps=_num(sample.get("tx_bps")),
            mem_used=used,
            mem_total=total,
            replica=str(replica) if replica is not None else None,
        )


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class JobMetricsWidget(w.VBox):
    """Two inline SVG charts (CPU/memory/GPU %, network rx/tx) and a line of latest values.

    ``push(sample)`` is thread-safe and cheap; the charts re-render at most once per
    ``interval``. Only the last ``capacity`` samples are kept. ``replica`` keeps only
    samples of that replica when a job runs several.

    ```python
    widget = JobMetricsWidget(capacity=60)
    widget.push({"cpu_usage_pct": 12, "rx_bps": 100, "tx_bps": 50})
    widget.finish()
    ```
    """

    def __init__(
        self,
        *,
        capacity: int = 120,
        replica: str | None = None,
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self.replica = replica
        self._lock = threading.Lock()
        self._buffer: deque[Point] = deque(maxlen=capacity)
        self.pushed = 0
        """Samples accepted so far (including those since dropped from the buffer)."""
        self.chart = w.HTML(self._svg([]))
        self.chart.add_class("hubflow-metrics-chart")
        self.values = w.HTML("<i>waiting for metrics</i>")
        self.values.add_class("hubflow-metrics-values")
        super().__init__([self.values, self.chart])
        self.add_class("hubflow-metrics")
        self._throttle = Throttle(self._render, interval=interval, clock=clock)
        self._watcher: threading.Thread | None = None

    def push(self, sample: Mapping[str, Any]) -> None:
        """Add one metrics sample (any thread).

        ```python
        for sample in api.fetch_job_metrics(job_id, follow=True):
            widget.push(sample)
        ```
        """
        point = Point.from_sample(sample)
        if self.replica is not None and point.replica != self.replica:
            return
        with self._lock:
            self._buffer.append(point)
            self.pushed += 1
        self._throttle.poke()

    def samples(self) -> list[Point]:
        """A copy of the buffered points, oldest first.

        ```python
        assert len(widget.samples()) <= widget.capacity
        ```
        """
        with self._lock:
            return list(self._buffer)

    def finish(self) -> None:
        """Render now and stop the trailing timer.

        ```python
        widget.finish()
        ```
        """
        self._throttle.flush()
        self._throttle.cancel()

    def watch(self, samples: Iterable[Mapping[str, Any]]) -> threading.Thread:
        """Consume an iterable of samples (e.g. a following metrics stream) in a daemon thread.

        The thread ends when the iterable does (the job finished); the widget then renders
        its final state. Errors end the watch and show in the values line.

        ```python
        thread = widget.watch(api.fetch_job_metrics(job_id, follow=True))
        ```
        """

        def consume() -> None:
            try:
                for sample in samples:
                    self.push(sample)
            except Exception as exc:  # the stream broke: say so rather than freeze silently
                self.finish()
                self.values.value += (
                    f" <span class='hubflow-metrics-error'>stream ended: {escape(exc)}</span>"
                )
                return
            self.finish()

        self._watcher = threading.Thread(target=consume, name="hubflow-job-metrics", daemon=True)
        self._watcher.start()
        return self._watcher

    def _render(self) -> None:
        points = self.samples()
        self.chart.value = self._svg(points)
        if points:
            self.values.value = self._latest(points[-1]) + self._peaks(points)

    def _svg(self, points: list[Point]) -> str:
        percents = line_chart(
            {
                "cpu": [p.cpu_pct for p in points],
                "mem": [p.mem_pct for p in points],
                "gpu": [p.gpu_pct for p in points],
            },
            capacity=self.capacity,
            y_max=100.0,
            title="CPU / memory / GPU %",
        )
        peak = max([p.rx_bps or 0.0 for p in points] + [p.tx_bps or 0.0 for p in points] + [0.0])
        network = line_chart(
            {"rx": [p.rx_bps for p in points], "tx": [p.tx_bps for p in points]},
            capacity=self.capacity,
            y_max=max(peak, 1.0),
            # "peak 1 B/s" over two flat lines read as a measurement; say what it is.
            title=f"network (peak {human_rate(peak)})" if peak > 0 else "network (no traffic)",
        )
        return f'<div class="hubflow-metrics-plots">{percents}<br/>{network}</div>'

    @staticmethod
    def _peaks(points: list[Point]) -> str:
        # A finished job's last sample reads "CPU 0%": the peaks say what it actually used.
        cpu = [p.cpu_pct for p in points if p.cpu_pct is not None]
        mem = [p.mem_used for p in points if p.mem_used is not None]
        if len(points) < 2 or not (cpu or mem):
            return ""
        parts = []
        if cpu:
            parts.append(f"CPU {max(cpu):.0f}%")
        if mem:
            parts.append(f"memory {human_bytes(max(mem))}")
        return f'<br/><span class="hubflow-metrics-peaks" style="color: gray">peak: {", ".join(parts)}</span>'

    @staticmethod
    def _latest(p: Point) -> str:
        def item(name: str, text: str) -> str:
            return f'<span style="color: {COLORS[name]}">■</span> {text}'

        parts = []
        if p.cpu_pct is not None:
            parts.append(item("cpu", f"CPU {p.cpu_pct:.0f}%"))
        if p.mem_used is not None:
            pct = f" ({p.mem_pct:.0f}%)" if p.mem_pct is not None else ""
            parts.append(item("mem", f"memory {human_bytes(p.mem_used)} / {human_bytes(p.mem_total)}{pct}"))
        if p.gpu_pct is not None:
            parts.append(item("gpu", f"GPU {p.gpu_pct:.0f}%"))
        parts.append(item("rx", f"↓ {human_rate(p.rx_bps)}"))
        parts.append(item("tx", f"↑ {human_rate(p.tx_bps)}"))
        if p.replica:
            parts.append(f"replica {escape(p.replica)}")
        return " · ".join(parts)
