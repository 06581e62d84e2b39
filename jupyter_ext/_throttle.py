"""Rate-limit how often accumulated state is pushed to the front end.

Events arrive from the executor's thread at any rate (10,000 small files mean tens of
thousands of events); every trait change is a message to the browser. A ``Throttle``
runs ``flush`` at most once per ``interval`` and guarantees a trailing flush, so the
last state always shows even if no event follows.

```python
t = Throttle(lambda: print("render"), interval=0.1)
for _ in range(1000):
    t.poke()        # renders once now, then at most every 0.1 s
t.flush()           # render now (e.g. when the operation ends)
```
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Throttle"]


class Throttle:
    """Call ``flush`` at most once per ``interval`` seconds, plus one trailing call.

    ``clock`` is injectable so tests can drive time; the trailing timer uses real time
    (bounded by ``interval``) because it only has to happen *eventually*.

    ```python
    t = Throttle(render, interval=0.1)
    t.poke()
    ```
    """

    def __init__(
        self,
        flush: Callable[[], None],
        *,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._flush_fn = flush
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        # Serialises flushes so a slower, older snapshot never lands after a newer one.
        self._flush_lock = threading.Lock()
        self._last: float | None = None
        self._timer: threading.Timer | None = None
        self._dirty = False
        self.flushes = 0
        """How many times ``flush`` ran (for tests and diagnostics)."""

    def poke(self) -> None:
        """Note that state changed: flush now if the interval has passed, else schedule one.

        ```python
        t.poke()
        ```
        """
        with self._lock:
            self._dirty = True
            now = self._clock()
            due = self._last is None or now - self._last >= self.interval
            if not due:
                if self._timer is None:
                    remaining = self.interval - (now - (self._last or now))
                    delay = min(max(remaining, 0.0), self.interval)
                    self._timer = threading.Timer(delay, self._on_timer)
                    self._timer.daemon = True
                    self._timer.start()
                return
        self.flush()

    def flush(self) -> None:
        """Run ``flush`` now if anything changed since the last run.

        ```python
        t.flush()
        ```
        """
        with self._flush_lock:
            with self._lock:
                if not self._dirty:
                    return
                self._dirty = False
                self._last = self._clock()
            self._flush_fn()
            self.flushes += 1

    def cancel(self) -> None:
        """Stop any pending trailing flush (state stays as last flushed).

        ```python
        t.cancel()
        ```
        """
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
        self.flush()
