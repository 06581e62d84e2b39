"""Fixtures of the facade tests: an in-process Hub answering small pages, and a client whose requests are counted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hubflow import HfApi
from hubflow.testing import LocalHub


class Counter:
    """Counts the requests a client sends (an httpx event hook), by path."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, request: httpx.Request) -> None:
        self.paths.append(request.url.path)

    def count(self, fragment: str) -> int:
        """Requests whose path contains ``fragment``."""
        return sum(fragment in p for p in self.paths)


@pytest.fixture
def small_pages(tmp_path: Path) -> LocalHub:
    """An in-process hub that answers pages of 5 items."""
    return LocalHub(tmp_path / "small-pages", page_size=5)


@pytest.fixture
def counter() -> Counter:
    """A fresh request counter, to pass as an httpx ``request`` event hook."""
    return Counter()


@pytest.fixture
def counted(small_pages: LocalHub, token: str, counter: Counter) -> Iterator[tuple[HfApi, Counter]]:
    """``HfApi`` on ``small_pages`` (ASGI transport), with the ``counter`` of its requests."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=small_pages.app),  # type: ignore[arg-type]
        event_hooks={"request": [counter]},
    )
    with HfApi(endpoint=small_pages.endpoint, token=token, client=client) as api:
        yield api, counter
        api.portal.call(client.aclose)  # an injected client is the caller's to close
