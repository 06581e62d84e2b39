"""``Journal``: an append-only record of finished nodes, so a rerun skips them.

One JSON line per finished node: ``{"key": ..., "kind": ..., "result": <msgspec encoding>}``.
Each record is written, flushed and fsynced before the executor reports the node finished, so
after a crash or ``kill -9`` every node reported done is in the file. A torn last line (the
process died mid-write) is ignored on load and cut off before the next append.

```python
journal = Journal(cache_dir / ".hubflow" / "upload-alice-x.journal")
await run(graph, hub, journal=journal)   # a second run skips what the first finished
```
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import msgspec

from hubflow.tasks._base import Task, result_type_of

__all__ = ["Journal"]


class _Record(msgspec.Struct, kw_only=True):
    key: str
    kind: str
    result: msgspec.Raw


class Journal:
    """Finished node keys and their results, in a file at ``path`` (created on first write).

    Only nodes whose class sets ``journaled = True`` are recorded (hashes, transfers, commits):
    reads of Hub state are cheap and must not be served stale.

    ```python
    journal = Journal("upload.journal")
    await run(plan.graph, settings, journal=journal)   # after a crash, run it again:
    await run(plan.graph, settings, journal=journal)   # finished hashes/uploads/commits are skipped
    ```
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._records: dict[str, msgspec.Raw] = {}
        self._lock = anyio.Lock()
        self._loaded = False
        self._valid_size = 0
        # Group commit: records queued while a write is in progress share the next write + fsync.
        self._pending: list[bytes] = []
        self._queued = 0
        self._durable = 0

    def load(self) -> None:
        """Read the file (idempotent). Unparseable lines — a torn tail — are ignored."""
        if self._loaded:
            return
        self._loaded = True
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        decoder = msgspec.json.Decoder(_Record)
        offset = 0
        for line in data.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break  # torn: the writer died before the newline
            try:
                record = decoder.decode(line)
            except msgspec.DecodeError:
                break
            self._records[record.key] = record.result
            offset += len(line)
        self._valid_size = offset

    def __contains__(self, task: object) -> bool:
        self.load()
        return isinstance(task, Task) and task.key in self._records

    def __len__(self) -> int:
        self.load()
        return len(self._records)

    def result(self, task: Task[Any]) -> Any:
        """The recorded result of ``task``, decoded to its ``Task[T]`` type."""
        self.load()
        raw = self._records[task.key]
        return msgspec.json.decode(raw, type=result_type_of(type(task)))

    async def record(self, task: Task[Any], result: Any) -> None:
        """Append ``task``'s result durably (write, flush, fsync) in a worker thread.

        Records arriving while another write is in flight are written together by the next
        one (one fsync for many nodes); each call returns only once its own line is durable.
        """
        self.load()
        line = msgspec.json.encode(
            _Record(key=task.key, kind=task.kind, result=msgspec.Raw(msgspec.json.encode(result)))
        )
        self._pending.append(line + b"\n")
        self._queued += 1
        ticket = self._queued
        async with self._lock:
            if self._durable < ticket:  # not yet written by an earlier holder of the lock
                lines, self._pending, upto = self._pending, [], self._queued
                # Shielded: once started, a write is either complete or the process died.
                with anyio.CancelScope(shield=True):
                    try:
                        await anyio.to_thread.run_sync(self._append, b"".join(lines))
                    except BaseException:
                        self._pending[:0] = lines  # not durable: the next holder retries them
                        raise
                self._durable = upto
            self._records[task.key] = msgspec.Raw(msgspec.json.encode(result))

    def _append(self, line: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as handle:
            if handle.tell() > self._valid_size:
                handle.truncate(self._valid_size)  # drop a torn tail left by a killed writer
                handle.seek(self._valid_size)
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
            self._valid_size = handle.tell()
