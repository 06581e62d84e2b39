"""SQLite storage for everything that is not git: users, orgs, tokens, repo metadata, PRs, LFS links.

One file, ``<data_dir>/hub.db``, in WAL mode so ``hubflow admin`` can add users while the server runs.
Every thread gets its own connection (sqlite3 connections are not shareable across threads).

```python
db = Database(Path("/tmp/hub/hub.db"))
db.add_user("alice", token="hf_alice_write")
assert db.user_for_token("hf_alice_write").name == "alice"
```
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, fullname TEXT, email TEXT, kind TEXT NOT NULL DEFAULT 'user', created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    org TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL DEFAULT 'write', PRIMARY KEY (org, user)
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, role TEXT NOT NULL, display_name TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS repos (
    id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
    private INTEGER NOT NULL DEFAULT 0, gated TEXT, created_at REAL NOT NULL, last_modified REAL NOT NULL,
    likes INTEGER NOT NULL DEFAULT 0, downloads INTEGER NOT NULL DEFAULT 0, tags TEXT NOT NULL DEFAULT '[]',
    sha TEXT, UNIQUE (type, namespace, name)
);
CREATE INDEX IF NOT EXISTS repos_by_type ON repos (type, id);
CREATE INDEX IF NOT EXISTS repos_by_likes ON repos (type, likes, id);
CREATE INDEX IF NOT EXISTS repos_by_downloads ON repos (type, downloads, id);
CREATE INDEX IF NOT EXISTS repos_by_created ON repos (type, created_at, id);
CREATE INDEX IF NOT EXISTS repos_by_modified ON repos (type, last_modified, id);
CREATE TABLE IF NOT EXISTS discussions (
    repo_id INTEGER NOT NULL, num INTEGER NOT NULL, title TEXT NOT NULL, author TEXT NOT NULL,
    status TEXT NOT NULL, is_pr INTEGER NOT NULL, base_ref TEXT, created_at REAL NOT NULL,
    merge_commit TEXT, events TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (repo_id, num)
);
CREATE TABLE IF NOT EXISTS access_grants (
    repo_id INTEGER NOT NULL, user TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL,
    PRIMARY KEY (repo_id, user)
);
CREATE TABLE IF NOT EXISTS access_requests (
    repo_id INTEGER NOT NULL, user TEXT NOT NULL, request_id TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
    created_at REAL NOT NULL, fields TEXT, reason TEXT, reviewed_at REAL, granted_by TEXT, via_grant INTEGER
    NOT NULL DEFAULT 0, PRIMARY KEY (repo_id, user)
);
CREATE TABLE IF NOT EXISTS likes (
    user TEXT NOT NULL, repo_id INTEGER NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (user, repo_id)
);
CREATE TABLE IF NOT EXISTS follows (
    follower TEXT NOT NULL, followee TEXT NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (follower, followee)
);
CREATE TABLE IF NOT EXISTS collections (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, slug TEXT NOT NULL, title TEXT NOT NULL, description TEXT,
    private INTEGER NOT NULL DEFAULT 0, theme TEXT NOT NULL, position INTEGER NOT NULL, created_at REAL NOT NULL,
    last_updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS collection_items (
    object_id TEXT PRIMARY KEY, collection_id TEXT NOT NULL, item_type TEXT NOT NULL, item_id TEXT NOT NULL,
    position INTEGER NOT NULL, note TEXT, added_at REAL NOT NULL, UNIQUE (collection_id, item_type, item_id)
);
CREATE TABLE IF NOT EXISTS lfs_objects (
    repo_id INTEGER NOT NULL, oid TEXT NOT NULL, size INTEGER NOT NULL, pushed_at REAL NOT NULL,
    filename TEXT, PRIMARY KEY (repo_id, oid)
);
CREATE TABLE IF NOT EXISTS spaces (
    repo_id INTEGER PRIMARY KEY, sdk TEXT, hardware TEXT NOT NULL DEFAULT 'cpu-basic', sleep_time INTEGER,
    state TEXT NOT NULL DEFAULT 'running', dev_mode INTEGER NOT NULL DEFAULT 0, volumes TEXT NOT NULL DEFAULT '[]',
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS space_env (
    repo_id INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, description TEXT,
    updated_at REAL NOT NULL, PRIMARY KEY (repo_id, kind, key)
);
CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, url TEXT, job_source_id TEXT, watched TEXT NOT NULL,
    domains TEXT NOT NULL, secret TEXT, disabled INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL,
    hub_url TEXT
);
CREATE TABLE IF NOT EXISTS hub_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers (
    id TEXT PRIMARY KEY, data TEXT NOT NULL, markdown TEXT, submitted_by TEXT, submitted_at REAL NOT NULL,
    published_at REAL, upvotes INTEGER NOT NULL DEFAULT 0
);
"""


@functools.lru_cache(maxsize=65536)
def iso(ts: float) -> str:
    """Format a Unix time the way the Hub does: UTC, milliseconds, a trailing ``Z``.

    Cached: a listing page formats two times per repo, and ``strftime`` was a third of its cost.
    """
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


