"""The client commands of ``hubflow``: whoami, repo create/delete, upload, download, demo.

Every command takes ``--endpoint`` and ``--token`` (else ``HF_ENDPOINT`` / ``HF_TOKEN`` / the
token file, as huggingface_hub). A failure prints one line naming what was wrong (the typed
hubflow error) and exits 1; no traceback.

```console
$ hubflow repo create alice/data --repo-type dataset
$ hubflow upload alice/data ./data --repo-type dataset        # creates the repo if missing
$ hubflow download alice/data --repo-type dataset --local-dir ./copy
$ hubflow demo
```
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hubflow._validation import validate_repo_id
from hubflow.errors import HfHubHTTPError, HubflowError, RevisionNotFoundError

__all__ = ["error_line", "register"]

Command = Callable[[argparse.Namespace], int]


def register(subparsers: Any) -> None:
    """Add the client commands to the ``hubflow`` parser (called by ``hubflow.cli``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--endpoint", default=None, help="Hub URL (default: $HF_ENDPOINT or huggingface.co)")
    common.add_argument("--token", default=None, help="access token (default: $HF_TOKEN or the token file)")

    whoami = subparsers.add_parser("whoami", parents=[common], help="show the account of the token")
    whoami.set_defaults(func=_guarded(_whoami))

    repo = subparsers.add_parser("repo", help="create or delete a repository")
    actions = repo.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", parents=[common], help="create a repository")
    create.add_argument("repo_id")
    _repo_type_option(create)
    create.add_argument("--private", action="store_true", help="make the repository private")
    create.add_argument("--exist-ok", action="store_true", help="no error if it already exists")
    create.set_defaults(func=_guarded(_repo_create))
    delete = actions.add_parser("delete", parents=[common], help="delete a repository")
    delete.add_argument("repo_id")
    _repo_type_option(delete)
    delete.add_argument("--missing-ok", action="store_true", help="no error if it does not exist")
    delete.set_defaults(func=_guarded(_repo_delete))

    upload = subparsers.add_parser("upload", parents=[common], help="upload a file or a folder")
    upload.add_argument("repo_id")
    upload.add_argument("path", help="local file or folder")
    upload.add_argument("path_in_repo", nargs="?", default=None,
                        help="where in the repo (default: the file's name, or the repo root for a folder)")
    _repo_type_option(upload)
    upload.add_argument("--revision", default=None, help="branch to commit to (created if missing)")
    upload.add_argument("--include", nargs="*", default=None, help="glob patterns of files to upload")
    upload.add_argument("--exclude", nargs="*", default=None, help="glob patterns of files to skip")
    upload.add_argument("--delete", nargs="*", default=None, help="glob patterns of remote files to delete")
    upload.add_argument("--commit-message", default=None)
    upload.add_argument("--commit-description", default=None)
    upload.add_argument("--create-pr", action="store_true", help="open a pull request instead of committing")
    upload.add_argument("--private", action="store_true", help="if the repo is created, make it private")
    upload.set_defaults(func=_guarded(_upload))

    download = subparsers.add_parser("download", parents=[common], help="download files or a whole repo")
    download.add_argument("repo_id")
    download.add_argument("files", nargs="*", help="files to download (default: the whole repo)")
    _repo_type_option(download)
    download.add_argument("--revision", default=None)
    download.add_argument("--include", nargs="*", default=None, help="glob patterns of files to download")
    download.add_argument("--exclude", nargs="*", default=None, help="glob patterns of files to skip")
    download.add_argument("--local-dir", default=None, help="download into this folder instead of the cache")
    download.add_argument("--cache-dir", default=None, help="the Hub cache folder (default: $HF_HUB_CACHE)")
    download.add_argument("--force-download", action="store_true")
    download.set_defaults(func=_guarded(_download))

    from hubflow._demo import register as register_demo

    register_demo(subparsers, guard=_guarded)


def _repo_type_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo-type", choices=("model", "dataset", "space"), default=None,
                        help="default: model")


