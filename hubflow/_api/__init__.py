"""The facade: ``AsyncHfApi`` (the async core) and ``HfApi`` (its blocking mirror).

Each Hub area contributes one async mixin (``hubflow/_api/_<area>.py``, see ``_base.py`` for the
pattern); add it to ``AsyncHfApi``'s bases below, and ``HfApi`` mirrors its methods.

```python
from hubflow import HfApi
HfApi(token="hf_...").whoami()
```
"""

from __future__ import annotations

from hubflow._api._base import AsyncHfApiBase, HfApiBase, blocking
from hubflow._api._users import UsersMixin

__all__ = ["AsyncHfApi", "HfApi", "blocking"]


class AsyncHfApi(
    UsersMixin,
    AsyncHfApiBase,
):
    """The Hub API, async. Same method names and parameters as ``huggingface_hub.HfApi``.

    ```python
    async with AsyncHfApi(token="hf_...") as api:
        me = await api.whoami()
    ```
    """


class HfApi(HfApiBase, sync_of=AsyncHfApi):
    """The Hub API, blocking: every ``AsyncHfApi`` method, run on a background event loop.

    Works inside Jupyter (where an event loop already runs). Every method also accepts
    ``run_as_future=True`` to get a ``concurrent.futures.Future``.

    ```python
    with HfApi(token="hf_...") as api:
        api.whoami()["name"]
    ```
    """

    whoami = blocking(AsyncHfApi.whoami)
