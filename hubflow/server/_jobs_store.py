"""SQLite rows for Jobs and scheduled jobs, and their wire JSON (api.md §7.2, §7.8).

Tables are created here with ``CREATE TABLE IF NOT EXISTS`` (own tables, nothing shared is altered).
Secrets are stored (the runner needs them) but never rendered: the wire shows their names only.

```python
store = JobStore(hub.db)
row = store.insert_job("alice", spec, initiator={"type": "user", "id": "...", "name": "alice"})
job_json(store.get_job(row.id))["status"]["stage"]   # "SCHEDULING"
```
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from hubflow.server._db import Database, iso

__all__ = ["TERMINAL", "JobRow", "JobStore", "ScheduledRow", "job_json", "owner_json", "scheduled_json"]

TERMINAL = frozenset({"COMPLETED", "CANCELED", "ERROR", "DELETED"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, namespace TEXT NOT NULL, spec TEXT NOT NULL,
    stage TEXT NOT NULL, message TEXT, created_at REAL NOT NULL, started_at REAL, finished_at REAL,
    initiator TEXT NOT NULL, scheduled_id TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_namespace ON jobs (namespace, seq);
CREATE TABLE IF NOT EXISTS scheduled_jobs (
    id TEXT PRIMARY KEY, namespace TEXT NOT NULL, spec TEXT NOT NULL, schedule TEXT NOT NULL,
    suspend INTEGER NOT NULL, concurrency INTEGER NOT NULL, created_at REAL NOT NULL,
    last_job_id TEXT, last_job_at REAL, next_run_at REAL
);
"""


def new_id() -> str:
    """A 24-hex id, like the Hub's job ids."""
    return secrets.token_hex(12)


def owner_json(db: Database, namespace: str) -> dict[str, str]:
    """``{id, name, type}`` of a user or org (a stable fake id derived from the name)."""
    row = db.account(namespace)
    kind = "org" if row is not None and row["kind"] == "org" else "user"
    return {"id": hashlib.sha1(namespace.encode()).hexdigest()[:24], "name": namespace, "type": kind}


@dataclass(frozen=True)
class JobRow:
    """One job as stored."""

    id: str
    namespace: str
    spec: dict[str, Any]
    stage: str
    message: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    initiator: dict[str, Any]
    scheduled_id: str | None

    @property
    def terminal(self) -> bool:
        return self.stage in TERMINAL


@dataclass(frozen=True)
class ScheduledRow:
    """One scheduled job as stored."""

    id: str
    namespace: str
    spec: dict[str, Any]
    schedule: str
    suspend: bool
    concurrency: bool
    created_at: float
    last_job_id: str | None
    last_job_at: float | None
    next_run_at: float | None


def _job(r: sqlite3.Row) -> JobRow:
    return JobRow(
        id=r["id"], namespace=r["namespace"], spec=json.loads(r["spec"]), stage=r["stage"], message=r["message"],
        created_at=r["created_at"], started_at=r["started_at"], finished_at=r["finished_at"],
        initiator=json.loads(r["initiator"]), scheduled_id=r["scheduled_id"],
    )


def _scheduled(r: sqlite3.Row) -> ScheduledRow:
    return ScheduledRow(
        id=r["id"], namespace=r["namespace"], spec=json.loads(r["spec"]), schedule=r["schedule"],
        suspend=bool(r["suspend"]), concurrency=bool(r["concurrency"]), created_at=r["created_at"],
        last_job_id=r["last_job_id"], last_job_at=r["last_job_at"], next_run_at=r["next_run_at"],
    )


