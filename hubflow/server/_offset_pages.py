"""``Link``-paginated JSON arrays over an in-memory list (followers, likers, access requests, collections).

The next page's URL is absolute and carries every query parameter plus an opaque ``cursor``
(the offset), because clients follow it as is.

```python
return link_page(ctx, all_items)          # first page + Link: <...&cursor=...>; rel="next"
```
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from hubflow.server._errors import bad_request
from hubflow.server._router import Ctx, json_response


def _offset(ctx: Ctx) -> int:
    cursor = ctx.query("cursor")
    if not cursor:
        return 0
    try:
        return max(0, int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"]))
    except (ValueError, KeyError, TypeError):
        raise bad_request("Invalid cursor") from None


def link_page(ctx: Ctx, items: list[Any], *, page_size: int | None = None) -> Response:
    """One page of ``items`` (``limit`` query honoured up to the server's page size) with a ``Link`` header."""
    size = page_size or ctx.hub.limits.page_size
    if (limit := ctx.query("limit")) and limit.isdigit():
        size = max(1, min(int(limit), size))
    offset = _offset(ctx)
    page = items[offset : offset + size]
    headers: dict[str, str] = {}
    if offset + size < len(items):
        params = [(k, v) for k, v in ctx.request.query_params.multi_items() if k != "cursor"]
        params.append(("cursor", base64.urlsafe_b64encode(json.dumps({"offset": offset + size}).encode()).decode()))
        raw = ctx.request.scope.get("raw_path") or ctx.request.url.path.encode()
        path = raw.decode("latin-1").split("?", 1)[0]
        headers["Link"] = f'<{ctx.base_url}{path}?{urlencode(params)}>; rel="next"'
    return json_response(page, headers=headers)
