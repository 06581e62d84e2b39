"""Inference Endpoints: hubflow's facade and InferenceEndpoint objects against the local Hub's ``/v2`` API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from hubflow import AsyncHfApi, HfApi
from hubflow._inference_endpoint import (
    AsyncInferenceEndpoint,
    InferenceEndpoint,
    InferenceEndpointTimeoutError,
)
from hubflow.errors import HfHubHTTPError
from hubflow.tasks.endpoints import OFFICIAL_INFERENCE_ENDPOINTS, inference_endpoints_base
from hubflow.testing import ALICE_WRITE, BOB_WRITE, HubProcess, LocalHub

HW = {"accelerator": "cpu", "instance_size": "x1", "instance_type": "local-cpu", "region": "local", "vendor": "local"}


@pytest.fixture
def api(hub: HubProcess) -> Iterator[HfApi]:
    with HfApi(endpoint=hub.endpoint, token=ALICE_WRITE) as client:
        yield client


def name() -> str:
    return f"ep-{uuid.uuid4().hex[:8]}"


def test_base_url_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    assert inference_endpoints_base("https://huggingface.co") == OFFICIAL_INFERENCE_ENDPOINTS
    assert inference_endpoints_base("https://hub-ci.huggingface.co") == OFFICIAL_INFERENCE_ENDPOINTS
    assert inference_endpoints_base("http://127.0.0.1:9/") == "http://127.0.0.1:9/v2"
    monkeypatch.setenv("HUBFLOW_INFERENCE_ENDPOINTS_ENDPOINT", "http://ie.local/v2/")
    assert inference_endpoints_base("https://huggingface.co") == "http://ie.local/v2"


def test_state_machine_through_the_object(api: HfApi) -> None:
    ep_name = name()
    ep = api.create_inference_endpoint(ep_name, repository="gpt2", framework="pytorch", task="text-generation",
                                       min_replica=1, scale_to_zero_timeout=15, env={"A": "1"}, tags=["t"], **HW)
    assert isinstance(ep, InferenceEndpoint)
    assert (ep.name, ep.namespace, ep.repository, ep.status, ep.url) == (ep_name, "alice", "gpt2", "pending", None)
    assert ep.task == "text-generation" and ep.framework == "pytorch" and ep.type == "authenticated"
    assert ep.raw["model"]["env"] == {"A": "1"} and ep.raw["tags"] == ["t"]
    assert ep.wait(timeout=10, refresh_every=0.1) is ep
    assert ep.status == "running" and ep.url is not None and ep.url.endswith(f"/v2/_local/alice/{ep_name}")
    assert httpx.get(f"{ep.url}/health", headers={"authorization": f"Bearer {ALICE_WRITE}"}).status_code == 200
    assert ep.pause().status == "paused" and ep.url is None
    assert ep.resume().status == "pending"
    ep.wait(timeout=10, refresh_every=0.1)
    assert ep.resume(running_ok=True).status == "running"  # 400 "already running" → fetched instead
    with pytest.raises(HfHubHTTPError, match="already running"):
        ep.resume(running_ok=False)
    assert ep.scale_to_zero().status == "scaledToZero"
    updated = ep.update(repository="gpt2-large", min_replica=0)
    assert updated is ep and ep.repository == "gpt2-large" and ep.status == "scaledToZero"
    assert ep.raw["compute"]["scaling"]["minReplica"] == 0 and ep.raw["compute"]["scaling"]["maxReplica"] == 1
    assert ep.resume().status == "pending"
    ep.wait(timeout=10, refresh_every=0.1)
    assert ep.update(instance_size="x2").status == "updating"
    assert ep.fetch().raw["compute"]["instanceSize"] == "x2"
    assert ep.wait(timeout=10, refresh_every=0.1).status == "running"
    assert ep_name in [e.name for e in api.list_inference_endpoints()]
    assert ep_name in [e.name for e in api.list_inference_endpoints("*")]
    ep.delete()
    with pytest.raises(HfHubHTTPError) as info:
        api.get_inference_endpoint(ep_name)
    assert info.value.status_code == 404


def test_wait_times_out_while_paused(api: HfApi) -> None:
    ep = api.create_inference_endpoint(name(), repository="gpt2", framework="pytorch", **HW)
    ep.pause()
    with pytest.raises(InferenceEndpointTimeoutError):
        ep.wait(timeout=0.3, refresh_every=0.1)
    ep.delete()


def test_errors_and_permissions(api: HfApi, hub: HubProcess) -> None:
    ep_name = name()
    api.create_inference_endpoint(ep_name, repository="gpt2", framework="pytorch", **HW)
    with pytest.raises(HfHubHTTPError) as info:
        api.create_inference_endpoint(ep_name, repository="gpt2", framework="pytorch", **HW)
    assert info.value.status_code == 409
    with pytest.raises(HfHubHTTPError) as info:
        api.create_inference_endpoint("Bad_Name", repository="gpt2", framework="pytorch", **HW)
    assert info.value.status_code == 400
    with pytest.raises(ValueError, match="protected"):
        api.create_inference_endpoint(name(), repository="gpt2", framework="pytorch", type="protected", **HW)
    with HfApi(endpoint=hub.endpoint, token=BOB_WRITE) as bob:
        for call in (lambda: bob.get_inference_endpoint(ep_name, namespace="alice"),
                     lambda: bob.pause_inference_endpoint(ep_name, namespace="alice"),
                     lambda: bob.delete_inference_endpoint(ep_name, namespace="alice")):
            with pytest.raises(HfHubHTTPError) as info:
                call()
            assert info.value.status_code == 403
        assert bob.list_inference_endpoints() == []
    hardware = api.list_inference_endpoints_hardware()
    assert [(h.vendor, h.region, h.instance_type, h.instance_size) for h in hardware] == [
        ("local", "local", "local-cpu", "x1")]
    api.delete_inference_endpoint(ep_name)


def test_org_namespace_and_tensor_parallel_update(api: HfApi) -> None:
    ep = api.create_inference_endpoint(name(), repository="gpt2", framework="pytorch", namespace="acme",
                                       custom_image={"vLLM": {}}, **HW)
    assert ep.namespace == "acme" and ep.raw["model"]["image"] == {"vLLM": {}}
    ep.update(tensor_parallel_size=2)
    assert ep.raw["model"]["image"] == {"vLLM": {"tensorParallelSize": 2}}
    custom = api.update_inference_endpoint(ep.name, namespace="acme", custom_image={"url": "ghcr.io/x:1", "port": 80})
    assert custom.raw["model"]["image"] == {"custom": {"url": "ghcr.io/x:1", "port": 80}}
    ep.delete()


@pytest.mark.anyio
async def test_async_objects_in_process(asgi_hub: LocalHub) -> None:
    async with AsyncHfApi(endpoint=asgi_hub.endpoint, token=ALICE_WRITE,
                          transport=httpx.ASGITransport(app=asgi_hub.app)) as aapi:
        ep = await aapi.create_inference_endpoint("async-ep", repository="gpt2", framework="pytorch", **HW)
        assert isinstance(ep, AsyncInferenceEndpoint) and ep.status == "pending"
        await ep.wait(timeout=10, refresh_every=0.1)
        assert ep.status == "running"
        assert (await ep.pause()).status == "paused"
        assert [e.status for e in await aapi.list_inference_endpoints()] == ["paused"]
        await ep.delete()
        assert await aapi.list_inference_endpoints() == []
