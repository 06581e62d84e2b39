"""The local Hub: a Hugging Face Hub-compatible HTTP server the official client uses unmodified.

Repositories are bare git repos (dulwich), LFS objects a verified content-addressed store, and
users, tokens, repo metadata and pull requests live in SQLite. Run it with ``hubflow serve`` or
embed the ASGI app:

```python
import httpx
from hubflow.server import create_app

app = create_app("/tmp/hub")
client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.local")
```
"""

from __future__ import annotations

from hubflow.server._app import create_app
from hubflow.server._hub import Hub, Limits

__all__ = ["Hub", "Limits", "create_app"]
