"""A tqdm view of the executor's event stream: files done/total, bytes, rate, ETA.

The core never imports this module; attach the view as an event sink. Bars are off when
``HF_HUB_DISABLE_PROGRESS_BARS=1`` (the view still counts, so a report can be printed).

```python
with TqdmProgress(description="Upload") as view:
    await run(graph, hub, on_event=view)
print(view.files_done, view.bytes_done)
```
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from hubflow._constants import Environment
from hubflow._events import Event, EventSink, NodeFailed, NodeFinished, NodeProgress, NodeStarted

__all__ = ["REDRAW_INTERVAL", "TqdmProgress", "default_view", "describe", "get_view_factory", "progress_bars_enabled", "set_view_factory"]


REDRAW_INTERVAL = 0.1
"""Seconds between two redraws of the bar caused by node events (bytes follow tqdm's ``mininterval``)."""


def progress_bars_enabled(default: bool = True) -> bool:
    """False when ``HF_HUB_DISABLE_PROGRESS_BARS`` is truthy, True when it is ``0``, else ``default``.

    ```python
    if progress_bars_enabled():
        api.on_event = TqdmProgress()
    ```
    """
    disabled = Environment.read().disable_progress_bars
    return default if disabled is None else not disabled


class TqdmProgress:
    """An ``EventSink`` that draws one tqdm bar of bytes and counts nodes (files) done/total.

    The byte total grows as nodes announce ``total_bytes`` in ``NodeStarted``; the bar counts the
    bytes of those nodes only (``bytes_done``), so done never passes the total: bytes of nodes
    that announced no size (a commit's inline content) are counted in ``unsized_bytes``. The
    postfix shows ``files done/started`` and failures. Thread-safe: events may come from the
    executor's thread.
    """

    def __init__(self, description: str = "hubflow", *, enabled: bool | None = None, **tqdm_kwargs: Any) -> None:
        self.description = description
        self.enabled = progress_bars_enabled() if enabled is None else enabled
        self.files_total = 0
        self.files_done = 0
        self.files_failed = 0
        self.bytes_total = 0
        self.bytes_done = 0
        self.unsized_bytes = 0
        self._sized: set[str] = set()
        self._lock = threading.Lock()
        self._bar: Any = None
        self._last_draw = 0.0
        self._tqdm_kwargs = tqdm_kwargs

    def _ensure_bar(self) -> Any:
        if self._bar is None and self.enabled:
            from tqdm.auto import tqdm  # type: ignore[import-untyped]  # only when a bar is drawn

            self._bar = tqdm(
                total=0, desc=self.description, unit="B", unit_scale=True, unit_divisor=1024, **self._tqdm_kwargs
            )
        return self._bar

    def __call__(self, event: Event) -> None:
        with self._lock:
            bar = self._ensure_bar()
            if isinstance(event, NodeStarted):
                self.files_total += 1
                if event.total_bytes:
                    self._sized.add(event.key)
                    self.bytes_total += event.total_bytes
                    if bar is not None:
                        bar.total = self.bytes_total
            elif isinstance(event, NodeProgress):
                if event.key not in self._sized:
                    self.unsized_bytes += event.delta_bytes
                    return
                self.bytes_done += event.delta_bytes
                if bar is not None:
                    bar.update(event.delta_bytes)
            elif isinstance(event, NodeFinished):
                self.files_done += 1
            elif isinstance(event, NodeFailed):
                self.files_failed += 1
            else:
                return
            if bar is not None and not isinstance(event, NodeProgress):
                failed = f", {self.files_failed} failed" if self.files_failed else ""
                bar.set_postfix_str(f"{self.files_done}/{self.files_total} done{failed}", refresh=False)
                # Redraw at most every REDRAW_INTERVAL: a redraw per event cost more than hashing
                # a small file (thousands of node events per upload).
                now = time.monotonic()
                if now - self._last_draw >= REDRAW_INTERVAL:
                    self._last_draw = now
                    bar.refresh()

    def close(self) -> None:
        """Close the bar (idempotent)."""
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None

    def __enter__(self) -> TqdmProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --- The default view the facade attaches to its runs ------------------------------------------

ViewFactory = Callable[..., EventSink]
"""Makes a fresh view (an ``EventSink``; ``finish()`` or ``close()`` is called when the run ends).

Called with ``description=`` ("Upload", "Download", "hubflow") when it accepts that keyword
(or ``**kwargs``), else with no arguments."""

_UPLOAD_KINDS = frozenset({"Commit", "FetchUploadModes", "HashBatch", "HashFile", "LfsBatch", "SampleBatch",
                           "SampleFile", "UploadLfsObject", "UploadLfsPart", "CompleteLfsMultipart"})
_DOWNLOAD_KINDS = frozenset({"DownloadFile", "ListSnapshotFiles"})


def describe(kinds: Iterable[str]) -> str:
    """A view's title for a run of these node kinds: ``"Upload"``, ``"Download"`` or ``"hubflow"``.

    ```python
    describe(task.kind for task in graph)  # "Upload" for an upload graph
    ```
    """
    seen = set(kinds)
    if seen & _UPLOAD_KINDS:
        return "Upload"
    if seen & _DOWNLOAD_KINDS:
        return "Download"
    return "hubflow"


def _takes_description(factory: ViewFactory) -> bool:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable: call it as documented, bare
        return False
    return any(p.name == "description" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)

_view_factory: ViewFactory | None = None
_factory_lock = threading.Lock()


def set_view_factory(factory: ViewFactory | None) -> ViewFactory | None:
    """Make ``factory`` the process-wide default view (``None``: back to tqdm); returns the previous one.

    ``%load_ext jupyter_ext`` registers its widget factory here.

    ```python
    previous = set_view_factory(lambda: MyView())
    set_view_factory(previous)
    ```
    """
    global _view_factory
    with _factory_lock:
        previous, _view_factory = _view_factory, factory
    return previous


def get_view_factory() -> ViewFactory | None:
    """The registered default view factory, or ``None`` (the facade then draws a tqdm bar).

    ```python
    assert get_view_factory() is None
    ```
    """
    return _view_factory


def default_view(description: str = "hubflow") -> _DeferredView | None:
    """The view ``HfApi`` attaches to a run when no ``on_event`` sink is set; ``None`` when bars are off.

    The real view (the registered factory's, else a ``TqdmProgress``) is only made when the
    first bytes move, so calls that move none (``whoami``, ``repo_info``) never show a bar.

    ```python
    view = default_view("Upload")
    try:
        await run(graph, hub, on_event=view)
    finally:
        if view is not None:
            view.finish()
    ```
    """
    if not progress_bars_enabled():
        return None
    return _DeferredView(description, _view_factory)


class _DeferredView:
    """Buffers events until bytes move, then makes the view and replays them to it."""

    _MAX_BUFFER = 10_000  # the events before the first byte are API calls: few in practice

    def __init__(self, description: str, factory: ViewFactory | None) -> None:
        self.description = description
        self.factory = factory
        self.view: EventSink | None = None
        self._buffer: list[Event] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            if self.view is None:
                moves_bytes = isinstance(event, NodeProgress) or (
                    isinstance(event, NodeStarted) and bool(event.total_bytes)
                )
                if not moves_bytes:
                    if len(self._buffer) < self._MAX_BUFFER:
                        self._buffer.append(event)
                    return
                if self.factory is None:
                    self.view = TqdmProgress(self.description)
                elif _takes_description(self.factory):
                    self.view = self.factory(description=self.description)
                else:
                    self.view = self.factory()
                buffered, self._buffer = self._buffer, []
                for old in buffered:
                    self.view(old)
            view = self.view
        view(event)

    def finish(self) -> None:
        """End the view (its ``finish()``, else ``close()``); a no-op when no bytes moved."""
        with self._lock:
            view, self.view = self.view, None
            self._buffer = []
        end = getattr(view, "finish", None) or getattr(view, "close", None)
        if callable(end):
            end()
