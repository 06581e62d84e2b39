"""Server-sent event streams of a Job (logs, metrics) with huggingface_hub 2.4's follow/replay rules.

* Only ``data: {…}`` lines count; each is one JSON event.
* Not following: one request; stop at the end of the stream, at a read timeout, or at the first
  event newer than the response ``Date`` + 1 s (the replay is over).
* Following: when the stream ends or goes quiet, ask for the job's stage; stop once it is
  terminal, else reconnect. A reconnection replays the log from the start: events already
  yielded are skipped (``skip_replayed``), and after a ``tail`` request the stream resumes after
  the last event seen.

```python
async for event in job_events(hub, url, follow=True, read_timeout=120, is_finished=check):
    print(event["data"])
```
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import anyio
import httpx

from hubflow._http import HubClient
from hubflow._settings import TokenArg
from hubflow.errors import HubConnectionError, raise_for_status

__all__ = ["job_events"]


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


async def job_events(
    hub: HubClient,
    url: str,
    *,
    token: TokenArg,
    follow: bool,
    read_timeout: float,
    is_finished: Callable[[], Awaitable[bool]],
    params: dict[str, Any] | None = None,
    skip_replayed: bool = True,
    tolerated_statuses: tuple[int, ...] = (),
) -> AsyncIterator[dict[str, Any]]:
    """Yield the JSON events of an SSE job stream (see the module docstring)."""
    yielded = 0
    resume_after: dict[str, Any] | None = None
    last: dict[str, Any] | None = None
    wait = 1.0
    while True:
        timeout = httpx.Timeout(10.0, read=read_timeout)
        try:
            async with hub.stream("GET", url, token=token, params=params, timeout=timeout, raise_errors=False) as resp:
                if resp.status_code in tolerated_statuses:
                    await resp.aread()
                elif resp.status_code >= 400:
                    await resp.aread()
                    raise_for_status(resp)
                else:
                    replay_end = None
                    if not follow and resp.headers.get("date"):
                        replay_end = parsedate_to_datetime(resp.headers["date"]) + timedelta(seconds=1)
                    index = -1
                    async for line in resp.aiter_lines():
                        if not line.startswith("data: {"):
                            continue
                        index += 1
                        event = json.loads(line[len("data: "):])
                        if resume_after is not None:
                            if event == resume_after:
                                resume_after, yielded = None, index + 1
                                continue
                            seen, current = _when(resume_after.get("timestamp")), _when(event.get("timestamp"))
                            if seen and current and current <= seen:
                                continue
                            resume_after, yielded = None, index
                        if skip_replayed and index < yielded:
                            continue
                        stamp = _when(event.get("timestamp"))
                        if replay_end and stamp and stamp > replay_end:
                            return
                        if skip_replayed:
                            yielded += 1
                        last = event
                        wait = 1.0
                        yield event
        except HubConnectionError as exc:
            quiet = isinstance(exc.__cause__, httpx.ReadTimeout)
            if not follow and quiet:
                return
            if not follow:
                raise
        if params is not None:  # `tail` is for the first request only; resume after its last event
            resume_after, params = last, None
        if not follow or await is_finished():
            return
        await anyio.sleep(wait)
        wait = min(10.0, wait * 2)
        if await is_finished():
            return
