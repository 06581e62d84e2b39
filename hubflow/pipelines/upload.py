"""The upload pipeline as a graph: hash → upload mode → LFS batch + transfers → commit(s).

``build_upload_graph`` lays out, for each commit group::

    HashBatch | HashFile xN ──▶ FetchUploadModes (≤256 files, after ITS hashes) ──▶ UploadsDone ──▶ Commit
                              └─ adds at run time: LfsBatch ─▶ UploadLfsObject | UploadLfsPart… ─▶ CompleteLfsMultipart
                                                                  (all before UploadsDone)

so transfers start while other files are still hashing (a file above ``INLINE_SIZE_HINT`` has a
preupload batch of its own: its upload starts as soon as it is hashed), small files are hashed
together (``HashBatch``, one worker-thread call per preupload batch) — or, with
``sample_small_files`` (``upload_folder``), only sampled (``SampleBatch``: size and first 512
bytes, all the preupload call needs), since a small file the Hub stores inline is sent whole
anyway and needs no hash — and the commit waits only for its own group. Large uploads are split
into groups of at most ``max_files_per_commit`` files and
``max_inline_bytes_per_commit`` bytes of possibly-inline content (files up to
``INLINE_SIZE_HINT``, since the Hub sends larger ones to LFS whatever their type; a small binary
file still counts, which can only make groups smaller). Commits run one after the other:
the first carries the deletions, copies and ``parent_commit``; later ones are titled
``"<message> (part N)"``.

Issue #4's ``upload_large_folder`` reuses the nodes and this builder with a ``Journal``: hashes
and transfers are journaled by content, so a resumed run skips them.

```python
plan = build_upload_graph(RepoTarget(repo_id="alice/m"), additions=[FileToUpload(...)],
                          commit_message="Upload")
results = await run(plan.graph, hub)
results[plan.commits[-1]].oid
```
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from hubflow.graph import Graph
from hubflow.tasks.commits import Commit, CopySpec, DeleteSpec, PreuploadedFile
from hubflow.tasks.hashing import BATCH_HASH_SIZE, HashBatch, HashFile, SampleBatch, SampleFile
from hubflow.tasks.lfs import PREUPLOAD_BATCH_SIZE, FetchUploadModes, FileToUpload, RepoTarget, UploadsDone

__all__ = [
    "INLINE_SIZE_HINT",
    "MAX_FILES_PER_COMMIT",
    "MAX_INLINE_BYTES_PER_COMMIT",
    "UploadPlan",
    "build_upload_graph",
    "preupload_batches",
    "split_into_commits",
]

MAX_FILES_PER_COMMIT = 1000
MAX_INLINE_BYTES_PER_COMMIT = 100 * 1024 * 1024
INLINE_SIZE_HINT = 10 * 1024 * 1024
LocalNode = HashFile | HashBatch | SampleFile | SampleBatch
"""A node that reads local files before the preupload call: hashes them, or only samples them."""


class UploadPlan(msgspec.Struct, kw_only=True):
    """What ``build_upload_graph`` built: the graph and its nodes by role."""

    graph: Graph
    hashes: list[LocalNode]
    modes: list[FetchUploadModes]
    barriers: list[UploadsDone]
    commits: list[Commit]


def split_into_commits(
    additions: Sequence[FileToUpload],
    max_files: int = MAX_FILES_PER_COMMIT,
    max_inline_bytes: int = MAX_INLINE_BYTES_PER_COMMIT,
) -> list[list[FileToUpload]]:
    """Group additions (in order) into commits of bounded file count and inline bytes.

    ```python
    len(split_into_commits(files, max_files=2))  # ceil(len(files) / 2)
    ```
    """
    groups: list[list[FileToUpload]] = [[]]
    inline = 0
    for addition in additions:
        size = addition.source.size if addition.source.size <= INLINE_SIZE_HINT else 0
        current = groups[-1]
        if current and (len(current) >= max_files or inline + size > max_inline_bytes):
            groups.append([])
            inline = 0
        groups[-1].append(addition)
        inline += size
    return groups


def preupload_batches(files: Sequence[FileToUpload]) -> list[list[FileToUpload]]:
    """Files in preupload batches: a batch of its own for each file above ``INLINE_SIZE_HINT``
    (its LFS transfer starts as soon as IT is hashed), the others by ``PREUPLOAD_BATCH_SIZE``.

    ```python
    [len(b) for b in preupload_batches(files)]  # e.g. [1, 1, 256, 44]
    ```
    """
    large = [[f] for f in files if f.source.size > INLINE_SIZE_HINT]
    rest = [f for f in files if f.source.size <= INLINE_SIZE_HINT]
    return large + [rest[i : i + PREUPLOAD_BATCH_SIZE] for i in range(0, len(rest), PREUPLOAD_BATCH_SIZE)]


def _hash_nodes(graph: Graph, files: Sequence[FileToUpload], sample_small: bool) -> list[LocalNode]:
    """One ``HashBatch`` (``SampleBatch`` if ``sample_small``) for the batch's small files (≤ ``BATCH_HASH_SIZE``),
    a ``HashFile`` per larger one."""
    small = list(dict.fromkeys(f.source for f in files if f.source.size <= BATCH_HASH_SIZE))
    batch, single = (SampleBatch, SampleFile) if sample_small else (HashBatch, HashFile)
    nodes: list[LocalNode] = []
    if len(small) > 1:
        nodes.append(graph.add(batch(sources=small)))
    else:
        nodes.extend(graph.add(single(source=source)) for source in small)
    large = dict.fromkeys(f.source for f in files if f.source.size > BATCH_HASH_SIZE)
    nodes.extend(graph.add(HashFile(source=source)) for source in large)
    return nodes


def build_upload_graph(
    target: RepoTarget,
    *,
    additions: Sequence[FileToUpload] = (),
    deletions: Sequence[DeleteSpec] = (),
    copies: Sequence[CopySpec] = (),
    preuploaded: Sequence[PreuploadedFile] = (),
    commit_message: str = "Upload files with hubflow",
    commit_description: str = "",
    parent_commit: str | None = None,
    git_ignore: str | None = None,
    token: str | bool | None = None,
    max_files_per_commit: int = MAX_FILES_PER_COMMIT,
    max_inline_bytes_per_commit: int = MAX_INLINE_BYTES_PER_COMMIT,
    commit: bool = True,
    sample_small_files: bool = False,
    graph: Graph | None = None,
) -> UploadPlan:
    """Build (or extend ``graph`` with) the upload graph; see the module docstring.

    ``commit=False`` stops after the LFS transfers (``preupload_lfs_files``). ``HashFile`` nodes
    carry no token (they are local work), so equal files are hashed once per graph.
    ``sample_small_files``: small files are only sampled (``SampleBatch``), not hashed, before the
    preupload call; the ones stored inline are read once more by the commit and never hashed unless
    a remote file at their path must be compared (the operations then carry no ``upload_info``).

    ```python
    plan = build_upload_graph(target, additions=files, commit_message="Add", max_files_per_commit=100)
    ```
    """
    graph = graph if graph is not None else Graph()
    plan = UploadPlan(graph=graph, hashes=[], modes=[], barriers=[], commits=[])
    groups = split_into_commits(additions, max_files_per_commit, max_inline_bytes_per_commit)
    previous: Commit | None = None
    hashed_keys: set[str] = set()
    for index, group in enumerate(groups):
        barrier = graph.add(UploadsDone(target=target, group=index))
        plan.barriers.append(barrier)
        batches: list[FetchUploadModes] = []
        for files in preupload_batches(group):
            hashed = _hash_nodes(graph, files, sample_small_files)
            for hash_node in hashed:  # equal sources are one node: list it once (a set, not an O(n²) scan)
                if hash_node.key not in hashed_keys:
                    hashed_keys.add(hash_node.key)
                    plan.hashes.append(hash_node)
            modes = graph.add(
                FetchUploadModes(target=target, files=list(files), barrier=barrier, git_ignore=git_ignore, token=token),
                after=hashed,
            )
            graph.add_edge(modes, barrier)
            batches.append(modes)
        plan.modes.extend(batches)
        if not commit:
            continue
        first = index == 0
        node = Commit(
            target=target,
            commit_message=commit_message,
            commit_description=commit_description,
            parent_commit=parent_commit if first else None,
            additions=list(group),
            mode_batches=batches,
            deletions=list(deletions) if first else [],
            copies=list(copies) if first else [],
            preuploaded=list(preuploaded) if first else [],
            part=index + 1,
            token=token,
        )
        added = graph.add(node, after=[barrier] if previous is None else [barrier, previous])
        plan.commits.append(added)
        previous = added
    return plan
