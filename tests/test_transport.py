"""``BulkReadTransport``: big reads, cheap idle-connection probes, same bytes as plain httpx."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import httpx
import pytest

from hubflow import HfApi
from hubflow._http import HubClient
from hubflow._settings import Settings
from hubflow._transport import READ_BYTES, BulkReadTransport
from hubflow.testing import HubProcess


def test_hub_client_uses_the_bulk_read_transport_by_default() -> None:
    hub = HubClient(Settings.from_env(endpoint="http://127.0.0.1:1"))
    assert isinstance(hub.client._transport, BulkReadTransport)


@pytest.mark.anyio
async def test_large_body_arrives_intact_in_big_reads_over_one_kept_alive_connection(
    hub: HubProcess, token: str, repo_factory: Callable[..., str]
) -> None:
    data = os.urandom(3 * READ_BYTES + 12345)  # LFS (*.bin): served from the store
    repo_id = repo_factory()
    with HfApi(endpoint=hub.endpoint, token=token) as api:
        api.create_repo(repo_id)
        api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=repo_id)
    url = f"{hub.endpoint}/{repo_id}/resolve/main/w.bin"
    headers = {"authorization": f"Bearer {token}"}
    sizes: list[int] = []
    async with httpx.AsyncClient(transport=BulkReadTransport()) as client:
        for _ in range(3):  # the second and third requests reuse the idle connection (probed readable: no)
            digest = hashlib.sha256()
            async with client.stream("GET", url, headers=headers) as response:
                assert response.status_code == 200
                async for piece in response.aiter_raw():
                    sizes.append(len(piece))
                    digest.update(piece)
            assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert len(pool.connections) == 1
    assert max(sizes) > 64 * 1024  # httpcore alone never returns more than 64 KiB per read
