"""Task nodes: one module per Hub area, all built on ``Task[T]`` and ``Endpoint[T]``.

Area modules (``repos``, ``files``, ``commits``, ...) add their node classes here by
re-exporting them below; see ``hubflow/tasks/_base.py`` for how to write one.

```python
from hubflow.tasks import WhoAmI
```
"""

from __future__ import annotations

from hubflow.graph._context import Context
from hubflow.tasks._base import Endpoint, Task, result_type_of
from hubflow.tasks.users import WhoAmI

__all__ = ["Context", "Endpoint", "Task", "WhoAmI", "result_type_of"]
