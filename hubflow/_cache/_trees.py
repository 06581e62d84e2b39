"""Cached recursive tree listings: `<folder>/trees/<commit>.json` (format_version 1).

A commit is immutable, so its listing never goes stale. The file is shared with huggingface_hub
2.x (`_tree_cache.py`), which reads it to skip `HEAD` requests and to detect incomplete
snapshots offline; key names and the validity rule (every `xet_hash` is 64-hex) match it.

```python
>>> write_tree(folder, "a" * 40, {"config.json": TreeEntry(size=3, blob_id="b" * 40)})  # doctest: +SKIP
>>> read_tree(folder, "a" * 40)["config.json"].size  # doctest: +SKIP
3
```
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from hubflow._cache._fs import atomic_write_text

__all__ = ["TREE_FORMAT_VERSION", "TreeEntry", "read_tree", "tree_path", "write_tree"]

TREE_FORMAT_VERSION = 1
_XET_HASH = re.compile(r"[0-9a-f]{64}")


class TreeEntry(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One file of a cached tree listing, mirroring the `/tree` endpoint fields.

    ```python
    >>> TreeEntry(size=5, blob_id="f" * 40, lfs_sha256="0" * 64, lfs_size=5).lfs_size
    5
    ```
    """

    size: int
    blob_id: str
    lfs_sha256: str | None = None
    lfs_size: int | None = None
    xet_hash: str | None = None


class _TreeFile(msgspec.Struct, kw_only=True):
    format_version: int
    files: dict[str, TreeEntry]


def tree_path(folder: Path, commit: str) -> Path:
    """Where the listing of `commit` lives under a repo cache folder or `.cache/huggingface`.

    ```python
    >>> tree_path(Path("c/models--a--b"), "a" * 40).name
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json'
    ```
    """
    return folder / "trees" / f"{commit}.json"


def _valid(files: Mapping[str, TreeEntry]) -> bool:
    return all(e.xet_hash is None or _XET_HASH.fullmatch(e.xet_hash) for e in files.values())


def write_tree(folder: Path, commit: str, files: Mapping[str, TreeEntry]) -> bool:
    """Store the listing of `commit`; returns `False` (writes nothing) if an `xet_hash` is invalid.

    ```python
    >>> write_tree(Path("c/models--a--b"), "a" * 40, {})  # doctest: +SKIP
    True
    ```
    """
    if not _valid(files):
        return False
    body: dict[str, Any] = {
        "format_version": TREE_FORMAT_VERSION,
        "files": {name: msgspec.to_builtins(files[name]) for name in sorted(files)},
    }
    # indent=1 like the official writer: the file is meant to be human-readable.
    atomic_write_text(tree_path(folder, commit), json.dumps(body, indent=1))
    return True


def read_tree(folder: Path, commit: str) -> dict[str, TreeEntry] | None:
    """The cached listing of `commit`, or `None` if missing, of another format version or corrupted.

    ```python
    >>> read_tree(Path("c/models--a--b"), "0" * 40) is None  # doctest: +SKIP
    True
    ```
    """
    try:
        raw = tree_path(folder, commit).read_bytes()
    except FileNotFoundError:
        return None
    try:
        version = msgspec.json.decode(raw, type=dict[str, Any]).get("format_version")
        if version != TREE_FORMAT_VERSION:
            return None  # written by a newer client: ignore and let the caller re-list
        files = msgspec.json.decode(raw, type=_TreeFile).files
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return files if _valid(files) else None
