"""``upload_large_folder`` as a graph: the upload nodes, a journal next to the data, bounded commits.

The folder is split into commit groups (``split_into_commits``: at most ``max_files_per_commit``
files and ``max_inline_bytes_per_commit`` bytes of possibly-inline content each). Every group is
the upload pipeline of ``hubflow.pipelines.upload``::

    HashFile xN ─▶ FetchUploadModes ─▶ [LfsBatch ─▶ UploadLfsObject | UploadLfsPart… ─▶ Complete] ─▶ UploadsDone ─▶ Commit
                                                                                 previous group's Commit ──┘

and the commits are chained, so they land one at a time while later groups hash and upload.

**Resumption.** The run's ``Journal`` lives at
``<folder>/.cache/huggingface/upload/hubflow-<target digest>.journal`` (``.cache/`` is never
uploaded). Hashes (keyed by path, size, mtime_ns and inode), LFS transfers and parts (keyed by
content, never by the signed URLs) and commits are recorded after they finished — a commit only
after the server accepted it. A rerun of the same call:

* leaves out every group whose ``Commit`` is journaled *and* whose commit is still in the
  branch's history (a journal older than a re-created repo is not trusted);
* skips every journaled hash and transfer;
* for a commit the server applied just before a ``kill -9`` (accepted, not yet journaled), the
  preupload answer reports the remote oids equal to the local ones, so the ``Commit`` node has
  nothing left to send and makes no second commit.

```python
target = RepoTarget(repo_id="alice/big", repo_type="dataset")
files = scan_folder(Path("data"))
plan = build_large_folder_graph(target, files, journal=journal)
await run(plan.graph, hub, journal=journal)
```
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path, PurePosixPath

import msgspec

from hubflow.graph import Graph, Journal
from hubflow.pipelines._upload_folder import list_local_files
from hubflow.pipelines.upload import split_into_commits
from hubflow.tasks._base import Task
from hubflow.tasks.commits import Commit
from hubflow.tasks.hashing import HashFile, Source
from hubflow.tasks.lfs import PREUPLOAD_BATCH_SIZE, FetchUploadModes, FileToUpload, RepoTarget, UploadsDone

__all__ = [
    "JOURNAL_DIR",
    "LARGE_FOLDER_COMMIT_MESSAGE",
    "LARGE_FOLDER_FILES_PER_COMMIT",
    "LARGE_FOLDER_INLINE_BYTES_PER_COMMIT",
    "LargeFolderPlan",
    "LargeFolderWarning",
    "TrustedJournal",
    "build_large_folder_graph",
    "check_recommended_limits",
    "journal_path",
    "scan_folder",
]

JOURNAL_DIR = PurePosixPath(".cache/huggingface/upload")
LARGE_FOLDER_COMMIT_MESSAGE = "Add files using upload-large-folder tool"
LARGE_FOLDER_FILES_PER_COMMIT = 100
LARGE_FOLDER_INLINE_BYTES_PER_COMMIT = 50 * 1024 * 1024

# The Hub's recommendations (https://huggingface.co/docs/hub/storage-limits).
MAX_RECOMMENDED_FILES = 100_000
MAX_RECOMMENDED_FILES_PER_FOLDER = 10_000
RECOMMENDED_FILE_SIZE = 20 * 1000**3
MAX_FILE_SIZE = 50 * 1000**3


class LargeFolderWarning(UserWarning):
    """The folder exceeds one of the Hub's recommended limits (files, files per folder, file size).

    ```python
    warnings.simplefilter("error", LargeFolderWarning)   # refuse instead of warning
    api.upload_large_folder("alice/big", "big_folder", repo_type="dataset")
    ```
    """


class LargeFolderPlan(msgspec.Struct, kw_only=True):
    """What ``build_large_folder_graph`` built.

    ``commits`` are the commit nodes still to run (in order); ``skipped_groups`` holds the files of
    the groups a previous run committed; ``group_of`` maps a commit key to its files;
    ``distrusted`` the keys of journaled commits missing from the branch (see ``TrustedJournal``).
    """

    graph: Graph
    hashes: list[HashFile]
    commits: list[Commit]
    skipped_groups: list[list[FileToUpload]]
    group_of: dict[str, list[FileToUpload]]
    distrusted: set[str] = msgspec.field(default_factory=set)


def journal_path(folder: str | os.PathLike[str], target: RepoTarget, endpoint: str) -> Path:
    """Where the journal of uploading ``folder`` to ``target`` on ``endpoint`` lives.

    ```python
    journal_path("data", RepoTarget(repo_id="alice/big"), "https://huggingface.co")
    # data/.cache/huggingface/upload/hubflow-<16 hex>.journal
    ```
    """
    identity = "\0".join([endpoint.rstrip("/"), target.repo_type, target.repo_id, target.revision])
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return Path(folder) / JOURNAL_DIR / f"hubflow-{digest}.journal"


def scan_folder(
    folder: Path, allow_patterns: list[str] | str | None = None, ignore_patterns: list[str] | str | None = None
) -> list[FileToUpload]:
    """The files to upload (``upload_folder``'s rules: ``.git``/``.cache`` skipped, symlink policy).

    Each ``Source`` carries size, mtime_ns and inode: a file edited or replaced between two runs
    gets a new identity and is hashed again; an unchanged one is not.

    ```python
    files = scan_folder(Path("data"), ignore_patterns="*.tmp")
    ```
    """
    found: list[FileToUpload] = []
    for relative, path in list_local_files(folder, allow_patterns, ignore_patterns):
        resolved = path.resolve()  # a followed symlink is identified by its target
        stat = resolved.stat()
        source = Source(path=str(resolved), size=stat.st_size, mtime_ns=stat.st_mtime_ns, inode=stat.st_ino)
        found.append(FileToUpload(path_in_repo=relative, source=source))
    return found


def check_recommended_limits(files: Sequence[FileToUpload]) -> list[str]:
    """Warn (``LargeFolderWarning``) past the Hub's recommended limits; returns the messages.

    Limits: 100,000 files per repo, 10,000 entries per folder, 20 GB per file (50 GB maximum).

    ```python
    with warnings.catch_warnings(record=True):
        check_recommended_limits(files)
    ```
    """
    messages: list[str] = []
    if len(files) > MAX_RECOMMENDED_FILES:
        messages.append(f"The folder has {len(files)} files: more than the recommended {MAX_RECOMMENDED_FILES} per repo.")
    per_folder: Counter[str] = Counter()
    for file in files:
        parts = PurePosixPath(file.path_in_repo).parts
        per_folder[str(PurePosixPath(*parts[:-1])) if len(parts) > 1 else "."] += 1
        for depth in range(1, len(parts) - 1):  # a subfolder is an entry of its parent
            per_folder.setdefault(str(PurePosixPath(*parts[:depth])), 0)
    for name, count in sorted(per_folder.items()):
        if count > MAX_RECOMMENDED_FILES_PER_FOLDER:
            messages.append(f"Folder '{name}' has {count} entries: more than the recommended "
                            f"{MAX_RECOMMENDED_FILES_PER_FOLDER} per folder.")
    for file in files:
        if file.source.size > MAX_FILE_SIZE:
            messages.append(f"'{file.path_in_repo}' is {file.source.size} bytes: larger than the Hub's maximum "
                            f"of {MAX_FILE_SIZE} bytes (50 GB) per file; the upload will be refused.")
        elif file.source.size > RECOMMENDED_FILE_SIZE:
            messages.append(f"'{file.path_in_repo}' is {file.source.size} bytes: larger than the recommended "
                            f"{RECOMMENDED_FILE_SIZE} bytes (20 GB) per file.")
    for message in messages:
        warnings.warn(message, LargeFolderWarning, stacklevel=3)
    return messages


def build_large_folder_graph(
    target: RepoTarget,
    files: Sequence[FileToUpload],
    *,
    journal: Journal | None = None,
    history: Collection[str] | None = None,
    commit_message: str = LARGE_FOLDER_COMMIT_MESSAGE,
    max_files_per_commit: int = LARGE_FOLDER_FILES_PER_COMMIT,
    max_inline_bytes_per_commit: int = LARGE_FOLDER_INLINE_BYTES_PER_COMMIT,
    token: str | bool | None = None,
) -> LargeFolderPlan:
    """Build the graph of the groups still to commit; see the module docstring.

    ``history`` is the set of commit ids of the target branch: a journaled commit whose id is
    not in it is not trusted (its group runs again; unchanged files are then left out by the
    preupload oids). ``None`` trusts the journal.

    ```python
    plan = build_large_folder_graph(target, files, journal=journal, history=commit_ids)
    len(plan.commits), len(plan.skipped_groups)
    ```
    """
    graph = Graph()
    plan = LargeFolderPlan(graph=graph, hashes=[], commits=[], skipped_groups=[], group_of={})
    previous: Commit | None = None
    for index, group in enumerate(split_into_commits(files, max_files_per_commit, max_inline_bytes_per_commit)):
        barrier = UploadsDone(target=target, group=index)
        batches = [
            FetchUploadModes(target=target, files=group[start : start + PREUPLOAD_BATCH_SIZE], barrier=barrier,
                             token=token)
            for start in range(0, len(group), PREUPLOAD_BATCH_SIZE)
        ]
        # part=1: every commit keeps huggingface_hub's exact title (no " (part N)").
        commit = Commit(target=target, commit_message=commit_message, additions=list(group), mode_batches=batches,
                        part=1, token=token)
        if journal is not None and commit in journal:
            if history is None or journal.result(commit).oid in history:
                plan.skipped_groups.append(list(group))
                continue
            plan.distrusted.add(commit.key)
        graph.add(barrier)
        for batch in batches:
            hashed = [graph.add(HashFile(source=f.source)) for f in batch.files]
            plan.hashes.extend(hashed)
            graph.add(batch, after=hashed)
            graph.add_edge(batch, barrier)
        graph.add(commit, after=[barrier] if previous is None else [barrier, previous])
        plan.commits.append(commit)
        plan.group_of[commit.key] = list(group)
        previous = commit
    return plan


class TrustedJournal(Journal):
    """A ``Journal`` that ignores the records of ``distrusted`` node keys (stale commits).

    ```python
    journal = TrustedJournal(path, distrusted=plan.distrusted)
    stale_commit in journal  # False: the executor runs it again
    ```
    """

    def __init__(self, path: str | os.PathLike[str], distrusted: Collection[str] = ()) -> None:
        super().__init__(path)
        self.distrusted = set(distrusted)

    def __contains__(self, task: object) -> bool:
        return isinstance(task, Task) and task.key not in self.distrusted and super().__contains__(task)


