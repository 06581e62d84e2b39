"""``CommitScheduler``: push a folder to the Hub every few minutes from a background thread.

Same behaviour as ``huggingface_hub.CommitScheduler`` (api.md §14.2), built on hubflow's
``HfApi``: the repo is created (``exist_ok=True``), a daemon thread triggers a push at once and
then every ``every`` minutes; each push runs through ``api.run_as_future`` (one at a time, FIFO
with any other future of that ``HfApi``). A push sends, in one ``"Scheduled Commit"``, every file
that is new or whose mtime changed since its last successful push, each capped at the size it had
when listed (bytes appended meanwhile wait for the next push). Local deletions are never sent.
Hold ``scheduler.lock`` while writing files to never push a half-written state.

```python
with CommitScheduler(repo_id="alice/logs", folder_path="logs", every=10) as scheduler:
    with scheduler.lock:
        Path("logs/metrics.jsonl").open("a").write('{"loss": 0.1}\\n')
# leaving the block pushes one last time, then stops
```
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from hubflow._operations import CommitOperationAdd
from hubflow.pipelines._upload_folder import list_local_files
from hubflow.schema import CommitInfo

__all__ = ["CommitScheduler", "PartialFileIO"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _FileToUpload:
    local_path: Path
    path_in_repo: str
    size_limit: int
    last_modified: float


class PartialFileIO(io.BufferedIOBase):
    """A read-only view of the first ``size_limit`` bytes of a file (what one scheduled push sends).

    Supports ``read``, ``seek``, ``tell`` and ``len()``; ``fileno`` raises, so nothing can read past the cap.

    ```python
    with PartialFileIO("log.txt", size_limit=10) as f:
        f.read()            # at most 10 bytes, even if log.txt grew meanwhile
    ```
    """

    def __init__(self, file_path: str | Path, size_limit: int) -> None:
        super().__init__()
        self._file_path = Path(file_path)
        self._file = self._file_path.open("rb")
        self._size_limit = min(size_limit, os.fstat(self._file.fileno()).st_size)

    def __len__(self) -> int:
        return self._size_limit

    def __repr__(self) -> str:
        return f"<PartialFileIO file_path={self._file_path} size_limit={self._size_limit}>"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        raise io.UnsupportedOperation("PartialFileIO has no file descriptor: it caps what can be read")

    def tell(self) -> int:
        return self._file.tell()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_END:
            offset, whence = self._size_limit + offset, os.SEEK_SET
        position = self._file.seek(offset, whence)
        if position > self._size_limit:
            return self._file.seek(self._size_limit)
        return position

    def read(self, size: int | None = -1) -> bytes:
        remaining = self._size_limit - self._file.tell()
        if size is None or size < 0 or size > remaining:
            size = remaining
        return self._file.read(max(size, 0))

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def close(self) -> None:
        self._file.close()
        super().close()


class CommitScheduler:
    """Push ``folder_path`` to ``repo_id`` every ``every`` minutes, in a background thread.

    Parameters as ``huggingface_hub.CommitScheduler``; ``hf_api`` is a ``hubflow.HfApi``
    (a new ``HfApi(token=token)`` by default). ``trigger()`` pushes now (a ``Future``),
    ``stop()`` ends the schedule, and the context manager pushes once more on exit.

    ```python
    scheduler = CommitScheduler(repo_id="alice/logs", folder_path="logs", every=5, squash_history=True)
    scheduler.trigger().result()        # the CommitInfo, or None when nothing changed
    scheduler.stop()
    ```
    """

    def __init__(
        self,
        *,
        repo_id: str,
        folder_path: str | Path,
        every: int | float = 5,
        path_in_repo: str | None = None,
        repo_type: str | None = None,
        revision: str | None = None,
        private: bool | None = None,
        token: str | None = None,
        allow_patterns: list[str] | str | None = None,
        ignore_patterns: list[str] | str | None = None,
        squash_history: bool = False,
        hf_api: Any | None = None,
    ) -> None:
        from hubflow._api import HfApi  # lazy: the facade imports this package's modules

        self.api = hf_api or HfApi(token=token)
        self.folder_path = Path(folder_path).expanduser().resolve()
        if self.folder_path.is_file():
            raise ValueError(f"'folder_path' must be a directory, not a file: '{self.folder_path}'.")
        self.folder_path.mkdir(parents=True, exist_ok=True)
        if every <= 0:
            raise ValueError(f"'every' must be a positive number of minutes, not '{every}'.")
        self.path_in_repo = (path_in_repo or "").strip("/")
        self.allow_patterns = allow_patterns
        self.ignore_patterns = ignore_patterns
        repo_url = self.api.create_repo(repo_id=repo_id, private=private, repo_type=repo_type, exist_ok=True)
        self.repo_id: str = repo_url.repo_id
        self.repo_type = repo_type
        self.revision = revision
        self.token = token
        self.every = every
        self.squash_history = squash_history
        self.last_uploaded: dict[Path, float] = {}
        self.last_future: Future[CommitInfo | None] | None = None
        self.lock = threading.Lock()
        """Hold it while writing into the folder: a push never lists files while it is held."""
        self.__stopped = False
        self._wake = threading.Event()
        logger.info("Scheduled job to push '%s' to '%s' every %s minutes", self.folder_path, self.repo_id, every)
        self._scheduler_thread = threading.Thread(target=self._run_scheduler, daemon=True)
        self._scheduler_thread.start()
        atexit.register(self._push_to_hub)

    def stop(self) -> None:
        """Stop the schedule: the thread exits (at once: its sleep is interrupted); queued pushes do nothing."""
        self.__stopped = True
        self._wake.set()
        atexit.unregister(self._push_to_hub)  # a stopped scheduler's exit push would do nothing anyway

    def __enter__(self) -> CommitScheduler:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # one last push with whatever was written in the block, then stop
        self.trigger().result()
        self.stop()

    def _run_scheduler(self) -> None:
        while True:
            self.last_future = self.trigger()
            if self._wake.wait(self.every * 60) or self.__stopped:  # stop() interrupts the sleep
                break

    def trigger(self) -> Future[CommitInfo | None]:
        """Push now, through ``api.run_as_future`` (after any push already queued).

        ```python
        scheduler.trigger().result()
        ```
        """
        future: Future[CommitInfo | None] = self.api.run_as_future(self._push_to_hub)
        return future

    def _push_to_hub(self) -> CommitInfo | None:
        if self.__stopped:  # stopped: a push still queued does nothing
            return None
        logger.info("(Background) scheduled commit triggered.")
        try:
            info = self.push_to_hub()
            if info is not None and self.squash_history:
                self.api.super_squash_history(
                    repo_id=self.repo_id, repo_type=self.repo_type, branch=self.revision or "main", token=self.token
                )
            return info
        except Exception as exc:
            logger.error("Error while pushing to Hub: %s", exc)  # the schedule goes on
            raise

    def push_to_hub(self) -> CommitInfo | None:
        """One push: new and modified files in one ``"Scheduled Commit"``; None when nothing changed.

        Called by the background thread; call ``trigger()`` instead to stay in the queue.

        ```python
        info = scheduler.push_to_hub()
        ```
        """
        with self.lock:
            to_upload: list[_FileToUpload] = []
            for relative, local in list_local_files(self.folder_path, self.allow_patterns, self.ignore_patterns):
                stat = local.stat()
                if self.last_uploaded.get(local) == stat.st_mtime:
                    continue
                target = f"{self.path_in_repo}/{relative}" if self.path_in_repo else relative
                to_upload.append(_FileToUpload(local, target, stat.st_size, stat.st_mtime))
        if not to_upload:
            logger.debug("Dropping schedule commit: no changed file to upload.")
            return None
        files = [PartialFileIO(item.local_path, item.size_limit) for item in to_upload]
        try:
            operations = [
                CommitOperationAdd(path_in_repo=item.path_in_repo, path_or_fileobj=cast(BinaryIO, file))
                for item, file in zip(to_upload, files, strict=True)
            ]
            info: CommitInfo = self.api.create_commit(
                repo_id=self.repo_id, repo_type=self.repo_type, operations=operations,
                commit_message="Scheduled Commit", revision=self.revision, token=self.token,
            )
        finally:
            for file in files:
                file.close()
        for item in to_upload:
            self.last_uploaded[item.local_path] = item.last_modified
        return info
