"""The local Hub's Inference Endpoints API with the official client (its ``{IE}`` constant redirected)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import huggingface_hub
import pytest
from huggingface_hub import constants

from hubflow.testing import ALICE_WRITE, HubProcess, LocalHub

ALICE = {"authorization": f"Bearer {ALICE_WRITE}"}
BODY = {
    "name": "raw-ep", "type": "authenticated",
    "model": {"repository": "gpt2", "framework": "pytorch", "revision": None, "image": {"huggingface": {}}},
    "compute": {"accelerator": "cpu", "instanceType": "t", "instanceSize": "x1",
                "scaling": {"minReplica": 1, "maxReplica": 1, "scaleToZeroTimeout": None}},
    "provider": {"vendor": "aws", "region": "us-east-1"},
}


@pytest.fixture
def official(hub: HubProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[huggingface_hub.HfApi]:
    # The official client hard-codes {IE}; it reads the constant at call time, so a test can point it here.
    monkeypatch.setattr(constants, "INFERENCE_ENDPOINTS_ENDPOINT", f"{hub.endpoint}/v2")
    yield huggingface_hub.HfApi(endpoint=hub.endpoint, token=ALICE_WRITE)


def test_state_machine_raw(asgi_hub: LocalHub) -> None:
    async def flow() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_hub.app), base_url=asgi_hub.endpoint,
                                     headers=ALICE) as c:
            created = (await c.post("/v2/endpoint/alice", json=BODY)).json()
            assert created["status"]["state"] == "pending" and created["status"]["url"] is None
            assert created["healthRoute"] == "/health" and created["status"]["createdBy"]["name"] == "alice"
            seen = []
            for _ in range(40):
                state = (await c.get("/v2/endpoint/alice/raw-ep")).json()["status"]["state"]
                if not seen or seen[-1] != state:
                    seen.append(state)
                if state == "running":
                    break
                await anyio.sleep(0.05)
            assert seen == ["pending", "initializing", "running"]
            assert (await c.get("/v2/_local/alice/raw-ep/health")).status_code == 200
            assert (await c.post("/v2/endpoint/alice/raw-ep/resume")).status_code == 400
            assert (await c.post("/v2/endpoint/alice/raw-ep/pause")).json()["status"]["state"] == "paused"
            assert (await c.get("/v2/_local/alice/raw-ep/health")).status_code == 503
            assert (await c.post("/v2/endpoint/alice", json={**BODY, "model": {}})).status_code == 400
            assert (await c.delete("/v2/endpoint/alice/raw-ep")).status_code == 200
            assert (await c.get("/v2/endpoint/alice/raw-ep")).status_code == 404
            assert (await c.get("/v2/endpoint/alice", headers={"authorization": ""})).status_code == 401

    import anyio

    anyio.run(flow)


def test_official_client_lifecycle(official: huggingface_hub.HfApi) -> None:
    name = f"official-ep-{uuid.uuid4().hex[:8]}"  # unique on the session Hub, even on a rerun
    ep = official.create_inference_endpoint(
        name, repository="gpt2", framework="pytorch", accelerator="cpu", instance_size="x1",
        instance_type="local-cpu", region="local", vendor="local", namespace="alice",
        token=ALICE_WRITE,  # the official object acts through a fresh HfApi(): it only keeps an explicit token
    )
    assert ep.status == "pending" and ep.namespace == "alice" and ep.repository == "gpt2"
    ep.wait(timeout=10, refresh_every=1)
    assert ep.status == "running" and ep.url is not None
    assert ep.pause().status == "paused"
    assert ep.resume().status == "pending"
    assert ep.scale_to_zero().status == "scaledToZero"
    ep.update(min_replica=0, repository="gpt2-medium")
    assert ep.repository == "gpt2-medium"
    # alice's list on the session Hub may hold other tests' endpoints: check ours only
    assert name in [e.name for e in official.list_inference_endpoints(namespace="alice")]
    hardware = official.list_inference_endpoints_hardware(namespace="alice")
    assert hardware[0].vendor == "local" and hardware[0].num_cpus is not None
    ep.delete()
    assert name not in [e.name for e in official.list_inference_endpoints(namespace="alice")]
