"""Papers on the facade: ``list_papers``, ``paper_info``, ``read_paper``, ``list_daily_papers``.

Same names, parameters and defaults as ``huggingface_hub.HfApi`` 2.4.0. The listings are lazy
(iterated like the official generators) but fetch a single page, as the Hub serves them.

```python
api = HfApi()
[p.title for p in api.list_papers(query="attention", limit=3)]
api.paper_info("2401.00001").authors
print(api.read_paper("2401.00001"))
```
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal

from hubflow._api._base import AsyncHfApiBase
from hubflow._settings import TokenArg
from hubflow.schema import PaperInfo
from hubflow.tasks.papers import GetPaperInfo, ListDailyPapers, ListPapers, ReadPaper

__all__ = ["PapersMixin"]


class PapersMixin(AsyncHfApiBase):
    """Papers (see the module docstring)."""

    async def list_papers(
        self, *, query: str | None = None, limit: int | None = None, token: TokenArg = None
    ) -> AsyncIterator[PaperInfo]:
        """Papers matching ``query`` (title, id or abstract), at most ``limit``.

        ```python
        async for paper in api.list_papers(query="diffusion", limit=5):
            print(paper.id, paper.title)
        ```
        """
        papers: list[PaperInfo] = await self._run(ListPapers(query=query, limit=limit, token=token))
        for paper in papers:
            yield paper

    async def paper_info(self, id: str) -> PaperInfo:
        """One paper by arXiv id (sent without a token; 404 → ``HfHubHTTPError``).

        ```python
        (await api.paper_info("2401.00001")).title
        ```
        """
        result: PaperInfo = await self._run(GetPaperInfo(paper_id=id))
        return result

    async def read_paper(self, id: str) -> str:
        """The paper page as markdown.

        ```python
        print(await api.read_paper("2401.00001"))
        ```
        """
        result: str = await self._run(ReadPaper(paper_id=id))
        return result

    async def list_daily_papers(
        self,
        *,
        date: str | None = None,
        token: TokenArg = None,
        week: str | None = None,
        month: str | None = None,
        submitter: str | None = None,
        sort: Literal["publishedAt", "trending"] | None = None,
        p: int | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[PaperInfo]:
        """One page of daily papers for a ``date`` (YYYY-MM-DD), ``week`` (YYYY-Www) or ``month`` (YYYY-MM).

        ```python
        async for paper in api.list_daily_papers(date="2025-01-02", sort="trending"):
            print(paper.title, paper.upvotes)
        ```
        """
        node = ListDailyPapers(p=p, limit=limit, sort=sort, date=date, week=week, month=month,
                               submitter=submitter, token=token)
        papers: list[PaperInfo] = await self._run(node)
        for paper in papers:
            yield paper