def hash_token(token: str) -> str:
    """Tokens are stored hashed: a leaked ``hub.db`` does not leak credentials."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class User:
    """An authenticated caller: the user name, the token's role and display name."""

    name: str
    role: str
    token_name: str
    token_created: float

    @property
    def can_write(self) -> bool:
        return self.role in ("write", "admin")


@dataclass(frozen=True)
class RepoRow:
    """A repository's metadata row."""

    id: int
    type: str
    namespace: str
    name: str
    private: bool
    gated: str | None
    created_at: float
    last_modified: float
    likes: int
    downloads: int
    tags: list[str]
    sha: str | None

    @property
    def repo_id(self) -> str:
        return f"{self.namespace}/{self.name}"


_REPO_COLUMNS = ("id", "type", "namespace", "name", "private", "gated", "created_at", "last_modified", "likes",
                 "downloads", "tags", "sha")
# full repos row (as a tuple) -> RepoRow: listings decode each unchanged row once (tags JSON, dataclass)
_ROWS: dict[tuple[Any, ...], RepoRow] = {}
_ROWS_MAX = 100_000


SORT_COLUMNS = {"createdAt": "created_at", "lastModified": "last_modified", "likes": "likes",
                "downloads": "downloads", "trendingScore": "id"}
"""``sort`` values of the repo listings (wire names) -> the column they order by, descending.

No trend is computed here: every repo's ``trendingScore`` is 0, so that order is by id alone (newest first)."""


@dataclass(frozen=True)
class ListCursor:
    """Where a listing page starts: after the repo ``id`` (and its ``value`` of the sort column)."""

    id: int
    value: float = 0


def _repo(row: sqlite3.Row) -> RepoRow:
    return RepoRow(
        id=row["id"], type=row["type"], namespace=row["namespace"], name=row["name"], private=bool(row["private"]),
        gated=row["gated"], created_at=row["created_at"], last_modified=row["last_modified"], likes=row["likes"],
        downloads=row["downloads"], tags=json.loads(row["tags"]), sha=row["sha"],
    )


