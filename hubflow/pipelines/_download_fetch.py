"""The wire side of a download: resolve URLs, the metadata `HEAD`, the streamed `GET`.

* `hf_hub_url` builds `{endpoint}/{prefix}{repo_id}/resolve/{revision}/{path}` (revision quoted
  with no safe character, path keeping `/`), as huggingface_hub does.
* `fetch_file_metadata` sends a `HEAD` without automatic redirects, follows same-origin / Hub
  redirects itself (up to 20 hops) and reads `X-Repo-Commit`, `X-Linked-Etag`/`ETag`,
  `X-Linked-Size`/`Content-Length` into `HfFileMetadata` (protocol §9.2).
* `stream_to_file` GETs the bytes into an open temp file in large chunks, hashing sha256 while
  streaming for LFS etags, and resumes with `Range` after a network error within the same call
  (a `200` answer to a ranged request restarts from zero). It never decides what is complete:
  the caller verifies size and digest before renaming the temp file into place.

```python
url = hf_hub_url("alice/m", "config.json", endpoint="http://127.0.0.1:8000")
meta = await fetch_file_metadata(hub, url, token=None, timeout=10)
with open(tmp, "wb") as f:
    digest = await stream_to_file(hub, meta.location, f, etag=meta.etag, expected_size=meta.size)
```
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import IO
from urllib.parse import quote, urljoin, urlsplit

import anyio
import anyio.to_thread
import httpx

from hubflow._cache import is_sha256
from hubflow._constants import REPO_TYPE_URL_PREFIX
from hubflow._http import HubClient, retry_delay
from hubflow._settings import TokenArg
from hubflow._validation import normalize_repo_type
from hubflow.errors import FileMetadataError, HubConnectionError, raise_for_status
from hubflow.schema import HfFileMetadata

__all__ = [
    "CHUNK_SIZE",
    "fetch_bytes",
    "fetch_file_metadata",
    "hf_hub_url",
    "is_same_or_hub_host",
    "normalize_etag",
    "stream_to_file",
]

CHUNK_SIZE = 4 * 1024 * 1024
"""Bytes per read/write/hash step: large enough that per-chunk overhead is negligible."""

_MAX_REDIRECTS = 20
_RESUME_ATTEMPTS = 5
_HUB_HOSTS = ("huggingface.co", "hf.co")


def hf_hub_url(
    repo_id: str,
    filename: str,
    *,
    subfolder: str | None = None,
    repo_type: str | None = None,
    revision: str | None = None,
    endpoint: str | None = None,
) -> str:
    """The `/resolve` URL of a file, as huggingface_hub's `hf_hub_url` builds it.

    ```python
    >>> hf_hub_url("alice/m", "my file#1.txt", subfolder="dir", revision="refs/pr/1", endpoint="http://h")
    'http://h/alice/m/resolve/refs%2Fpr%2F1/dir/my%20file%231.txt'
    ```
    """
    if subfolder:
        filename = f"{subfolder}/{filename}"
    prefix = REPO_TYPE_URL_PREFIX[normalize_repo_type(repo_type)]
    if endpoint is None:
        from hubflow._constants import Environment

        endpoint = Environment.read().endpoint
    return (
        f"{endpoint.rstrip('/')}/{prefix}{repo_id}/resolve/"
        f"{quote(revision or 'main', safe='')}/{quote(filename, safe='/')}"
    )


def normalize_etag(etag: str | None) -> str | None:
    """Drop a leading `W/` and the quotes: `W/"abc"` → `abc` (None stays None)."""
    if not etag:
        return None
    return etag.removeprefix("W/").strip('"')


def is_same_or_hub_host(url: str, other: str) -> bool:
    """Whether `other` is on the same origin as `url` or on a Hugging Face host (auth may be kept)."""
    a, b = urlsplit(url), urlsplit(other)
    if (a.scheme, a.netloc) == (b.scheme, b.netloc):
        return True
    host = (b.hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in _HUB_HOSTS)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


async def _send(hub: HubClient, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
    # follow_redirects=False: the client follows redirects by default, but a metadata HEAD must
    # see the 3xx (its X-Linked-* headers describe the LFS object, not the CDN response).
    try:
        return await hub.client.send(request, stream=stream, follow_redirects=False)
    except httpx.TransportError as exc:
        raise HubConnectionError(f"{type(exc).__name__} for {request.method} {request.url}: {exc}") from exc


async def fetch_file_metadata(
    hub: HubClient,
    url: str,
    *,
    token: TokenArg = None,
    timeout: float | None = 10.0,
    headers: Mapping[str, str] | None = None,
) -> HfFileMetadata:
    """`HEAD` a resolve URL and return `HfFileMetadata` (typed errors on 4xx/5xx).

    Redirects to the same origin or a Hub host are followed with a new `HEAD`; a redirect to any
    other origin (a signed CDN URL) ends the loop and is itself the metadata source.

    ```python
    meta = await fetch_file_metadata(hub, hf_hub_url("alice/m", "w.bin", endpoint=e))
    meta.commit_hash, meta.etag, meta.size, meta.location
    ```
    """
    extra = {**(headers or {}), "Accept-Encoding": "identity"}
    current = url
    for _ in range(_MAX_REDIRECTS + 1):
        request = hub._build(
            "HEAD", current, token=token, params=None, json=None, content=None, headers=extra,
            timeout=timeout, hub_headers=True,
        )
        response = await _send(hub, request)
        await response.aclose()
        if response.is_redirect and "location" in response.headers:
            target = urljoin(current, response.headers["location"])
            if is_same_or_hub_host(current, target):
                current = target
                continue
        break
    raise_for_status(response)
    return HfFileMetadata(
        commit_hash=response.headers.get("x-repo-commit"),
        etag=normalize_etag(response.headers.get("x-linked-etag") or response.headers.get("etag")),
        location=response.headers.get("location") or str(response.request.url),
        size=_int_or_none(
            response.headers.get("x-linked-size")
            or (None if response.is_redirect else response.headers.get("content-length"))
        ),
    )


def require_metadata(meta: HfFileMetadata, url: str) -> tuple[str, str]:
    """`(commit_hash, etag)` of a metadata answer, or `FileMetadataError` if either is missing."""
    if meta.commit_hash is None:
        raise FileMetadataError(
            f"Response from {url} is missing the 'X-Repo-Commit' header, so it does not seem to be served by a"
            " Hugging Face Hub endpoint. If HF_ENDPOINT is set, check that it points to a Hub-compatible endpoint."
        )
    if meta.etag is None:
        raise FileMetadataError(
            "Distant resource does not have an ETag, we won't be able to reliably ensure reproducibility."
        )
    return meta.commit_hash, meta.etag


async def fetch_bytes(
    hub: HubClient,
    url: str,
    *,
    token: TokenArg = None,
    headers: Mapping[str, str] | None = None,
    hub_headers: bool = True,
    timeout: float | None = None,
) -> bytes:
    """GET a small file whole: one request, the body read in memory (no per-chunk thread hops).

    A connection error (reset, truncated body) restarts the request, up to 5 times; the caller
    still verifies size and digest before anything is renamed into place.

    ```python
    data = await fetch_bytes(hub, hf_hub_url("alice/m", "config.json", revision=sha, endpoint=e))
    ```
    """
    request_headers = {**(headers or {}), "X-HF-Download-Counter": "1"}
    failures = 0
    while True:
        try:
            response = await hub.request(
                "GET", url, token=token, headers=request_headers, hub_headers=hub_headers, timeout=timeout
            )
            return response.content
        except HubConnectionError as exc:
            failures += 1
            if failures > _RESUME_ATTEMPTS:
                raise
            await anyio.sleep(retry_delay(exc, failures - 1, hub.settings.retry))


class _Sink:
    """The temp file plus a running sha256; `write` runs in a worker thread (hashlib drops the GIL)."""

    def __init__(self, handle: IO[bytes], hash_it: bool) -> None:
        self.handle = handle
        self.hash_it = hash_it
        self.digest = hashlib.sha256() if hash_it else None
        self.size = 0

    def write(self, pieces: list[bytes]) -> None:
        # Piece by piece: no join, so every received byte is copied once (socket → file).
        digest = self.digest
        for piece in pieces:
            if digest is not None:
                digest.update(piece)
            self.size += len(piece)
        self.handle.writelines(pieces)

    def restart(self) -> None:
        self.handle.seek(0)
        self.handle.truncate()
        self.digest = hashlib.sha256() if self.hash_it else None
        self.size = 0


async def stream_to_file(
    hub: HubClient,
    url: str,
    handle: IO[bytes],
    *,
    etag: str,
    expected_size: int | None,
    token: TokenArg = None,
    headers: Mapping[str, str] | None = None,
    hub_headers: bool = True,
    timeout: float | None = None,
    on_progress: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> str | None:
    """Stream `url` into `handle`; return the sha256 hex of what was written (LFS etags) or None.

    Network errors mid-body resume with `Range: bytes=<received>-` (up to 5 times); a server that
    answers `200` to the ranged request restarts the file from zero. `on_progress(delta)` gets
    the bytes of every chunk (negative when a restart discards bytes already reported).

    ```python
    with open(tmp, "wb") as f:
        sha = await stream_to_file(hub, url, f, etag=etag, expected_size=size)
    ```
    """
    sink = _Sink(handle, is_sha256(etag))
    base_headers = dict(headers or {})
    base_headers["X-HF-Download-Counter"] = "1"
    # Received but not yet written: kept across a failure, so a resume loses nothing.
    pending: list[bytes] = []
    pending_bytes = 0

    async def flush() -> None:
        nonlocal pending, pending_bytes
        if pending:
            batch, done = pending, pending_bytes
            pending, pending_bytes = [], 0
            await anyio.to_thread.run_sync(sink.write, batch)
            if on_progress is not None:
                on_progress(done)

    failures = 0
    while True:
        request_headers = dict(base_headers)
        if sink.size:
            request_headers["Range"] = f"bytes={sink.size}-"
        try:
            async with hub.stream(
                "GET", url, token=token, headers=request_headers, hub_headers=hub_headers,
                timeout=timeout,
            ) as response:
                if sink.size and response.status_code != 206:
                    discarded = sink.size
                    await anyio.to_thread.run_sync(sink.restart)
                    if on_progress is not None:
                        on_progress(-discarded)
                # Pieces arrive as the socket delivers them; write/hash in large batches (one thread hop each).
                async for piece in response.aiter_bytes():
                    pending.append(piece)
                    pending_bytes += len(piece)
                    if pending_bytes >= chunk_size:
                        await flush()
            await flush()
            break
        except HubConnectionError as exc:
            await flush()
            failures += 1
            if failures > _RESUME_ATTEMPTS or (expected_size is not None and sink.size >= expected_size):
                raise
            await anyio.sleep(retry_delay(exc, failures - 1, hub.settings.retry))
    await anyio.to_thread.run_sync(handle.flush)
    return sink.digest.hexdigest() if sink.digest is not None else None
