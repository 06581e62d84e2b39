"""``verify_repo_checksums``: compare local files with the Hub's tree (protocol §12.1).

The local root is a ``local_dir`` or the cached snapshot (sha from the argument, ``refs/<revision>``,
``refs/main`` or the only snapshot). Files with an LFS entry are compared by sha256, the others
by git blob sha1; both come from one read per file (``hubflow._hashing``), in threads.

```python
result = await verify_checksums(api, "alice/m", local_dir="out")
result.mismatches  # [{"path": ..., "expected": ..., "actual": ..., "algorithm": "sha256"}]
```
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from hubflow._cache import RepoCache, is_commit_hash
from hubflow._hashing import FileHashes, hash_file
from hubflow._validation import normalize_repo_type
from hubflow.pipelines._download_types import FolderVerification, Mismatch, filter_repo_paths

if TYPE_CHECKING:
    from hubflow._api._base import AsyncHfApiBase
    from hubflow._settings import TokenArg

__all__ = ["resolve_local_root", "verify_checksums"]

_IGNORED = [".git/", ".cache/huggingface/"]


def _commit_from_cache(repo: RepoCache, revision: str | None) -> str:
    if revision and is_commit_hash(revision):
        return revision
    if revision:
        commit = repo.read_ref(revision)
        if commit is None:
            raise ValueError(f"Revision '{revision}' could not be resolved in cache (expected file 'refs/{revision}').")
        return commit
    commit = repo.read_ref("main")
    if commit is not None:
        return commit
    snapshots = repo.folder / "snapshots"
    if not snapshots.is_dir():
        raise ValueError(f"Cache repo is missing snapshots directory: {snapshots}. Provide a revision explicitly.")
    candidates = [p.name for p in snapshots.iterdir() if p.is_dir() and is_commit_hash(p.name)]
    if len(candidates) == 1:
        return candidates[0]
    raise ValueError("Ambiguous cached revision: multiple snapshots found and no refs to disambiguate.")


def resolve_local_root(
    repo_id: str, repo_type: str, revision: str | None, cache_dir: str | os.PathLike[str], local_dir: Path | None
) -> tuple[Path, str]:
    """``(folder to scan, revision to compare with)`` as huggingface_hub resolves them."""
    if local_dir is not None:
        root = local_dir.expanduser().resolve()
        if not root.is_dir():
            raise ValueError(f"Local directory does not exist or is not a directory: {root}")
        return root, revision or "main"
    repo = RepoCache(Path(cache_dir).expanduser().resolve(), repo_id, repo_type)
    if not repo.folder.exists():
        raise ValueError(f"Repo is not present in cache: {repo.folder}. Download it first or pass local_dir.")
    commit = _commit_from_cache(repo, revision)
    snapshot = repo.snapshot_dir(commit)
    if not snapshot.is_dir():
        raise ValueError(f"Snapshot directory does not exist for revision '{commit}': {snapshot}.")
    return snapshot, commit


def _local_files(root: Path) -> dict[str, Path]:
    files = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
    return {path: files[path] for path in filter_repo_paths(files, ignore_patterns=_IGNORED)}


async def verify_checksums(
    api: AsyncHfApiBase,
    repo_id: str,
    *,
    repo_type: str | None = None,
    revision: str | None = None,
    local_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    token: TokenArg = None,
) -> FolderVerification:
    """Hash every local file present on both sides (in threads) and compare with the Hub's tree."""
    if local_dir is not None and cache_dir is not None:
        raise ValueError("Pass either `local_dir` or `cache_dir`, not both.")
    repo_type = normalize_repo_type(repo_type)
    root, remote_revision = resolve_local_root(
        repo_id, repo_type, revision, cache_dir if cache_dir is not None else api.settings.cache_dir,
        Path(local_dir) if local_dir is not None else None,
    )
    local = await anyio.to_thread.run_sync(_local_files, root)
    from hubflow.tasks.downloads import ListSnapshotFiles

    # One recursive listing; a branch name works too (the tree endpoint takes any revision).
    remote = await api._run(
        ListSnapshotFiles(repo_id=repo_id, repo_type=repo_type, commit=remote_revision, token=token)
    )
    both = sorted(set(local) & set(remote))
    hashes: dict[str, FileHashes] = {}
    limiter = anyio.CapacityLimiter(max(1, api.settings.limits.hash))

    async def one(path: str) -> None:
        hashes[path] = await hash_file(local[path], limiter=limiter)

    async with anyio.create_task_group() as tg:
        for path in both:
            tg.start_soon(one, path)
    mismatches: list[Mismatch] = []
    for path in both:
        entry = remote[path]
        if entry.lfs_sha256:
            algorithm, expected, actual = "sha256", entry.lfs_sha256.lower(), hashes[path].sha256
        else:
            algorithm, expected, actual = "git-sha1", entry.blob_id.lower(), hashes[path].git_sha1
        if actual != expected:
            mismatches.append(Mismatch(path=path, expected=expected, actual=actual, algorithm=algorithm))
    return FolderVerification(
        revision=remote_revision,
        checked_count=len(both),
        mismatches=mismatches,
        missing_paths=sorted(set(remote) - set(local)),
        extra_paths=sorted(set(local) - set(remote)),
        verified_path=root,
    )

