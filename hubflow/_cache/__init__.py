"""The Hub cache layout, shared both ways with huggingface_hub.

Files hubflow downloads are found by the official client (and the reverse): same folder names,
refs, relative snapshot symlinks, `.no_exist` markers, `trees/<sha>.json`, lock files and
local_dir metadata. Modules: `_layout` (names and env), `_fs` (atomic writes, pointers),
`_locks` (flock), `_repo` (`RepoCache`), `_lookup` (`try_to_load_from_cache`), `_trees`,
`_local_dir` (`.cache/huggingface` bookkeeping).

```python
>>> from hubflow._cache import RepoCache, try_to_load_from_cache
```
"""

from __future__ import annotations

from hubflow._cache._errors import BlobIntegrityError, CorruptedCacheException
from hubflow._cache._layout import (
    REPO_TYPES,
    create_cachedir_tag,
    default_cache_dir,
    is_commit_hash,
    is_sha256,
    repo_folder_name,
    validate_relative_path,
)
from hubflow._cache._local_dir import (
    LocalDirPaths,
    LocalDownloadMetadata,
    huggingface_dir,
    local_dir_paths,
    read_download_metadata,
    write_download_metadata,
)
from hubflow._cache._locks import file_lock
from hubflow._cache._lookup import CACHED_NO_EXIST, try_to_load_from_cache
from hubflow._cache._repo import RepoCache
from hubflow._cache._trees import TreeEntry, read_tree, write_tree

#: huggingface_hub's private spelling of the sentinel, for code ported from it.
_CACHED_NO_EXIST = CACHED_NO_EXIST

__all__ = [
    "CACHED_NO_EXIST",
    "REPO_TYPES",
    "BlobIntegrityError",
    "CorruptedCacheException",
    "LocalDirPaths",
    "LocalDownloadMetadata",
    "RepoCache",
    "TreeEntry",
    "create_cachedir_tag",
    "default_cache_dir",
    "file_lock",
    "huggingface_dir",
    "is_commit_hash",
    "is_sha256",
    "local_dir_paths",
    "read_download_metadata",
    "read_tree",
    "repo_folder_name",
    "try_to_load_from_cache",
    "validate_relative_path",
    "write_download_metadata",
    "write_tree",
]
