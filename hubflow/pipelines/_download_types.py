"""Result types of the download side and the repo-path pattern filter.

`DryRunFileInfo` (what `dry_run=True` returns), `FolderVerification` and `Mismatch` (what
`verify_repo_checksums` returns) carry huggingface_hub's attribute names. `filter_repo_paths`
applies `allow_patterns` / `ignore_patterns` as huggingface_hub's `filter_repo_objects` does:
`fnmatch` (case-sensitive), and a pattern ending with `/` matches everything below it.

```python
>>> list(filter_repo_paths(["a.bin", "sub/b.txt", "c.txt"], allow_patterns=["sub/", "*.bin"]))
['a.bin', 'sub/b.txt']
```
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TypedDict

import msgspec

__all__ = ["DryRunFileInfo", "FolderVerification", "Mismatch", "filter_repo_paths"]


class DryRunFileInfo(msgspec.Struct, kw_only=True):
    """What a download would do, returned by `hf_hub_download(..., dry_run=True)`.

    ```python
    info = api.hf_hub_download("alice/m", "config.json", dry_run=True)
    info.will_download, info.file_size
    ```
    """

    commit_hash: str
    file_size: int | None
    filename: str
    local_path: str
    is_cached: bool
    will_download: bool


class Mismatch(TypedDict):
    """One file whose local checksum differs from the Hub's (`algorithm`: `sha256` or `git-sha1`)."""

    path: str
    expected: str
    actual: str
    algorithm: str


class FolderVerification(msgspec.Struct, frozen=True, kw_only=True):
    """Result of `verify_repo_checksums`: counts, mismatches, missing and extra paths.

    ```python
    result = api.verify_repo_checksums("alice/m", local_dir="out")
    assert not result.mismatches and not result.missing_paths
    ```
    """

    revision: str
    checked_count: int
    mismatches: list[Mismatch]
    missing_paths: list[str]
    extra_paths: list[str]
    verified_path: Path


def _with_directory_wildcard(pattern: str) -> str:
    pattern = pattern.replace("\\", "/")
    return pattern + "*" if pattern.endswith("/") else pattern


def filter_repo_paths(
    paths: Iterable[str],
    allow_patterns: list[str] | str | None = None,
    ignore_patterns: list[str] | str | None = None,
) -> Iterator[str]:
    """Yield the repo paths kept by `allow_patterns` (any must match) and not dropped by `ignore_patterns`.

    ```python
    >>> list(filter_repo_paths(["x.md", "y.bin"], ignore_patterns="*.bin"))
    ['x.md']
    ```
    """
    allow = [allow_patterns] if isinstance(allow_patterns, str) else allow_patterns
    ignore = [ignore_patterns] if isinstance(ignore_patterns, str) else ignore_patterns
    allow = None if allow is None else [_with_directory_wildcard(p) for p in allow]
    ignore = None if ignore is None else [_with_directory_wildcard(p) for p in ignore]
    for path in paths:
        if allow is not None and not any(fnmatchcase(path, p) for p in allow):
            continue
        if ignore is not None and any(fnmatchcase(path, p) for p in ignore):
            continue
        yield path
