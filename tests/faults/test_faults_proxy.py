"""The fault proxy itself, driven with plain httpx: each action does what it says, nothing else."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from hubflow.testing import (
    ALICE_WRITE,
    FaultPlan,
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
AUTH = {"authorization": f"Bearer {ALICE_WRITE}"}


@pytest.fixture
def client(proxy: FaultProxy) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=proxy.url, headers=AUTH, timeout=10) as c:
        yield c


def _create(client: httpx.Client, repo_id: str, **kwargs: object) -> httpx.Response:
    return client.post("/api/repos/create", json={"name": repo_id, "type": "model"}, **kwargs)  # type: ignore[arg-type]


def _exists(hub: HubProcess, repo_id: str) -> bool:
    return httpx.get(f"{hub.endpoint}/api/models/{repo_id}", headers=AUTH).status_code == 200


def test_forwards_unchanged_and_counts_keep_alive_requests(proxy: FaultProxy, client: httpx.Client) -> None:
    for _ in range(3):
        assert client.get("/api/whoami-v2").json()["name"] == "alice"
    assert [(e.method, e.path, e.status, e.fault) for e in proxy.log] == [("GET", "/api/whoami-v2", 200, None)] * 3
    assert {e.connection for e in proxy.log} == {proxy.log[0].connection}  # one reused connection
    assert [e.index for e in proxy.log] == [0, 1, 2]


def test_status_on_nth_request_of_a_reused_connection(proxy: FaultProxy, client: httpx.Client) -> None:
    rule = proxy.plan.add(status(503), method="GET", path=r"^/api/whoami-v2$", nth=2)
    codes = [client.get("/api/whoami-v2").status_code for _ in range(3)]
    assert codes == [200, 503, 200]
    assert (rule.matched, rule.fired) == (3, 1)
    assert [e.fault for e in proxy.log] == [None, "status", None]
    assert len({e.connection for e in proxy.log}) == 1  # the canned answer kept the connection usable


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_status_codes_carry_a_json_error(client: httpx.Client, proxy: FaultProxy, code: int) -> None:
    proxy.plan.add(status(code), path="whoami")
    response = client.get("/api/whoami-v2")
    assert response.status_code == code
    assert "injected" in response.json()["error"]


def test_rate_limit_headers(client: httpx.Client, proxy: FaultProxy) -> None:
    proxy.plan.add(rate_limited(retry_after=1), path="whoami")
    proxy.plan.add(rate_limited(ratelimit=True, reset=2), path="whoami", after=1)
    first, second = client.get("/api/whoami-v2"), client.get("/api/whoami-v2")
    assert (first.status_code, first.headers["retry-after"]) == (429, "1")
    assert (second.status_code, second.headers["ratelimit"]) == (429, '"api";r=0;t=2')
    assert "retry-after" not in second.headers


def test_chunked_request_bodies_are_framed(proxy: FaultProxy, client: httpx.Client, repo_factory: Callable[..., str],
                                            hub: HubProcess) -> None:
    proxy.plan.add(status(500), path="whoami", nth=1)
    repo_id = repo_factory()

    def chunks() -> Iterator[bytes]:  # a generator body is sent with Transfer-Encoding: chunked
        yield b'{"name": "' + repo_id.encode()
        yield b'", "type": "model"}'

    assert client.post("/api/repos/create", content=chunks()).status_code == 200
    assert client.get("/api/whoami-v2").status_code == 500  # the next request on the same connection
    assert client.get("/api/whoami-v2").status_code == 200
    assert [e.index for e in proxy.log] == [0, 1, 2]
    assert _exists(hub, repo_id)


def test_absolute_urls_point_back_through_the_proxy(client: httpx.Client, proxy: FaultProxy,
                                                     repo_factory: Callable[..., str]) -> None:
    response = _create(client, repo_factory())
    assert response.json()["url"].startswith(proxy.url + "/")


def test_reset_before_response_drops_the_request(client: httpx.Client, proxy: FaultProxy, hub: HubProcess,
                                                 repo_factory: Callable[..., str]) -> None:
    proxy.plan.add(reset_before_response(), path="/api/repos/create")
    repo_id = repo_factory()
    with pytest.raises(httpx.TransportError):
        _create(client, repo_id)
    assert not _exists(hub, repo_id)
    assert [(e.fault, e.status) for e in proxy.log] == [("reset_before_response", None)]


def test_reset_before_response_after_forwarding_applies_the_request(
    client: httpx.Client, proxy: FaultProxy, hub: HubProcess, repo_factory: Callable[..., str]
) -> None:
    proxy.plan.add(reset_before_response(forward=True), path="/api/repos/create")
    repo_id = repo_factory()
    with pytest.raises(httpx.TransportError):
        _create(client, repo_id)
    assert _exists(hub, repo_id)  # the Hub did it; only the answer was lost


def test_reset_mid_request_body(client: httpx.Client, proxy: FaultProxy, hub: HubProcess,
                                repo_factory: Callable[..., str]) -> None:
    proxy.plan.add(reset_mid_request_body(1000), method="POST")
    repo_id = repo_factory()
    body = b'{"name": "%s", "type": "model"}' % repo_id.encode() + b" " * 2_000_000  # JSON allows trailing spaces
    with pytest.raises(httpx.TransportError):
        client.post("/api/repos/create", content=body)
    assert not _exists(hub, repo_id)
    assert proxy.fired("reset_mid_request_body")[0].status is None
    assert client.post("/api/repos/create", content=body).status_code == 200  # a fresh connection works


def test_reset_mid_response_body(client: httpx.Client, proxy: FaultProxy) -> None:
    proxy.plan.add(reset_mid_response_body(10), path="whoami")
    with pytest.raises(httpx.TransportError):
        client.get("/api/whoami-v2")
    entry = proxy.fired()[0]
    assert (entry.fault, entry.status) == ("reset_mid_response_body", 200)
    with client.stream("GET", "/api/whoami-v2") as response:  # unaffected afterwards
        assert response.read()


def test_reset_mid_response_body_delivers_exactly_n_bytes(proxy: FaultProxy) -> None:
    proxy.plan.add(reset_mid_response_body(25), path="whoami")
    received = b""
    with httpx.Client(base_url=proxy.url, headers=AUTH) as c, c.stream("GET", "/api/whoami-v2") as response:
        assert response.status_code == 200
        with pytest.raises(httpx.TransportError):
            for chunk in response.iter_raw():
                received += chunk
    assert len(received) == 25


def test_stall_past_the_read_timeout(proxy: FaultProxy) -> None:
    proxy.plan.add(stall(20), path="whoami")
    started = time.monotonic()
    with httpx.Client(base_url=proxy.url, headers=AUTH, timeout=0.3) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get("/api/whoami-v2")
        assert c.get("/api/whoami-v2").status_code == 200  # only the first request stalls
    assert time.monotonic() - started < 5  # the proxy let go when the client gave up
    deadline = time.monotonic() + 2
    while not proxy.fired("stall") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proxy.fired("stall")[0].status is None


def test_short_stall_then_forwarded(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.plan.add(stall(0.3), path="whoami")
    started = time.monotonic()
    assert client.get("/api/whoami-v2").status_code == 200
    assert time.monotonic() - started >= 0.3
    assert [(e.fault, e.status) for e in proxy.log] == [("stall", 200)]


def test_restart_server_between_two_requests(own_hub: HubProcess, repo_factory: Callable[..., str]) -> None:
    repo_id = repo_factory()
    with FaultProxy(own_hub) as proxy, httpx.Client(base_url=proxy.url, headers=AUTH, timeout=10) as c:
        proxy.plan.add(restart_server(), path=f"/api/models/{repo_id}$")
        endpoint = own_hub.endpoint
        pid = own_hub._proc.pid if own_hub._proc else None
        assert _create(c, repo_id).status_code == 200
        assert c.get(f"/api/models/{repo_id}").json()["id"] == repo_id  # served by the restarted Hub
        assert proxy.restarts == 1
        assert own_hub.endpoint == endpoint  # same port
        assert own_hub._proc is not None and own_hub._proc.pid != pid


def test_probability_is_repeatable_with_a_seed() -> None:
    def fired(seed: int) -> list[bool]:
        plan = FaultPlan()
        plan.add(status(503), probability=0.5, seed=seed, times=None)
        return [plan.match("GET", "/x") is not None for _ in range(40)]

    assert fired(3) == fired(3)
    assert 5 < sum(fired(3)) < 35
    assert fired(3) != fired(4)


def test_first_firing_rule_wins_and_every_rule_counts() -> None:
    plan = FaultPlan()
    first = plan.add(status(500), path="/a", nth=2)
    second = plan.add(status(502), path="/", times=None)
    actions = [plan.match("GET", p) for p in ("/a", "/a", "/b")]
    assert [a.code if a else None for a in actions] == [502, 500, 502]  # type: ignore[union-attr]
    assert (first.matched, first.fired, second.matched, second.fired) == (2, 1, 3, 2)
