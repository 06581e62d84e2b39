"""hubflow's facade for papers: search, info, markdown, daily papers; requests carry no token where expected."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from hubflow import HfApi, HfHubHTTPError
from hubflow.schema import PaperInfo
from hubflow.server._routes_papers import add_paper
from hubflow.tasks import ListDailyPapers, ListPapers
from hubflow.testing import ALICE_WRITE, LocalHub


def _ts(day: str) -> float:
    return datetime.fromisoformat(day).replace(hour=8, tzinfo=timezone.utc).timestamp()


@pytest.fixture
def local(tmp_path: Path) -> LocalHub:
    hub = LocalHub(tmp_path / "hub")
    db = hub.app.state.hub.db
    add_paper(db, "2401.00001", title="Attention again", summary="Transformers.", authors=["Ada", "Alan"],
              upvotes=5, published_at=_ts("2024-01-01"), submitted_at=_ts("2024-01-02"), submitted_by="alice",
              ai_summary="short", project_page="https://p")
    add_paper(db, "2401.00002", title="Diffusion", summary="Noise.", authors=["Bo"], upvotes=50,
              submitted_at=_ts("2024-01-02"), submitted_by="bob")
    add_paper(db, "2402.00003", title="Later", submitted_at=_ts("2024-02-10"))
    return hub


def test_paper_info_and_read(local: LocalHub) -> None:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=local.app), event_hooks={"request": [record]})
    with HfApi(endpoint=local.endpoint, token=ALICE_WRITE, client=client) as api:
        info = api.paper_info("2401.00001")
        assert isinstance(info, PaperInfo)
        assert (info.id, info.title, info.summary, info.upvotes) == ("2401.00001", "Attention again", "Transformers.", 5)
        assert [a.name for a in info.authors or []] == ["Ada", "Alan"]
        assert info.published_at == datetime(2024, 1, 1, 8, tzinfo=timezone.utc)
        assert info.submitted_by is not None and info.submitted_by.username == "alice"
        assert info.ai_summary == "short" and info.project_page == "https://p"
        text = api.read_paper("2401.00001")
        assert text.startswith("# Attention again") and "Ada, Alan" in text
        with pytest.raises(HfHubHTTPError) as err:
            api.paper_info("9999.99999")
        assert err.value.status_code == 404
    assert seen and all("authorization" not in r.headers for r in seen)  # papers are read anonymously


def test_search_and_daily(local: LocalHub) -> None:
    with HfApi(endpoint=local.endpoint, token=ALICE_WRITE, transport=httpx.ASGITransport(app=local.app)) as api:
        assert [p.id for p in api.list_papers(query="noise")] == ["2401.00002"]
        assert [p.id for p in api.list_papers()] == ["2402.00003", "2401.00002", "2401.00001"]
        assert len(list(api.list_papers(limit=2))) == 2
        day = list(api.list_daily_papers(date="2024-01-02"))
        assert [p.id for p in day] == ["2401.00002", "2401.00001"]
        assert day[1].submitted_at == datetime(2024, 1, 2, 8, tzinfo=timezone.utc) and day[1].comments == 0
        trending = [p.id for p in api.list_daily_papers(month="2024-01", sort="trending")]
        assert trending == ["2401.00002", "2401.00001"]
        assert [p.id for p in api.list_daily_papers(week="2024-W06")] == ["2402.00003"]
        assert [p.id for p in api.list_daily_papers(submitter="bob")] == ["2401.00002"]
        assert [p.id for p in api.list_daily_papers(limit=1, p=2)] == ["2401.00001"]


def test_query_order_matches_the_official_client() -> None:
    node = ListDailyPapers(submitter="a", month="2024-01", p=1, limit=2, sort="trending")
    assert node.request_params() == [("p", "1"), ("limit", "2"), ("sort", "trending"), ("month", "2024-01"),
                                     ("submitter", "a")]
    assert ListPapers(query="", limit=3).request_params() == [("limit", "3")]  # an empty query is not sent
