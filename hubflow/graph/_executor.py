"""The executor: ``run(graph, hub)`` runs a ``Graph`` with limits, retries, events and a journal.

A node starts as soon as every node it depends on has finished and a slot of its resource
limiter is free (``Limits``: ``hash``, ``api``, ``transfer``, ``commit``; ``Task.limit_key()``
partitions a pool, so commits to one ref run one at a time while other refs proceed). A failed
attempt is retried when the error is retryable (408/429/5xx, network, timeout) and the node
says a retry is safe (``Task.retry_safe(error)``), after ``retry_delay`` (``Retry-After`` /
``RateLimit`` first, else exponential back-off with jitter); the slot is released while
waiting. By default the first failure cancels everything still running and is raised as the
node's own typed error; ``fail_fast=False`` lets independent branches finish and raises
``NodesFailedError`` with every failure and the partial results.

Cancellation (a cancel scope, Ctrl-C) cancels every running node at its next ``await``; nodes
that write files do so to a temporary name and rename, so nothing half-written is left.

```python
results = await run(graph, hub, on_event=print, journal=Journal(path))
results[commit]  # typed as the node's T
```
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any, TypeVar, overload

import anyio
import httpx
import networkx as nx  # type: ignore[import-untyped]
from anyio import CapacityLimiter
from anyio.abc import TaskGroup

from hubflow._events import (
    Event,
    EventSink,
    NodeFailed,
    NodeFinished,
    NodeProgress,
    NodeRetrying,
    NodeStarted,
)
from hubflow._http import HubClient, is_retryable, retry_delay
from hubflow._settings import Settings
from hubflow.errors import GraphError, HubConnectionError, NodesFailedError
from hubflow.graph._context import Context
from hubflow.graph._graph import Graph
from hubflow.graph._journal import Journal
from hubflow.tasks._base import Task

__all__ = ["Results", "run"]

T = TypeVar("T")


class Results(Mapping[Task[Any], Any]):
    """The results of a run, indexed by task (typed: ``results[task]`` is the task's ``T``).

    ``from_journal`` holds the keys whose results were read from the journal, not recomputed.

    ```python
    results = await run(graph, settings, journal=journal)
    info = results[commit]                      # a CommitInfo
    commit.key in results.from_journal          # True when a rerun skipped it
    ```
    """

    def __init__(
        self, graph: Graph, values: dict[str, Any], from_journal: set[str], by_node: dict[Any, Any] | None = None
    ) -> None:
        self._graph = graph
        self._values = values
        self._by_node = by_node or {}
        self.from_journal = from_journal

    @overload
    def __getitem__(self, task: Task[T]) -> T: ...
    @overload
    def __getitem__(self, task: Any) -> Any: ...
    def __getitem__(self, task: Any) -> Any:
        value = _lookup(self._by_node, self._values, task)  # also what batch nodes answered (``Task.provides``)
        if value is _MISSING:
            raise KeyError(task)
        return value

    def __contains__(self, task: object) -> bool:
        return _lookup(self._by_node, self._values, task) is not _MISSING

    def __iter__(self) -> Iterator[Task[Any]]:
        return (self._graph.get(key) for key in self._values)

    def __len__(self) -> int:
        return len(self._values)


_MISSING: Any = object()


def _lookup(by_node: dict[Any, Any], by_key: dict[str, Any], task: object) -> Any:
    """A stored result (or provided value) of ``task``, else ``_MISSING``; a key is computed only for unhashable nodes."""
    try:
        return by_node.get(task, _MISSING)  # every stored result of a hashable node is here
    except TypeError:  # a node with list fields is unhashable: found by key only
        return by_key.get(getattr(task, "key", ""), _MISSING)


class _Execution:
    """State of one ``run``: what is waiting, running, done; limiters; the event sink."""

    def __init__(
        self,
        graph: Graph,
        hub: HubClient,
        on_event: EventSink | None,
        journal: Journal | None,
        fail_fast: bool,
    ) -> None:
        self.graph = graph
        self.hub = hub
        self.on_event = on_event
        self.journal = journal
        self.fail_fast = fail_fast
        limits = hub.settings.limits
        # Separate from the node-level "hash" pool: a node holding a hash slot still needs a thread.
        self.thread_limiter = CapacityLimiter(max(1, limits.hash))
        self._limiters: dict[tuple[str, Hashable], CapacityLimiter] = {}
        self._waiting: dict[str, int] = {}  # key → unfinished dependencies (not yet started)
        self._started: set[str] = set()
        self.results: dict[str, Any] = {}
        # Results of hashable nodes and the values batch nodes answer for per-file nodes (Task.provides),
        # by node: found by a struct hash, without computing a key (~1 µs, several per file otherwise).
        self.by_node: dict[Any, Any] = {}
        self.from_journal: set[str] = set()
        self.errors: dict[str, BaseException] = {}
        self.skipped: set[str] = set()
        self._done: dict[str, anyio.Event] = {}
        self.first_error: BaseException | None = None
        self._tg: TaskGroup | None = None

    # -- graph bookkeeping -------------------------------------------------------------------
    def start(self, tg: TaskGroup) -> None:
        self._tg = tg
        dag = self.graph.dag
        for key in list(nx.topological_sort(dag)):
            self._done.setdefault(key, anyio.Event())
            self._waiting[key] = dag.in_degree(key)
        for key in [k for k, n in self._waiting.items() if n == 0]:
            self._launch(key)

    def _launch(self, key: str) -> None:
        assert self._tg is not None
        del self._waiting[key]
        self._started.add(key)
        self._tg.start_soon(self._run_node, self.graph.get(key), key, name=f"hubflow node {key}")

    def add(self, task: Task[T], after: Iterable[Task[Any]] = (), before: Iterable[Task[Any]] = ()) -> Task[T]:
        before = list(before)
        for target in before:
            if target.key in self._started:
                raise GraphError(f"cannot add a dependency to {target.kind} ({target.label}): it already started")
        after = list(after)
        is_new = task not in self.graph
        node = self.graph.add(task, after=after)
        key = node.key
        for target in before:
            if not self.graph.dag.has_edge(key, target.key):
                self.graph.add_edge(node, target)
                self._waiting[target.key] += 1
        if is_new:
            self._done[key] = anyio.Event()
            unfinished = [d for d in after if d.key not in self.results]
            failed = [d for d in after if d.key in self.errors or d.key in self.skipped]
            if failed:
                self._skip(key)
            else:
                self._waiting[key] = len(unfinished)
                if not unfinished:
                    self._launch(key)
        elif key in self._waiting:
            self._waiting[key] += sum(1 for d in after if d.key not in self.results)
        return node

    def result_of(self, task: Task[Any]) -> Any:
        value = _lookup(self.by_node, self.results, task)
        if value is _MISSING:
            raise GraphError(f"{task.kind} ({task.label}) has not finished")
        return value

    def result_if_done(self, task: Task[Any]) -> Any:
        value = _lookup(self.by_node, self.results, task)
        return None if value is _MISSING else value

    def _store(self, task: Task[Any], key: str, result: Any) -> None:
        self.results[key] = result
        with contextlib.suppress(TypeError):  # an unhashable node is found by key only
            self.by_node[task] = result
        for answered, value in task.provides(result):
            self.by_node[answered] = value

    async def wait_for(self, task: Task[Any]) -> Any:
        await self._done[task.key].wait()
        if task.key in self.errors:
            raise self.errors[task.key]
        if task.key in self.skipped:
            raise GraphError(f"{task.kind} ({task.label}) did not run: a dependency failed")
        return self.results[task.key]

    def _skip(self, key: str) -> None:
        for k in [key, *nx.descendants(self.graph.dag, key)]:
            if k not in self._started and k not in self.skipped:
                self.skipped.add(k)
                self._waiting.pop(k, None)
                self._done.setdefault(k, anyio.Event()).set()

    def _finished(self, key: str) -> None:
        for succ in self.graph.dag.successors(key):
            if succ in self._waiting:
                self._waiting[succ] -= 1
                if self._waiting[succ] == 0:
                    self._launch(succ)

    # -- events ------------------------------------------------------------------------------
    def emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def progress(self, task: Task[Any], key: str, delta: int, done: int) -> None:
        if self.on_event is not None:
            self.on_event(NodeProgress(key=key, kind=task.kind, delta_bytes=delta, done_bytes=done))

    # -- running -----------------------------------------------------------------------------
    def _limiter(self, task: Task[Any]) -> CapacityLimiter:
        pool = (task.resource, task.limit_key())
        limiter = self._limiters.get(pool)
        if limiter is None:
            limits = self.hub.settings.limits
            capacity = getattr(limits, task.resource, limits.api)
            limiter = self._limiters[pool] = CapacityLimiter(max(1, capacity))
        return limiter

    def _started_event(self, task: Task[Any], key: str) -> NodeStarted:
        return NodeStarted(
            key=key, kind=task.kind, label=task.label, resource=task.resource, total_bytes=task.total_bytes()
        )

    async def _run_node(self, task: Task[Any], key: str) -> None:
        # ``key`` comes from the graph: recomputing it hashes the node's encoding, which is costly
        # for a commit of a thousand files, and progress events would do it per chunk.
        try:
            if self.journal is not None and type(task).journaled and task in self.journal:
                result = self.journal.result(task)
                self.emit(self._started_event(task, key))
                self._store(task, key, result)
                self.from_journal.add(key)
                self.emit(NodeFinished(key=key, kind=task.kind, from_journal=True))
            else:
                result = await self._attempts(task, key)
                if self.journal is not None and type(task).journaled:
                    await self.journal.record(task, result)  # durable before "finished"
                self._store(task, key, result)
                self.emit(NodeFinished(key=key, kind=task.kind))
        except Exception as exc:
            error = _wrap(exc)
            self.errors[key] = error
            self.emit(NodeFailed(key=key, kind=task.kind, error=str(error), error_type=type(error).__name__))
            self._done[key].set()
            if self.fail_fast:
                if self.first_error is None:
                    self.first_error = error
                assert self._tg is not None
                self._tg.cancel_scope.cancel()
            else:
                self._skip(key)
            return
        self._done[key].set()
        self._finished(key)

    async def _attempts(self, task: Task[Any], key: str) -> Any:
        policy = self.hub.settings.retry
        attempt = 0
        started = False
        while True:
            limiter = self._limiter(task)
            async with limiter:
                if not started:
                    self.emit(self._started_event(task, key))
                    started = True
                ctx = Context(self, task, key, attempt)
                ctx._held = [limiter]
                try:
                    return await task.run(ctx)
                except Exception as exc:
                    error: Exception = exc
            if not (is_retryable(error) and task.retry_safe(error) and attempt < policy.max_retries):
                raise error
            delay = retry_delay(error, attempt, policy)
            attempt += 1
            self.emit(NodeRetrying(key=key, kind=task.kind, attempt=attempt, delay=delay, error=str(error)))
            await anyio.sleep(delay)


def _wrap(exc: Exception) -> Exception:
    """Errors from libraries become hubflow errors at the boundary (the original is the cause)."""
    if isinstance(exc, httpx.TransportError):
        wrapped: Exception = HubConnectionError(f"{type(exc).__name__}: {exc}")
    elif isinstance(exc, nx.NetworkXException):
        wrapped = GraphError(str(exc))
    else:
        return exc
    wrapped.__cause__ = exc
    return wrapped


async def run(
    graph: Graph,
    hub: HubClient | Settings,
    *,
    on_event: EventSink | None = None,
    journal: Journal | None = None,
    fail_fast: bool = True,
) -> Results:
    """Run every node of ``graph`` and return their results.

    ``hub`` is a ``HubClient`` (kept open) or ``Settings`` (a client is made and closed).
    ``on_event`` receives every ``hubflow._events`` event; ``journal`` skips nodes it has
    recorded and records the ones that finish.

    ```python
    graph = Graph()
    me = graph.add(WhoAmI())
    results = await run(graph, Settings.from_env())
    results[me]["name"]
    ```
    """
    graph.validate()
    client = HubClient(hub) if isinstance(hub, Settings) else hub
    execution = _Execution(graph, client, on_event, journal, fail_fast)
    try:
        async with anyio.create_task_group() as tg:
            execution.start(tg)
    finally:
        if client is not hub:
            await client.aclose()
    if execution.first_error is not None:
        raise execution.first_error
    results = Results(graph, execution.results, execution.from_journal, execution.by_node)
    if execution.errors:
        raise NodesFailedError(
            f"{len(execution.errors)} node(s) failed, {len(execution.skipped)} skipped",
            failures=[(graph.get(k), e) for k, e in execution.errors.items()],
            results=results,
        )
    return results
