"""Users and organisations: ``whoami`` (more user/org endpoints land here).

```python
me = await AsyncHfApi(token="hf_alice_write").whoami()
me["name"]
```
"""

from __future__ import annotations

from typing import Any

from hubflow.tasks._base import Endpoint

__all__ = ["WhoAmI"]


class WhoAmI(Endpoint[dict[str, Any]]):
    """``GET /api/whoami-v2``: the token's user, its orgs and the token's role, as the JSON dict."""

    method = "GET"
    path = "/api/whoami-v2"
    result_type = dict[str, Any]
    endpoint_name = "whoami"
