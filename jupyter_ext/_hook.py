"""How hubflow's facade finds a Jupyter view: a process-wide default view factory.

The core never imports ipywidgets. Instead, ``%load_ext jupyter_ext`` installs
``progress_factory`` as the default *view factory*: a callable (given ``description=``, the
run's title such as "Upload", when it accepts that keyword) that
returns a fresh ``EventSink`` (here a displayed ``ProgressWidget``; it also has
``finish()``, to call when the operation ends). If ``hubflow.progress`` offers
``set_view_factory(factory) -> previous`` the factory is registered there too, so the
facade shows widgets instead of tqdm bars; without that hook, ``attach`` subscribes a
widget to any list of event sinks by hand.

```python
%load_ext jupyter_ext
sinks = []
widget = jupyter_ext.attach(sinks)     # displayed, and widget.on_event is in sinks
```
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from hubflow._events import EventSink

from ._progress import ProgressWidget

__all__ = [
    "attach",
    "detach",
    "get_view_factory",
    "load_ipython_extension",
    "progress_factory",
    "set_view_factory",
    "unload_ipython_extension",
]

ViewFactory = Callable[[], EventSink]

_HOOK_NAME = "set_view_factory"
_default: ViewFactory | None = None
# What the extension replaced, restored on unload: (our previous default, hubflow's previous).
_saved: tuple[ViewFactory | None, ViewFactory | None, bool] | None = None


def progress_factory(*, display: bool = True, **options: Any) -> ProgressWidget:
    """Make a fresh ``ProgressWidget`` and display it in the current cell's output.

    ``options`` go to ``ProgressWidget`` (``description``, ``max_rows``, ...).

    ```python
    widget = jupyter_ext.progress_factory(description="Upload")
    ```
    """
    widget = ProgressWidget(**options)
    if display:
        from IPython.display import display as show

        show(widget)
    return widget


def get_view_factory() -> ViewFactory | None:
    """The process-wide default view factory (``None`` until set or the extension is loaded).

    ```python
    factory = jupyter_ext.get_view_factory()
    sink = factory() if factory else None
    ```
    """
    return _default


def set_view_factory(factory: ViewFactory | None) -> ViewFactory | None:
    """Set the process-wide default view factory; returns the previous one.

    Also registers it with ``hubflow.progress.set_view_factory`` when hubflow offers it.

    ```python
    previous = jupyter_ext.set_view_factory(lambda: ProgressWidget(max_rows=10))
    ```
    """
    global _default
    previous, _default = _default, factory
    hook = _hubflow_hook()
    if hook is not None:
        hook(factory)
    return previous


def attach(subscribers: list[EventSink], widget: ProgressWidget | None = None) -> ProgressWidget:
    """Subscribe a (new, displayed) ``ProgressWidget`` to a list of event sinks.

    ```python
    sinks: list[EventSink] = []
    widget = jupyter_ext.attach(sinks)
    await run(graph, settings, on_event=lambda e: [s(e) for s in sinks])
    jupyter_ext.detach(sinks, widget)
    ```
    """
    if widget is None:
        widget = progress_factory()
    subscribers.append(widget.on_event)
    return widget


def detach(subscribers: list[EventSink], widget: ProgressWidget) -> None:
    """Unsubscribe ``widget`` and render its final state.

    ```python
    jupyter_ext.detach(sinks, widget)
    ```
    """
    subscribers[:] = [s for s in subscribers if s != widget.on_event]
    widget.finish()


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_ext``: make ``progress_factory`` the default view for hubflow.

    ```python
    get_ipython().extension_manager.load_extension("jupyter_ext")
    ```
    """
    global _saved, _default
    if _saved is not None:  # loaded twice: keep the first saved state
        return
    hook = _hubflow_hook()
    previous_hubflow = _hubflow_current()
    _saved = (_default, previous_hubflow, hook is not None)
    _default = progress_factory
    if hook is not None:
        hook(progress_factory)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext jupyter_ext``: restore the view factories that were in place before.

    ```python
    get_ipython().extension_manager.unload_extension("jupyter_ext")
    ```
    """
    global _saved, _default
    if _saved is None:
        return
    previous, previous_hubflow, registered = _saved
    _saved = None
    _default = previous
    hook = _hubflow_hook()
    if registered and hook is not None:
        hook(previous_hubflow)


def _hubflow_module() -> Any:
    try:
        return importlib.import_module("hubflow.progress")
    except ImportError:
        return None


def _hubflow_hook() -> Callable[[ViewFactory | None], Any] | None:
    hook = getattr(_hubflow_module(), _HOOK_NAME, None)
    return hook if callable(hook) else None


def _hubflow_current() -> ViewFactory | None:
    getter = getattr(_hubflow_module(), "get_view_factory", None)
    return getter() if callable(getter) else None
