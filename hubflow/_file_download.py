"""Module-level download functions with huggingface_hub's signatures.

Each call builds a short-lived ``HfApi`` from its ``endpoint`` / ``token`` / ``library_*`` /
``user_agent`` / ``headers`` arguments and runs the same pipeline as the facade methods.
``try_to_load_from_cache`` is the cache's own (no network).

```python
from hubflow import hf_hub_download, snapshot_download
path = hf_hub_download("alice/m", "config.json", endpoint="http://127.0.0.1:8000")
folder = snapshot_download("alice/m", allow_patterns="*.json")
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hubflow._cache import try_to_load_from_cache
from hubflow._settings import TokenArg
from hubflow.pipelines._download_fetch import hf_hub_url
from hubflow.pipelines._download_types import DryRunFileInfo
from hubflow.schema import HfFileMetadata

__all__ = ["get_hf_file_metadata", "hf_hub_download", "hf_hub_url", "snapshot_download", "try_to_load_from_cache"]


def _api(
    endpoint: str | None,
    token: TokenArg,
    library_name: str | None,
    library_version: str | None,
    user_agent: dict[str, str] | str | None,
    headers: dict[str, str] | None,
) -> Any:
    from hubflow._api import HfApi

    return HfApi(
        endpoint=endpoint, token=token, library_name=library_name, library_version=library_version,
        user_agent=user_agent, headers=headers,
    )


def hf_hub_download(
    repo_id: str,
    filename: str,
    *,
    subfolder: str | None = None,
    repo_type: str | None = None,
    revision: str | None = None,
    library_name: str | None = None,
    library_version: str | None = None,
    cache_dir: str | Path | None = None,
    local_dir: str | Path | None = None,
    user_agent: dict[str, str] | str | None = None,
    force_download: bool = False,
    etag_timeout: float = 10.0,
    token: TokenArg = None,
    local_files_only: bool = False,
    headers: dict[str, str] | None = None,
    endpoint: str | None = None,
    tqdm_class: Any | None = None,
    dry_run: bool = False,
) -> str | DryRunFileInfo:
    """Download one file into the cache (or ``local_dir``); see ``HfApi.hf_hub_download``.

    ```python
    path = hf_hub_download("alice/m", "config.json", revision="v1.0")
    ```
    """
    with _api(endpoint, token, library_name, library_version, user_agent, headers) as api:
        result: str | DryRunFileInfo = api.hf_hub_download(
            repo_id, filename, subfolder=subfolder, repo_type=repo_type, revision=revision, cache_dir=cache_dir,
            local_dir=local_dir, force_download=force_download, etag_timeout=etag_timeout, token=token,
            local_files_only=local_files_only, dry_run=dry_run,
        )
        return result


def snapshot_download(
    repo_id: str,
    *,
    repo_type: str | None = None,
    revision: str | None = None,
    cache_dir: str | Path | None = None,
    local_dir: str | Path | None = None,
    library_name: str | None = None,
    library_version: str | None = None,
    user_agent: dict[str, str] | str | None = None,
    etag_timeout: float = 10.0,
    force_download: bool = False,
    token: TokenArg = None,
    local_files_only: bool = False,
    allow_patterns: list[str] | str | None = None,
    ignore_patterns: list[str] | str | None = None,
    max_workers: int = 8,
    tqdm_class: Any | None = None,
    headers: dict[str, str] | None = None,
    endpoint: str | None = None,
    dry_run: bool = False,
) -> str | list[DryRunFileInfo]:
    """Download a repo snapshot (files in parallel, no ``HEAD`` per file); see ``HfApi.snapshot_download``.

    ```python
    folder = snapshot_download("alice/m", ignore_patterns=["*.bin"])
    ```
    """
    with _api(endpoint, token, library_name, library_version, user_agent, headers) as api:
        result: str | list[DryRunFileInfo] = api.snapshot_download(
            repo_id, repo_type=repo_type, revision=revision, cache_dir=cache_dir, local_dir=local_dir,
            etag_timeout=etag_timeout, force_download=force_download, token=token,
            local_files_only=local_files_only, allow_patterns=allow_patterns, ignore_patterns=ignore_patterns,
            max_workers=max_workers, dry_run=dry_run,
        )
        return result


def get_hf_file_metadata(
    url: str,
    token: TokenArg = None,
    timeout: float | None = 10.0,
    library_name: str | None = None,
    library_version: str | None = None,
    user_agent: dict[str, str] | str | None = None,
    headers: dict[str, str] | None = None,
    endpoint: str | None = None,
    retry_on_errors: bool = False,
) -> HfFileMetadata:
    """``HEAD`` a resolve URL and return its ``HfFileMetadata``; see ``HfApi.get_hf_file_metadata``.

    ```python
    meta = get_hf_file_metadata(hf_hub_url("alice/m", "w.bin", endpoint=e))
    ```
    """
    with _api(endpoint, token, library_name, library_version, user_agent, headers) as api:
        meta: HfFileMetadata = api.get_hf_file_metadata(url=url, token=token, timeout=timeout)
        return meta
