"""The fault plan: which request gets which fault, and the log of what happened.

A ``Rule`` matches requests by method and a path regex (searched in the request target, query
included); among its matches it fires on the ``nth`` one (1-based) or after skipping ``after``,
at most ``times`` times (None: every time), each time with ``probability`` (drawn from a
``random.Random(seed)`` so runs repeat). The first rule that fires wins; requests no rule takes
are forwarded untouched.

```python
plan = FaultPlan()
plan.add(status(503), method="GET", path=r"^/api/whoami-v2", times=2)
plan.add(reset_mid_response_body(100), path=r"/resolve/", nth=1)
plan.add(rate_limited(ratelimit=True), path=r"/preupload/", probability=0.3, seed=7, times=None)
```
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field

__all__ = [
    "Action",
    "FaultPlan",
    "LogEntry",
    "ResetBeforeResponse",
    "ResetMidRequestBody",
    "ResetMidResponseBody",
    "RestartServer",
    "Rule",
    "Stall",
    "Status",
    "rate_limited",
    "reset_before_response",
    "reset_mid_request_body",
    "reset_mid_response_body",
    "restart_server",
    "stall",
    "status",
]


@dataclass(frozen=True)
class ResetBeforeResponse:
    """Read the whole request, then reset the connection without answering.

    ``forward=True`` first lets the Hub handle the request (its effect happens, the answer is lost).
    """

    forward: bool = False
    name = "reset_before_response"


@dataclass(frozen=True)
class ResetMidRequestBody:
    """Reset after reading ``after_bytes`` bytes of the request body; nothing reaches the Hub."""

    after_bytes: int = 0
    name = "reset_mid_request_body"


@dataclass(frozen=True)
class ResetMidResponseBody:
    """Forward the Hub's response head and ``after_bytes`` bytes of its body, then reset."""

    after_bytes: int = 0
    name = "reset_mid_response_body"


@dataclass(frozen=True)
class Status:
    """Answer ``code`` without reaching the Hub (the request body is read and dropped)."""

    code: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    name = "status"


@dataclass(frozen=True)
class Stall:
    """Hold the request ``seconds`` before forwarding it; a client that gives up (closes) is dropped."""

    seconds: float
    name = "stall"


@dataclass(frozen=True)
class RestartServer:
    """Stop the Hub process and start it again (same data dir, same port), then forward the request."""

    name = "restart_server"


Action = ResetBeforeResponse | ResetMidRequestBody | ResetMidResponseBody | Status | Stall | RestartServer


def reset_before_response(*, forward: bool = False) -> ResetBeforeResponse:
    """Close (RST) after reading the request; ``forward=True`` lets the Hub apply it first.

    ```python
    plan.add(reset_before_response(forward=True), method="POST", path="/commit/")
    ```
    """
    return ResetBeforeResponse(forward=forward)


def reset_mid_request_body(after_bytes: int) -> ResetMidRequestBody:
    """Close (RST) after ``after_bytes`` bytes of the request body.

    ```python
    plan.add(reset_mid_request_body(1000), method="PUT")
    ```
    """
    return ResetMidRequestBody(after_bytes=after_bytes)


def reset_mid_response_body(after_bytes: int) -> ResetMidResponseBody:
    """Forward the response head and ``after_bytes`` body bytes, then RST.

    ```python
    plan.add(reset_mid_response_body(10), path="/resolve/")
    ```
    """
    return ResetMidResponseBody(after_bytes=after_bytes)


def status(code: int, *, headers: dict[str, str] | None = None, body: bytes | str = b"") -> Status:
    """A canned answer (the Hub never sees the request); a JSON ``{"error": ...}`` body by default.

    ```python
    plan.add(status(503), path="/api/whoami-v2")
    ```
    """
    if isinstance(body, str):
        body = body.encode()
    if not body:
        body = b'{"error": "injected fault: HTTP %d"}' % code
        headers = {"Content-Type": "application/json", **(headers or {})}
    return Status(code=code, headers=tuple((headers or {}).items()), body=body)


def rate_limited(*, retry_after: int | None = 1, ratelimit: bool = False, reset: int = 1) -> Status:
    """A 429: with ``Retry-After: retry_after``, or (``ratelimit=True``) ``RateLimit: "api";r=0;t=reset``.

    ```python
    plan.add(rate_limited(ratelimit=True), path="/api/models/")
    ```
    """
    if ratelimit:
        headers = {"RateLimit": f'"api";r=0;t={reset}', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}
    else:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return status(429, headers=headers)


def stall(seconds: float) -> Stall:
    """Hold the request ``seconds`` (past the client's read timeout), then forward it.

    ```python
    plan.add(stall(5), path="/api/whoami-v2", times=1)
    ```
    """
    return Stall(seconds=seconds)


def restart_server() -> RestartServer:
    """Restart the Hub process before forwarding this request (needs a ``HubProcess`` upstream).

    ```python
    plan.add(restart_server(), method="POST", path="/commit/")
    ```
    """
    return RestartServer()


@dataclass
class Rule:
    """One programmed fault (see the module docstring for the matching rules)."""

    action: Action
    method: str | None = None
    path: str = ""
    after: int = 0
    times: int | None = 1
    probability: float | None = None
    seed: int | None = None
    matched: int = 0
    fired: int = 0
    _pattern: re.Pattern[str] = field(init=False, repr=False)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)
        self._rng = random.Random(self.seed)

    def take(self, method: str, target: str, *, armed: bool = True) -> bool:
        """Count a request against this rule; True if the fault fires for it (never when not ``armed``)."""
        if self.method is not None and method.upper() != self.method.upper():
            return False
        if not self._pattern.search(target):
            return False
        self.matched += 1
        if not armed or self.matched <= self.after or (self.times is not None and self.fired >= self.times):
            return False
        if self.probability is not None and self._rng.random() >= self.probability:
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class LogEntry:
    """One request seen by the proxy: ``fault`` is the action name that fired (None: forwarded).

    ``status`` is the status the client got (None when it got no answer); ``connection`` numbers
    the client connection, ``index`` the request within it (0 first), so keep-alive reuse shows.
    """

    method: str
    target: str
    fault: str | None
    status: int | None
    connection: int
    index: int

    @property
    def path(self) -> str:
        """The target without its query string."""
        return self.target.split("?", 1)[0]


class FaultPlan:
    """An ordered, thread-safe list of ``Rule`` (add rules while the proxy runs).

    ```python
    plan = FaultPlan()
    rule = plan.add(status(502), path="/api/whoami-v2", times=3)
    ...
    assert rule.fired == 3
    ```
    """

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self._lock = threading.Lock()

    def add(
        self,
        action: Action,
        *,
        method: str | None = None,
        path: str = "",
        nth: int | None = None,
        after: int = 0,
        times: int | None = 1,
        probability: float | None = None,
        seed: int | None = None,
    ) -> Rule:
        """Append a rule and return it (its ``matched``/``fired`` counters update live).

        ``nth=k`` fires on the k-th matching request only (same as ``after=k-1, times=1``).
        """
        if nth is not None:
            after, times = nth - 1, 1
        rule = Rule(action, method=method, path=path, after=after, times=times, probability=probability, seed=seed)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self.rules.clear()

    def match(self, method: str, target: str) -> Action | None:
        """The action of the first rule that fires for this request (every rule counts it)."""
        chosen: Action | None = None
        with self._lock:
            for rule in self.rules:
                if rule.take(method, target, armed=chosen is None):
                    chosen = rule.action
        return chosen
