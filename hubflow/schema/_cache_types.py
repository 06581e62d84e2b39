"""`HfFileMetadata`: what the `HEAD` on a resolve URL says about a file.

Built from response headers (`X-Repo-Commit`, `X-Linked-Etag`/`ETag`, `Location`,
`X-Linked-Size`/`Content-Length`), not from JSON.

```python
meta = HfFileMetadata(commit_hash=sha, etag=etag, location=url, size=519)
```
"""

from __future__ import annotations

import msgspec

__all__ = ["HfFileMetadata", "XetFileData"]


class XetFileData(msgspec.Struct, frozen=True, kw_only=True):
    """Xet facts of a file (`X-Xet-Hash` and the token refresh route)."""

    file_hash: str
    refresh_route: str


class HfFileMetadata(msgspec.Struct, frozen=True, kw_only=True):
    """Metadata of a file on the Hub: `commit_hash`, `etag`, `location`, `size`, `xet_file_data`.

    ```python
    HfFileMetadata(commit_hash="3b41...", etag="a3f1...", location="http://h/a/m/resolve/main/x", size=3)
    ```
    """

    commit_hash: str | None
    etag: str | None
    location: str
    size: int | None
    xet_file_data: XetFileData | None = None
