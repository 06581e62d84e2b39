"""LFS wire types: preupload, the Git LFS batch API, multipart completion, `LFSFileInfo`.

```python
req = LfsBatchRequest(operation="upload", objects=[LfsObject(oid=sha, size=n)], ref=LfsRef(name="main"))
body = msgspec.json.encode(req)
resp = msgspec.json.decode(answer, type=LfsBatchResponse)
```
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hubflow.schema._base import Wire

__all__ = [
    "LFSFileInfo",
    "LfsAction",
    "LfsActions",
    "LfsBatchRequest",
    "LfsBatchResponse",
    "LfsCompletePart",
    "LfsCompleteRequest",
    "LfsObject",
    "LfsObjectError",
    "LfsRef",
    "LfsResponseObject",
    "LfsVerifyRequest",
    "PreuploadFile",
    "PreuploadRequest",
    "PreuploadResponse",
    "PreuploadResult",
]


class PreuploadFile(Wire, frozen=True):
    """One file asked about in a preupload call: path, base64 of the first 512 bytes, size.

    ```python
    PreuploadFile(path="w.bin", sample=base64.b64encode(head).decode(), size=5000)
    ```
    """

    path: str
    sample: str
    size: int


class PreuploadRequest(Wire, frozen=True):
    """Body of `POST /api/{T}/{R}/preupload/{rev}` (≤ 256 files); `gitIgnore` only when committed.

    ```python
    msgspec.json.encode(PreuploadRequest(files=[...]))
    ```
    """

    files: list[PreuploadFile]
    git_ignore: str | msgspec.UnsetType = msgspec.UNSET
    git_attributes: str | msgspec.UnsetType = msgspec.UNSET


class PreuploadResult(Wire, frozen=True):
    """Upload mode of one file: `"lfs"` or `"regular"`, whether to ignore it, its current oid."""

    path: str
    upload_mode: str
    should_ignore: bool = False
    oid: str | None = None


class PreuploadResponse(Wire, frozen=True):
    """Answer of the preupload call: `{"files": [PreuploadResult, ...]}`."""

    files: list[PreuploadResult]


class LfsObject(Wire, frozen=True):
    """An object in a batch request (and a verify body): sha256 `oid` and `size`."""

    oid: str
    size: int


class LfsRef(Wire, frozen=True):
    """The branch an LFS batch is for (unquoted name)."""

    name: str


class LfsBatchRequest(Wire, rename=None, frozen=True):
    """Body of `POST {E}/{P}{R}.git/info/lfs/objects/batch` (note the snake_case `hash_algo`).

    `ref` is left out (UNSET) when uploading for a pull request.

    ```python
    LfsBatchRequest(operation="upload", objects=[LfsObject(oid=sha, size=5)], ref=LfsRef(name="main"))
    ```
    """

    operation: str
    objects: list[LfsObject]
    transfers: list[str] = msgspec.field(default_factory=lambda: ["basic", "multipart"])
    hash_algo: str = "sha256"
    ref: LfsRef | msgspec.UnsetType = msgspec.UNSET


class LfsAction(Wire, rename=None, frozen=True):
    """An action of a batch answer: `href` plus `header` (multipart: `chunk_size` and part URLs)."""

    href: str
    header: dict[str, Any] | None = None
    expires_in: int | None = None
    expires_at: str | None = None


class LfsActions(Wire, frozen=True):
    """`upload` and `verify` actions of one object; both absent when it is already stored."""

    upload: LfsAction | None = None
    verify: LfsAction | None = None


class LfsObjectError(Wire, frozen=True):
    """Per-object error of a batch answer."""

    code: int
    message: str


class LfsResponseObject(Wire, frozen=True):
    """One object of a batch answer.

    ```python
    if obj.error: raise ...
    elif obj.actions is None or obj.actions.upload is None: ...  # already stored
    ```
    """

    oid: str
    size: int
    actions: LfsActions | None = None
    error: LfsObjectError | None = None
    authenticated: bool | None = None


class LfsBatchResponse(Wire, frozen=True):
    """Answer of the batch call (`transfer` is informational)."""

    objects: list[LfsResponseObject]
    transfer: str | None = None


class LfsCompletePart(Wire, frozen=True):
    """One uploaded part: `{"partNumber": 1, "etag": "<ETag header verbatim>"}`."""

    part_number: int
    etag: str


class LfsCompleteRequest(Wire, frozen=True):
    """Body of the multipart completion `POST <upload href>`."""

    oid: str
    parts: list[LfsCompletePart]


class LfsVerifyRequest(Wire, frozen=True):
    """Body of the verify call: `{"oid", "size"}`."""

    oid: str
    size: int


class LFSFileInfo(Wire, frozen=True):
    """An LFS object stored in a repo (`GET /api/{T}/{R}/lfs-files`).

    ```python
    f = msgspec.json.decode(item, type=LFSFileInfo)
    f.file_oid, f.filename, f.pushed_at
    ```
    """

    file_oid: str
    filename: str
    oid: str
    pushed_at: datetime
    size: int
    ref: str | None = None
    xet_hash: str | None = None
