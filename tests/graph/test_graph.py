"""Graph building: dedup by key, missing dependencies, cycles."""

from __future__ import annotations

import pytest
from graph_helpers import Echo, Sleep

from hubflow.errors import GraphError
from hubflow.graph import Graph


def test_equal_nodes_are_one_node() -> None:
    graph = Graph()
    a = graph.add(Sleep(name="a"))
    again = graph.add(Sleep(name="a"))
    assert again is a and len(graph) == 1
    assert Sleep(name="a").key == a.key and Sleep(name="b").key != a.key
    assert Echo(value=1).key != Sleep(name="a").key  # the class is part of the identity


def test_key_depends_on_class_and_fields() -> None:
    assert Echo(value=[1, 2]).key == Echo(value=[1, 2]).key
    assert Echo(value=[1, 2]).key != Echo(value=[2, 1]).key


def test_missing_dependency_is_an_error() -> None:
    graph = Graph()
    with pytest.raises(GraphError, match="not in the graph"):
        graph.add(Sleep(name="b"), after=[Sleep(name="a")])


def test_cycle_is_named() -> None:
    graph = Graph()
    a = graph.add(Sleep(name="a"))
    b = graph.add(Sleep(name="b"), after=[a])
    c = graph.add(Sleep(name="c"), after=[b])
    with pytest.raises(GraphError, match=r"cycle: Sleep\(a\) → Sleep\(b\) → Sleep\(c\) → Sleep\(a\)"):
        graph.add(Sleep(name="a"), after=[c])  # dedup onto a, whose new edge closes the loop
    with pytest.raises(GraphError, match="itself"):
        graph.add_edge(a, a)
    assert [t.label for t in graph] == ["a", "b", "c"]  # topological, unchanged
    assert graph.dependencies(c) == [b] and graph.dependents(a) == [b]
