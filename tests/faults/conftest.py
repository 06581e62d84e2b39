"""Fixtures for fault tests: a ``FaultProxy`` in front of the session Hub, fast retry settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import pytest

from hubflow import HfApi
from hubflow._settings import RetryPolicy, Settings, Timeouts
from hubflow.testing import ALICE_WRITE, FaultProxy, HubProcess

FAST_RETRY = RetryPolicy(max_retries=4, base_wait=0.01, max_wait=0.05, jitter=False, server_wait_padding=0.0)


@pytest.fixture
def proxy(hub: HubProcess) -> Iterator[FaultProxy]:
    """A fresh fault proxy (empty plan, empty log) in front of the session Hub."""
    with FaultProxy(hub) as p:
        yield p


@pytest.fixture(scope="module")
def own_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    """A Hub process of this module's own, for faults that restart the server."""
    with HubProcess(tmp_path_factory.mktemp("own-hub")) as proc:
        yield proc


def fast_settings(endpoint: str, *, retry: RetryPolicy = FAST_RETRY, api_timeout: float = 10.0,
                  cache_dir: Path | None = None, token: str = ALICE_WRITE) -> Settings:
    """Settings with tiny back-off waits (and a short read timeout) for tests through faults."""
    settings = Settings.from_env(endpoint=endpoint, token=token, retry=retry, cache_dir=cache_dir)
    timeouts = Timeouts(api=api_timeout, etag=api_timeout, download=api_timeout)
    return msgspec.structs.replace(settings, timeouts=timeouts, disable_progress_bars=True)


@pytest.fixture
def make_api() -> Iterator[Callable[..., HfApi]]:
    """``make_api(proxy.url, retry=..., api_timeout=...)`` → an ``HfApi`` with fast retries, closed after."""
    apis: list[HfApi] = []

    def make(endpoint: str, **kwargs: object) -> HfApi:
        api = HfApi(settings=fast_settings(endpoint, **kwargs))  # type: ignore[arg-type]
        apis.append(api)
        return api

    yield make
    for api in apis:
        api.close()
