"""Task nodes: ``Task[T]`` (any operation) and ``Endpoint[T]`` (one declarative HTTP call).

A node is data: a frozen, keyword-only ``msgspec.Struct`` whose fields are its inputs. Its
``key`` (a hash of its qualified class name and its msgspec encoding) is its identity, so equal
nodes are the same work, and the journal can say which are done.

Writing a node (the extension point for ``hubflow/tasks/<area>.py``):

* a simple endpoint is a declaration, no ``run`` needed::

      class RepoInfo(Endpoint[schema.ModelInfo]):
          method = "GET"
          path = "/api/{repo_type_plural}/{repo_id}/revision/{revision}"
          result_type = schema.ModelInfo
          repo_id: str
          repo_type: str = "model"
          revision: str = "main"
          expand: list[str] | None = None          # not in the path → query (GET) / JSON body (POST)

  Path placeholders are fields or properties. ``repo_id`` is inserted literally, the fields
  named in ``PATH_KEEP_SLASH`` (``path_in_repo``, ``path``, ``filename``) keep ``/``, every
  other value (``revision``!) is quoted with no safe characters (``refs/pr/1`` →
  ``refs%2Fpr%2F1``). ``{repo_type_plural}`` and ``{repo_prefix}`` derive from ``repo_type``.
  Remaining fields go to the query (GET/HEAD/DELETE: ``None`` omitted, lists as repeated keys,
  bools as ``true``/``false``) or the JSON body (POST/PUT/PATCH: ``None`` omitted). A field's
  wire name is its msgspec name: ``msgspec.field(name="parentCommit")``. Fields listed in
  ``exclude`` are never sent. Override ``request_params`` / ``request_body`` / ``decode`` for
  anything irregular.
* anything else subclasses ``Task[T]`` and writes ``async def run(self, ctx) -> T``, with
  ``resource`` naming its limiter (``"hash"``, ``"api"``, ``"transfer"``, ``"commit"``),
  ``idempotent`` saying whether a retry is safe, ``journaled`` whether a finished result is
  recorded for resumption, and ``limit_key()`` partitioning its limiter (commits: one per
  ``(repo_id, repo_type, revision)``).

Every node has a ``token`` field (the per-call ``TokenArg``); it is masked in ``repr``.
A node that writes files must write a temporary file and rename it into place, so that a
cancelled node leaves nothing half-written.
"""

from __future__ import annotations

import functools
import hashlib
import typing
from collections.abc import AsyncIterator, Hashable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from urllib.parse import quote

import msgspec

from hubflow._constants import REPO_TYPE_PLURAL, REPO_TYPE_URL_PREFIX
from hubflow._validation import normalize_repo_type

if TYPE_CHECKING:
    from hubflow._http import HubClient
    from hubflow.graph._context import Context

__all__ = ["PATH_KEEP_SLASH", "Endpoint", "Task", "result_type_of"]

T = TypeVar("T")

PATH_KEEP_SLASH = frozenset({"path_in_repo", "path", "filename", "folder"})
_LITERAL = frozenset({"repo_id", "repo_type_plural", "repo_prefix", "namespace"})
_QUERY_METHODS = frozenset({"GET", "HEAD", "DELETE"})


@functools.cache
def _struct_fields(cls: type[msgspec.Struct]) -> tuple[tuple[str, str], ...]:
    # (name, wire name) of each field, from the class's own tuples: msgspec.structs.fields would
    # evaluate every annotation (~0.2-0.4 ms per request built) for the two names needed here.
    return tuple(zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True))


_ENCODER = msgspec.json.Encoder()


@functools.cache
def _class_digest(cls: type) -> Any:
    # sha256 fed with the qualified class name and a NUL: each key copies it, then adds the encoding.
    return hashlib.sha256(f"{cls.__module__}.{cls.__qualname__}\0".encode())


