"""The facade's base classes: ``AsyncHfApiBase`` (the async core) and ``HfApiBase`` (its sync mirror).

How to add methods (per-area mixins, e.g. ``hubflow/_api/_repos.py``)
----------------------------------------------------------------------
Write ONE async implementation on an async mixin, and list the mixin in ``hubflow/_api/__init__.py``::

    class ReposMixin(AsyncHfApiBase):
        async def model_info(self, repo_id: str, *, revision: str | None = None,
                             token: TokenArg = None) -> ModelInfo:
            \"\"\"Get info on one model (huggingface_hub's docstring, once).\"\"\"
            return await self._run(RepoInfo(repo_id=repo_id, revision=revision or "main", token=token))

        async def list_models(self, *, author: str | None = None,
                              token: TokenArg = None) -> AsyncIterator[ModelInfo]:
            async for model in self._paginate(ListModels(author=author, token=token)):
                yield model                 # an async generator: pages are fetched as consumed

    # hubflow/_api/__init__.py
    class AsyncHfApi(ReposMixin, UsersMixin, AsyncHfApiBase): ...
    class HfApi(HfApiBase, sync_of=AsyncHfApi): ...

``HfApi`` then gets ``model_info`` (blocking, same signature and docstring, plus a keyword
``run_as_future=True`` returning a ``concurrent.futures.Future``) and ``list_models`` (a lazy
blocking iterator) automatically: ``HfApiBase.__init_subclass__`` mirrors every public
coroutine function and async generator function of ``sync_of`` through ``blocking()``. Plain
(synchronous) public methods are mirrored as is. To give type checkers the precise sync type,
declare it explicitly on ``HfApi``: ``model_info = blocking(AsyncHfApi.model_info)``.

Conventions: the per-call ``token=`` parameter is a ``TokenArg`` (documented once, in
``hubflow._settings``); ``repo_type=None`` means ``"model"``; nodes are built with validated
arguments (``hubflow._validation``) and run with ``self._run(node)``.

The sync facade runs the async core on an event loop in a daemon thread (an anyio
``BlockingPortal``), started on first use and kept for the instance's life, so it works where
an event loop already runs in the caller's thread (Jupyter); ``asyncio.run`` is never called in
the caller's thread.

```python
api = HfApi(endpoint="http://127.0.0.1:8000", token="hf_alice_write")
api.whoami()["name"]
future = api.whoami(run_as_future=True)
async with AsyncHfApi(token="...") as aapi:
    await aapi.whoami()
```
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Concatenate, ParamSpec, TypeVar, overload

import anyio
import httpx
from anyio.from_thread import BlockingPortal

from hubflow._events import EventSink
from hubflow._http import HubClient
from hubflow._settings import Settings
from hubflow.graph import Graph, Journal, Results, run
from hubflow.tasks._base import Endpoint, Task

__all__ = ["AsyncHfApiBase", "HfApiBase", "blocking"]

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


class AsyncHfApiBase:
    """Settings + one ``HubClient``; runs nodes. Constructor as ``huggingface_hub.HfApi``.

    ```python
    api = AsyncHfApi(endpoint="http://hub.local", token="hf_alice_write",
                     transport=httpx.ASGITransport(app))
    ```
    """

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | bool | None = None,
        library_name: str | None = None,
        library_version: str | None = None,
        user_agent: str | dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env(
            endpoint=endpoint,
            token=token,
            library_name=library_name,
            library_version=library_version,
            user_agent=user_agent,
            headers=headers,
        )
        self.endpoint = self.settings.endpoint
        self.token = token
        self.library_name = library_name
        self.library_version = library_version
        self.user_agent = user_agent
        self.headers = headers
        self.hub = HubClient(self.settings, client=client, transport=transport)
        self.on_event: EventSink | None = None
        """Receives the events of every node this facade runs (progress views attach here)."""

    async def __aenter__(self) -> AsyncHfApiBase:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client (an injected ``client=`` is left open).

        ```python
        api = AsyncHfApi(endpoint="http://127.0.0.1:8080")
        try:
            await api.whoami()
        finally:
            await api.aclose()
        ```
        """
        await self.hub.aclose()

    async def _run(self, task: Task[T], *, on_event: EventSink | None = None) -> T:
        """Run one node as a single-node graph (limits, retries, events) and return its result."""
        graph = Graph()
        node = graph.add(task)
        results = await self._run_graph(graph, on_event=on_event)
        return results[node]

    async def _run_graph(
        self, graph: Graph, *, on_event: EventSink | None = None, journal: Journal | None = None
    ) -> Results:
        """Run a composite graph (pipelines) with this facade's client and event sink.

        With no sink set, the default progress view (``hubflow.progress.default_view``: tqdm or the
        registered view factory, off with ``HF_HUB_DISABLE_PROGRESS_BARS``) watches the run.
        """
        sink = on_event or self.on_event
        view = None
        if sink is None:
            from hubflow.progress import default_view, describe  # lazy: `import hubflow` loads no view code

            view = sink = default_view(describe(task.kind for task in graph))
        try:
            return await run(graph, self.hub, on_event=sink, journal=journal)
        finally:
            if view is not None:
                view.finish()

    def _paginate(self, endpoint: Endpoint[Any]) -> AsyncIterator[Any]:
        """Items of a paginated endpoint, fetched page by page as the caller consumes them."""
        return endpoint.iterate(self.hub)


