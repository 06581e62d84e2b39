"""Synthetic tasks for the graph tests: they count concurrency and runs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from typing import Any, ClassVar

import anyio

from hubflow._settings import RetryPolicy
from hubflow.graph import Context
from hubflow.tasks import Task

FAST_RETRY = RetryPolicy(base_wait=0.001, max_wait=0.002, server_wait_padding=0.0, max_server_wait=0.01)


class Probe:
    """Tracks how many nodes of each pool run at once, and the peak."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.current: Counter[Hashable] = Counter()
        self.peak: Counter[Hashable] = Counter()
        self.runs: Counter[str] = Counter()


PROBE = Probe()


class Sleep(Task[str]):
    """Sleeps a little while counting concurrency in its pool."""

    name: str
    pool: str = "api"
    ref: str | None = None
    seconds: float = 0.01

    @property
    def resource(self) -> str:  # type: ignore[override]
        return self.pool

    @property
    def label(self) -> str:
        return self.name

    def limit_key(self) -> Hashable | None:
        return self.ref

    async def run(self, ctx: Context) -> str:
        slot = (self.pool, self.ref)
        PROBE.current[slot] += 1
        PROBE.peak[slot] = max(PROBE.peak[slot], PROBE.current[slot])
        PROBE.runs[self.name] += 1
        try:
            await anyio.sleep(self.seconds)
        finally:
            PROBE.current[slot] -= 1
        return self.name


class Echo(Task[Any]):
    """Returns its value; journaled so resumption can be observed."""

    journaled: ClassVar[bool] = True
    value: Any
    name: str = "echo"

    async def run(self, ctx: Context) -> Any:
        PROBE.runs[self.name] += 1
        return self.value
