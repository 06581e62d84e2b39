"""Safetensors metadata: `TensorInfo`, `SafetensorsFileMetadata`, `SafetensorsRepoMetadata`.

A safetensors header is JSON with one entry per tensor plus an optional `__metadata__`;
`parse_safetensors_header` turns those bytes into `SafetensorsFileMetadata`. Parameter counts
are computed by properties, as huggingface_hub computes them in `__post_init__`.

```python
meta = parse_safetensors_header(header_bytes)
meta.parameter_count  # {"F16": 124_439_808}
```
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from hubflow.schema._base import Wire

__all__ = [
    "SafetensorsFileMetadata",
    "SafetensorsIndex",
    "SafetensorsRepoMetadata",
    "TensorInfo",
    "parse_safetensors_header",
]


class TensorInfo(Wire, rename=None, frozen=True):
    """One tensor: `dtype`, `shape`, `data_offsets`, and `parameter_count` (product of the shape).

    ```python
    TensorInfo(dtype="F16", shape=[2, 3], data_offsets=(0, 12)).parameter_count  # 6
    ```
    """

    dtype: str
    shape: list[int]
    data_offsets: tuple[int, int]

    @property
    def parameter_count(self) -> int:
        """Number of parameters (1 for a scalar)."""
        return math.prod(self.shape) if self.shape else 1


def _count(tensors: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for tensor in tensors:
        counts[tensor.dtype] = counts.get(tensor.dtype, 0) + tensor.parameter_count
    return counts


class SafetensorsFileMetadata(Wire, rename=None, frozen=True):
    """Header of one safetensors file: `metadata`, `tensors`, `parameter_count` per dtype.

    ```python
    SafetensorsFileMetadata(metadata={}, tensors={"w": TensorInfo(...)}).parameter_count
    ```
    """

    metadata: dict[str, str]
    tensors: dict[str, TensorInfo]

    @property
    def parameter_count(self) -> dict[str, int]:
        """Parameters per dtype."""
        return _count(self.tensors.values())


class SafetensorsRepoMetadata(Wire, rename=None, frozen=True):
    """Safetensors metadata of a whole repo (single file or sharded).

    ```python
    SafetensorsRepoMetadata(metadata=None, sharded=False, weight_map={...}, files_metadata={...})
    ```
    """

    metadata: dict[str, Any] | None
    sharded: bool
    weight_map: dict[str, str]
    files_metadata: dict[str, SafetensorsFileMetadata]

    @property
    def parameter_count(self) -> dict[str, int]:
        """Parameters per dtype over every file."""
        counts: dict[str, int] = {}
        for meta in self.files_metadata.values():
            for dtype, n in meta.parameter_count.items():
                counts[dtype] = counts.get(dtype, 0) + n
        return counts


class SafetensorsIndex(Wire, rename=None, frozen=True):
    """`model.safetensors.index.json`: `weight_map` (tensor → shard) and optional `metadata`."""

    weight_map: dict[str, str]
    metadata: dict[str, Any] | None = None


def parse_safetensors_header(header: bytes | str) -> SafetensorsFileMetadata:
    """Decode a safetensors JSON header (the bytes after the 8-byte length prefix).

    ```python
    parse_safetensors_header(b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}')
    ```
    """
    raw = msgspec.json.decode(header, type=dict[str, Any])
    metadata = raw.pop("__metadata__", None) or {}
    return SafetensorsFileMetadata(
        metadata=msgspec.convert(metadata, dict[str, str]),
        tensors=msgspec.convert(raw, dict[str, TensorInfo]),
    )
