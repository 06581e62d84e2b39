"""Transport: env/token precedence, headers, offline mode, pagination, back-off helpers."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import msgspec
import pytest

from hubflow._http import HubClient, is_retryable, retry_delay
from hubflow._settings import RetryPolicy, Settings
from hubflow.errors import (
    HfHubHTTPError,
    HubConnectionError,
    LocalTokenNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
)

FAST = RetryPolicy(base_wait=0.001, max_wait=0.002, server_wait_padding=0.0, max_server_wait=0.01)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_ENDPOINT", "HF_HUB_OFFLINE",
                 "HF_HUB_DISABLE_IMPLICIT_TOKEN", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    return tmp_path


def test_token_precedence(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    assert Settings.from_env().token_to_send() is None
    (clean_env / "token").write_text("hf_file\n")
    assert Settings.from_env().token_to_send() == "hf_file"
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", "hf_legacy")
    assert Settings.from_env().token_to_send() == "hf_legacy"
    monkeypatch.setenv("HF_TOKEN", " hf_env \r\n")
    settings = Settings.from_env()
    assert settings.token_to_send() == "hf_env"
    assert settings.token_to_send("hf_call") == "hf_call"  # per-call string wins
    assert settings.token_to_send(False) is None  # False sends nothing
    assert settings.token_to_send(True) == "hf_env"
    instance = Settings.from_env(token="hf_instance")
    assert instance.token_to_send() == "hf_instance"
    assert instance.token_to_send(False) is None
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    assert Settings.from_env().token_to_send() is None
    assert Settings.from_env().token_to_send(True) == "hf_env"


def test_token_path_and_true_without_token(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    custom = clean_env / "elsewhere"
    custom.write_text("hf_custom")
    monkeypatch.setenv("HF_TOKEN_PATH", str(custom))
    assert Settings.from_env().token_to_send() == "hf_custom"
    custom.unlink()
    with pytest.raises(LocalTokenNotFoundError):
        Settings.from_env().token_to_send(True)


def test_env_read_at_construction(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://hub.test/")
    monkeypatch.setenv("HF_HUB_OFFLINE", "yes")
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "3")
    settings = Settings.from_env()
    assert settings.endpoint == "http://hub.test"
    assert settings.offline is True
    assert settings.timeouts.etag == 3.0
    assert settings.cache_dir == str(clean_env / "hub")
    monkeypatch.setenv("HF_HUB_CACHE", str(clean_env / "c"))
    assert Settings.from_env().cache_dir == str(clean_env / "c")
    assert Settings.from_env(endpoint="http://x").endpoint == "http://x"


@pytest.mark.anyio
async def test_headers_user_agent_and_request_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    settings = Settings(endpoint="http://hub.test", token="hf_default", library_name="mylib",
                        library_version="1.2", user_agent={"extra": "9"}, headers={"X-Custom": "c"})
    async with HubClient(settings, transport=httpx.MockTransport(handler)) as hub:
        await hub.request("GET", "/api/a")
        await hub.request("GET", "/api/b", token=False, headers={"X-Request-Id": "mine"})
        await hub.request("PUT", "https://storage.test/x", content=b"data", hub_headers=False)
    first, second, third = seen
    assert str(first.url) == "http://hub.test/api/a"
    assert first.headers["authorization"] == "Bearer hf_default"
    ua = first.headers["user-agent"]
    assert ua.startswith("mylib/1.2; hubflow/") and "; python/" in ua and ua.endswith("; extra/9")
    assert first.headers["x-custom"] == "c"
    assert len(first.headers["x-amzn-trace-id"]) == 36
    assert "authorization" not in second.headers and "x-amzn-trace-id" not in second.headers
    assert "authorization" not in third.headers and "hubflow" not in third.headers.get("user-agent", "")


@pytest.mark.anyio
async def test_offline_mode_raises_before_sending() -> None:
    calls = []
    transport = httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200))
    async with HubClient(Settings(offline=True), transport=transport) as hub:
        with pytest.raises(OfflineModeIsEnabled):
            await hub.request("GET", "/api/models")
    assert calls == []


@pytest.mark.anyio
async def test_errors_are_typed_and_network_errors_wrapped() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/reset":
            raise httpx.ConnectError("connection refused")
        return httpx.Response(404, headers={"X-Error-Code": "RepoNotFound"})

    async with HubClient(Settings(endpoint="http://h"), transport=httpx.MockTransport(handler)) as hub:
        with pytest.raises(RepositoryNotFoundError):
            await hub.request("GET", "/api/models/a/b")
        with pytest.raises(HubConnectionError) as info:
            await hub.request("GET", "/reset")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert is_retryable(info.value)


class Item(msgspec.Struct):
    id: int


@pytest.mark.anyio
async def test_paginate_is_lazy_and_follows_absolute_links() -> None:
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        page = int(request.url.params.get("cursor", "0"))
        headers = {}
        if page < 2:
            headers["Link"] = f'<http://h/api/items?cursor={page + 1}&limit=2>; rel="next"'
        return httpx.Response(200, json=[{"id": page * 2}, {"id": page * 2 + 1}], headers=headers)

    async with HubClient(Settings(endpoint="http://h"), transport=httpx.MockTransport(handler)) as hub:
        items = hub.paginate("/api/items", {"limit": 2, "author": "alice"}, type=Item)
        first = await items.__anext__()
        assert first == Item(id=0) and len(requested) == 1  # one page fetched so far
        rest = [item.id async for item in items]
    assert rest == [1, 2, 3, 4, 5]
    assert requested[0] == "http://h/api/items?limit=2&author=alice"
    assert requested[1:] == ["http://h/api/items?cursor=1&limit=2", "http://h/api/items?cursor=2&limit=2"]


@pytest.mark.anyio
async def test_request_retry_honours_retry_after_then_succeeds() -> None:
    answers = [httpx.Response(503, headers={"Retry-After": "0"}), httpx.Response(200, json=[1])]
    transport = httpx.MockTransport(lambda r: answers.pop(0))
    async with HubClient(Settings(endpoint="http://h", retry=FAST), transport=transport) as hub:
        response = await hub.request("GET", "/x", retry=True)
    assert json.loads(response.content) == [1]


def _err(status: int, headers: dict[str, str] | None = None) -> HfHubHTTPError:
    response = httpx.Response(status, headers=headers, request=httpx.Request("GET", "http://h/x"))
    return HfHubHTTPError("x", response=response)


def test_retryable_classification() -> None:
    for status in (408, 429, 500, 502, 503, 504):
        assert is_retryable(_err(status))
    for status in (400, 401, 403, 404, 409, 412, 501):
        assert not is_retryable(_err(status))
    assert is_retryable(httpx.ReadTimeout("slow"))
    assert not is_retryable(ValueError("x"))


def test_retry_delay_rules() -> None:
    policy = RetryPolicy(base_wait=1, max_wait=8, jitter=False)
    assert [retry_delay(_err(500), n, policy) for n in range(6)] == [1, 2, 4, 8, 8, 8]
    assert retry_delay(_err(503, {"Retry-After": "3"}), 0, policy) == 4.0  # value + 1 s padding
    assert retry_delay(_err(503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), 0, policy) == 1  # date ignored
    limited = {"RateLimit": '"api";r=0;t=7', "Retry-After": "30"}
    assert retry_delay(_err(429, limited), 0, policy) == 8.0  # RateLimit r=0 wins on a 429
    assert retry_delay(_err(429, {"RateLimit": '"api";r=5;t=7'}), 0, policy) == 1  # quota left: exponential
    jittered = RetryPolicy(base_wait=1, max_wait=8, jitter=True)
    assert all(2 <= retry_delay(_err(500), 2, jittered) <= 4 for _ in range(50))
    assert retry_delay(_err(503, {"Retry-After": "9999"}), 0, policy) == policy.max_server_wait
