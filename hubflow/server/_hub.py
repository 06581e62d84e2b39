"""The local Hub's state (data dir, SQLite, git store, LFS store, limits) and its access rules.

```python
hub = Hub(Path("/tmp/hub"))
row = hub.readable_repo(user, "model", "alice", "m")   # 404 RepoNotFound when hidden
```
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubflow.server._db import Database, RepoRow, User
from hubflow.server._errors import HubError, forbidden, repo_not_found
from hubflow.server._gitstore import GitRepo, GitStore
from hubflow.server._lfs import LfsStore
from hubflow.server._patterns import DEFAULT_GITATTRIBUTES

MiB = 1024 * 1024


@dataclass(frozen=True)
class HubEvent:
    """A repo event: ``scope`` (``repo``, ``repo.content``, ``repo.config``), ``action``, the repo row, details."""

    scope: str
    action: str
    row: RepoRow
    details: dict[str, Any]


def default_gitattributes() -> bytes:
    return DEFAULT_GITATTRIBUTES.encode()


@dataclass
class Limits:
    """Tunable limits; tests shrink the multipart threshold to exercise multipart with small files."""

    max_body_size: int = 2 * 1024 * MiB  # commit NDJSON (inline files), authenticated callers only
    max_json_size: int = 16 * MiB  # every other buffered body (JSON, forms), whoever sends it
    max_lfs_size: int = 50 * 1024 * MiB
    regular_max_size: int = 10 * MiB  # larger files are LFS whatever .gitattributes says
    multipart_threshold: int = 64 * MiB
    multipart_chunk_size: int = 16 * MiB
    upload_url_ttl: int = 3600
    page_size: int = 1000


class Hub:
    """Everything a request handler needs: storage, limits and the access rules."""

    def __init__(self, data_dir: Path, limits: Limits | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.limits = limits or Limits()
        self.db = Database(self.data_dir / "hub.db")
        self.git = GitStore(self.data_dir / "repos")
        self.lfs = LfsStore(self.data_dir / "lfs", self._secret())
        self.listeners: list[Callable[[HubEvent], None]] = []
        """Called after repo events (commits, create, delete, settings); webhook delivery listens here."""

    def emit(self, scope: str, action: str, row: RepoRow, **details: Any) -> None:
        """Tell the listeners about a repo event; a failing listener never fails the request.

        ```python
        hub.emit("repo.content", "update", row, ref="refs/heads/main", sha=sha)
        ```
        """
        event = HubEvent(scope, action, row, details)
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # a webhook bug must not turn a successful commit into a 500
                logging.getLogger(__name__).exception("hub event listener failed")

    def _secret(self) -> bytes:
        path = self.data_dir / "secret.key"
        if not path.exists():
            tmp = path.with_suffix(f".{os.getpid()}")
            tmp.write_bytes(secrets.token_bytes(32))
            os.chmod(tmp, 0o600)
            os.replace(tmp, path) if not path.exists() else tmp.unlink()
        return path.read_bytes()

    # -- access rules --------------------------------------------------------------------------------------
    def owns(self, user: User | None, namespace: str) -> bool:
        """The user is the namespace, or a member of the org it names."""
        return user is not None and (user.name == namespace or self.db.is_member(namespace, user.name))

    def readable_repo(self, user: User | None, type_: str, namespace: str, name: str) -> RepoRow:
        row = self.db.get_repo(type_, namespace, name)
        if row is None or (row.private and not self.owns(user, namespace)):
            raise repo_not_found(f"{namespace}/{name}")
        return row

    def writable_repo(self, user: User | None, type_: str, namespace: str, name: str) -> RepoRow:
        row = self.readable_repo(user, type_, namespace, name)
        self.require_write(user, namespace)
        return row

    def require_write(self, user: User | None, namespace: str) -> User:
        if user is None:
            raise HubError(401, "You must be authenticated to perform this action")
        if not user.can_write:
            raise forbidden("This is a read-only token; a write token is required")
        if not self.owns(user, namespace):
            raise forbidden(f"You don't have the rights to write to {namespace}")
        return user

    def check_gate(self, user: User | None, row: RepoRow, path: str | None = None) -> None:
        """Downloads of gated repos need ownership or a granted access request."""
        if not row.gated or self.owns(user, row.namespace):
            return
        if path in ("README.md", "LICENSE", "LICENSE.md", "LICENSE.txt", ".gitattributes"):
            return
        # access requests (server/_routes_access.py); access_grants is the older table, still honoured
        asked = user is not None and self.db.query(
            "SELECT status FROM access_requests WHERE repo_id = ? AND user = ?", row.id, user.name
        )
        if asked and asked[0]["status"] == "accepted":
            return
        if user is not None and self.db.query(
            "SELECT 1 FROM access_grants WHERE repo_id = ? AND user = ? AND status = 'accepted'", row.id, user.name
        ):
            return
        kind = row.type
        if user is None:
            msg = f"Access to {kind} {row.repo_id} is restricted. You must have access to it and be authenticated to access it. Please log in."
            raise HubError(401, msg, code="GatedRepo")
        if asked and asked[0]["status"] == "pending":
            raise HubError(403, f"Your request to access {kind} {row.repo_id} is awaiting a review from the repo authors.", code="GatedRepo")
        if asked:
            raise HubError(403, f"Your request to access {kind} {row.repo_id} has been rejected by the repo's authors.", code="GatedRepo")
        raise HubError(403, f"Access to {kind} {row.repo_id} is restricted and you are not in the authorized list.", code="GatedRepo")

    def lfs_linked(self, repo_id: int, oid: str, size: int | None = None) -> bool:
        """The object was uploaded to (or copied with) this repo and is in the store.

        LFS objects are stored once but belong to repos: a repo never serves or references an
        object it does not own, so knowing a sha256 is never enough to read it.
        """
        known = self.db.lfs_size(repo_id, oid)
        return known is not None and (size is None or known == size) and self.lfs.exists(oid, known)

    def open_git(self, row: RepoRow) -> GitRepo:
        return self.git.open(row.type, row.namespace, row.name)