def error_line(err: BaseException) -> str:
    """One line naming what went wrong: the error type, its message's first line, the server's words.

    ```python
    error_line(HFValidationError("Repo id must ...: 'a/b/c'."))  # "HFValidationError: Repo id must ..."
    ```
    """
    text = str(err).strip()
    if isinstance(err, KeyError) and err.args:
        text = str(err.args[0])
    first = text.splitlines()[0] if text else ""
    if isinstance(err, HfHubHTTPError) and err.server_message:
        server = err.server_message.splitlines()[0]
        if server.lower() not in first.lower():
            first = f"{first} ({server})" if first else server
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def _guarded(command: Command) -> Command:
    """Run ``command``; typed errors become one line on stderr and exit code 1."""

    @functools.wraps(command)
    def guarded(args: argparse.Namespace) -> int:
        name = " ".join(part for part in (args.command, getattr(args, "action", None)) if part)
        try:
            return command(args)
        except KeyboardInterrupt:
            print(f"hubflow {name}: interrupted", file=sys.stderr)
            return 130
        except (HubflowError, OSError, ValueError) as err:
            print(f"hubflow {name}: {error_line(err)}", file=sys.stderr)
            return 1

    return guarded


def _api(args: argparse.Namespace) -> Any:
    from hubflow import HfApi

    return HfApi(endpoint=args.endpoint, token=args.token)


@contextlib.contextmanager
def _progress(api: Any, description: str) -> Iterator[None]:
    """Show the default progress view, titled ``description``, for the transfers inside the block."""
    from hubflow.progress import default_view

    view = default_view(description)
    api.on_event = view
    try:
        yield
    finally:
        api.on_event = None
        if view is not None:
            view.finish()


def _whoami(args: argparse.Namespace) -> int:
    with _api(args) as api:
        me = api.whoami()
    print(me["name"])
    orgs = [org["name"] for org in me.get("orgs") or [] if org.get("name")]
    if orgs:
        print(f"orgs: {', '.join(orgs)}")
    return 0


def _repo_create(args: argparse.Namespace) -> int:
    validate_repo_id(args.repo_id)
    with _api(args) as api:
        url = api.create_repo(args.repo_id, repo_type=args.repo_type, private=args.private or None,
                              exist_ok=args.exist_ok)
    print(url)
    return 0


def _repo_delete(args: argparse.Namespace) -> int:
    validate_repo_id(args.repo_id)
    with _api(args) as api:
        api.delete_repo(args.repo_id, repo_type=args.repo_type, missing_ok=args.missing_ok)
    print(f"deleted {args.repo_id}")
    return 0


def _upload(args: argparse.Namespace) -> int:
    validate_repo_id(args.repo_id)
    local = Path(args.path)
    if not local.exists():
        raise FileNotFoundError(f"No such file or folder: '{args.path}'")
    is_file = local.is_file()
    path_in_repo = args.path_in_repo
    if path_in_repo is None:
        path_in_repo = local.name if is_file else None
    with _api(args) as api:
        # Like `huggingface-cli upload`: the repo (and the branch) are created when missing.
        repo_id = api.create_repo(args.repo_id, repo_type=args.repo_type, exist_ok=True,
                                  private=args.private or None).repo_id
        if args.revision is not None and not args.create_pr:
            try:
                api.repo_info(repo_id, repo_type=args.repo_type, revision=args.revision)
            except RevisionNotFoundError:
                api.create_branch(repo_id, repo_type=args.repo_type, branch=args.revision, exist_ok=True)
        common: dict[str, Any] = {
            "repo_id": repo_id, "repo_type": args.repo_type, "revision": args.revision,
            "commit_message": args.commit_message, "commit_description": args.commit_description,
            "create_pr": args.create_pr or None,
        }
        with _progress(api, "Upload"):
            if is_file:
                info = api.upload_file(path_or_fileobj=str(local), path_in_repo=path_in_repo, **common)
            else:
                info = api.upload_folder(
                    folder_path=str(local), path_in_repo=path_in_repo, allow_patterns=args.include,
                    ignore_patterns=args.exclude, delete_patterns=args.delete, **common,
                )
    print(info.pr_url or info.commit_url)
    return 0


def _download(args: argparse.Namespace) -> int:
    validate_repo_id(args.repo_id)
    common: dict[str, Any] = {
        "repo_type": args.repo_type, "revision": args.revision, "cache_dir": args.cache_dir,
        "local_dir": args.local_dir, "force_download": args.force_download,
    }
    with _api(args) as api, _progress(api, "Download"):
        if len(args.files) == 1 and not args.include and not args.exclude:
            path = api.hf_hub_download(args.repo_id, args.files[0], **common)
        else:
            # Several files: one snapshot limited to them (as `huggingface-cli download`).
            allow = list(args.files) or args.include
            path = api.snapshot_download(args.repo_id, allow_patterns=allow, ignore_patterns=args.exclude, **common)
    print(os.fspath(path))
    return 0
