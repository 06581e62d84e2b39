"""Names and places in the Hub cache: the cache root, repo folder names, safe relative paths.

Everything here is read at call time (not import time) so that tests and long-running
processes can change `HF_HUB_CACHE` / `HF_HOME` between calls.

```python
>>> repo_folder_name("alice/m1", "model")
'models--alice--m1'
```
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path, PurePosixPath, PureWindowsPath

from hubflow._cache._errors import HFValidationError
from hubflow._constants import Environment

__all__ = [
    "CACHEDIR_TAG_CONTENT",
    "REPO_TYPES",
    "check_repo_type",
    "create_cachedir_tag",
    "default_cache_dir",
    "env_flag",
    "is_commit_hash",
    "is_sha256",
    "repo_folder_name",
    "validate_relative_path",
]

#: Repo types the cache knows about (huggingface_hub's `REPO_TYPES_WITH_KERNEL` minus `None`).
REPO_TYPES = ("model", "dataset", "space", "kernel")

# Same byte content as huggingface_hub writes, so either client recognises the other's tag.
CACHEDIR_TAG_CONTENT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by huggingface_hub.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/\n"
)

_COMMIT_HASH = re.compile(r"[0-9a-f]{40}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_TRUE_VALUES = {"1", "ON", "YES", "TRUE"}


def env_flag(name: str) -> bool:
    """Read a boolean environment variable the way huggingface_hub does (1/ON/YES/TRUE).

    ```python
    >>> env_flag("HF_HUB_DISABLE_SYMLINKS")
    False
    ```
    """
    value = os.environ.get(name)
    return value is not None and value.upper() in _TRUE_VALUES


def is_commit_hash(revision: str) -> bool:
    """Whether `revision` is a full 40-hex commit sha (then no ref is needed to resolve it).

    ```python
    >>> is_commit_hash("a" * 40), is_commit_hash("main")
    (True, False)
    ```
    """
    return _COMMIT_HASH.fullmatch(revision) is not None


def is_sha256(etag: str) -> bool:
    """Whether an etag is a 64-hex sha256, i.e. the etag of an LFS file.

    ```python
    >>> is_sha256("0" * 64)
    True
    ```
    """
    return _SHA256.fullmatch(etag) is not None


def default_cache_dir() -> Path:
    """The Hub cache root: `HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`.

    `HF_HOME` itself defaults to `$XDG_CACHE_HOME/huggingface`, then `~/.cache/huggingface`.

    ```python
    >>> default_cache_dir()  # doctest: +SKIP
    PosixPath('/home/alice/.cache/huggingface/hub')
    ```
    """
    return Environment.read().hub_cache  # the one reading of the HF_* variables in hubflow


def check_repo_type(repo_type: str | None) -> str:
    """Normalise `None` to `"model"` and reject unknown repo types with `HFValidationError` (a `ValueError`)."""
    if repo_type is None:
        return "model"
    if repo_type not in REPO_TYPES:
        raise HFValidationError(
            f"Invalid repo type: {repo_type!r}. Accepted repo types are: {list(REPO_TYPES)}"
        )
    return repo_type


def repo_folder_name(repo_id: str, repo_type: str | None = "model") -> str:
    """The single folder name of a repo in the cache: `"{type}s--{namespace}--{name}"`.

    ```python
    >>> repo_folder_name("squad", "dataset")
    'datasets--squad'
    ```
    """
    if not repo_id or repo_id.startswith("/") or repo_id.endswith("/") or ".." in repo_id.split("/"):
        raise HFValidationError(f"Invalid repo id: {repo_id!r}")
    return "--".join([f"{check_repo_type(repo_type)}s", *repo_id.split("/")])


def validate_relative_path(path: str) -> None:
    """Reject repo paths that could escape the folder they are joined to (`..`, absolute, drive, UNC).

    A malicious repo could name a file `../../.bashrc`; the check interprets the name under both
    POSIX and Windows rules, like huggingface_hub's `_validate_relative_filename`.

    ```python
    >>> validate_relative_path("dir/file.txt")
    >>> validate_relative_path("../x")
    Traceback (most recent call last):
    hubflow.errors.HFValidationError: Invalid path '../x': cannot contain a '..' segment
    ```
    """
    if not path:
        raise HFValidationError("Invalid path '': must not be empty")
    if ".." in path.replace("\\", "/").split("/"):
        raise HFValidationError(f"Invalid path {path!r}: cannot contain a '..' segment")
    candidates = [PurePosixPath(path), *(PureWindowsPath(part) for part in path.split("/"))]
    if any(p.drive or p.root for p in candidates):
        raise HFValidationError(f"Invalid path {path!r}: cannot be an absolute, drive-relative or UNC path")


def create_cachedir_tag(directory: Path) -> None:
    """Write `CACHEDIR.TAG` into `directory` (once) so backup tools skip it; failures are ignored.

    ```python
    >>> create_cachedir_tag(default_cache_dir())  # doctest: +SKIP
    ```
    """
    tag = directory / "CACHEDIR.TAG"
    if tag.exists():
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Written via a temp file so a reader never sees a truncated tag.
        tmp = directory / f".CACHEDIR.TAG.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_text(CACHEDIR_TAG_CONTENT)
        os.replace(tmp, tag)
    except OSError:
        pass