class _LoopThread:
    """An event loop in a daemon thread, reachable through a ``BlockingPortal``."""

    def __init__(self) -> None:
        self.portal: BlockingPortal | None = None
        self.loop: asyncio.AbstractEventLoop | None = None  # for plain run_coroutine_threadsafe hops
        ready = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            async with BlockingPortal() as portal:
                self.portal = portal
                self.loop = asyncio.get_running_loop()
                ready.set()
                await portal.sleep_until_stopped()

        def main() -> None:
            try:
                anyio.run(serve)
            except BaseException as exc:  # pragma: no cover - surfaced to the constructor
                failure.append(exc)
                ready.set()

        # Daemon: an HfApi that is never closed must not keep the interpreter alive at exit.
        self.thread = threading.Thread(target=main, name="hubflow-loop", daemon=True)
        self.thread.start()
        ready.wait()
        if failure:  # pragma: no cover
            raise failure[0]

    def stop(self) -> None:
        portal = self.portal
        if portal is None or not self.thread.is_alive():
            return
        if threading.current_thread() is self.thread:  # pragma: no cover - stop from within the loop
            return
        self.portal = None
        portal.call(portal.stop, True)
        self.thread.join(timeout=10)


class HfApiBase:
    """Blocking mirror of an async facade class (``sync_of=``), see the module docstring."""

    _async_class: type[AsyncHfApiBase] = AsyncHfApiBase

    def __init_subclass__(cls, sync_of: type[AsyncHfApiBase] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if sync_of is None:
            return
        cls._async_class = sync_of
        for name in dir(sync_of):
            if name.startswith("_") or name in cls.__dict__:
                continue
            attr = inspect.getattr_static(sync_of, name)
            if inspect.iscoroutinefunction(attr) or inspect.isasyncgenfunction(attr):
                setattr(cls, name, blocking(attr))
            elif inspect.isfunction(attr):
                setattr(cls, name, _forward(attr))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._async = self._async_class(*args, **kwargs)
        self._loop: _LoopThread | None = None
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        # endpoint, token, settings, hub, on_event... live on the async core.
        if name.startswith("__") or name == "_async":
            raise AttributeError(name)
        return getattr(self._async, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "on_event":
            self._async.on_event = value
        else:
            super().__setattr__(name, value)

    @property
    def portal(self) -> BlockingPortal:
        """The portal to this instance's event loop thread (started on first use)."""
        with self._lock:
            if self._loop is None or self._loop.portal is None:
                self._loop = _LoopThread()
                self._finalizer = weakref.finalize(self, self._loop.stop)
            assert self._loop.portal is not None
            return self._loop.portal

    def close(self) -> None:
        """Close the HTTP client and stop the loop thread. Idempotent.

        ```python
        api = HfApi(endpoint="http://127.0.0.1:8080")
        api.whoami()
        api.close()
        ```
        """
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is None or loop.portal is None:
            return
        try:
            loop.portal.call(self._async.aclose)
        finally:
            loop.stop()
            if self._finalizer is not None:
                self._finalizer.detach()

    def __enter__(self) -> HfApiBase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, graph: Graph, *, on_event: EventSink | None = None, journal: Journal | None = None) -> Results:
        """Run a graph of nodes to completion (blocking) with this facade's client.

        ```python
        results = api.run(graph, journal=Journal("upload.journal"))
        ```
        """
        return self.portal.call(functools.partial(self._async._run_graph, graph, on_event=on_event, journal=journal))


@overload
def blocking(
    method: Callable[Concatenate[Any, P], AsyncIterator[R]],
) -> Callable[Concatenate[Any, P], Iterator[R]]: ...


@overload
def blocking(
    method: Callable[Concatenate[Any, P], Awaitable[R]],
) -> Callable[Concatenate[Any, P], R]: ...


def blocking(
    method: Callable[Concatenate[Any, P], Awaitable[R] | AsyncIterator[R]],
) -> Callable[Concatenate[Any, P], R | Iterator[R]]:
    """Wrap an async facade method as a blocking ``HfApi`` method (signature and docstring kept).

    The result gains a keyword ``run_as_future``: ``True`` returns a
    ``concurrent.futures.Future`` at once. Async generator methods become lazy blocking iterators.

    ```python
    class HfApi(HfApiBase, sync_of=AsyncHfApi):
        whoami = blocking(AsyncHfApi.whoami)    # optional: precise static types
    ```
    """
    if inspect.isasyncgenfunction(method):
        agen_method: Callable[..., AsyncIterator[Any]] = method

        @functools.wraps(method)
        def iterate(self: HfApiBase, *args: Any, **kwargs: Any) -> Iterator[Any]:
            return _SyncIterator(self.portal, agen_method(self._async, *args, **kwargs))

        return iterate  # type: ignore[return-value]

    @functools.wraps(method)
    def call(self: HfApiBase, *args: Any, run_as_future: bool = False, **kwargs: Any) -> Any:
        bound = functools.partial(method, self._async, *args, **kwargs)
        if run_as_future:
            return self.portal.start_task_soon(bound)
        return self.portal.call(bound)

    call.__signature__ = _with_run_as_future(inspect.signature(method))  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


def _forward(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def forward(self: HfApiBase, *args: Any, **kwargs: Any) -> Any:
        return function(self._async, *args, **kwargs)

    return forward


def _with_run_as_future(signature: inspect.Signature) -> inspect.Signature:
    params = list(signature.parameters.values())
    extra = inspect.Parameter("run_as_future", inspect.Parameter.KEYWORD_ONLY, default=False, annotation="bool")
    index = len(params)
    if params and params[-1].kind is inspect.Parameter.VAR_KEYWORD:
        index -= 1
    params.insert(index, extra)
    return signature.replace(parameters=params)


class _SyncIterator(Iterator[Any]):
    """Pulls one item at a time from an async generator living on the portal's loop."""

    def __init__(self, portal: BlockingPortal, agen: AsyncIterator[Any]) -> None:
        self._portal = portal
        self._agen = agen
        self._closed = False

    def __iter__(self) -> _SyncIterator:
        return self

    def __next__(self) -> Any:
        if self._closed:
            raise StopIteration
        try:
            return self._portal.call(self._agen.__anext__)
        except StopAsyncIteration:
            self._closed = True
            raise StopIteration from None

    def close(self) -> None:
        """Stop early: close the async generator (and its open page request)."""
        if not self._closed:
            self._closed = True
            aclose = getattr(self._agen, "aclose", None)
            if aclose is not None:
                self._portal.call(aclose)