class JobStore:
    """Reads and writes the ``jobs`` and ``scheduled_jobs`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db
        with db.tx() as c:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    c.execute(statement)

    # -- jobs ----------------------------------------------------------------------------------------------
    def insert_job(
        self, namespace: str, spec: dict[str, Any], *, initiator: dict[str, Any], scheduled_id: str | None = None
    ) -> JobRow:
        job_id = new_id()
        with self.db.tx() as c:
            c.execute(
                "INSERT INTO jobs (id, namespace, spec, stage, created_at, initiator, scheduled_id)"
                " VALUES (?, ?, ?, 'SCHEDULING', ?, ?, ?)",
                (job_id, namespace, json.dumps(spec), time.time(), json.dumps(initiator), scheduled_id),
            )
        row = self.get_job(job_id)
        assert row is not None
        return row

    def get_job(self, job_id: str) -> JobRow | None:
        rows = self.db.query("SELECT * FROM jobs WHERE id = ?", job_id)
        return _job(rows[0]) if rows else None

    def list_jobs(
        self, namespace: str, *, after_seq: int, limit: int, stages: list[str], labels: list[tuple[str, str]]
    ) -> list[tuple[int, JobRow]]:
        """Jobs of a namespace, newest first, after the ``after_seq`` cursor (0: from the top)."""
        sql = "SELECT * FROM jobs WHERE namespace = ?"
        args: list[Any] = [namespace]
        if after_seq:
            sql += " AND seq < ?"
            args.append(after_seq)
        if stages:
            sql += f" AND stage IN ({', '.join('?' for _ in stages)})"
            args.extend(stages)
        for key, value in labels:
            sql += " AND json_extract(spec, '$.labels.' || json_quote(?)) = ?"
            args.extend([key, value])
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(limit)
        return [(int(r["seq"]), _job(r)) for r in self.db.query(sql, *args)]

    def update_job(self, job_id: str, **fields: Any) -> None:
        if "spec" in fields:
            fields["spec"] = json.dumps(fields["spec"])
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self.db.tx() as c:
            c.execute(f"UPDATE jobs SET {cols} WHERE id = ?", (*fields.values(), job_id))

    def finish_job(self, job_id: str, stage: str, message: str | None) -> None:
        """Set a terminal stage once: a job already terminal (e.g. canceled) keeps its stage."""
        with self.db.tx() as c:
            c.execute(
                "UPDATE jobs SET stage = ?, message = ?, finished_at = ? WHERE id = ? AND stage NOT IN"
                " ('COMPLETED', 'CANCELED', 'ERROR', 'DELETED')",
                (stage, message, time.time(), job_id),
            )

    def unfinished_jobs(self) -> list[JobRow]:
        return [_job(r) for r in self.db.query("SELECT * FROM jobs WHERE stage IN ('SCHEDULING', 'RUNNING')")]

    # -- scheduled jobs ------------------------------------------------------------------------------------
    def insert_scheduled(
        self, namespace: str, spec: dict[str, Any], *, schedule: str, suspend: bool, concurrency: bool,
        next_run_at: float | None,
    ) -> ScheduledRow:
        sid = new_id()
        with self.db.tx() as c:
            c.execute(
                "INSERT INTO scheduled_jobs (id, namespace, spec, schedule, suspend, concurrency, created_at,"
                " next_run_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, namespace, json.dumps(spec), schedule, int(suspend), int(concurrency), time.time(), next_run_at),
            )
        row = self.get_scheduled(sid)
        assert row is not None
        return row

    def get_scheduled(self, sid: str) -> ScheduledRow | None:
        rows = self.db.query("SELECT * FROM scheduled_jobs WHERE id = ?", sid)
        return _scheduled(rows[0]) if rows else None

    def list_scheduled(self, namespace: str) -> list[ScheduledRow]:
        return [
            _scheduled(r)
            for r in self.db.query("SELECT * FROM scheduled_jobs WHERE namespace = ? ORDER BY created_at", namespace)
        ]

    def due_scheduled(self, now: float) -> list[ScheduledRow]:
        rows = self.db.query(
            "SELECT * FROM scheduled_jobs WHERE suspend = 0 AND next_run_at IS NOT NULL AND next_run_at <= ?", now
        )
        return [_scheduled(r) for r in rows]

    def update_scheduled(self, sid: str, **fields: Any) -> None:
        if "spec" in fields:
            fields["spec"] = json.dumps(fields["spec"])
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self.db.tx() as c:
            c.execute(f"UPDATE scheduled_jobs SET {cols} WHERE id = ?", (*fields.values(), sid))

    def delete_scheduled(self, sid: str) -> None:
        with self.db.tx() as c:
            c.execute("DELETE FROM scheduled_jobs WHERE id = ?", (sid,))


def _spec_json(spec: dict[str, Any]) -> dict[str, Any]:
    """The request spec as the wire shows it: secret names only, ``timeout`` next to ``timeoutSeconds``."""
    shown = {k: v for k, v in spec.items() if k not in ("secrets", "ssh", "attempts", "resourceGroupId")}
    if spec.get("secrets"):
        shown["secrets"] = sorted(spec["secrets"])
    if "timeoutSeconds" in spec:
        shown["timeout"] = spec["timeoutSeconds"]  # the Python client's JobSpec reads `timeout`
    return shown


def job_json(db: Database, row: JobRow) -> dict[str, Any]:
    """A job as ``JobInfo`` JSON (api.md §7.2)."""
    spec = row.spec
    data = _spec_json(spec)
    data.pop("network", None)
    now = time.time()
    started = row.started_at
    end = row.finished_at or now
    durations = {
        "schedulingSecs": int((started or end) - row.created_at),
        "runningSecs": int(end - started) if started else 0,
        "totalSecs": int(end - row.created_at),
    }
    data.update(
        id=row.id,
        createdAt=iso(row.created_at),
        startedAt=iso(started) if started else None,
        finishedAt=iso(row.finished_at) if row.finished_at else None,
        status={"stage": row.stage, "message": row.message, "exposeUrls": [], "sshUrl": None},
        durations=durations,
        owner=owner_json(db, row.namespace),
        initiator=row.initiator,
        retry=0,
        type="job",
    )
    data.setdefault("labels", {})
    if spec.get("network"):
        data["network"] = spec["network"]
    return data


def scheduled_json(db: Database, row: ScheduledRow) -> dict[str, Any]:
    """A scheduled job as ``ScheduledJobInfo`` JSON (api.md §7.8)."""
    last = {"id": row.last_job_id, "at": iso(row.last_job_at)} if row.last_job_id and row.last_job_at else None
    return {
        "id": row.id,
        "createdAt": iso(row.created_at),
        "jobSpec": _spec_json(row.spec),
        "schedule": row.schedule,
        "suspend": row.suspend,
        "concurrency": row.concurrency,
        "status": {
            "lastJob": last,
            "nextJobRunAt": iso(row.next_run_at) if row.next_run_at and not row.suspend else None,
        },
        "owner": owner_json(db, row.namespace),
        "type": "scheduled-job",
    }