class _TaskMeta(msgspec.StructMeta):
    """Makes every subclass frozen and keyword-only without repeating the class options.

    msgspec applies ``kw_only`` only to the fields of the class that sets it; without this, a
    subclass adding a required field after the base's ``token`` default would fail to define.
    """

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> Any:
        kwargs.setdefault("frozen", True)
        kwargs.setdefault("kw_only", True)
        kwargs.setdefault("dict", True)  # room for the cached ``key``; never encoded
        return super().__new__(mcls, name, bases, namespace, **kwargs)


class Task(msgspec.Struct, Generic[T], metaclass=_TaskMeta):
    """A unit of work returning ``T``; subclass it and write ``run`` (subclasses are frozen, kw_only).

    ```python
    class Double(Task[int]):
        resource = "api"
        value: int

        async def run(self, ctx: Context) -> int:
            return self.value * 2
    ```
    """

    resource: ClassVar[str] = "api"
    idempotent: ClassVar[bool] = True
    journaled: ClassVar[bool] = False

    token: str | bool | None = None
    """Per-call token override (``TokenArg``); None uses the client's settings."""

    @property
    def key(self) -> str:
        """Stable identity: sha256 of the qualified class name and the msgspec encoding of ``key_identity()``.

        Computed once per node (nodes are frozen) and kept in the instance's ``__dict__``, which
        msgspec never encodes (not ``functools.cached_property``: on Python 3.11 it takes a lock).
        """
        cached: str | None = self.__dict__.get("_key")
        if cached is None:
            digest = _class_digest(type(self)).copy()
            digest.update(_ENCODER.encode(self.key_identity()))
            cached = self.__dict__["_key"] = digest.hexdigest()[:32]
        return cached

    def key_identity(self) -> Any:
        """What ``key`` encodes: the whole node; a node keyed by its content alone returns less."""
        return self

    @property
    def kind(self) -> str:
        """The class name, as events report it."""
        return type(self).__name__

    @property
    def label(self) -> str:
        """A short human label for progress views; nodes override it (a file name, a path)."""
        for name in ("path_in_repo", "filename", "path", "repo_id"):
            value: object = getattr(self, name, None)
            if isinstance(value, str):
                return value
        return self.kind

    def limit_key(self) -> Hashable | None:
        """Partition of the resource limiter (None: the shared pool). Commits return their ref."""
        return None

    def retry_safe(self, error: Exception | None = None) -> bool:
        """May an attempt that failed with ``error`` be retried? Default ``idempotent``; a commit
        says yes with ``parent_commit``, or when ``error`` shows its body never fully left."""
        return type(self).idempotent

    def total_bytes(self) -> int | None:
        """Bytes this node will hash or move, when known (reported in ``NodeStarted``)."""
        return None

    def provides(self, result: T) -> Iterable[tuple[Task[Any], Any]]:
        """Results of other (equivalent) tasks this node's result answers, for ``ctx.result_of``.

        A batch node does one task's work for many: ``HashBatch`` returns the ``HashFile``
        result of each of its sources, so consumers keep asking for ``HashFile(source=...)``
        without a node per file. Provided tasks are not graph nodes.

        ```python
        def provides(self, result):
            return [(HashFile(source=s), h) for s, h in zip(self.sources, result)]
        ```
        """
        return ()

    async def run(self, ctx: Context) -> T:
        """Do the work; raise typed ``hubflow.errors`` on failure."""
        raise NotImplementedError(f"{type(self).__name__}.run")

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={'***' if name == 'token' and isinstance(getattr(self, name), str) else repr(getattr(self, name))}"
            for name in self.__struct_fields__
        )
        return f"{type(self).__name__}({fields})"


def result_type_of(cls: type[Task[Any]]) -> Any:
    """The ``T`` of a task class, read from its ``Task[T]`` / ``Endpoint[T]`` base (else ``Any``).

    Used to decode journaled results back into typed values.
    """
    for klass in cls.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            if isinstance(origin, type) and issubclass(origin, Task):
                args = typing.get_args(base)
                if args and not isinstance(args[0], TypeVar):
                    return args[0]
    return Any


