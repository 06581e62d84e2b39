"""Paper nodes: search, info, markdown page, daily papers.

``paper_info`` and ``read_paper`` are sent without Hub headers (no token, no Hub user agent), as
the official client does.

```python
papers = await ctx.submit(ListPapers(query="attention", limit=5))
info = await ctx.submit(GetPaperInfo(paper_id="2401.00001"))
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec

from hubflow.schema import PaperInfo
from hubflow.tasks._base import Endpoint, Task

if TYPE_CHECKING:
    from hubflow.graph._context import Context

__all__ = ["GetPaperInfo", "ListDailyPapers", "ListPapers", "ReadPaper"]


class ListPapers(Endpoint[list[PaperInfo]], kw_only=True):
    """``GET /api/papers/search[?q=&limit=]`` → ``list[PaperInfo]`` (one request, no pagination).

    ```python
    ListPapers(query="diffusion", limit=10)
    ```
    """

    method = "GET"
    path = "/api/papers/search"
    result_type = list[PaperInfo]
    query: str | None = None
    limit: int | None = None

    def request_params(self) -> list[tuple[str, str]] | None:
        params = [("q", self.query)] if self.query else []
        if self.limit is not None:
            params.append(("limit", str(self.limit)))
        return params


class ListDailyPapers(Endpoint[list[PaperInfo]], kw_only=True):
    """``GET /api/daily_papers`` (one page) → ``list[PaperInfo]``; query order ``p, limit, sort, date, week, month, submitter``.

    ```python
    ListDailyPapers(date="2025-01-02", sort="trending", limit=20)
    ```
    """

    method = "GET"
    path = "/api/daily_papers"
    result_type = list[PaperInfo]
    p: int | None = None
    limit: int | None = None
    sort: str | None = None
    date: str | None = None
    week: str | None = None
    month: str | None = None
    submitter: str | None = None


class _Anonymous(Task[Any], kw_only=True):
    """A GET sent without Hub headers (papers are public; the official client sends no token)."""

    paper_id: str

    def _path(self) -> str:
        raise NotImplementedError

    async def _get(self, ctx: Context) -> bytes:
        response = await ctx.hub.request("GET", self._path(), hub_headers=False)
        return response.content


class GetPaperInfo(_Anonymous, kw_only=True):
    """``GET /api/papers/{id}`` → ``PaperInfo`` (404 → ``HfHubHTTPError``).

    ```python
    GetPaperInfo(paper_id="2401.00001")
    ```
    """

    def _path(self) -> str:
        return f"/api/papers/{quote(self.paper_id, safe='')}"

    async def run(self, ctx: Context) -> PaperInfo:
        return msgspec.json.decode(await self._get(ctx), type=PaperInfo)


class ReadPaper(_Anonymous, kw_only=True):
    """``GET /papers/{id}.md`` → the paper page as markdown text.

    ```python
    ReadPaper(paper_id="2401.00001")
    ```
    """

    def _path(self) -> str:
        return f"/papers/{quote(self.paper_id, safe='')}.md"

    async def run(self, ctx: Context) -> str:
        return (await self._get(ctx)).decode("utf-8")
