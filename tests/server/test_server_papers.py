"""Papers through the official client against a real ``hubflow serve``; papers added with ``hubflow admin``."""

from __future__ import annotations

import secrets
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from hubflow.server._db import Database
from hubflow.server._routes_papers import add_paper
from hubflow.testing import HubProcess


def _paper_id() -> str:
    return f"{secrets.randbelow(9000) + 1000}.{secrets.randbelow(90000) + 10000}"


def _ts(day: str) -> float:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=timezone.utc).timestamp()


def test_admin_cli_adds_a_paper(hub: HubProcess, tmp_path: Path) -> None:
    pid = _paper_id()
    page = tmp_path / "page.md"
    page.write_text("# Custom page\n\nBody.\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "hubflow.cli", "admin", "--data-dir", str(hub.data_dir), "paper", "add", pid,
         "--title", "Local Attention", "--summary", "We attend locally.", "--author", "Ada", "--author", "Alan",
         "--published", "2024-01-02", "--submitted", "2024-01-03", "--submitter", "alice", "--upvotes", "7",
         "--markdown-file", str(page)],
        capture_output=True, text=True, check=True,
    )
    assert f"paper {pid} ready" in out.stdout
    api = HfApi(endpoint=hub.endpoint)
    info = api.paper_info(pid)
    assert (info.id, info.title, info.summary, info.upvotes) == (pid, "Local Attention", "We attend locally.", 7)
    assert [a.name for a in info.authors or []] == ["Ada", "Alan"]
    assert info.published_at == datetime(2024, 1, 2, 12, tzinfo=timezone.utc)
    assert info.submitted_at == datetime(2024, 1, 3, 12, tzinfo=timezone.utc)
    assert info.submitted_by is not None and info.submitted_by.username == "alice"
    assert api.read_paper(pid) == "# Custom page\n\nBody.\n"
    listed = subprocess.run(
        [sys.executable, "-m", "hubflow.cli", "admin", "--data-dir", str(hub.data_dir), "paper", "list"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert f"{pid}\tLocal Attention" in listed
    bad = subprocess.run(
        [sys.executable, "-m", "hubflow.cli", "admin", "--data-dir", str(hub.data_dir), "paper", "add", "nope",
         "--title", "x"], capture_output=True, text=True,
    )
    assert bad.returncode == 1 and "Invalid arXiv id" in bad.stderr


def test_search_daily_and_markdown(hub: HubProcess, token: str) -> None:
    db = Database(hub.data_dir / "hub.db")
    word = f"zebra{secrets.token_hex(3)}"
    first, second = _paper_id(), _paper_id()
    add_paper(db, first, title=f"{word} transformers", summary="s1", authors=["A"], upvotes=1,
              submitted_at=_ts("2031-05-05"), submitted_by="alice")
    add_paper(db, second, title="Other", summary=f"about {word}", authors=["B"], upvotes=9,
              submitted_at=_ts("2031-05-06"), submitted_by="bob", ai_keywords=["k"], github_repo="https://g/x")
    api = HfApi(endpoint=hub.endpoint, token=token)

    found = list(api.list_papers(query=word))
    assert [p.id for p in found] == [second, first]  # newest submission first
    assert found[0].title == "Other" and found[0].ai_keywords == ["k"] and found[0].github_repo == "https://g/x"
    assert found[0].submitted_at == datetime(2031, 5, 6, 12, tzinfo=timezone.utc)
    assert [p.id for p in api.list_papers(query=word, limit=1)] == [second]

    assert [p.id for p in api.list_daily_papers(date="2031-05-05")] == [first]
    assert [p.id for p in api.list_daily_papers(week="2031-W19")] == [second, first]
    assert [p.id for p in api.list_daily_papers(month="2031-05", sort="trending")] == [second, first]
    assert [p.id for p in api.list_daily_papers(month="2031-05", submitter="alice")] == [first]
    assert [p.id for p in api.list_daily_papers(month="2031-05", limit=1, p=1)] == [first]
    daily = next(iter(api.list_daily_papers(date="2031-05-06")))
    assert daily.submitted_by is not None and daily.submitted_by.username == "bob" and daily.upvotes == 9

    text = api.read_paper(first)
    assert text.startswith(f"# {word} transformers") and "s1" in text


def test_unknown_paper_is_404(hub: HubProcess) -> None:
    api = HfApi(endpoint=hub.endpoint)
    for call in (api.paper_info, api.read_paper):
        with pytest.raises(HfHubHTTPError) as err:
            call("0000.00000")
        assert err.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError):
        list(api.list_daily_papers(date="not-a-date"))
