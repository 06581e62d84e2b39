"""Jupyter views for hubflow: transfer progress, a repo's file tree and a job's live metrics.

All three are ipywidgets that only *read*: ``ProgressWidget`` subscribes to the executor's
event stream (``hubflow._events``), ``RepoTreeWidget`` renders tree entries, and
``JobMetricsWidget`` draws metrics samples. ``%load_ext jupyter_ext`` makes hubflow show a
``ProgressWidget`` instead of a tqdm bar.

```python
import jupyter_ext
widget = jupyter_ext.ProgressWidget(description="Upload")
display(widget)
api.on_event = widget.on_event      # HfApi sends every node's events here
api.upload_folder(folder_path="data", repo_id="alice/data")
widget.finish()
```
"""

from __future__ import annotations

try:
    import ipywidgets  # noqa: F401  (checked here so a missing install fails with a clear message)
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "jupyter_ext needs ipywidgets, which is not installed. "
        "It is one of hubflow's dependencies: reinstall hubflow, or pip install ipywidgets"
    ) from exc

from ._hook import (
    attach,
    detach,
    get_view_factory,
    load_ipython_extension,
    progress_factory,
    set_view_factory,
    unload_ipython_extension,
)
from ._metrics import JobMetricsWidget
from ._progress import ProgressWidget
from ._tree import RepoTreeWidget

__all__ = [
    "JobMetricsWidget",
    "ProgressWidget",
    "RepoTreeWidget",
    "attach",
    "detach",
    "get_view_factory",
    "load_ipython_extension",
    "progress_factory",
    "set_view_factory",
    "unload_ipython_extension",
]
