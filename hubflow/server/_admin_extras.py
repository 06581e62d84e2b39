"""``hubflow admin`` subcommands for papers and webhook targets.

```console
$ hubflow admin --data-dir /tmp/hub paper add 2401.00001 --title "A paper" --author Ada --author Alan
$ hubflow admin --data-dir /tmp/hub paper list
$ hubflow admin --data-dir /tmp/hub webhooks allow-host hooks.internal   # "*" allows any host
$ hubflow admin --data-dir /tmp/hub webhooks reset-hosts                 # back to loopback only
```
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from hubflow.server._db import Database
from hubflow.server._routes_papers import add_paper
from hubflow.server._webhook_delivery import ALLOWED_HOSTS_KEY

__all__ = ["register_admin_extras", "set_allowed_hosts"]


def register_admin_extras(kinds: Any) -> None:
    """Add ``paper`` and ``webhooks`` under ``hubflow admin``."""
    paper = kinds.add_parser("paper").add_subparsers(dest="action", required=True)
    add = paper.add_parser("add", help="add (or replace) a paper")
    add.add_argument("id", help="arXiv id, e.g. 2401.00001")
    add.add_argument("--title", required=True)
    add.add_argument("--summary", default="")
    add.add_argument("--author", action="append", default=[], help="an author name (repeatable)")
    add.add_argument("--published", help="publication date YYYY-MM-DD (default: today)")
    add.add_argument("--submitted", help="daily-papers date YYYY-MM-DD (default: now)")
    add.add_argument("--submitter", help="user who submitted it to daily papers")
    add.add_argument("--upvotes", type=int, default=0)
    add.add_argument("--markdown-file", type=Path, help="the paper page as markdown (read_paper)")
    add.set_defaults(func=_paper_add)
    ls = paper.add_parser("list", help="list papers")
    ls.set_defaults(func=_paper_list)

    hooks = kinds.add_parser("webhooks").add_subparsers(dest="action", required=True)
    allow = hooks.add_parser("allow-host", help="let webhooks target a non-loopback host ('*': any)")
    allow.add_argument("host", nargs="+")
    allow.set_defaults(func=_allow_host)
    reset = hooks.add_parser("reset-hosts", help="loopback targets only (the default)")
    reset.set_defaults(func=_reset_hosts)


def _db(args: argparse.Namespace) -> Database:
    from hubflow.server._cli import default_data_dir

    data_dir: Path = args.data_dir or default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    return Database(data_dir / "hub.db")


def _day(value: str | None) -> float | None:
    if value is None:
        return None
    d = date.fromisoformat(value)
    return datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc).timestamp()


def _paper_add(args: argparse.Namespace) -> int:
    markdown = args.markdown_file.read_text(encoding="utf-8") if args.markdown_file else None
    try:
        add_paper(
            _db(args), args.id, title=args.title, summary=args.summary, authors=args.author,
            published_at=_day(args.published), submitted_at=_day(args.submitted), submitted_by=args.submitter,
            upvotes=args.upvotes, markdown=markdown,
        )
    except ValueError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"paper {args.id} ready")
    return 0


def _paper_list(args: argparse.Namespace) -> int:
    for row in _db(args).query("SELECT id, data FROM papers ORDER BY submitted_at DESC, id DESC"):
        print(f"{row['id']}\t{json.loads(row['data'])['title']}")
    return 0


def set_allowed_hosts(db: Database, hosts: list[str]) -> None:
    """Store the extra webhook target hosts (an empty list: loopback only).

    ```python
    set_allowed_hosts(hub.db, ["hooks.internal"])
    ```
    """
    with db.tx() as c:
        c.execute("INSERT OR REPLACE INTO hub_settings VALUES (?, ?)", (ALLOWED_HOSTS_KEY, json.dumps(hosts)))


def _allow_host(args: argparse.Namespace) -> int:
    db = _db(args)
    rows = db.query("SELECT value FROM hub_settings WHERE key = ?", ALLOWED_HOSTS_KEY)
    hosts = json.loads(rows[0]["value"]) if rows else []
    set_allowed_hosts(db, sorted(set(hosts) | set(args.host)))
    print("webhook targets: loopback, " + ", ".join(sorted(set(hosts) | set(args.host))))
    return 0


def _reset_hosts(args: argparse.Namespace) -> int:
    set_allowed_hosts(_db(args), [])
    print("webhook targets: loopback only")
    return 0

