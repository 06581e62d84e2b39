"""``hubflow upload-large-folder``: a resumable multi-commit upload of a big folder.

Same options as ``huggingface-cli upload-large-folder``. Interrupt it (Ctrl-C, or kill it) and
run the same command again: it resumes from the journal kept in
``<folder>/.cache/huggingface/upload/`` (see docs/resumption.md).

```console
$ hubflow upload-large-folder alice/big ./data --repo-type dataset --num-workers 4
```
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hubflow._cli_client import _guarded

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``upload-large-folder`` to the ``hubflow`` parser (called by ``hubflow.cli``)."""
    command = subparsers.add_parser(
        "upload-large-folder", help="upload a large folder in several commits, resumably",
        description="Upload a large folder in several commits. Rerun the same command to resume after an interruption.",
    )
    command.add_argument("repo_id")
    command.add_argument("local_path", help="the folder to upload")
    command.add_argument("--repo-type", choices=("model", "dataset", "space"), required=True)
    command.add_argument("--revision", default=None, help="an existing branch (default: main)")
    command.add_argument("--private", action="store_true", help="if the repo is created, make it private")
    command.add_argument("--include", nargs="*", default=None, help="glob patterns of files to upload")
    command.add_argument("--exclude", nargs="*", default=None, help="glob patterns of files to skip")
    command.add_argument("--num-workers", type=int, default=None, help="hashing and transfer workers")
    command.add_argument("--no-report", action="store_true", help="do not print the periodic report")
    command.add_argument("--report-every", type=int, default=60, help="seconds between reports (default: 60)")
    command.add_argument("--endpoint", default=None, help="Hub URL (default: $HF_ENDPOINT or huggingface.co)")
    command.add_argument("--token", default=None, help="access token (default: $HF_TOKEN or the token file)")
    command.set_defaults(func=_guarded(_upload_large_folder))


def _upload_large_folder(args: argparse.Namespace) -> int:
    from hubflow import HfApi

    with HfApi(endpoint=args.endpoint, token=args.token) as api:
        api.upload_large_folder(
            args.repo_id, Path(args.local_path), repo_type=args.repo_type, revision=args.revision,
            private=args.private or None, allow_patterns=args.include, ignore_patterns=args.exclude,
            num_workers=args.num_workers, print_report=not args.no_report, print_report_every=args.report_every,
        )
    return 0
