"""``Graph``: task nodes in a networkx DAG, deduplicated by key.

```python
graph = Graph()
a = graph.add(HashFile(path="a.bin"))
b = graph.add(HashFile(path="b.bin"))
commit = graph.add(Commit(...), after=[a, b])
graph.add(HashFile(path="a.bin")) is a   # equal nodes are the same work
```
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

import networkx as nx  # type: ignore[import-untyped]

from hubflow.errors import GraphError
from hubflow.tasks._base import Task

__all__ = ["Graph"]

TaskT = TypeVar("TaskT", bound=Task[Any])


class Graph:
    """A DAG of tasks: an edge ``a → b`` means ``b`` runs after ``a`` and may read its result.

    The executor may add nodes while the graph runs (``Context.add``); the graph you pass to
    ``run`` is the one that grows.

    ```python
    graph = Graph()
    repo = graph.add(CreateRepo(repo_id="alice/m", exist_ok=True))
    info = graph.add(RepoInfo(repo_id="alice/m"), after=[repo])
    ```
    """

    def __init__(self) -> None:
        self._dag: nx.DiGraph[str] = nx.DiGraph()

    def __len__(self) -> int:
        return len(self._dag)

    def __contains__(self, task: object) -> bool:
        return isinstance(task, Task) and task.key in self._dag

    def __iter__(self) -> Iterator[Task[Any]]:
        """Tasks in a topological order (dependencies first)."""
        for key in nx.topological_sort(self._dag):
            yield self._dag.nodes[key]["task"]

    def get(self, key: str) -> Task[Any]:
        """The task with this key."""
        try:
            return self._dag.nodes[key]["task"]  # type: ignore[no-any-return]
        except KeyError:
            raise GraphError(f"no node with key {key} in the graph") from None

    def add(self, task: TaskT, after: Iterable[Task[Any]] = ()) -> TaskT:
        """Add ``task`` to run after every task in ``after``; return the node in the graph.

        An equal task already in the graph is returned instead (and gains the new dependencies).
        Every dependency must already be in the graph; an edge that would close a cycle raises
        ``GraphError`` naming the cycle.

        ```python
        up = graph.add(UploadLfs(...), after=[hashed])
        ```
        """
        if not isinstance(task, Task):
            raise GraphError(f"only Task nodes can be added to a Graph, not {type(task).__name__}")
        key = task.key
        deps = list(after)
        # Keys are computed once here: a key hashes the node's encoding, which is large for a
        # commit of many files or a preupload batch depending on hundreds of hashes.
        dep_keys: list[str] = []
        for dep in deps:
            dep_key = dep.key if isinstance(dep, Task) else None
            if dep_key is None or dep_key not in self._dag:
                raise GraphError(f"{task.kind} ({task.label}) depends on {dep!r}, which is not in the graph")
            dep_keys.append(dep_key)
        existing = key in self._dag
        if not existing:
            self._dag.add_node(key, task=task)
        for dep, dep_key in zip(deps, dep_keys, strict=True):
            self._add_edge_by_key(dep, dep_key, task, key)
        return self._dag.nodes[key]["task"]  # type: ignore[no-any-return]

    def add_edge(self, before: Task[Any], after: Task[Any]) -> None:
        """Make ``after`` depend on ``before`` (both already in the graph); a cycle → ``GraphError``."""
        before_key, after_key = before.key, after.key
        for node, key in ((before, before_key), (after, after_key)):
            if key not in self._dag:
                raise GraphError(f"{node.kind} ({node.label}) is not in the graph")
        self._add_edge_by_key(before, before_key, after, after_key)

    def _add_edge_by_key(self, before: Task[Any], before_key: str, after: Task[Any], after_key: str) -> None:
        if before_key == after_key:
            raise GraphError(f"{before.kind} ({before.label}) cannot depend on itself")
        if self._dag.has_edge(before_key, after_key):
            return
        if self._dag.out_degree(after_key) and nx.has_path(self._dag, after_key, before_key):
            path = nx.shortest_path(self._dag, after_key, before_key)
            names = " → ".join(self._name(k) for k in [*path, after_key])
            raise GraphError(f"adding this dependency would create a cycle: {names}")
        self._dag.add_edge(before_key, after_key)

    def dependencies(self, task: Task[Any]) -> list[Task[Any]]:
        """The tasks ``task`` waits for."""
        return [self._dag.nodes[k]["task"] for k in self._dag.predecessors(task.key)]

    def dependents(self, task: Task[Any]) -> list[Task[Any]]:
        """The tasks waiting for ``task``."""
        return [self._dag.nodes[k]["task"] for k in self._dag.successors(task.key)]

    def validate(self) -> None:
        """Raise ``GraphError`` if the graph has a cycle (``add`` already prevents it)."""
        try:
            cycle = nx.find_cycle(self._dag)
        except nx.NetworkXNoCycle:
            return
        names = " → ".join(self._name(u) for u, _ in cycle)
        raise GraphError(f"the graph has a cycle: {names}")

    def _name(self, key: str) -> str:
        task: Task[Any] = self._dag.nodes[key]["task"]
        return f"{task.kind}({task.label})"

    @property
    def dag(self) -> nx.DiGraph[str]:
        """The underlying networkx graph (keys as nodes, the task in the ``task`` attribute); read only."""
        return self._dag
