"""The executor's promises: limits, scheduling, retries, failure handling, runtime nodes, cancellation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import anyio
import httpx
import msgspec
import pytest
from graph_helpers import Echo, Probe, Sleep

from hubflow._events import Event, NodeFailed, NodeFinished, NodeProgress, NodeRetrying, NodeStarted
from hubflow._http import HubClient
from hubflow._settings import Settings
from hubflow.errors import HfHubHTTPError, HubConnectionError, NodesFailedError, RepositoryNotFoundError
from hubflow.graph import Context, Graph, run
from hubflow.tasks import Endpoint, Task

pytestmark = pytest.mark.anyio


async def test_limits_are_never_exceeded(probe: Probe, settings: Settings) -> None:
    graph = Graph()
    for i in range(12):
        graph.add(Sleep(name=f"api{i}", pool="api"))
        graph.add(Sleep(name=f"tr{i}", pool="transfer"))
        graph.add(Sleep(name=f"h{i}", pool="hash"))
    for ref in ("main", "dev"):
        for i in range(4):
            graph.add(Sleep(name=f"c{ref}{i}", pool="commit", ref=ref))
    await run(graph, settings)
    assert probe.peak[("api", None)] == 3
    assert probe.peak[("transfer", None)] == 2
    assert probe.peak[("hash", None)] == 2
    assert probe.peak[("commit", "main")] == 1 and probe.peak[("commit", "dev")] == 1
    assert sum(probe.runs.values()) == 44


async def test_dependencies_run_first_and_results_flow(probe: Probe, settings: Settings) -> None:
    order: list[str] = []

    class Record(Task[int]):
        name: str
        inputs: list[Echo] = []

        async def run(self, ctx: Context) -> int:
            order.append(self.name)
            return sum(ctx.result_of(t) for t in self.inputs)

    graph = Graph()
    ones = [graph.add(Echo(value=i, name=f"e{i}")) for i in range(3)]
    total = graph.add(Record(name="sum", inputs=ones), after=ones)
    events: list[Event] = []
    results = await run(graph, settings, on_event=events.append)
    assert results[total] == 3 and order == ["sum"]
    for key in (t.key for t in [*ones, total]):
        mine = [type(e) for e in events if e.key == key]
        assert mine == [NodeStarted, NodeFinished]


class Flaky(Task[str]):
    """Fails ``failures`` times with ``status`` (or a network error), then succeeds."""

    status: int = 503
    failures: int = 2
    headers: dict[str, str] = {}
    safe: bool = True
    attempts: ClassVar[dict[str, int]] = {}

    def retry_safe(self, error: Exception | None = None) -> bool:
        return self.safe

    async def run(self, ctx: Context) -> str:
        n = Flaky.attempts[self.key] = Flaky.attempts.get(self.key, 0) + 1
        if n <= self.failures:
            if self.status == 0:
                raise HubConnectionError("connection reset")
            response = httpx.Response(self.status, headers=self.headers, request=httpx.Request("GET", "http://h/x"))
            raise HfHubHTTPError(f"{self.status}", response=response)
        return "ok"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429, 0])
async def test_retryable_errors_are_retried(settings: Settings, status: int) -> None:
    Flaky.attempts.clear()
    graph = Graph()
    node = graph.add(Flaky(status=status))
    events: list[Event] = []
    assert (await run(graph, settings, on_event=events.append))[node] == "ok"
    retries = [e for e in events if isinstance(e, NodeRetrying)]
    assert [e.attempt for e in retries] == [1, 2]
    assert type(events[0]) is NodeStarted and type(events[-1]) is NodeFinished


@pytest.mark.parametrize("status", [400, 401, 403, 404, 412])
async def test_client_errors_are_not_retried(settings: Settings, status: int) -> None:
    Flaky.attempts.clear()
    graph = Graph()
    node = graph.add(Flaky(status=status))
    events: list[Event] = []
    with pytest.raises(HfHubHTTPError):
        await run(graph, settings, on_event=events.append)
    assert Flaky.attempts[node.key] == 1
    assert not any(isinstance(e, NodeRetrying) for e in events)
    assert isinstance(events[-1], NodeFailed) and events[-1].error_type == "HfHubHTTPError"


async def test_non_idempotent_node_is_not_retried(settings: Settings) -> None:
    Flaky.attempts.clear()
    graph = Graph()
    node = graph.add(Flaky(status=503, safe=False))
    with pytest.raises(HfHubHTTPError):
        await run(graph, settings)
    assert Flaky.attempts[node.key] == 1


async def test_retry_budget_is_bounded(settings: Settings) -> None:
    Flaky.attempts.clear()
    graph = Graph()
    node = graph.add(Flaky(status=500, failures=100))
    with pytest.raises(HfHubHTTPError):
        await run(graph, settings)
    assert Flaky.attempts[node.key] == settings.retry.max_retries + 1


class Whoami(Endpoint[dict[str, Any]]):
    path = "/api/whoami-v2"
    result_type = dict[str, Any]


async def test_429_retry_after_is_waited_out_over_http(settings: Settings) -> None:
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(anyio.current_time())
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "0"})
        if len(calls) == 2:
            return httpx.Response(429, headers={"RateLimit": '"api";r=0;t=0'})
        return httpx.Response(200, json={"name": "alice"})

    padded = msgspec.structs.replace(
        settings, retry=msgspec.structs.replace(settings.retry, server_wait_padding=0.05, max_server_wait=1.0)
    )
    events: list[Event] = []
    async with HubClient(padded, transport=httpx.MockTransport(handler)) as hub:
        graph = Graph()
        node = graph.add(Whoami())
        results = await run(graph, hub, on_event=events.append)
    assert results[node] == {"name": "alice"}
    delays = [e.delay for e in events if isinstance(e, NodeRetrying)]
    assert delays == [0.05, 0.05]  # server-stated wait (+padding), not the exponential one
    assert calls[1] - calls[0] >= 0.04 and calls[2] - calls[1] >= 0.04


async def test_first_failure_cancels_the_rest_and_raises_typed(settings: Settings) -> None:
    cancelled = anyio.Event()

    class Slow(Task[None]):
        async def run(self, ctx: Context) -> None:
            try:
                await anyio.sleep(10)
            finally:
                cancelled.set()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, headers={"X-Error-Code": "RepoNotFound"})

    async with HubClient(settings, transport=httpx.MockTransport(handler)) as hub:
        graph = Graph()
        graph.add(Slow())
        failing = graph.add(Whoami())
        graph.add(Sleep(name="after"), after=[failing])
        with anyio.fail_after(5), pytest.raises(RepositoryNotFoundError):
            await run(graph, hub)
    assert cancelled.is_set()


async def test_fail_fast_false_collects(probe: Probe, settings: Settings) -> None:
    Flaky.attempts.clear()
    graph = Graph()
    bad = graph.add(Flaky(status=404))
    graph.add(Sleep(name="dependent"), after=[bad])
    good = graph.add(Sleep(name="independent"))
    with pytest.raises(NodesFailedError) as info:
        await run(graph, settings, fail_fast=False)
    assert [task for task, _ in info.value.failures] == [bad]
    assert info.value.results[good] == "independent"
    assert probe.runs["dependent"] == 0


async def test_nodes_added_at_run_time_run(probe: Probe, settings: Settings) -> None:
    class Fanout(Task[list[str]]):
        """Decides at run time which nodes are needed (as upload modes decide LFS uploads)."""

        async def run(self, ctx: Context) -> list[str]:
            for i in range(3):
                ctx.add(Sleep(name=f"late{i}"), before=[final_node])
            return [await ctx.submit(Sleep(name=f"sub{i}")) for i in range(2)]

    graph = Graph()
    fan = graph.add(Fanout())
    final_node = graph.add(Sleep(name="final"), after=[fan])
    order: list[str] = []

    def on_event(event: Event) -> None:
        if isinstance(event, NodeFinished):
            order.append(event.key)

    results = await run(graph, settings, on_event=on_event)
    assert results[fan] == ["sub0", "sub1"]
    late_keys = {Sleep(name=f"late{i}").key for i in range(3)}
    assert late_keys <= set(order)
    assert order[-1] == final_node.key  # the final node waited for the late ones
    assert all(probe.runs[f"late{i}"] == 1 for i in range(3))


async def test_submit_with_same_resource_does_not_deadlock() -> None:
    settings = Settings(limits=msgspec.convert({"api": 1}, type=type(Settings().limits)))

    class Parent(Task[str]):
        async def run(self, ctx: Context) -> str:
            return await ctx.submit(Sleep(name="child"))  # same "api" pool of size 1

    graph = Graph()
    parent = graph.add(Parent())
    with anyio.fail_after(5):
        assert (await run(graph, settings))[parent] == "child"


class WriteFile(Task[str]):
    """Writes ``size`` bytes slowly to a temp file, then renames it into place."""

    resource: ClassVar[str] = "transfer"
    path: str
    size: int = 10

    async def run(self, ctx: Context) -> str:
        target = Path(self.path)
        tmp = target.with_name(target.name + ".incomplete")
        try:
            with tmp.open("wb") as handle:
                for _ in range(self.size):
                    handle.write(b"x")
                    ctx.emit_progress(1)
                    await anyio.sleep(0.01)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return str(target)


async def test_cancellation_leaves_no_partial_file(tmp_path: Path, settings: Settings) -> None:
    target = tmp_path / "out.bin"
    graph = Graph()
    graph.add(WriteFile(path=str(target), size=100))
    progress: list[NodeProgress] = []

    def on_event(event: Event) -> None:
        if isinstance(event, NodeProgress):
            progress.append(event)

    with anyio.move_on_after(0.1) as scope:
        await run(graph, settings, on_event=on_event)
    assert scope.cancelled_caught
    assert 0 < len(progress) < 100  # it was midway
    assert list(tmp_path.iterdir()) == []


async def test_progress_from_worker_thread_reaches_events(tmp_path: Path, settings: Settings) -> None:
    from hubflow._hashing import hash_file

    class Hash(Task[str]):
        resource: ClassVar[str] = "hash"
        path: str

        async def run(self, ctx: Context) -> str:
            result = await hash_file(self.path, ctx.emit_progress, limiter=ctx.thread_limiter, chunk_size=1000)
            return result.sha256

    (tmp_path / "f").write_bytes(b"a" * 5500)
    graph = Graph()
    graph.add(Hash(path=str(tmp_path / "f")))
    progress: list[NodeProgress] = []
    await run(graph, settings, on_event=lambda e: progress.append(e) if isinstance(e, NodeProgress) else None)
    assert [p.delta_bytes for p in progress] == [1000] * 5 + [500]
    assert progress[-1].done_bytes == 5500


async def test_library_errors_are_wrapped(settings: Settings) -> None:
    class Raw(Task[None]):
        async def run(self, ctx: Context) -> None:
            raise httpx.RemoteProtocolError("peer closed")

    graph = Graph()
    graph.add(Raw())
    with pytest.raises(HubConnectionError) as info:
        await run(graph, settings)
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)


class _Square(Task[int]):
    value: int

    async def run(self, ctx: Context) -> int:
        raise AssertionError("answered by _SquareBatch, never run")


class _SquareBatch(Task[list[int]]):
    values: list[int]

    async def run(self, ctx: Context) -> list[int]:
        return [v * v for v in self.values]

    def provides(self, result: list[int]) -> list[tuple[Task[Any], Any]]:
        return [(_Square(value=v), r) for v, r in zip(self.values, result, strict=True)]


async def test_a_batch_node_provides_the_results_of_equivalent_tasks(settings: Settings) -> None:
    class Total(Task[int]):
        values: list[int]

        async def run(self, ctx: Context) -> int:
            return sum(ctx.result_of(_Square(value=v)) for v in self.values)

    graph = Graph()
    batch = graph.add(_SquareBatch(values=[2, 3]))
    total = graph.add(Total(values=[2, 3]), after=[batch])
    results = await run(graph, settings)
    assert results[total] == 13
    assert _Square(value=3) in results and results[_Square(value=3)] == 9
    assert _Square(value=4) not in results
    assert len(results) == 2 and {t.key for t in results} == {batch.key, total.key}  # provided: not nodes
