"""The graph and the executor: build a ``Graph`` of task nodes, ``run`` it.

```python
from hubflow.graph import Graph, Journal, run

graph = Graph()
node = graph.add(SomeTask(...))
results = await run(graph, settings, journal=Journal("run.journal"))
results[node]
```
"""

from __future__ import annotations

from hubflow.graph._context import Context
from hubflow.graph._executor import Results, run
from hubflow.graph._graph import Graph
from hubflow.graph._journal import Journal

__all__ = ["Context", "Graph", "Journal", "Results", "run"]
