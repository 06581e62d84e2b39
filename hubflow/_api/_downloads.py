"""Downloads on the facade: ``hf_hub_download``, ``snapshot_download``, metadata, existence, checksums.

The cache layout is huggingface_hub's (``hubflow._cache``): files downloaded here are found by
the official client and the reverse. ``token`` everywhere is a ``TokenArg``.

```python
api = HfApi(token="hf_...")
path = api.hf_hub_download("alice/m", "config.json")
folder = api.snapshot_download("alice/m", allow_patterns=["*.json"])
api.verify_repo_checksums("alice/m").mismatches
```
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hubflow._api._base import AsyncHfApiBase
from hubflow._settings import TokenArg
from hubflow.errors import (
    GatedRepoError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from hubflow.pipelines import _download_verify, download
from hubflow.pipelines._download_fetch import fetch_file_metadata, hf_hub_url
from hubflow.pipelines._download_types import DryRunFileInfo, FolderVerification
from hubflow.schema import HfFileMetadata

__all__ = ["DownloadsMixin"]


class DownloadsMixin(AsyncHfApiBase):
    """File and snapshot downloads into the shared cache (or a ``local_dir``)."""

    async def hf_hub_download(
        self,
        repo_id: str,
        filename: str,
        *,
        subfolder: str | None = None,
        repo_type: str | None = None,
        revision: str | None = None,
        cache_dir: str | Path | None = None,
        local_dir: str | Path | None = None,
        force_download: bool = False,
        etag_timeout: float = 10.0,
        token: TokenArg = None,
        local_files_only: bool = False,
        tqdm_class: Any | None = None,
        dry_run: bool = False,
    ) -> str | DryRunFileInfo:
        """Download one file into the cache (or ``local_dir``) unless already there; return its path.

        ``revision`` is a branch, tag, ``refs/pr/N`` or commit sha (default ``main``). A sha already
        in the cache needs no request. When the Hub is unreachable or offline mode is on
        (``HF_HUB_OFFLINE=1``, ``local_files_only=True``), the cached copy is returned, else
        ``LocalEntryNotFoundError``. A missing file raises ``RemoteEntryNotFoundError`` and is
        remembered in ``.no_exist``. The bytes are verified (size, sha256 for LFS files) before
        the file appears in the cache. ``dry_run=True`` returns a ``DryRunFileInfo`` and moves no
        bytes. ``tqdm_class`` is accepted for compatibility; progress goes to ``on_event``.

        ```python
        path = await api.hf_hub_download("alice/m", "weights.bin", revision="v1.0")
        ```
        """
        return await download.hf_hub_download(
            self, repo_id, filename, subfolder=subfolder, repo_type=repo_type, revision=revision,
            cache_dir=cache_dir, local_dir=local_dir, force_download=force_download, etag_timeout=etag_timeout,
            token=token, local_files_only=local_files_only, headers=self.headers, dry_run=dry_run,
        )

    async def snapshot_download(
        self,
        repo_id: str,
        *,
        repo_type: str | None = None,
        revision: str | None = None,
        cache_dir: str | Path | None = None,
        local_dir: str | Path | None = None,
        etag_timeout: float = 10.0,
        force_download: bool = False,
        token: TokenArg = None,
        local_files_only: bool = False,
        allow_patterns: list[str] | str | None = None,
        ignore_patterns: list[str] | str | None = None,
        max_workers: int = 8,
        tqdm_class: Any | None = None,
        dry_run: bool = False,
    ) -> str | list[DryRunFileInfo]:
        """Download every file of a repo at a revision (filtered by patterns); return the snapshot folder.

        One revision lookup and one recursive listing (cached in ``trees/<sha>.json``), then up to
        ``max_workers`` files in parallel, each with its etag and size from the listing (no ``HEAD``
        per file); cached files need no request. Patterns are ``fnmatch`` patterns, a trailing
        ``/`` matches a whole folder. Offline, the cached snapshot is returned
        (``IncompleteSnapshotError`` if it lacks files the cached listing names).

        ```python
        folder = await api.snapshot_download("alice/m", allow_patterns=["*.json", "tokenizer/"])
        ```
        """
        return await download.snapshot_download(
            self, repo_id, repo_type=repo_type, revision=revision, cache_dir=cache_dir, local_dir=local_dir,
            etag_timeout=etag_timeout, force_download=force_download, token=token,
            local_files_only=local_files_only, allow_patterns=allow_patterns, ignore_patterns=ignore_patterns,
            max_workers=max_workers, headers=self.headers, dry_run=dry_run,
        )

    async def get_hf_file_metadata(
        self, *, url: str, token: TokenArg = None, timeout: float | None = 10.0
    ) -> HfFileMetadata:
        """``HEAD`` a resolve URL: commit, etag (sha256 for LFS, git sha1 otherwise), size, location.

        ```python
        meta = await api.get_hf_file_metadata(url=hf_hub_url("alice/m", "w.bin", endpoint=api.endpoint))
        meta.etag, meta.size
        ```
        """
        return await fetch_file_metadata(self.hub, url, token=token, timeout=timeout)

    async def file_exists(
        self,
        repo_id: str,
        filename: str,
        *,
        repo_type: str | None = None,
        revision: str | None = None,
        token: TokenArg = None,
    ) -> bool:
        """Whether ``filename`` exists in the repo at ``revision`` (one ``HEAD``); gated repos raise.

        ```python
        await api.file_exists("alice/m", "config.json")  # True
        ```
        """
        url = hf_hub_url(repo_id, filename, repo_type=repo_type, revision=revision, endpoint=self.endpoint)
        try:
            await fetch_file_metadata(self.hub, url, token=token)
        except GatedRepoError:
            raise
        except (RepositoryNotFoundError, RemoteEntryNotFoundError, RevisionNotFoundError):
            return False
        return True

    async def verify_repo_checksums(
        self,
        repo_id: str,
        *,
        repo_type: str | None = None,
        revision: str | None = None,
        local_dir: str | Path | None = None,
        cache_dir: str | Path | None = None,
        token: TokenArg = None,
    ) -> FolderVerification:
        """Compare local files (a ``local_dir`` or the cached snapshot) with the Hub's checksums.

        LFS files are compared by sha256, others by git blob sha1, hashed in threads. The result
        lists ``mismatches``, ``missing_paths`` (on the Hub only) and ``extra_paths`` (local only).

        ```python
        result = await api.verify_repo_checksums("alice/m", local_dir="out")
        assert not result.mismatches
        ```
        """
        return await _download_verify.verify_checksums(
            self, repo_id, repo_type=repo_type, revision=revision,
            local_dir=os.fspath(local_dir) if local_dir is not None else None,
            cache_dir=cache_dir, token=token,
        )
