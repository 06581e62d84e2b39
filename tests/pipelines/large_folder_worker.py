"""Child process for the interruption tests: one ``upload_large_folder`` run, events logged to a file.

Usage: ``python large_folder_worker.py ENDPOINT FOLDER REPO_ID EVENTS_FILE FILES_PER_COMMIT``.
Every ``NodeFinished`` and byte-moving ``NodeProgress`` event is appended as one JSON line with a
single ``os.write`` on an ``O_APPEND`` descriptor, so a ``kill -9`` loses at most the event being
written, never a line of an earlier one.
"""

from __future__ import annotations

import os
import signal
import sys

import msgspec

from hubflow import HfApi
from hubflow._events import Event, NodeFinished, NodeProgress


def main() -> None:
    endpoint, folder, repo_id, events_path, per_commit = sys.argv[1:6]
    # A child of a background job inherits SIGINT ignored (Python then installs no handler): the
    # Ctrl-C test would see the run finish. Ctrl-C must raise KeyboardInterrupt here, as in a shell.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    fd = os.open(events_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    pid = os.getpid()

    def log(event: Event) -> None:
        if isinstance(event, NodeFinished):
            record = {"run": pid, "type": "finished", "kind": event.kind, "key": event.key,
                      "from_journal": event.from_journal}
        elif isinstance(event, NodeProgress):
            record = {"run": pid, "type": "progress", "kind": event.kind, "key": event.key, "bytes": event.delta_bytes}
        else:
            return
        os.write(fd, msgspec.json.encode(record) + b"\n")

    api = HfApi(endpoint=endpoint, token="hf_alice_write")
    api._async.large_folder_files_per_commit = int(per_commit)
    api.on_event = log
    api.upload_large_folder(repo_id, folder, repo_type="dataset", print_report_every=1)


if __name__ == "__main__":
    main()
