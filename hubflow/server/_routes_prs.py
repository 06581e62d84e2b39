"""Pull requests (discussions with ``isPullRequest``): create, details, merge; ``refs/pr/N`` in git."""

from __future__ import annotations

from hubflow.server._db import RepoRow
from hubflow.server._hub import Hub
from hubflow.server._router import Router

router = Router()


def open_pull_request(hub: Hub, row: RepoRow, author: str, title: str, base_ref: str, base_sha: str) -> int:
    raise NotImplementedError


def record_commit(hub: Hub, row: RepoRow, num: int, author: str, sha: str, message: str) -> None:
    return None
