"""The periodic report of ``upload_large_folder``: a subscriber of the executor's event stream.

It counts files hashed / uploaded (LFS) / committed and their bytes from ``NodeProgress`` and
``NodeFinished`` events, and prints a block every ``every`` seconds (checked as events arrive)
and once at the end, in the spirit of huggingface_hub's report::

    ---------- 2025-01-01 12:00:00 (0:00:12) ----------
    Files:   hashed 306/306 (36.2M/36.2M) | uploaded (LFS): 6 (35.9M) | committed: 150/306 (12.1M/36.2M)
    Rate:    hashed 210.3M/s | uploaded 48.0M/s | resumed: 120 hashes, 10 transfers, 2 commits from the journal

```python
report = LargeFolderReport(total_files=len(files), total_bytes=sum(sizes), every=60)
await run(graph, hub, on_event=report)
report.print()
```
"""

from __future__ import annotations

import datetime
import sys
import time
from collections.abc import Callable
from typing import TextIO

from hubflow._events import Event, NodeFinished, NodeProgress

__all__ = ["LargeFolderReport", "format_size"]

_UPLOAD_KINDS = frozenset({"UploadLfsObject", "UploadLfsPart"})
_LFS_DONE_KINDS = frozenset({"UploadLfsObject", "CompleteLfsMultipart"})


def format_size(num: float) -> str:
    """Bytes in a short human form: ``format_size(1536) == "1.5k"``."""
    for unit in ("", "k", "M", "G", "T"):
        if abs(num) < 1000.0:
            return f"{num:.1f}{unit}"
        num /= 1000.0
    return f"{num:.1f}P"


class LargeFolderReport:
    """Counts from the event stream, printed every ``every`` seconds to ``out`` (stdout).

    ``hash_sizes`` maps a ``HashFile`` key to its file size, ``commit_sizes`` a ``Commit`` key
    to ``(files, bytes)``; ``committed_files`` / ``committed_bytes`` start at what earlier runs
    committed. ``every <= 0`` disables the periodic print (``print()`` still works).
    """

    def __init__(
        self,
        *,
        total_files: int,
        total_bytes: int,
        hash_sizes: dict[str, int] | None = None,
        commit_sizes: dict[str, tuple[int, int]] | None = None,
        committed_files: int = 0,
        committed_bytes: int = 0,
        every: float = 60.0,
        out: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.hash_sizes = dict(hash_sizes or {})
        self.commit_sizes = dict(commit_sizes or {})
        # Files outside this run's graph (committed earlier) count as hashed and committed.
        self.hashed_files = total_files - len(self.hash_sizes)
        self.hashed_bytes = total_bytes - sum(self.hash_sizes.values())
        self.uploaded_files = 0
        self.uploaded_bytes = 0
        self.committed_files = committed_files
        self.committed_bytes = committed_bytes
        self.resumed: dict[str, int] = {"hashes": 0, "transfers": 0, "commits": 0}
        self.every = every
        self.out = out
        self._clock = clock
        self._start = clock()
        self._last = self._start
        self._new_hash_bytes = 0
        self._new_upload_bytes = 0

    def __call__(self, event: Event) -> None:
        if isinstance(event, NodeProgress):
            if event.kind == "HashFile":
                self.hashed_bytes += event.delta_bytes
                self._new_hash_bytes += event.delta_bytes
            elif event.kind in _UPLOAD_KINDS:
                self.uploaded_bytes += event.delta_bytes
                self._new_upload_bytes += event.delta_bytes
        elif isinstance(event, NodeFinished):
            self._finished(event)
        if self.every > 0 and self._clock() - self._last >= self.every:
            self.print()

    def _finished(self, event: NodeFinished) -> None:
        if event.kind == "HashFile":
            self.hashed_files += 1
            if event.from_journal:
                self.hashed_bytes += self.hash_sizes.get(event.key, 0)
                self.resumed["hashes"] += 1
        elif event.kind in _LFS_DONE_KINDS:
            self.uploaded_files += 1
        elif event.kind == "Commit":
            files, size = self.commit_sizes.get(event.key, (0, 0))
            self.committed_files += files
            self.committed_bytes += size
            if event.from_journal:
                self.resumed["commits"] += 1
        if event.from_journal and event.kind in _UPLOAD_KINDS:
            self.resumed["transfers"] += 1

    def render(self) -> str:
        """The report block as text (what ``print`` writes)."""
        now = self._clock()
        elapsed = max(now - self._start, 1e-9)
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        duration = datetime.timedelta(seconds=round(elapsed))
        total = format_size(self.total_bytes)
        resumed = ", ".join(f"{n} {what}" for what, n in self.resumed.items())
        return "\n".join([
            f"---------- {stamp} ({duration}) ----------",
            f"Files:   hashed {self.hashed_files}/{self.total_files} ({format_size(self.hashed_bytes)}/{total})"
            f" | uploaded (LFS): {self.uploaded_files} ({format_size(self.uploaded_bytes)})"
            f" | committed: {self.committed_files}/{self.total_files} ({format_size(self.committed_bytes)}/{total})",
            f"Rate:    hashed {format_size(self._new_hash_bytes / elapsed)}B/s"
            f" | uploaded {format_size(self._new_upload_bytes / elapsed)}B/s"
            f" | resumed from the journal: {resumed}",
        ])

    def print(self) -> None:
        """Write the report block now (and restart the period)."""
        self._last = self._clock()
        print(self.render(), file=self.out or sys.stdout, flush=True)
