"""Composite graphs built from task nodes: the upload pipeline (more pipelines land here).

```python
from hubflow.pipelines import build_upload_graph
plan = build_upload_graph(RepoTarget(repo_id="alice/m"), additions=files, commit_message="Upload")
```
"""

from __future__ import annotations

from hubflow.pipelines._upload_folder import (
    filter_paths,
    list_local_files,
    list_local_paths,
    matching_deletions,
)
from hubflow.pipelines.upload import (
    INLINE_SIZE_HINT,
    MAX_FILES_PER_COMMIT,
    MAX_INLINE_BYTES_PER_COMMIT,
    UploadPlan,
    build_upload_graph,
    split_into_commits,
)

__all__ = [
    "INLINE_SIZE_HINT",
    "MAX_FILES_PER_COMMIT",
    "MAX_INLINE_BYTES_PER_COMMIT",
    "UploadPlan",
    "build_upload_graph",
    "filter_paths",
    "list_local_files",
    "list_local_paths",
    "matching_deletions",
    "split_into_commits",
]
