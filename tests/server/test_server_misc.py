"""Server: the compatibility routes (tags, sharded safetensors metadata, semantic search, ZeroGPU quota)."""

from __future__ import annotations

import json
import struct

import httpx
import pytest

from hubflow import AsyncHfApi, CommitOperationAdd
from hubflow.testing import LocalHub


@pytest.mark.anyio
async def test_routes(asgi_hub: LocalHub, token: str) -> None:
    transport = httpx.ASGITransport(app=asgi_hub.app)
    auth = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url=asgi_hub.endpoint) as client:
        tags = (await client.get("/api/models-tags-by-type")).json()  # anonymous is fine
        assert {"pipeline_tag", "library", "license", "language"} <= set(tags)
        assert all({"id", "label", "type"} <= set(t) for group in tags.values() for t in group)
        # zero-gpu/quota is never read as a Space named "zero-gpu/quota"
        anonymous = await client.get("/api/spaces/zero-gpu/quota")
        assert anonymous.status_code == 401 and "X-Error-Code" not in anonymous.headers
        quota = await client.get("/api/spaces/zero-gpu/quota", headers=auth)
        assert quota.json() == {"base": 0, "current": 0, "resetsAt": None, "overquotaUsed": 0}
        assert (await client.get("/api/spaces/semantic-search", headers=auth)).status_code == 400


@pytest.mark.anyio
async def test_safetensors_metadata_route(asgi_hub: LocalHub, token: str) -> None:
    transport = httpx.ASGITransport(app=asgi_hub.app)
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    shard = struct.pack("<Q", len(header)) + header + b"\0" * 8
    async with AsyncHfApi(endpoint=asgi_hub.endpoint, token=token, transport=transport) as api:
        await api.create_repo("alice/st-private", private=True)
        await api.create_commit("alice/st-private", [
            CommitOperationAdd(path_in_repo="s1.safetensors", path_or_fileobj=shard),
            CommitOperationAdd(path_in_repo="model.safetensors.index.json",
                               path_or_fileobj=json.dumps({"weight_map": {"w": "s1.safetensors"}}).encode()),
            CommitOperationAdd(path_in_repo="bad.index.json", path_or_fileobj=b'{"no": "map"}'),
        ], commit_message="add")
    async with httpx.AsyncClient(transport=transport, base_url=asgi_hub.endpoint) as client:
        url = "/api/models/alice/st-private/safetensors-metadata/model.safetensors.index.json"
        ok = await client.get(url, headers={"authorization": f"Bearer {token}"})
        assert ok.json() == {"index": {}, "headers": {"s1.safetensors": json.loads(header)}}
        assert (await client.get(url)).status_code == 404  # private: anonymous sees no repo
        bad = "/api/models/alice/st-private/safetensors-metadata/bad.index.json"
        assert (await client.get(bad, headers={"authorization": f"Bearer {token}"})).status_code == 400
