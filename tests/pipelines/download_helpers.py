"""Helpers for the download tests: a request-counting / fault-injecting httpx transport and repo seeding.

The repo content is uploaded with the OFFICIAL client so these tests do not depend on hubflow's
upload pipeline.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import huggingface_hub as hh

from hubflow import HfApi, RetryPolicy, Settings

LFS_ATTRIBUTES = "*.bin filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n"


class _Cut(httpx.AsyncByteStream):
    """A response body that stops early: cleanly (`reset=False`) or with a network error."""

    def __init__(self, body: bytes, keep: int, reset: bool) -> None:
        self.body, self.keep, self.reset = body, keep, reset

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.body[: self.keep]
        if self.reset:
            raise httpx.ReadError("connection reset by fault injection")


class FaultTransport(httpx.AsyncBaseTransport):
    """Real HTTP to the local Hub; records requests; can damage the next `times` GET /resolve bodies.

    `mode`: "truncate" (half the body, then a clean end), "reset" (half, then a network error),
    "corrupt" (same length, first byte flipped).
    """

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []
        self.faulted: list[httpx.Request] = []  # the requests whose body was damaged
        self.mode: str | None = None
        self.times = 0

    def count(self, method: str, needle: str = "") -> int:
        return sum(1 for r in self.requests if r.method == method and needle in r.url.path)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = await self.inner.handle_async_request(request)
        if not (self.mode and self.times > 0 and request.method == "GET" and "/resolve/" in request.url.path):
            return response
        body = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
        await response.aclose()
        # Counted only once the real body arrived whole: a genuine network error first must not use up the fault.
        self.times -= 1
        self.faulted.append(request)
        if self.mode == "corrupt":
            stream: httpx.AsyncByteStream = httpx.ByteStream(bytes([body[0] ^ 0xFF]) + body[1:])
        else:
            stream = _Cut(body, len(body) // 2, reset=self.mode == "reset")
        return httpx.Response(response.status_code, headers=response.headers, stream=stream)

    async def aclose(self) -> None:
        await self.inner.aclose()


def make_api(endpoint: str, token: str | None, transport: httpx.AsyncBaseTransport | None = None) -> HfApi:
    """A hubflow HfApi with fast retries (tests must not sleep for seconds)."""
    settings = Settings.from_env(
        endpoint=endpoint, token=token, retry=RetryPolicy(max_retries=1, base_wait=0.01, max_wait=0.01, jitter=False)
    )
    return HfApi(settings=settings, transport=transport)


def seed_repo(endpoint: str, token: str, repo_id: str, files: dict[str, bytes], tmp: Path) -> hh.HfApi:
    """Create `repo_id` and upload `files` (plus LFS `.gitattributes`) with the official client."""
    official = hh.HfApi(endpoint=endpoint, token=token)
    official.create_repo(repo_id)
    folder = tmp / f"seed-{repo_id.replace('/', '-')}"
    for path, data in {".gitattributes": LFS_ATTRIBUTES.encode(), **files}.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    official.upload_folder(repo_id=repo_id, folder_path=folder)
    return official


def random_bytes(n: int) -> bytes:
    return os.urandom(n)
