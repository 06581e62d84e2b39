"""Safetensors metadata on the facade: read tensor headers with ``Range`` requests (protocol §12.2-12.3).

A safetensors file starts with an unsigned little-endian 64-bit header length *N*, then *N* bytes
of JSON. One ranged ``GET`` of the first 100 000 bytes usually holds the whole header; a larger
header costs a second ranged ``GET``. Sharded models are read through
``model.safetensors.index.json``, every shard header in parallel.

```python
meta = api.get_safetensors_metadata("alice/m")
meta.sharded, meta.parameter_count        # False, {"F32": 1024}
api.parse_safetensors_file_metadata("alice/m", "model.safetensors").tensors["w"].shape
```
"""

from __future__ import annotations

import struct

import anyio
import msgspec

from hubflow._api._downloads import DownloadsMixin
from hubflow._settings import TokenArg
from hubflow.errors import SafetensorsParsingError
from hubflow.pipelines._download_fetch import hf_hub_url
from hubflow.schema import SafetensorsFileMetadata, SafetensorsIndex, SafetensorsRepoMetadata, TensorInfo

__all__ = ["SAFETENSORS_INDEX_FILE", "SAFETENSORS_SINGLE_FILE", "SafetensorsMixin", "parse_header_bytes"]

SAFETENSORS_SINGLE_FILE = "model.safetensors"
SAFETENSORS_INDEX_FILE = "model.safetensors.index.json"
SAFETENSORS_MAX_HEADER_LENGTH = 25_000_000
_FIRST_READ = 100_000


def parse_header_bytes(header: bytes, filename: str, context: str) -> SafetensorsFileMetadata:
    """The JSON header (without its 8-byte length) → ``SafetensorsFileMetadata``, or a typed error.

    ```python
    >>> parse_header_bytes(b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', "f", "").tensors["w"].dtype
    'F32'
    ```
    """
    prefix = f"Failed to parse safetensors header for '{filename}' ({context}):"
    try:
        raw = msgspec.json.decode(header, type=dict[str, msgspec.Raw])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise SafetensorsParsingError(
            f"{prefix} header is not json-encoded string. Please make sure this is a correctly formatted"
            " safetensors file."
        ) from exc
    try:
        metadata = msgspec.json.decode(raw.pop("__metadata__", b"{}"), type=dict[str, str])
        tensors = {name: msgspec.json.decode(value, type=TensorInfo) for name, value in raw.items()}
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise SafetensorsParsingError(
            f"{prefix} header format not recognized. Please make sure this is a correctly formatted safetensors file."
        ) from exc
    return SafetensorsFileMetadata(metadata=metadata, tensors=tensors)


class SafetensorsMixin(DownloadsMixin):
    """``get_safetensors_metadata`` and ``parse_safetensors_file_metadata``."""

    async def _read_range(self, url: str, start: int, end: int, token: TokenArg, timeout: float | None) -> bytes:
        response = await self.hub.request(
            "GET", url, token=token, headers={"range": f"bytes={start}-{end}"}, timeout=timeout
        )
        return response.content

    async def parse_safetensors_file_metadata(
        self,
        repo_id: str,
        filename: str,
        *,
        repo_type: str | None = None,
        revision: str | None = None,
        token: TokenArg = None,
        timeout: float | None = 10.0,
    ) -> SafetensorsFileMetadata:
        """Read one safetensors file's header with ranged ``GET``s; the tensors are not downloaded.

        Raises ``SafetensorsParsingError`` for a file too small, a header over 25 MB or bad JSON.

        ```python
        meta = await api.parse_safetensors_file_metadata("alice/m", "model.safetensors")
        meta.tensors["embed.weight"].shape
        ```
        """
        url = hf_hub_url(repo_id, filename, repo_type=repo_type, revision=revision, endpoint=self.endpoint)
        context = f"repo '{repo_id}', revision '{revision or 'main'}'"
        first = await self._read_range(url, 0, _FIRST_READ, token, timeout)
        if len(first) < 8:
            raise SafetensorsParsingError(
                f"Failed to parse safetensors header for '{filename}' ({context}): file is too small to be a valid"
                " safetensors file."
            )
        (size,) = struct.unpack("<Q", first[:8])
        if size > SAFETENSORS_MAX_HEADER_LENGTH:
            raise SafetensorsParsingError(
                f"Failed to parse safetensors header for '{filename}' ({context}): safetensors header is too big."
                f" Maximum supported size is {SAFETENSORS_MAX_HEADER_LENGTH} bytes (got {size})."
            )
        if len(first) >= 8 + size:
            header = first[8 : 8 + size]
        else:
            header = await self._read_range(url, 8, size + 7, token, timeout)
        return parse_header_bytes(header, filename, context)

    async def get_safetensors_metadata(
        self,
        repo_id: str,
        *,
        repo_type: str | None = None,
        revision: str | None = None,
        token: TokenArg = None,
        timeout: float | None = 10.0,
    ) -> SafetensorsRepoMetadata:
        """Safetensors metadata of a repo: ``model.safetensors``, else every shard of the index.

        Raises ``NotASafetensorsRepoError`` when the repo has neither file.

        ```python
        meta = await api.get_safetensors_metadata("alice/big")
        meta.sharded, sorted(meta.files_metadata)
        ```
        """
        from hubflow.errors import NotASafetensorsRepoError

        if await self.file_exists(
            repo_id, SAFETENSORS_SINGLE_FILE, repo_type=repo_type, revision=revision, token=token
        ):
            single = await self.parse_safetensors_file_metadata(
                repo_id, SAFETENSORS_SINGLE_FILE, repo_type=repo_type, revision=revision, token=token, timeout=timeout
            )
            return SafetensorsRepoMetadata(
                metadata=None,
                sharded=False,
                weight_map=dict.fromkeys(single.tensors, SAFETENSORS_SINGLE_FILE),
                files_metadata={SAFETENSORS_SINGLE_FILE: single},
            )
        if not await self.file_exists(
            repo_id, SAFETENSORS_INDEX_FILE, repo_type=repo_type, revision=revision, token=token
        ):
            raise NotASafetensorsRepoError(
                f"'{repo_id}' is not a safetensors repo. Couldn't find '{SAFETENSORS_INDEX_FILE}' or"
                f" '{SAFETENSORS_SINGLE_FILE}' files."
            )
        index_path = await self.hf_hub_download(
            repo_id, SAFETENSORS_INDEX_FILE, repo_type=repo_type, revision=revision, token=token
        )
        assert isinstance(index_path, str)
        index = msgspec.json.decode(await anyio.Path(index_path).read_bytes(), type=SafetensorsIndex)
        limiter = anyio.CapacityLimiter(max(1, self.settings.limits.api))
        shards: dict[str, SafetensorsFileMetadata] = {}

        async def parse(shard: str) -> None:
            async with limiter:
                shards[shard] = await self.parse_safetensors_file_metadata(
                    repo_id, shard, repo_type=repo_type, revision=revision, token=token, timeout=timeout
                )

        async with anyio.create_task_group() as tg:
            for shard in sorted(set(index.weight_map.values())):
                tg.start_soon(parse, shard)
        return SafetensorsRepoMetadata(
            metadata=index.metadata, sharded=True, weight_map=index.weight_map, files_metadata=shards
        )