class Endpoint(Task[T]):
    """One HTTP call described by class variables; the generic ``run`` does the rest.

    ```python
    class WhoAmI(Endpoint[dict[str, Any]]):
        method = "GET"
        path = "/api/whoami-v2"
        result_type = dict[str, Any]
    ```

    ``paginated = True`` means the response is a JSON array split over ``Link rel="next"``
    pages: ``result_type`` is the *item* type, ``run`` returns a ``list`` of all items and
    ``iterate(hub)`` yields them lazily page by page (what the facade's ``list_*`` methods use).
    """

    method: ClassVar[str] = "GET"
    path: ClassVar[str] = ""
    result_type: ClassVar[Any] = None
    paginated: ClassVar[bool] = False
    endpoint_name: ClassVar[str | None] = None
    exclude: ClassVar[frozenset[str]] = frozenset()

    # -- derived placeholders ----------------------------------------------------------------
    @property
    def repo_type_plural(self) -> str:
        return REPO_TYPE_PLURAL[normalize_repo_type(getattr(self, "repo_type", None))]

    @property
    def repo_prefix(self) -> str:
        return REPO_TYPE_URL_PREFIX[normalize_repo_type(getattr(self, "repo_type", None))]

    # -- request building --------------------------------------------------------------------
    def _placeholders(self) -> list[str]:
        import string

        return [name for _, name, _, _ in string.Formatter().parse(type(self).path) if name]

    def _consumed(self) -> set[str]:
        used = set(self._placeholders())
        if used & {"repo_type_plural", "repo_prefix"}:
            used.add("repo_type")
        return used | {"token"} | set(type(self).exclude)

    def request_path(self) -> str:
        """The path with placeholders filled and encoded (see the module docstring)."""
        values: dict[str, str] = {}
        for name in self._placeholders():
            raw = str(getattr(self, name))
            if name in _LITERAL:
                values[name] = raw
            elif name in PATH_KEEP_SLASH:
                values[name] = quote(raw, safe="/")
            else:
                values[name] = quote(raw, safe="")
        return type(self).path.format(**values)

    def _wire_items(self) -> list[tuple[str, Any]]:
        consumed = self._consumed()
        items = []
        for name, wire_name in _struct_fields(type(self)):
            if name in consumed:
                continue
            value = getattr(self, name)
            if value is not None:
                items.append((wire_name, value))
        return items

    def request_params(self) -> list[tuple[str, str]] | None:
        """Query parameters (GET/HEAD/DELETE); None for body methods."""
        if type(self).method not in _QUERY_METHODS:
            return None
        params: list[tuple[str, str]] = []
        for name, value in self._wire_items():
            for item in value if isinstance(value, (list, tuple, set, frozenset)) else [value]:
                params.append((name, _query_value(item)))
        return params

    def request_body(self) -> Any:
        """JSON body (POST/PUT/PATCH): the remaining fields by wire name; None for query methods."""
        if type(self).method in _QUERY_METHODS:
            return None
        return {name: msgspec.to_builtins(value) for name, value in self._wire_items()}

    def decode(self, content: bytes) -> T:
        """Decode a response body into ``result_type`` (None when the endpoint has no body)."""
        result_type = type(self).result_type
        if result_type is None:
            return None  # type: ignore[return-value]
        return msgspec.json.decode(content, type=result_type)  # type: ignore[no-any-return]

    # -- running -----------------------------------------------------------------------------
    async def run(self, ctx: Context) -> T:
        if type(self).paginated:
            return [item async for item in self.iterate(ctx.hub)]  # type: ignore[return-value]
        response = await ctx.hub.request(
            type(self).method,
            self.request_path(),
            token=self.token,
            params=self.request_params(),
            json=self.request_body(),
            endpoint_name=type(self).endpoint_name,
        )
        return self.decode(response.content)

    async def iterate(self, hub: HubClient) -> AsyncIterator[Any]:
        """Yield the items of a paginated endpoint, one page fetched at a time."""
        async for item in hub.paginate(
            self.request_path(), self.request_params(), type=type(self).result_type or Any, token=self.token
        ):
            yield item


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
