"""`try_to_load_from_cache`: the official no-network cache lookup, same arguments and results.

```python
>>> path = try_to_load_from_cache("alice/m1", "config.json", cache_dir="/tmp/hub")  # doctest: +SKIP
>>> if isinstance(path, str): ...          # cached
>>> elif path is CACHED_NO_EXIST: ...      # known not to exist at that revision
>>> else: ...                              # not cached
```
"""

from __future__ import annotations

import os
from typing import Final, final

from hubflow._cache._layout import (
    check_repo_type,
    default_cache_dir,
    repo_folder_name,
    validate_relative_path,
)

__all__ = ["CACHED_NO_EXIST", "try_to_load_from_cache"]


@final
class _CachedNoExist:
    """Type of `CACHED_NO_EXIST`; a single instance, compared with `is`."""

    _instance: _CachedNoExist | None = None

    def __new__(cls) -> _CachedNoExist:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "CACHED_NO_EXIST"


#: Returned when the cache records that the file does not exist at the requested revision.
CACHED_NO_EXIST: Final = _CachedNoExist()


def try_to_load_from_cache(
    repo_id: str,
    filename: str,
    cache_dir: str | os.PathLike[str] | None = None,
    revision: str | None = None,
    repo_type: str | None = None,
) -> str | _CachedNoExist | None:
    """Find `filename` of `repo_id` at `revision` (default `"main"`) in the cache, without network.

    Returns the snapshot path as a `str` if cached, `CACHED_NO_EXIST` if its absence at that
    commit is recorded, and `None` otherwise. The revision goes through `refs/<revision>` when
    that ref exists; another revision is never used as a fallback. Raises `HFValidationError` (a `ValueError`) for an
    unknown `repo_type` or an unsafe `filename`.

    ```python
    >>> try_to_load_from_cache("alice/m1", "missing.txt", cache_dir="/tmp/hub")  # doctest: +SKIP
    CACHED_NO_EXIST
    ```
    """
    revision = "main" if revision is None else revision
    repo_type = check_repo_type(repo_type)
    validate_relative_path(filename)
    validate_relative_path(revision)
    root = os.fspath(cache_dir) if cache_dir is not None else os.fspath(default_cache_dir())

    repo_cache = os.path.join(root, repo_folder_name(repo_id, repo_type))
    if not os.path.isdir(repo_cache):
        return None

    ref_file = os.path.join(repo_cache, "refs", revision)
    if os.path.isfile(ref_file):
        with open(ref_file, encoding="utf-8") as f:
            revision = f.read().strip()

    if os.path.isfile(os.path.join(repo_cache, ".no_exist", revision, filename)):
        return CACHED_NO_EXIST

    snapshots = os.path.join(repo_cache, "snapshots")
    if not os.path.isdir(os.path.join(snapshots, revision)):
        return None  # never return a file of another revision
    cached = os.path.join(snapshots, revision, filename)
    return cached if os.path.isfile(cached) else None
