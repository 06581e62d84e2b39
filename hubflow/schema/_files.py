"""Tree entries: `RepoFile` and `RepoFolder` (a tagged union on `type`), with their parts.

Returned by `GET /api/{T}/{R}/tree/{rev}[/{path}]` and `POST /api/{T}/{R}/paths-info/{rev}`.
Decode a page as `list[RepoTreeEntry]`:

```python
entries = msgspec.json.decode(body, type=list[RepoTreeEntry])
files = [e for e in entries if isinstance(e, RepoFile)]
```

The Hub sends `"type": "file"` or `"type": "directory"`; huggingface_hub treats any non-file as a
folder, msgspec's tagged union accepts exactly these two tags.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hubflow.schema._base import DictAccess, Wire
from hubflow.schema._repos import BlobLfsInfo

__all__ = ["BlobSecurityInfo", "LastCommitInfo", "RepoFile", "RepoFolder", "RepoTreeEntry", "TreeLfsInfo"]


class LastCommitInfo(Wire, DictAccess, frozen=True):
    """Last commit touching a tree entry (`lastCommit: {"id", "title", "date"}`).

    ```python
    LastCommitInfo(oid="3b41...", title="Add files", date=datetime(2024, 1, 1))
    ```
    """

    oid: str = msgspec.field(name="id")
    title: str
    date: datetime


class BlobSecurityInfo(Wire, DictAccess, frozen=True):
    """Security scan of a file (`securityFileStatus`); `safe` is `status == "safe"`.

    ```python
    BlobSecurityInfo(status="safe").safe  # True
    ```
    """

    status: str
    av_scan: dict[str, Any] | None = None
    pickle_import_scan: dict[str, Any] | None = None

    @property
    def safe(self) -> bool:
        """Whether the scan status is `"safe"`."""
        return self.status == "safe"


class TreeLfsInfo(BlobLfsInfo, frozen=True):
    """`BlobLfsInfo` as sent in tree entries: the sha256 arrives under the key `oid`.

    ```python
    msgspec.json.decode(b'{"oid": "ab", "size": 5, "pointerSize": 130}', type=TreeLfsInfo).sha256  # "ab"
    ```
    """

    sha256: str = msgspec.field(name="oid")


class RepoFile(Wire, tag_field="type", tag="file", frozen=True):
    """A file in a repository tree.

    ```python
    f = RepoFile(path="config.json", size=519, blob_id="a3f1...")
    assert f.rfilename == f.path
    ```
    """

    path: str
    size: int
    blob_id: str = msgspec.field(name="oid")
    lfs: TreeLfsInfo | None = None
    xet_hash: str | None = None
    last_commit: LastCommitInfo | None = None
    security: BlobSecurityInfo | None = msgspec.field(default=None, name="securityFileStatus")

    @property
    def rfilename(self) -> str:
        """Legacy alias of `path`."""
        return self.path

    @property
    def lastCommit(self) -> LastCommitInfo | None:
        """Legacy alias of `last_commit`."""
        return self.last_commit


class RepoFolder(Wire, tag_field="type", tag="directory", frozen=True):
    """A folder in a repository tree (`tree_id` is its git tree sha1).

    ```python
    RepoFolder(path="sub", tree_id="4b82...")
    ```
    """

    path: str
    tree_id: str = msgspec.field(name="oid")
    last_commit: LastCommitInfo | None = None


RepoTreeEntry = RepoFile | RepoFolder
"""One tree entry: decode pages as `list[RepoTreeEntry]`."""