class Database:
    """Thread-safe access to ``hub.db`` (one connection per thread, WAL journal)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._writes = 0  # commits through tx() in this process (see ``version``)
        self._conn().executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` so writers queue instead of failing)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self._writes += 1

    def version(self) -> tuple[int, int]:
        """Changes whenever anything was committed: by this process (``tx``), or by any other
        connection or process (SQLite's ``PRAGMA data_version`` on this thread's connection).
        A key for caches of query results."""
        return self._writes, int(self._conn().execute("PRAGMA data_version").fetchone()[0])

    def query(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        return self._conn().execute(sql, args).fetchall()

    # -- users, orgs, tokens -------------------------------------------------------------------------------
    def add_user(
        self, name: str, *, token: str | None = None, fullname: str | None = None, email: str | None = None,
        read_only: bool = False, token_name: str = "hubflow",
    ) -> None:
        """Create (or update) a user and optionally give them a token."""
        with self.tx() as c:
            c.execute(
                "INSERT INTO users (name, fullname, email, kind, created_at) VALUES (?, ?, ?, 'user', ?)"
                " ON CONFLICT(name) DO UPDATE SET fullname=coalesce(?, fullname), email=coalesce(?, email)",
                (name, fullname or name, email, time.time(), fullname, email),
            )
            if token is not None:
                c.execute(
                    "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?, ?)",
                    (hash_token(token), name, "read" if read_only else "write", token_name, time.time()),
                )

    def add_token(self, user: str, token: str, *, read_only: bool = False, token_name: str = "hubflow") -> None:
        with self.tx() as c:
            c.execute(
                "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?, ?)",
                (hash_token(token), user, "read" if read_only else "write", token_name, time.time()),
            )

    def add_org(self, name: str, *, fullname: str | None = None, members: list[str] = ()) -> None:  # type: ignore[assignment]
        with self.tx() as c:
            c.execute(
                "INSERT INTO users (name, fullname, email, kind, created_at) VALUES (?, ?, NULL, 'org', ?)"
                " ON CONFLICT(name) DO UPDATE SET fullname=coalesce(?, fullname)",
                (name, fullname or name, time.time(), fullname),
            )
            for member in members:
                c.execute("INSERT OR IGNORE INTO members VALUES (?, ?, 'write')", (name, member))

    def user_for_token(self, token: str) -> User | None:
        rows = self.query(
            "SELECT user, role, display_name, created_at FROM tokens WHERE token_hash = ?", hash_token(token)
        )
        if not rows:
            return None
        r = rows[0]
        return User(name=r["user"], role=r["role"], token_name=r["display_name"], token_created=r["created_at"])

    def account(self, name: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM users WHERE name = ?", name)
        return rows[0] if rows else None

    def orgs_of(self, user: str) -> list[sqlite3.Row]:
        return self.query(
            "SELECT u.* FROM members m JOIN users u ON u.name = m.org WHERE m.user = ? ORDER BY u.name", user
        )

    def is_member(self, org: str, user: str) -> bool:
        return bool(self.query("SELECT 1 FROM members WHERE org = ? AND user = ?", org, user))

    def count_users(self) -> int:
        return int(self.query("SELECT count(*) FROM users")[0][0])

    # -- repos ---------------------------------------------------------------------------------------------
    def get_repo(self, type_: str, namespace: str, name: str) -> RepoRow | None:
        rows = self.query("SELECT * FROM repos WHERE type = ? AND namespace = ? AND name = ?", type_, namespace, name)
        return _repo(rows[0]) if rows else None

    def create_repo(self, type_: str, namespace: str, name: str, *, private: bool) -> RepoRow:
        now = time.time()
        with self.tx() as c:
            c.execute(
                "INSERT INTO repos (type, namespace, name, private, created_at, last_modified) VALUES (?, ?, ?, ?, ?, ?)",
                (type_, namespace, name, int(private), now, now),
            )
        row = self.get_repo(type_, namespace, name)
        assert row is not None
        return row

    def update_repo(self, repo_id: int, **fields: Any) -> None:
        if not fields:
            return
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self.tx() as c:
            c.execute(f"UPDATE repos SET {cols} WHERE id = ?", (*fields.values(), repo_id))

    def count_download(self, repo_id: int) -> None:
        """One more download of a repo (its ``downloads``: listings sort by it)."""
        with self.tx() as c:
            c.execute("UPDATE repos SET downloads = downloads + 1 WHERE id = ?", (repo_id,))

    def delete_repo(self, repo_id: int) -> None:
        with self.tx() as c:
            for table in ("repos", "discussions", "access_grants", "access_requests", "likes", "lfs_objects"):
                col = "id" if table == "repos" else "repo_id"
                c.execute(f"DELETE FROM {table} WHERE {col} = ?", (repo_id,))

    def list_repos(
        self, type_: str, *, after: ListCursor | None, limit: int, author: str | None, search: str | None,
        viewer: User | None, viewer_orgs: list[str], tags: Sequence[str] = (), gated: bool | None = None,
        sort: str | None = None,
    ) -> list[RepoRow]:
        """One page of the repos of one type visible to ``viewer``, after ``after`` (the cursor).

        Unsorted pages go in id order; ``sort`` (a column of ``SORT_COLUMNS``) goes descending, the
        newest first among equals, as the Hub does. Every filter is in the query, so a page is full
        unless it is the last one.
        """
        sql = f"SELECT {', '.join(_REPO_COLUMNS)} FROM repos WHERE type = ?"
        args: list[Any] = [type_]
        column = SORT_COLUMNS[sort] if sort else None
        if after is not None:
            if column is None:
                sql += " AND id > ?"
                args.append(after.id)
            else:
                sql += f" AND ({column} < ? OR ({column} = ? AND id < ?))"
                args += [after.value, after.value, after.id]
        if author:
            sql += " AND namespace = ?"
            args.append(author)
        if search:
            sql += " AND instr(lower(namespace || '/' || name), ?) > 0"
            args.append(search.lower())
        for tag in tags:
            sql += " AND EXISTS (SELECT 1 FROM json_each(repos.tags) WHERE value = ?)"
            args.append(tag)
        if gated is not None:
            sql += " AND gated IS NOT NULL" if gated else " AND gated IS NULL"
        owners = [viewer.name, *viewer_orgs] if viewer else []
        sql += " AND (private = 0" + "".join(" OR namespace = ?" for _ in owners) + ")"
        args.extend(owners)
        sql += " ORDER BY id LIMIT ?" if column is None else f" ORDER BY {column} DESC, id DESC LIMIT ?"
        args.append(limit)
        cursor = self._conn().cursor()
        cursor.row_factory = None  # plain tuples: hashable, so an unchanged row reuses its RepoRow
        out = []
        for raw in cursor.execute(sql, args).fetchall():
            row = _ROWS.get(raw)
            if row is None:
                if len(_ROWS) >= _ROWS_MAX:
                    _ROWS.clear()
                row = _ROWS[raw] = _repo(dict(zip(_REPO_COLUMNS, raw, strict=True)))  # type: ignore[arg-type]
            out.append(row)
        return out

    # -- LFS links -----------------------------------------------------------------------------------------
    def link_lfs(self, repo_id: int, oid: str, size: int, filename: str | None = None) -> None:
        with self.tx() as c:
            c.execute(
                "INSERT INTO lfs_objects VALUES (?, ?, ?, ?, ?) ON CONFLICT(repo_id, oid) DO UPDATE SET"
                " filename = coalesce(excluded.filename, filename)",
                (repo_id, oid, size, time.time(), filename),
            )

    def lfs_size(self, repo_id: int, oid: str) -> int | None:
        rows = self.query("SELECT size FROM lfs_objects WHERE repo_id = ? AND oid = ?", repo_id, oid)
        return int(rows[0][0]) if rows else None

    def lfs_linked_elsewhere(self, oid: str) -> bool:
        return bool(self.query("SELECT 1 FROM lfs_objects WHERE oid = ? LIMIT 1", oid))
