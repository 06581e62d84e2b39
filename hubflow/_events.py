"""The executor's event stream.

Every node run by the executor emits, in order, one ``NodeStarted``, any number of
``NodeProgress`` (bytes moved or hashed), and exactly one of ``NodeFinished`` or
``NodeFailed`` (``NodeRetrying`` may come between attempts). Progress bars (tqdm, the
Jupyter widgets) and the large-folder report are only *views* of this stream: they
subscribe with a callable and never reach into the executor.

```python
events: list[Event] = []
await run(graph, settings, on_event=events.append)
assert any(isinstance(e, NodeFinished) for e in events)
```
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

__all__ = [
    "Event",
    "EventSink",
    "NodeFailed",
    "NodeFinished",
    "NodeProgress",
    "NodeRetrying",
    "NodeStarted",
]


class NodeStarted(msgspec.Struct, frozen=True, kw_only=True, tag="started"):
    """A node began running (after acquiring its resource limit).

    ```python
    def sink(event: Event) -> None:
        if isinstance(event, NodeStarted):
            print("start", event.kind, event.label, event.total_bytes)
    ```
    """

    key: str
    """The node's identity (``Task.key``)."""
    kind: str
    """The node's class name, e.g. ``"HashFile"`` or ``"UploadLfsObject"``."""
    label: str
    """A short human label, usually a path in the repo or a file name."""
    resource: str
    """The limiter it runs under: ``"hash"``, ``"api"``, ``"transfer"`` or ``"commit"``."""
    total_bytes: int | None = None
    """Bytes this node will hash or move, when known (drives byte progress bars)."""


class NodeProgress(msgspec.Struct, frozen=True, kw_only=True, tag="progress"):
    """Bytes hashed or transferred by a running node since its previous progress event.

    ```python
    total = sum(e.delta_bytes for e in events if isinstance(e, NodeProgress))
    ```
    """

    key: str
    kind: str
    delta_bytes: int
    """Bytes done since the last event of this node (a delta, so views can sum)."""
    done_bytes: int
    """Bytes done so far by this node in this attempt."""


class NodeRetrying(msgspec.Struct, frozen=True, kw_only=True, tag="retrying"):
    """An attempt failed with a retryable error; the executor waits ``delay`` seconds.

    ```python
    retries = [(e.kind, e.attempt, e.error) for e in events if isinstance(e, NodeRetrying)]
    ```
    """

    key: str
    kind: str
    attempt: int
    delay: float
    error: str


class NodeFinished(msgspec.Struct, frozen=True, kw_only=True, tag="finished"):
    """A node completed. ``from_journal`` is true when its result came from the journal.

    ```python
    skipped = [e.key for e in events if isinstance(e, NodeFinished) and e.from_journal]
    ```
    """

    key: str
    kind: str
    from_journal: bool = False


class NodeFailed(msgspec.Struct, frozen=True, kw_only=True, tag="failed"):
    """A node failed for good (not retryable, or the retry budget is spent).

    ```python
    failed = [(e.kind, e.error_type, e.error) for e in events if isinstance(e, NodeFailed)]
    ```
    """

    key: str
    kind: str
    error: str
    error_type: str


Event = NodeStarted | NodeProgress | NodeRetrying | NodeFinished | NodeFailed
EventSink = Callable[[Event], None]
