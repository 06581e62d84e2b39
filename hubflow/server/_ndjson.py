"""The commit NDJSON body: typed line values and a parser fed with batches of whole lines.

Each line is ``{"key": ..., "value": {...}}``. The common line, an inline base64 file, is decoded
in one msgspec pass (content as a str), its content by pybase64 (SIMD; strict: padding required, no
whitespace) and becomes a git blob (sha1 computed) right away. Any other line is decoded in two: the
key with the value kept raw, then the value into the Struct of its kind. Lines are decoded from
slices of the batch, never copied out of it. Once a commit has more than ``PACK_THRESHOLD`` blobs,
they go to the commit's pack as they are parsed (the ones held so far first; a thread of the pack's
own frames and writes them) and only their ids are kept, so a parser fed from worker threads while
the body is still arriving leaves only the trees, the commit object and the last pack's seal and
indexes to write at the end. The packs stay temporary files until the commit finishes them;
``close`` removes unfinished ones.

```python
parser = CommitParser(hub, row)
parser.feed(b'{"key": "header", "value": {"summary": "Add a"}}\\n', first_line=1)
header, ops, lfs_used = parser.finish()
# or, from a request body as it arrives: await parse_stream(parser, chunks)
git.commit(ref, ops, message, author=user, pack=parser.pack)  # then, in any case: parser.close()
```
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import anyio
import anyio.to_thread
import msgspec
import pybase64
from anyio.abc import ObjectSendStream
from dulwich.object_store import DiskObjectStore
from dulwich.objects import Blob

from hubflow.server._db import RepoRow
from hubflow.server._errors import HubError, bad_request
from hubflow.server._gitstore import (
    PACK_THRESHOLD,
    AddBlob,
    DeleteFile,
    DeleteFolder,
    Operation,
    lfs_pointer,
    parse_pointer,
)
from hubflow.server._hub import Hub
from hubflow.server._pack import PackWriter
from hubflow.server._paths import clean_path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_BLANK = b" \t\r\f\v"


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


class _FileLine(msgspec.Struct):
    # The common line decoded in one pass; any other key (or a bad value) falls back to _Line.
    key: Literal["file"]
    value: FileValue


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
_FILE_LINE = msgspec.json.Decoder(_FileLine)
_OBJECT = msgspec.json.Decoder(dict[str, Any])
_VALUES: dict[str, msgspec.json.Decoder[Any]] = {
    "header": msgspec.json.Decoder(CommitHeader),
    "file": msgspec.json.Decoder(FileValue),
    "lfsFile": msgspec.json.Decoder(LfsFileValue),
    "deletedFile": msgspec.json.Decoder(DeletedValue),
    "deletedFolder": msgspec.json.Decoder(DeletedValue),
}
LfsUse = tuple[str, str, int]  # (path, oid, size)
_BATCH = 1024 * 1024  # lines handed to a worker thread at a time (~16 of the server's 64 KiB body chunks)
_QUEUED = 4  # batches received but not parsed yet: bounds memory when parsing is slower than the network


class CommitParser:
    """Collects the operations of one commit from batches of NDJSON lines, checking each line.

    ``feed`` may run in a worker thread; batches must be fed in order (line numbers in errors
    count every line, blank ones included, from 1). Past ``pack_after`` blobs, blobs go to
    ``self.pack`` (an unfinished ``PackWriter``) as they are parsed; call ``close`` when done.
    ``body_size`` (the body's ``Content-Length``) lets the pack seal its tail apart (``TAIL_BYTES``).
    """

    def __init__(
        self, hub: Hub, row: RepoRow, *, pack_after: int = PACK_THRESHOLD, body_size: int | None = None
    ) -> None:
        self.hub, self.row = hub, row
        self.body_left = body_size
        """Bytes of the body not fed yet (from its ``Content-Length``; None: unknown)."""
        self.header: CommitHeader | None = None
        self.ops: list[Operation] = []
        self.lfs_used: list[LfsUse] = []
        self.pack: PackWriter | None = None
        self._pack_after = pack_after
        self._held: list[int] = []  # indexes in ops of the blobs kept in memory until the pack opens

    def feed(self, data: bytes, first_line: int) -> int:
        """Parse whole lines (``\\n``-separated; a trailing ``\\r`` is ignored); raise HubError(400) on the first bad one.

        Returns the number of line breaks in ``data`` (the next batch's first line is ``first_line`` plus it).
        Lines are decoded from slices of ``data`` (no copy of the batch).
        """
        view = memoryview(data)
        if self.body_left is not None:
            self.body_left = max(0, self.body_left - len(data))
        start, n = 0, first_line
        while True:
            end = data.find(b"\n", start)
            stop = len(data) if end < 0 else end
            # Blank lines are skipped: only a line starting with whitespace needs the (copying) check.
            if stop > start and not (data[start] in _BLANK and data[start:stop].isspace()):
                self._line(view[start:stop], n)
            if end < 0:
                if self.pack is not None:  # this batch's blobs on disk before the next arrives
                    self.pack.flush(left=self.body_left)
                return n - first_line
            start, n = end + 1, n + 1

    def _line(self, line: memoryview, n: int) -> None:
        try:  # the common line, an inline file, in one pass
            file = _FILE_LINE.decode(line)
        except msgspec.DecodeError:  # another key, or an error: the general path says which
            pass
        else:
            self._file(file.value)
            return
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
            try:  # SIMD: ~7x faster than binascii (or msgspec reading the string as bytes)
                data = pybase64.b64decode(value.content, validate=True)
            except ValueError:  # binascii.Error, or a non-ASCII string
                raise bad_request(f"Invalid base64 content for {path}") from None
        else:
            data = value.content.encode()
        self._file_data(path, data)

    def _file_data(self, path: str, data: bytes) -> None:
        # A pointer committed as a regular file is served as an LFS file: same rule as lfsFile
        # (otherwise knowing a sha256 would read another repo's object).
        if (pointer := parse_pointer(data)) is not None and not self.hub.lfs_linked(self.row.id, *pointer):
            raise bad_request(f"{path} is an LFS pointer to an object that was not uploaded to this repo")
        self._add(path, data)

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
        self._add(path, lfs_pointer(oid, known))
        self.lfs_used.append((path, oid, known))

    def _add(self, path: str, data: bytes) -> None:
        # The sha1 is computed here, in the parsing thread, not under the repo lock.
        blob = Blob.from_string(data)
        if self.pack is not None:
            self.pack.add(blob)
            self.ops.append(AddBlob(path, b"", oid=blob.id))
            return
        self.ops.append(AddBlob(path, data, blob=blob))
        self._held.append(len(self.ops) - 1)
        if len(self._held) > self._pack_after:
            self._open_pack()

    def _open_pack(self) -> None:
        git = self.hub.open_git(self.row)
        try:
            store = git.repo.object_store
            assert isinstance(store, DiskObjectStore)
            self.pack = pack = PackWriter(store, background=True)  # framing and writes overlap parsing
        finally:
            git.close()
        for i in self._held:
            op = self.ops[i]
            assert isinstance(op, AddBlob) and op.blob is not None
            pack.add(op.blob)
            self.ops[i] = AddBlob(op.path, b"", oid=op.blob.id)
        self._held = []

    def close(self) -> None:
        """Remove the pack if the commit did not finish it (a bad line, a disconnect, a 412...)."""
        if self.pack is not None:
            self.pack.abort()

    def finish(self) -> tuple[CommitHeader, list[Operation], list[LfsUse]]:
        """The header, the operations in order and the LFS objects used; 400 without a header line."""
        if self.header is None:
            raise bad_request("The commit has no header line")
        return self.header, self.ops, self.lfs_used


async def parse_stream(parser: CommitParser, chunks: AsyncIterator[bytes]) -> None:
    """Feed a body to ``parser`` in batches of whole lines, parsed in a worker thread while the next arrive.

    The first bad line stops the parsing, but the rest of the body is still read (and dropped) so
    the client, still sending, gets the 400 rather than a reset connection; its error is raised at
    the end. An error of ``chunks`` itself (413, a disconnect) is raised as it is.

    Example: ``await parse_stream(CommitParser(hub, row), Router.body_chunks(request, limit))``.
    """
    failed: HubError | None = None
    received: BaseException | None = None
    send, receive = anyio.create_memory_object_stream[bytes](max_buffer_size=_QUEUED)

    async def parse_batches() -> None:
        nonlocal failed
        line = 1
        async with receive:
            async for data in receive:
                if failed is None and received is None:
                    try:
                        line += await anyio.to_thread.run_sync(parser.feed, data, line)
                    except HubError as e:
                        failed = e

    async with anyio.create_task_group() as tg:
        tg.start_soon(parse_batches)
        async with send:
            try:
                await _send_batches(chunks, send, lambda: failed is not None)
            except Exception as e:  # re-raised below, outside the task group (no ExceptionGroup)
                received = e
    if received is not None:
        raise received
    if failed is not None:
        raise failed


async def _send_batches(
    chunks: AsyncIterator[bytes], send: ObjectSendStream[bytes], stop: Callable[[], bool]
) -> None:
    # Runs on the event loop, which also receives the body: one copy per byte (the join) and a scan
    # of the last chunk only; lines are split and counted in the parsing thread.
    pending: list[bytes] = []
    size = 0
    async for chunk in chunks:
        if stop():  # a line was bad: drain the body without keeping it
            pending, size = [], 0
            continue
        pending.append(chunk)
        size += len(chunk)
        if size < _BATCH:
            continue
        # Only a chunk holding a newline can complete a line: a long line (a large inline file) is
        # joined once when it ends, not once per chunk.
        cut = chunk.rfind(b"\n") + 1
        if not cut:
            continue
        rest = chunk[cut:]
        pending[-1] = chunk[:cut] if rest else chunk
        await send.send(b"".join(pending))
        pending, size = ([rest], len(rest)) if rest else ([], 0)
    if pending and not stop():
        await send.send(b"".join(pending))
