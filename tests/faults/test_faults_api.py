"""hubflow's client through faults: retried to success, 4xx not retried, waits honoured, typed errors, no hang."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from hubflow import HfApi, HfHubHTTPError, HubConnectionError, RepositoryNotFoundError
from hubflow.testing import (
    FaultProxy,
    HubProcess,
    rate_limited,
    reset_before_response,
    reset_mid_request_body,
    reset_mid_response_body,
    restart_server,
    stall,
    status,
)

pytestmark = pytest.mark.timeout(30)
WHOAMI = r"^/api/whoami-v2$"


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_5xx_is_retried_to_success(proxy: FaultProxy, make_api: Callable[..., HfApi], code: int) -> None:
    proxy.plan.add(status(code), path=WHOAMI, times=2)
    assert make_api(proxy.url).whoami()["name"] == "alice"
    assert [e.status for e in proxy.entries("GET", "whoami")] == [code, code, 200]


@pytest.mark.parametrize(
    "fault", [reset_before_response(), reset_mid_response_body(5), reset_mid_request_body(0)],
    ids=["reset_before_response", "reset_mid_response_body", "reset_mid_request_body"],
)
def test_connection_resets_are_retried(proxy: FaultProxy, make_api: Callable[..., HfApi], fault: object) -> None:
    proxy.plan.add(fault, path=WHOAMI, times=2)  # type: ignore[arg-type]
    assert make_api(proxy.url).whoami()["name"] == "alice"
    assert [e.fault for e in proxy.entries("GET", "whoami")] == [fault.name] * 2 + [None]  # type: ignore[attr-defined]


def test_4xx_is_not_retried(proxy: FaultProxy, make_api: Callable[..., HfApi]) -> None:
    proxy.plan.add(status(404, body='{"error": "Repository not found"}',
                          headers={"X-Error-Code": "RepoNotFound", "Content-Type": "application/json"}),
                   path="/api/models/alice/whatever", times=None)
    with pytest.raises(RepositoryNotFoundError):
        make_api(proxy.url).model_info("alice/whatever")
    assert len(proxy.entries("GET", "/api/models/alice/whatever")) == 1


def test_400_is_not_retried(proxy: FaultProxy, make_api: Callable[..., HfApi]) -> None:
    proxy.plan.add(status(400), path=WHOAMI, times=None)
    with pytest.raises(HfHubHTTPError) as info:
        make_api(proxy.url).whoami()
    assert info.value.status_code == 400
    assert len(proxy.entries("GET", "whoami")) == 1


def test_429_retry_after_is_waited(proxy: FaultProxy, make_api: Callable[..., HfApi]) -> None:
    proxy.plan.add(rate_limited(retry_after=1), path=WHOAMI)
    started = time.monotonic()
    assert make_api(proxy.url).whoami()["name"] == "alice"
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 4.0  # the back-off alone would be 0.01 s
    assert [e.status for e in proxy.entries("GET", "whoami")] == [429, 200]


def test_429_ratelimit_header_is_honoured(proxy: FaultProxy, make_api: Callable[..., HfApi]) -> None:
    proxy.plan.add(rate_limited(ratelimit=True, reset=1), path=WHOAMI)
    started = time.monotonic()
    assert make_api(proxy.url).whoami()["name"] == "alice"
    assert 1.0 <= time.monotonic() - started < 4.0
    assert [e.status for e in proxy.entries("GET", "whoami")] == [429, 200]


def test_stall_times_out_then_retry_succeeds(proxy: FaultProxy, make_api: Callable[..., HfApi]) -> None:
    proxy.plan.add(stall(30), path=WHOAMI)
    started = time.monotonic()
    assert make_api(proxy.url, api_timeout=0.3).whoami()["name"] == "alice"
    assert time.monotonic() - started < 5
    assert [e.fault for e in proxy.entries("GET", "whoami")][-1] is None
    assert proxy.fired("stall")


def test_exhausted_budget_raises_the_last_http_error_quickly(proxy: FaultProxy,
                                                             make_api: Callable[..., HfApi]) -> None:
    proxy.plan.add(status(503), path=WHOAMI, times=None)
    started = time.monotonic()
    with pytest.raises(HfHubHTTPError) as info:
        make_api(proxy.url).whoami()
    assert info.value.status_code == 503
    assert time.monotonic() - started < 3
    assert len(proxy.entries("GET", "whoami")) == 5  # 1 + max_retries (4)


def test_exhausted_budget_on_resets_raises_a_connection_error(proxy: FaultProxy,
                                                              make_api: Callable[..., HfApi]) -> None:
    proxy.plan.add(reset_before_response(), path=WHOAMI, times=None)
    with pytest.raises(HubConnectionError):
        make_api(proxy.url).whoami()
    assert len(proxy.entries("GET", "whoami")) == 5


def test_stalls_until_the_budget_is_spent_end_in_a_typed_error(proxy: FaultProxy,
                                                               make_api: Callable[..., HfApi]) -> None:
    proxy.plan.add(stall(30), path=WHOAMI, times=None)
    started = time.monotonic()
    with pytest.raises(HubConnectionError):
        make_api(proxy.url, api_timeout=0.2).whoami()
    assert time.monotonic() - started < 5  # 5 attempts x 0.2 s, never a hang


def test_calls_survive_a_server_restart(own_hub: HubProcess, make_api: Callable[..., HfApi],
                                        repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    with FaultProxy(own_hub) as proxy:
        api = make_api(proxy.url)
        api.create_repo(repo_id)
        proxy.plan.add(restart_server(), path=f"/api/models/{repo_id}")
        assert api.model_info(repo_id).id == repo_id  # the pooled connection died with the old process
        assert api.whoami()["name"] == "alice"
        assert proxy.restarts == 1
