"""``upload_large_folder`` on the facade: a resumable, multi-commit folder upload.

The graph and its journal are ``hubflow.pipelines.large_folder``; this method validates the
call, creates the repo if missing, reads the branch history (to trust only journaled commits
still on it), runs the graph with ``num_workers`` as hash/transfer limits and prints the report.
Interrupt it at any moment (Ctrl-C, ``kill -9``) and run the same call again to resume.

```python
api = HfApi(token="hf_alice_write")
api.upload_large_folder("alice/big", "data", repo_type="dataset", print_report_every=30)
```
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import msgspec

from hubflow._api._base import AsyncHfApiBase
from hubflow._events import Event, EventSink
from hubflow._http import HubClient
from hubflow._validation import validate_repo_id, validate_revision
from hubflow.errors import RepositoryNotFoundError
from hubflow.graph import run
from hubflow.pipelines._large_folder_report import LargeFolderReport
from hubflow.pipelines.large_folder import (
    LARGE_FOLDER_FILES_PER_COMMIT,
    LARGE_FOLDER_INLINE_BYTES_PER_COMMIT,
    TrustedJournal,
    build_large_folder_graph,
    check_recommended_limits,
    journal_path,
    scan_folder,
)
from hubflow.tasks.lfs import RepoTarget
from hubflow.tasks.refs import ListRepoCommits
from hubflow.tasks.repos import RepoInfo

if TYPE_CHECKING:
    from hubflow._api._repos import ReposMixin

__all__ = ["LargeFolderMixin"]

_REPO_TYPES = ("model", "dataset", "space")


def _tee(sinks: list[EventSink]) -> EventSink:
    def sink(event: Event) -> None:
        for each in sinks:
            each(event)

    return sink


class LargeFolderMixin(AsyncHfApiBase):
    """``upload_large_folder`` (see the module docstring)."""

    large_folder_files_per_commit: int = LARGE_FOLDER_FILES_PER_COMMIT
    """``upload_large_folder`` commits at most this many files at a time ..."""
    large_folder_inline_bytes_per_commit: int = LARGE_FOLDER_INLINE_BYTES_PER_COMMIT
    """... and at most this many bytes of possibly-inline (non-LFS) content."""

    async def upload_large_folder(
        self,
        repo_id: str,
        folder_path: str | Path,
        *,
        repo_type: str,
        revision: str | None = None,
        private: bool | None = None,
        allow_patterns: list[str] | str | None = None,
        ignore_patterns: list[str] | str | None = None,
        num_workers: int | None = None,
        print_report: bool = True,
        print_report_every: int = 60,
    ) -> None:
        """Upload a large folder in several commits, resumably (rerun the same call after any interruption).

        Creates the repo if missing (``private`` applies then); warns (``LargeFolderWarning``) past
        the Hub's recommended limits; hashes every file, asks the Hub for upload modes, uploads the
        LFS files and commits ``large_folder_files_per_commit`` files at a time, one commit after
        the other, titled ``"Add files using upload-large-folder tool"``. Progress lives in a
        journal under ``<folder>/.cache/huggingface/upload/`` (never uploaded): a rerun hashes,
        uploads and commits nothing twice. ``revision`` must be an existing branch
        (``RevisionNotFoundError`` otherwise). ``num_workers`` (default: half the cores) bounds
        hashing and transfers. ``print_report`` prints a status block every
        ``print_report_every`` seconds and at the end; ``api.on_event`` still gets every event.
        Folder rules (patterns, ``.git``/``.cache``, symlinks) are ``upload_folder``'s.

        ```python
        await api.upload_large_folder("alice/big", "data", repo_type="dataset")
        ```
        """
        validate_repo_id(repo_id)
        if repo_type not in _REPO_TYPES:
            raise ValueError(
                "For large uploads, `repo_type` is explicitly required. Please set it to `model`, `dataset` or"
                f" `space`. Got {repo_type!r}."
            )
        branch = validate_revision(revision) if revision is not None else "main"
        folder = Path(folder_path).expanduser()
        if not folder.is_dir():
            raise ValueError(f"Provided path: '{folder}' is not a directory")
        if num_workers is not None and num_workers < 1:
            raise ValueError(f"`num_workers` must be at least 1, got {num_workers}.")
        files = scan_folder(folder, allow_patterns, ignore_patterns)
        check_recommended_limits(files)
        target = RepoTarget(repo_id=repo_id, repo_type=repo_type, revision=branch)
        await self._ensure_target(target, private)
        history = {c.commit_id async for c in self._paginate(ListRepoCommits(
            repo_id=repo_id, repo_type=repo_type, revision=branch))}
        journal = TrustedJournal(journal_path(folder, target, self.settings.endpoint))
        plan = build_large_folder_graph(
            target, files, journal=journal, history=history,
            max_files_per_commit=self.large_folder_files_per_commit,
            max_inline_bytes_per_commit=self.large_folder_inline_bytes_per_commit,
        )
        journal.distrusted.update(plan.distrusted)
        sinks: list[EventSink] = [] if self.on_event is None else [self.on_event]
        report = None
        if print_report:
            hash_sizes = {h.key: h.source.size for h in plan.hashes}
            commit_sizes = {key: (len(group), sum(f.source.size for f in group)) for key, group in plan.group_of.items()}
            skipped = [f for group in plan.skipped_groups for f in group]
            report = LargeFolderReport(
                total_files=len(files), total_bytes=sum(f.source.size for f in files), hash_sizes=hash_sizes,
                commit_sizes=commit_sizes, committed_files=len(skipped),
                committed_bytes=sum(f.source.size for f in skipped), every=print_report_every, out=sys.stdout,
            )
            sinks.append(report)
        if plan.commits:
            await run(plan.graph, self._workers_client(num_workers), on_event=_tee(sinks), journal=journal)
        if report is not None:
            report.print()

    async def _ensure_target(self, target: RepoTarget, private: bool | None) -> None:
        """Create the repo if missing; a named branch must already exist (nothing is written otherwise)."""
        if target.revision == "main":
            repos = cast("ReposMixin", self)
            await repos.create_repo(target.repo_id, repo_type=target.repo_type, private=private, exist_ok=True)
            return
        try:
            await self._run(RepoInfo(repo_id=target.repo_id, repo_type=target.repo_type, revision=target.revision))
        except RepositoryNotFoundError as err:
            err.append_to_message(
                f"\nupload_large_folder creates a missing repo only for the default branch, not for {target.revision!r}."
            )
            raise

    def _workers_client(self, num_workers: int | None) -> HubClient:
        """This facade's client with ``num_workers`` hash and transfer slots (sharing the connection pool)."""
        current = self.settings.limits
        if num_workers is None:  # huggingface_hub's default for hashing; transfers keep their limit
            limits = msgspec.structs.replace(current, hash=max((os.cpu_count() or 2) // 2, 1))
        else:
            limits = msgspec.structs.replace(current, hash=num_workers, transfer=num_workers)
        settings = msgspec.structs.replace(self.settings, limits=limits)
        return HubClient(settings, client=self.hub.client)
