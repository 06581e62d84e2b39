"""Pure bookkeeping behind ``ProgressWidget``: fold events into totals, no widgets here.

Kept apart from the widget so the arithmetic (retries reset a node's bytes, journal hits
count as done, unknown sizes) is easy to read and to test.

```python
state = ProgressState()
state.apply(NodeStarted(key="a", kind="HashFile", label="a.bin", resource="hash", total_bytes=10))
state.apply(NodeProgress(key="a", kind="HashFile", delta_bytes=4, done_bytes=4))
assert (state.done_bytes, state.total_bytes) == (4, 10)
```
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hubflow._events import Event, NodeFailed, NodeFinished, NodeProgress, NodeRetrying, NodeStarted

__all__ = ["NodeRow", "ProgressState", "Trouble"]


@dataclass
class NodeRow:
    """One node as the widget shows it while it runs."""

    key: str
    kind: str
    label: str
    total_bytes: int | None
    done_bytes: int = 0


@dataclass(frozen=True)
class Trouble:
    """A retry or a failure, as a row in the failures area."""

    key: str
    kind: str
    label: str
    error: str
    failed: bool
    """``True`` for ``NodeFailed``; ``False`` for ``NodeRetrying``."""
    attempt: int = 0
    delay: float = 0.0


@dataclass
class ProgressState:
    """Running totals of an event stream (not thread-safe: the widget holds a lock).

    ```python
    state = ProgressState()
    for event in events:
        state.apply(event)
    print(state.nodes_done, "/", state.nodes_total)
    ```
    """

    done_bytes: int = 0
    """Bytes done by nodes that announced ``total_bytes`` (what the overall bar shows)."""
    total_bytes: int = 0
    unsized_bytes: int = 0
    """Bytes moved by nodes of unknown size (counted in the rate, not in the bar)."""
    nodes_total: int = 0
    nodes_done: int = 0
    nodes_failed: int = 0
    retries: int = 0
    events: int = 0
    active: dict[str, NodeRow] = field(default_factory=dict)
    """Running nodes, oldest first (dicts keep insertion order)."""
    retrying: dict[str, Trouble] = field(default_factory=dict)
    """The latest retry of each node still running (dropped when the node ends)."""
    failures: list[Trouble] = field(default_factory=list)
    """Failures, oldest first, the first ``max_failures`` kept (``nodes_failed`` counts all)."""
    max_failures: int = 1000
    labels: dict[str, str] = field(default_factory=dict)
    """Labels of every node seen, so a failure row can name its file after the node ended."""
    per_kind: dict[str, list[int]] = field(default_factory=dict)
    """``kind -> [done, total]`` node counts."""

    def apply(self, event: Event) -> None:
        """Fold one event into the totals.

        ```python
        state.apply(event)
        ```
        """
        self.events += 1
        if isinstance(event, NodeStarted):
            self._started(event)
        elif isinstance(event, NodeProgress):
            row = self._row(event.key, event.kind)
            self._set_done(row, event.done_bytes)
        elif isinstance(event, NodeRetrying):
            self.retries += 1
            row = self.active.get(event.key)
            if row is not None:
                # The next attempt starts from zero (done_bytes is per attempt).
                self._set_done(row, 0)
            self.retrying[event.key] = Trouble(
                key=event.key,
                kind=event.kind,
                label=self.labels.get(event.key, event.key),
                error=event.error,
                failed=False,
                attempt=event.attempt,
                delay=event.delay,
            )
        elif isinstance(event, NodeFinished):
            row = self._row(event.key, event.kind)
            if row.total_bytes is not None:
                self._set_done(row, row.total_bytes)
            self._end(row)
            self.nodes_done += 1
            self.per_kind[row.kind][0] += 1
        elif isinstance(event, NodeFailed):
            row = self._row(event.key, event.kind)
            self._end(row)
            self.nodes_failed += 1
            if len(self.failures) < self.max_failures:
                self.failures.append(
                    Trouble(
                        key=event.key,
                        kind=event.kind,
                        label=self.labels.get(event.key, event.key),
                        error=f"{event.error_type}: {event.error}",
                        failed=True,
                    )
                )

    @property
    def finished(self) -> bool:
        """True when nodes ran and none is running any more."""
        return self.nodes_total > 0 and not self.active

    def _started(self, event: NodeStarted) -> None:
        existing = self.active.get(event.key)
        if existing is not None:
            # A restarted attempt: keep the row, reset its bytes, fix its size if it changed.
            self._set_done(existing, 0)
            if event.total_bytes is not None and existing.total_bytes is None:
                existing.total_bytes = event.total_bytes
                self.total_bytes += event.total_bytes
            return
        self._new_row(event.key, event.kind, event.label, event.total_bytes)

    def _row(self, key: str, kind: str) -> NodeRow:
        row = self.active.get(key)
        if row is None:
            # An event without NodeStarted (e.g. a node answered from the journal).
            row = self._new_row(key, kind, self.labels.get(key, key), None)
        return row

    def _new_row(self, key: str, kind: str, label: str, total: int | None) -> NodeRow:
        row = NodeRow(key=key, kind=kind, label=label, total_bytes=total)
        self.active[key] = row
        self.labels[key] = label
        self.nodes_total += 1
        self.per_kind.setdefault(kind, [0, 0])[1] += 1
        if total is not None:
            self.total_bytes += total
        return row

    def _set_done(self, row: NodeRow, done: int) -> None:
        if row.total_bytes is None:
            # Not part of the overall bar, whose total only counts announced sizes (a commit
            # node sends the inline files' bytes without a size): done would overshoot total.
            self.unsized_bytes += done - row.done_bytes
        else:
            done = min(done, row.total_bytes)
            self.done_bytes += done - row.done_bytes
        row.done_bytes = done

    def _end(self, row: NodeRow) -> None:
        self.active.pop(row.key, None)
        self.retrying.pop(row.key, None)
