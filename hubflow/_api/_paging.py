"""Lazy listings: ``Paged`` (async, page by page) and ``blocking_paged`` (its sync mirror).

A listing method of the async facade returns a ``Paged``: nothing is requested until the
first item is awaited, then one page per request (``Link rel="next"``), each decoded by one
``msgspec.json.decode(body, type=list[T])`` (a cached decoder per item type). The sync facade
crosses the thread boundary once per *page*, not per item, which is what makes a 10,000-item
listing cheap: ``blocking_paged`` wraps the method into a lazy blocking iterator.

```python
async for entry in api.list_repo_tree("alice/m1", recursive=True):   # AsyncHfApi
    ...
for model in HfApi().list_models(author="alice", limit=10):         # HfApi: same, blocking
    ...
```
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar

import msgspec

from hubflow._http import HubClient, next_link
from hubflow.tasks._base import Endpoint

if TYPE_CHECKING:
    from hubflow._api._base import HfApiBase

__all__ = ["Paged", "blocking_paged"]

T = TypeVar("T")
P = ParamSpec("P")


@functools.lru_cache(maxsize=64)
def _decoder(item_type: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(list[item_type])


class Paged(AsyncIterator[T], Generic[T]):
    """Items of a paginated endpoint, fetched one page at a time as they are consumed.

    ``limit`` stops early on the client side (no page past the one holding the last item);
    ``keep`` filters items client-side. ``next_page()`` hands out the rest of the current page
    (or the next page) at once — the sync mirror's unit of work.

    ```python
    paged = Paged(hub, ListModels(author="alice"), limit=3)
    first = await paged.__anext__()
    rest = await paged.next_page()
    ```
    """

    def __init__(
        self,
        hub: HubClient,
        endpoint: Endpoint[Any],
        *,
        limit: int | None = None,
        keep: Callable[[T], bool] | None = None,
    ) -> None:
        self._hub = hub
        self._token = endpoint.token
        self._decoder = _decoder(type(endpoint).result_type)
        self._next_url: str | None = endpoint.request_path()
        self._params: Any = endpoint.request_params()
        self._remaining = limit
        self._keep = keep
        self._buffer: list[T] = []
        self._index = 0
        self.requests = 0
        """Pages requested so far (laziness is observable)."""

    def __aiter__(self) -> Paged[T]:
        return self

    async def _fetch(self) -> list[T]:
        """The next non-empty page (after ``keep`` and ``limit``), or [] at the end."""
        while self._next_url is not None and self._remaining != 0:
            response = await self._hub.get_page(self._next_url, self._params, token=self._token)
            self.requests += 1
            # The next URL carries every query parameter already: never re-add them.
            self._next_url, self._params = next_link(response), None
            items: list[T] = self._decoder.decode(response.content)
            if self._keep is not None:
                items = [item for item in items if self._keep(item)]
            if self._remaining is not None:
                items = items[: self._remaining]
                self._remaining -= len(items)
            if items:
                return items
        return []

    async def next_page(self) -> list[T]:
        """The rest of the current page, else the next page; ``[]`` once exhausted."""
        if self._index < len(self._buffer):
            rest = self._buffer[self._index :]
            self._buffer, self._index = [], 0
            return rest
        return await self._fetch()

    async def __anext__(self) -> T:
        if self._index >= len(self._buffer):
            self._buffer, self._index = await self._fetch(), 0
            if not self._buffer:
                raise StopAsyncIteration
        item = self._buffer[self._index]
        self._index += 1
        return item

    async def collect(self) -> list[T]:
        """Every remaining item, as a list."""
        out: list[T] = []
        while page := await self.next_page():
            out.extend(page)
        return out

    async def aclose(self) -> None:
        """Stop early (nothing is held open between pages)."""
        self._next_url = None
        self._buffer, self._index = [], 0


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class SyncPaged(Iterator[T], Generic[T]):
    """The blocking view of a ``Paged``: one hop to the loop thread per page, items served from memory.

    Pages are scheduled on the facade's loop with ``asyncio.run_coroutine_threadsafe``: half the
    cost of a portal call (no task group or cancel scope per page); errors travel back the same way.
    """

    def __init__(self, api: HfApiBase, paged: Paged[T]) -> None:
        self._api = api
        self._paged = paged
        self._page: Iterator[T] = iter(())
        self._done = False
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def requests(self) -> int:
        """Pages requested so far."""
        return self._paged.requests

    def __iter__(self) -> SyncPaged[T]:
        return self

    def __next__(self) -> T:
        for item in self._page:
            return item
        if self._done:
            raise StopIteration
        page = self._fetch()
        if not page:
            self._done = True
            raise StopIteration
        self._page = iter(page)
        return next(self._page)

    def _fetch(self) -> list[T]:
        if self._loop is None:
            self._api.portal  # noqa: B018 - starts the loop thread on first use
            thread = self._api._loop
            self._loop = thread.loop if thread is not None else None
        if self._loop is None or _running_loop() is self._loop:
            return self._api.portal.call(self._paged.next_page)  # (the portal refuses its own thread)
        return asyncio.run_coroutine_threadsafe(self._paged.next_page(), self._loop).result()

    def close(self) -> None:
        """Stop early."""
        self._done = True
        self._page = iter(())


def blocking_paged(
    method: Callable[Concatenate[Any, P], Paged[T]],
) -> Callable[Concatenate[Any, P], Iterator[T]]:
    """Wrap an async-facade listing method (returning ``Paged``) as a lazy blocking iterator method.

    Arguments are validated at call time (building the node does no I/O); pages are fetched
    on the facade's loop thread as the caller iterates.

    ```python
    class HfApi(HfApiBase, sync_of=AsyncHfApi):
        list_models = blocking_paged(AsyncHfApi.list_models)
    ```
    """

    @functools.wraps(method)
    def iterate(self: Any, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        return SyncPaged(self, method(self._async, *args, **kwargs))

    return iterate  # type: ignore[return-value]
