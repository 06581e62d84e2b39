"""The facade base: async core, blocking mirror through a portal thread, run_as_future, whoami."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hubflow import AsyncHfApi, HfApi
from hubflow._api._base import AsyncHfApiBase, HfApiBase
from hubflow.errors import HfHubHTTPError, LocalTokenNotFoundError
from hubflow.testing import LocalHub


def _echo_transport(calls: list[httpx.Request] | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if calls is not None:
            calls.append(request)
        auth = request.headers.get("authorization", "")
        if auth == "Bearer bad":
            return httpx.Response(401, json={"error": "Invalid credentials in Authorization header"})
        return httpx.Response(200, json={"name": "alice", "orgs": [], "auth": auth})

    return httpx.MockTransport(handler)


def test_whoami_against_local_hub(asgi_hub: LocalHub, token: str) -> None:
    transport = httpx.ASGITransport(app=asgi_hub.app)  # type: ignore[arg-type]
    with HfApi(endpoint=asgi_hub.endpoint, token=token, transport=transport) as api:
        me = api.whoami()
        assert me["name"] == "alice" and "acme" in [org["name"] for org in me["orgs"]]
        assert api.get_full_repo_name("model") == "alice/model"
        assert api.get_full_repo_name("model", organization="acme") == "acme/model"


def test_whoami_requires_a_token_and_explains_401(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with HfApi(endpoint="http://h", transport=_echo_transport()) as api:
        with pytest.raises(LocalTokenNotFoundError):
            api.whoami()
        with pytest.raises(HfHubHTTPError, match="Invalid user token"):
            api.whoami(token="bad")
        assert api.whoami(token="hf_call")["auth"] == "Bearer hf_call"


def test_sync_mirror_keeps_signature_and_docs() -> None:
    sig = inspect.signature(HfApi.get_full_repo_name)
    assert list(sig.parameters) == ["self", "model_id", "organization", "token", "run_as_future"]
    assert HfApi.get_full_repo_name.__doc__ == AsyncHfApi.get_full_repo_name.__doc__
    public_async = {
        name for name, attr in inspect.getmembers(AsyncHfApi)
        if not name.startswith("_") and (inspect.iscoroutinefunction(attr) or inspect.isasyncgenfunction(attr))
    }
    assert public_async - {"aclose"} <= set(dir(HfApi))


def test_sync_facade_inside_a_running_event_loop() -> None:
    api = HfApi(endpoint="http://h", token="hf_x", transport=_echo_transport())

    async def notebook_cell() -> dict[str, Any]:
        # Jupyter: the caller's thread already runs a loop; the call must not try to run another here.
        return api.whoami()

    try:
        assert asyncio.run(notebook_cell())["name"] == "alice"
    finally:
        api.close()


def test_run_as_future_and_threads() -> None:
    calls: list[httpx.Request] = []
    with HfApi(endpoint="http://h", token="hf_x", transport=_echo_transport(calls)) as api:
        futures = [api.whoami(run_as_future=True) for _ in range(5)]
        assert all(isinstance(f, concurrent.futures.Future) for f in futures)
        assert [f.result(timeout=5)["name"] for f in futures] == ["alice"] * 5
        results: list[str] = []
        threads = [threading.Thread(target=lambda: results.append(api.whoami()["name"])) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(5)
        assert results == ["alice"] * 3
    assert len(calls) == 8


def test_close_stops_the_loop_thread_and_is_idempotent() -> None:
    api = HfApi(endpoint="http://h", token="hf_x", transport=_echo_transport())
    api.whoami()
    loop_thread = api._loop.thread  # type: ignore[union-attr]
    assert loop_thread.daemon and loop_thread.is_alive()
    api.close()
    api.close()
    assert not loop_thread.is_alive()


class _Counting(AsyncHfApiBase):
    pulled = 0

    async def numbers(self, n: int) -> AsyncIterator[int]:
        """Yield 0..n-1."""
        for i in range(n):
            type(self).pulled += 1
            yield i

    def plain(self) -> str:
        return self.endpoint


class _SyncCounting(HfApiBase, sync_of=_Counting):
    pass


def test_async_generators_become_lazy_iterators() -> None:
    with _SyncCounting(endpoint="http://h") as api:
        iterator = api.numbers(100)
        assert next(iterator) == 0 and next(iterator) == 1
        assert _Counting.pulled == 2  # nothing fetched ahead
        iterator.close()
        assert list(api.numbers(3)) == [0, 1, 2]
        assert api.plain() == "http://h"


@pytest.mark.anyio
async def test_async_facade(anyio_backend: str) -> None:
    async with AsyncHfApi(endpoint="http://h", token="hf_x", transport=_echo_transport()) as api:
        assert (await api.whoami())["name"] == "alice"
        assert await api.get_full_repo_name("m") == "alice/m"
