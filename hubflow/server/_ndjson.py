"""The commit NDJSON body: typed line values and a parser fed with batches of whole lines.

Each line is ``{"key": ..., "value": {...}}``. The key is decoded first with the value kept raw, then
the value is decoded into the Struct of its kind (msgspec, one pass each). Inline files are
base64-decoded (``binascii.a2b_base64`` in strict mode: no regex pass over the string) and become git
blobs (sha1 computed) right away, so a parser fed from worker threads while the body is still
arriving leaves only the tree building to do at the end.

```python
parser = CommitParser(hub, row)
parser.feed(b'{"key": "header", "value": {"summary": "Add a"}}\\n', first_line=1)
header, ops, lfs_used = parser.finish()
```
"""

from __future__ import annotations

import binascii
import re
from typing import Any

import msgspec
from dulwich.objects import Blob

from hubflow.server._db import RepoRow
from hubflow.server._errors import bad_request
from hubflow.server._gitstore import AddBlob, DeleteFile, DeleteFolder, Operation, lfs_pointer, parse_pointer
from hubflow.server._hub import Hub
from hubflow.server._paths import clean_path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class CommitHeader(msgspec.Struct):
    """The ``header`` line: the commit message and the optional expected parent."""

    summary: str | None = None
    description: str | None = None
    parent_commit: str | None = msgspec.field(default=None, name="parentCommit")


class FileValue(msgspec.Struct):
    """A ``file`` line: inline content (base64 unless another encoding is named)."""

    path: str = ""
    content: str = ""
    encoding: str = "base64"


class LfsFileValue(msgspec.Struct):
    """An ``lfsFile`` line: a reference to an object already in the LFS store."""

    path: str = ""
    oid: str = ""
    size: int | None = None


class DeletedValue(msgspec.Struct):
    """A ``deletedFile`` or ``deletedFolder`` line."""

    path: str = ""


class _Line(msgspec.Struct):
    key: Any  # any JSON value: an unknown key is reported with its repr, as before
    value: msgspec.Raw


_LINE = msgspec.json.Decoder(_Line)
_OBJECT = msgspec.json.Decoder(dict[str, Any])
_VALUES: dict[str, msgspec.json.Decoder[Any]] = {
    "header": msgspec.json.Decoder(CommitHeader),
    "file": msgspec.json.Decoder(FileValue),
    "lfsFile": msgspec.json.Decoder(LfsFileValue),
    "deletedFile": msgspec.json.Decoder(DeletedValue),
    "deletedFolder": msgspec.json.Decoder(DeletedValue),
}
LfsUse = tuple[str, str, int]  # (path, oid, size)


class CommitParser:
    """Collects the operations of one commit from batches of NDJSON lines, checking each line.

    ``feed`` may run in a worker thread; batches must be fed in order (line numbers in errors
    count every line, blank ones included, from 1).
    """

    def __init__(self, hub: Hub, row: RepoRow) -> None:
        self.hub, self.row = hub, row
        self.header: CommitHeader | None = None
        self.ops: list[Operation] = []
        self.lfs_used: list[LfsUse] = []

    def feed(self, data: bytes, first_line: int) -> None:
        """Parse whole lines (``\\n``-separated; a trailing ``\\r`` is ignored); raise HubError(400) on the first bad one."""
        for n, line in enumerate(data.split(b"\n"), start=first_line):
            if not line or line.isspace():
                continue
            self._line(line, n)

    def _line(self, line: bytes, n: int) -> None:
        try:
            item = _LINE.decode(line)
        except msgspec.DecodeError:  # not JSON, not an object, or no key/value
            raise bad_request(f"Invalid NDJSON line {n}") from None
        decoder = _VALUES.get(item.key) if isinstance(item.key, str) else None
        try:
            value = (decoder or _OBJECT).decode(item.value)
        except msgspec.DecodeError:  # not an object, or a field of the wrong type
            raise bad_request(f"Invalid value on line {n}") from None
        if isinstance(value, CommitHeader):
            self.header = value
        elif isinstance(value, FileValue):
            self._file(value)
        elif isinstance(value, LfsFileValue):
            self._lfs_file(value)
        elif isinstance(value, DeletedValue):
            folder = item.key == "deletedFolder"
            path = clean_path(value.path, folder=folder)
            self.ops.append(DeleteFolder(path) if folder else DeleteFile(path))
        else:
            raise bad_request(f"Unknown operation {item.key!r} on line {n}")

    def _file(self, value: FileValue) -> None:
        path = clean_path(value.path)
        if value.encoding == "base64":
            try:
                data = binascii.a2b_base64(value.content, strict_mode=True)
            except ValueError:  # binascii.Error, or a non-ASCII string
                raise bad_request(f"Invalid base64 content for {path}") from None
        else:
            data = value.content.encode()
        # A pointer committed as a regular file is served as an LFS file: same rule as lfsFile
        # (otherwise knowing a sha256 would read another repo's object).
        if (pointer := parse_pointer(data)) is not None and not self.hub.lfs_linked(self.row.id, *pointer):
            raise bad_request(f"{path} is an LFS pointer to an object that was not uploaded to this repo")
        blob = Blob.from_string(data)
        blob.id  # noqa: B018 -- the sha1 is computed here, in the parsing thread, not under the repo lock
        self.ops.append(AddBlob(path, data, blob=blob))

    def _lfs_file(self, value: LfsFileValue) -> None:
        path = clean_path(value.path)
        oid = value.oid.lower()
        if not _SHA256.match(oid):
            raise bad_request(f"Invalid LFS oid for {path}")
        known = self.hub.db.lfs_size(self.row.id, oid)
        if known is None or not self.hub.lfs.exists(oid, known):
            raise bad_request(f"LFS object {oid} for {path} was not uploaded to this repo")
        if value.size is not None and value.size != known:
            raise bad_request(f"Size mismatch for LFS object {oid}: {value.size} != {known}")
        self.ops.append(AddBlob(path, lfs_pointer(oid, known)))
        self.lfs_used.append((path, oid, known))

    def finish(self) -> tuple[CommitHeader, list[Operation], list[LfsUse]]:
        """The header, the operations in order and the LFS objects used; 400 without a header line."""
        if self.header is None:
            raise bad_request("The commit has no header line")
        return self.header, self.ops, self.lfs_used
