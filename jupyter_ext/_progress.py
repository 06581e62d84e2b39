"""``ProgressWidget``: an ipywidgets view of the executor's event stream.

Events arrive on the executor's background thread; ``on_event`` only folds them into
``ProgressState`` under a lock, and a ``Throttle`` pushes the result to the widgets at most
~10 times a second, so 10,000 small files do not flood the kernel or the browser.

```python
from jupyter_ext import ProgressWidget

widget = ProgressWidget(description="Upload")
display(widget)
api.upload_folder(..., on_event=widget.on_event)   # or any EventSink list
widget.finish()                                      # final render
```
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable

import ipywidgets as w

from hubflow._events import Event

from ._format import escape, human_bytes, human_duration, human_rate
from ._progress_state import ProgressState, Trouble
from ._throttle import Throttle

__all__ = ["ProgressWidget"]

_RATE_WINDOW = 5.0  # seconds of history behind the rate and ETA


class _NodeRowView:
    """A reusable row (label, bar, bytes) showing one running node."""

    def __init__(self) -> None:
        self.label = w.Label(layout=w.Layout(width="40%", overflow="hidden"))
        self.bar = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="35%"))
        self.bytes = w.Label(layout=w.Layout(width="25%"))
        self.box = w.HBox([self.label, self.bar, self.bytes])
        self.box.add_class("hubflow-progress-node")
        self.bar.add_class("hubflow-progress-node-bar")

    def show(self, label: str, done: int, total: int | None) -> None:
        self.label.value = label
        # max before value: IntProgress clamps value to max.
        self.bar.max = max(total or 1, 1)
        self.bar.value = min(done, self.bar.max) if total else 0
        self.bytes.value = f"{human_bytes(done)} / {human_bytes(total)}" if total else human_bytes(done)


class ProgressWidget(w.VBox):
    """Overall bytes bar, nodes done/total, rate and ETA, running nodes, retries and failures.

    ``on_event`` (or the widget itself, it is callable) is the ``EventSink`` to subscribe;
    it is thread-safe. ``max_rows`` caps the visible running nodes, ``max_trouble_rows``
    the visible retry/failure rows; ``interval`` is the minimum time between renders.
    The overall bar counts bytes of nodes that announced a size; while none has, it counts
    nodes. Counts are per node (one node per file for hashing and transfers).

    ```python
    widget = ProgressWidget(description="Upload")
    for event in events:          # from any thread
        widget.on_event(event)
    widget.finish()
    assert widget.overall_bar.value == widget.overall_bar.max
    ```
    """

    def __init__(
        self,
        *,
        description: str = "",
        max_rows: int = 5,
        max_trouble_rows: int = 10,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._state = ProgressState()
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()
        self.max_rows = max_rows
        self.max_trouble_rows = max_trouble_rows

        self.overall_bar = w.IntProgress(value=0, min=0, max=1, description=description)
        self.overall_bar.add_class("hubflow-progress-bar")
        self.bytes_label = w.Label("")
        self.bytes_label.add_class("hubflow-progress-bytes")
        overall = w.HBox([self.overall_bar, self.bytes_label])
        overall.add_class("hubflow-progress-overall")
        self.status_label = w.Label("waiting for events")
        self.status_label.add_class("hubflow-progress-status")

        self._rows = [_NodeRowView() for _ in range(max_rows)]
        self.nodes_box = w.VBox([])
        self.nodes_box.add_class("hubflow-progress-nodes")
        self.more_label = w.Label("", layout=w.Layout(display="none"))
        self.more_label.add_class("hubflow-progress-more")

        self._trouble_rows: list[w.HTML] = []
        self.troubles_box = w.VBox([])
        self.troubles_box.add_class("hubflow-progress-troubles")

        super().__init__([overall, self.status_label, self.nodes_box, self.more_label, self.troubles_box])
        self.add_class("hubflow-progress")
        self._throttle = Throttle(self._render, interval=interval, clock=clock)

    # -- the event sink ---------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Record one event (any thread); the display catches up within ``interval``.

        ```python
        run(graph, settings, on_event=widget.on_event)
        ```
        """
        with self._lock:
            self._state.apply(event)
        self._throttle.poke()

    __call__ = on_event

    def finish(self) -> None:
        """Render the final state now and stop the trailing timer (call when the run ends).

        ```python
        widget.finish()
        ```
        """
        self._throttle.flush()
        self._throttle.cancel()

    @property
    def renders(self) -> int:
        """How many times the widgets were updated (each update is a batch of messages)."""
        return self._throttle.flushes

    # -- rendering ----------------------------------------------------------------------

    def _render(self) -> None:
        with self._lock:
            s = self._state
            done, total = s.done_bytes, s.total_bytes
            moved = done + s.unsized_bytes
            nodes_done, nodes_total, failed = s.nodes_done, s.nodes_total, s.nodes_failed
            retries, finished = s.retries, s.finished
            running = len(s.active)
            rows = [
                (r.label, r.done_bytes, r.total_bytes)
                for r in itertools.islice(s.active.values(), self.max_rows)
            ]
            troubles = list(s.retrying.values())[: self.max_trouble_rows]
            troubles = s.failures[: self.max_trouble_rows - len(troubles)] + troubles
            hidden_troubles = len(s.retrying) + s.nodes_failed - len(troubles)

        rate = self._rate(moved)
        if total > 0:
            bar_max, bar_value = total, done
            self.bytes_label.value = f"{human_bytes(done)} / {human_bytes(total)}"
        else:
            bar_max, bar_value = max(nodes_total, 1), nodes_done
            self.bytes_label.value = ""
        with self.overall_bar.hold_sync():
            self.overall_bar.max = bar_max
            self.overall_bar.value = min(bar_value, bar_max)
            self.overall_bar.bar_style = "danger" if failed else ("success" if finished else "")

        remaining = total - done
        eta = remaining / rate if rate and remaining > 0 else (0.0 if finished else None)
        parts = [f"{nodes_done}/{nodes_total} done", human_rate(rate), f"ETA {human_duration(eta)}"]
        if retries:
            parts.append(f"{retries} {'retry' if retries == 1 else 'retries'}")
        if failed:
            parts.append(f"{failed} failed")
        self.status_label.value = " · ".join(parts)

        for view, (label, row_done, row_total) in zip(self._rows, rows, strict=False):
            view.show(label, row_done, row_total)
        self.nodes_box.children = tuple(v.box for v in self._rows[: len(rows)])
        self.more_label.value = f"+ {running - len(rows)} more running" if running > len(rows) else ""
        # Empty rows would still take a line each in the browser.
        self.more_label.layout.display = "" if self.more_label.value else "none"

        self._render_troubles(troubles, hidden_troubles)

    def _render_troubles(self, troubles: list[Trouble], hidden: int) -> None:
        while len(self._trouble_rows) < len(troubles) + (1 if hidden else 0):
            self._trouble_rows.append(w.HTML())
        for row, trouble in zip(self._trouble_rows, troubles, strict=False):
            if trouble.failed:
                text = (
                    f"<b>failed</b> {escape(trouble.label)} ({escape(trouble.kind)}): {escape(trouble.error)}"
                )
                cls, other = "hubflow-progress-failed", "hubflow-progress-retry"
            else:
                text = (
                    f"<b>retry {trouble.attempt}</b> {escape(trouble.label)} ({escape(trouble.kind)}) "
                    f"in {trouble.delay:.1f}s: {escape(trouble.error)}"
                )
                cls, other = "hubflow-progress-retry", "hubflow-progress-failed"
            row.value = text
            row.remove_class(other)
            row.add_class(cls)
        count = len(troubles)
        if hidden:
            more = self._trouble_rows[count]
            more.value = f"+ {hidden} more"
            more.remove_class("hubflow-progress-failed").remove_class("hubflow-progress-retry")
            count += 1
        self.troubles_box.children = tuple(self._trouble_rows[:count])

    def _rate(self, done: int) -> float | None:
        now = self._clock()
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > _RATE_WINDOW:
            self._samples.popleft()
        t0, d0 = self._samples[0]
        if now - t0 <= 0:
            return None
        return max(done - d0, 0) / (now - t0)
