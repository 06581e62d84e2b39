"""Papers: ``/api/papers/search``, ``/api/papers/{id}``, ``/papers/{id}.md``, ``/api/daily_papers``.

The local Hub knows only the papers an admin added (``hubflow admin --data-dir D paper add ID --title T
...``, or :func:`add_paper`). ``paper_info`` answers the paper object; search and daily papers answer
the daily-paper wrapper ``{"paper": {...}, "title", "publishedAt" (submission), "submittedOnDailyBy",
"numComments", ...}``, as the Hub does. Reading papers needs no token (the client sends none).

```python
add_paper(hub.db, "2401.00001", title="Attention", summary="...", authors=["Ada"], submitted_by="alice")
# GET /api/papers/2401.00001 -> {"id": "2401.00001", "title": "Attention", ...}
```
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any

from starlette.responses import Response

from hubflow.server._db import Database, iso
from hubflow.server._errors import HubError, bad_request
from hubflow.server._router import Ctx, Router, json_response

router = Router()

_PAPER_ID = re.compile(r"^[0-9]{4}\.[0-9]{4,5}(v[0-9]+)?$")


def add_paper(
    db: Database, paper_id: str, *, title: str, summary: str = "", authors: list[str] = (),  # type: ignore[assignment]
    published_at: float | None = None, submitted_by: str | None = None, submitted_at: float | None = None,
    upvotes: int = 0, markdown: str | None = None, ai_summary: str | None = None,
    ai_keywords: list[str] | None = None, github_repo: str | None = None, project_page: str | None = None,
) -> None:
    """Add (or replace) a paper. Ids are arXiv ids (``2401.00001``); dates are Unix times.

    ```python
    add_paper(db, "2401.00001", title="T", authors=["Ada", "Alan"], upvotes=3)
    ```
    """
    if not _PAPER_ID.match(paper_id):
        raise ValueError(f"Invalid arXiv id {paper_id!r} (expected e.g. 2401.00001)")
    now = time.time()
    data = {
        "title": title, "summary": summary, "authors": list(authors), "ai_summary": ai_summary,
        "ai_keywords": ai_keywords, "githubRepo": github_repo, "projectPage": project_page,
    }
    with db.tx() as c:
        c.execute(
            "INSERT OR REPLACE INTO papers (id, data, markdown, submitted_by, submitted_at, published_at, upvotes)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (paper_id, json.dumps(data), markdown, submitted_by, submitted_at or now, published_at or now, upvotes),
        )


def _user(db: Database, name: str | None) -> dict[str, Any] | None:
    if not name:
        return None
    row = db.account(name)
    return {
        "_id": name, "user": name, "fullname": row["fullname"] if row else name, "avatarUrl": "",
        "type": "user", "isPro": False,
    }


def paper_json(db: Database, row: Any) -> dict[str, Any]:
    """The paper object (``paper_info``)."""
    data = json.loads(row["data"])
    paper: dict[str, Any] = {
        "id": row["id"], "title": data["title"], "summary": data["summary"],
        "authors": [{"_id": f"{row['id']}-{i}", "name": name, "hidden": False} for i, name in enumerate(data["authors"])],
        "publishedAt": iso(row["published_at"]), "upvotes": row["upvotes"], "discussionId": row["id"],
        "submittedOnDailyAt": iso(row["submitted_at"]), "submittedOnDailyBy": _user(db, row["submitted_by"]),
    }
    for key in ("ai_summary", "ai_keywords", "githubRepo", "projectPage"):
        if data.get(key) is not None:
            paper[key] = data[key]
    return paper


def wrapper_json(db: Database, row: Any) -> dict[str, Any]:
    """The daily-paper wrapper (search results, daily papers)."""
    paper = paper_json(db, row)
    wrapper = {
        "paper": paper, "title": paper["title"], "publishedAt": iso(row["submitted_at"]), "numComments": 0,
        "submittedBy": _user(db, row["submitted_by"]), "isAuthorParticipating": False, "thumbnail": "",
    }
    # huggingface_hub reads these at the top level of the wrapper only
    wrapper.update({k: paper[k] for k in ("ai_summary", "ai_keywords", "githubRepo", "projectPage") if k in paper})
    return wrapper


def _get(ctx: Ctx, paper_id: str) -> Any:
    rows = ctx.hub.db.query("SELECT * FROM papers WHERE id = ?", paper_id)
    if not rows:
        raise HubError(404, f"Paper {paper_id} not found")
    return rows[0]


def _limit(ctx: Ctx, default: int) -> int:
    raw = ctx.query("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise bad_request("'limit' must be an integer between 1 and 1000")
    return int(raw)


@router.route("GET", "/api/papers/search")
def search(ctx: Ctx) -> Response:
    q = (ctx.query("q") or "").lower()
    rows = ctx.hub.db.query("SELECT * FROM papers ORDER BY submitted_at DESC, id DESC")
    hits = [r for r in rows if not q or q in (json.loads(r["data"])["title"] + " " + r["id"]).lower()
            or q in json.loads(r["data"])["summary"].lower()]
    return json_response([wrapper_json(ctx.hub.db, r) for r in hits[: _limit(ctx, 50)]])


@router.route("GET", "/api/daily_papers")
def daily_papers(ctx: Ctx) -> Response:
    start, end = _window(ctx)
    sql = "SELECT * FROM papers WHERE submitted_at >= ? AND submitted_at < ?"
    args: list[Any] = [start, end]
    submitter = ctx.query("submitter")
    if submitter:
        sql += " AND submitted_by = ?"
        args.append(submitter)
    sort = ctx.query("sort") or "publishedAt"
    if sort not in ("publishedAt", "trending"):
        raise bad_request("'sort' must be publishedAt or trending")
    sql += " ORDER BY " + ("upvotes DESC, submitted_at DESC" if sort == "trending" else "submitted_at DESC") + ", id DESC"
    limit = _limit(ctx, 50)
    page = ctx.query("p") or "0"
    if not page.isdigit():
        raise bad_request("'p' must be a page index")
    sql += " LIMIT ? OFFSET ?"
    args += [limit, int(page) * limit]
    return json_response([wrapper_json(ctx.hub.db, r) for r in ctx.hub.db.query(sql, *args)])


def _window(ctx: Ctx) -> tuple[float, float]:
    """[start, end) of ``date`` (YYYY-MM-DD), ``week`` (YYYY-Www) or ``month`` (YYYY-MM); all time otherwise."""
    try:
        if ctx.query("date"):
            day = date.fromisoformat(str(ctx.query("date")))
            first, last = day, day + timedelta(days=1)
        elif ctx.query("week"):
            iso_year, iso_week = str(ctx.query("week")).split("-W")
            first = date.fromisocalendar(int(iso_year), int(iso_week), 1)
            last = first + timedelta(days=7)
        elif ctx.query("month"):
            year, month = (int(x) for x in str(ctx.query("month")).split("-"))
            first = date(year, month, 1)
            last = date(year + month // 12, month % 12 + 1, 1)
        else:
            return 0.0, float("inf")
    except ValueError:
        raise bad_request("Invalid date, week or month") from None
    def ts(d: date) -> float:
        return datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()

    return ts(first), ts(last)


@router.route("GET", "/api/papers/{rev}")
def paper_info(ctx: Ctx) -> Response:
    return json_response(paper_json(ctx.hub.db, _get(ctx, ctx.params["rev"])))


@router.route("GET", "/papers/{rev}")
def read_paper(ctx: Ctx) -> Response:
    name = ctx.params["rev"]
    if not name.endswith(".md"):
        raise HubError(404, f"Not found: /papers/{name}")
    row = _get(ctx, name[: -len(".md")])
    data = json.loads(row["data"])
    text = row["markdown"] or _markdown(row["id"], data)
    return Response(text, media_type="text/markdown; charset=utf-8")


def _markdown(paper_id: str, data: dict[str, Any]) -> str:
    authors = ", ".join(data["authors"]) or "unknown"
    return f"# {data['title']}\n\n**arXiv:** {paper_id}  \n**Authors:** {authors}\n\n## Abstract\n\n{data['summary']}\n"


__all__ = ["add_paper", "paper_json", "router", "wrapper_json"]
