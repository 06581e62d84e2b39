"""``Context``: what a running node receives — the client, settings, progress, the graph.

```python
async def run(self, ctx: Context) -> FileHashes:
    return await hash_file(self.path, ctx.emit_progress, limiter=ctx.thread_limiter)
```
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import anyio.from_thread
from anyio import CapacityLimiter

if TYPE_CHECKING:
    from hubflow._http import HubClient
    from hubflow._settings import Settings
    from hubflow.graph._executor import _Execution
    from hubflow.tasks._base import Task

__all__ = ["Context"]

T = TypeVar("T")


class Context:
    """The running node's view of the executor (one per attempt).

    * ``hub`` / ``settings`` / ``cache_dir`` — transport and configuration;
    * ``emit_progress(delta)`` — report bytes done (callable from worker threads too);
    * ``result_of(task)`` — the result of a finished upstream node;
    * ``add(task, after=..., before=...)`` — grow the graph while it runs (``before`` makes
      not-yet-started nodes wait for the new one: an LFS upload the commit must wait for);
    * ``await submit(task)`` — run a node through the executor (limits, retries, journal) and
      wait for its result; the caller's own limiter slot is released while it waits, so a node
      submitting same-resource children cannot deadlock the pool.

    ```python
    async def run(self, ctx: Context) -> str:
        path = ctx.result_of(self.download)      # an upstream node's result
        ctx.emit_progress(os.path.getsize(path))
        return path
    ```
    """

    def __init__(self, execution: _Execution, node: Task[Any], key: str | None = None, attempt: int = 0) -> None:
        self._execution = execution
        self.node = node
        self.key = node.key if key is None else key
        """The node's key (computed once: it hashes the node's encoding)."""
        self.hub: HubClient = execution.hub
        self.settings: Settings = execution.hub.settings
        self.thread_limiter: CapacityLimiter = execution.thread_limiter
        self.done_bytes = 0
        self.attempt = attempt
        """0 for the first attempt, N for the Nth retry (a node may check what an earlier attempt did)."""
        self._loop_thread = threading.get_ident()
        self._held: list[CapacityLimiter] = []
        # On asyncio a worker thread queues its progress without waiting for the loop (one
        # blocking round trip per chunk otherwise); the queue keeps the order, and a thread's
        # result is queued the same way after its progress, so progress precedes NodeFinished.
        self._call_soon: Callable[..., Any] | None
        try:
            self._call_soon = asyncio.get_running_loop().call_soon_threadsafe
        except RuntimeError:  # another anyio backend
            self._call_soon = None

    @property
    def cache_dir(self) -> Path:
        """The Hub cache directory (``HF_HUB_CACHE``)."""
        return Path(self.settings.cache_dir).expanduser()

    def emit_progress(self, delta: int) -> None:
        """Report ``delta`` more bytes hashed or moved by this node."""
        if threading.get_ident() != self._loop_thread:
            if self._call_soon is not None:
                self._call_soon(self._progress, delta)
            else:
                anyio.from_thread.run_sync(self._progress, delta)
            return
        self._progress(delta)

    def _progress(self, delta: int) -> None:
        self.done_bytes += delta
        self._execution.progress(self.node, self.key, delta, self.done_bytes)

    def result_of(self, task: Task[T]) -> T:
        """The result of a finished node (usually one this node was added ``after``)."""
        return self._execution.result_of(task)  # type: ignore[no-any-return]

    def result_if_done(self, task: Task[T]) -> T | None:
        """The result of ``task`` if it finished (or a batch answered it), else ``None``."""
        return self._execution.result_if_done(task)  # type: ignore[no-any-return]

    def add(
        self, task: Task[T], after: Iterable[Task[Any]] = (), before: Iterable[Task[Any]] = ()
    ) -> Task[T]:
        """Add a node to the running graph; it is scheduled when its dependencies finish."""
        return self._execution.add(task, after=after, before=before)

    async def submit(self, task: Task[T]) -> T:
        """Add ``task`` (no dependencies) and wait for its result; its error is raised here."""
        node = self._execution.add(task)
        for limiter in self._held:
            limiter.release()
        try:
            return await self._execution.wait_for(node)  # type: ignore[no-any-return]
        finally:
            with anyio.CancelScope(shield=True):
                for limiter in self._held:
                    await limiter.acquire()
