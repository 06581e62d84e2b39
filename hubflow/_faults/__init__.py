"""Fault injection for resilience tests: ``FaultProxy`` in front of a local Hub, driven by a ``FaultPlan``.

Public through ``hubflow.testing``; see docs/resilience.md.

```python
from hubflow.testing import FaultProxy, HubProcess, status

with HubProcess(tmp_path / "hub") as hub, FaultProxy(hub) as proxy:
    proxy.plan.add(status(503), path="/api/whoami-v2", times=2)
    HfApi(endpoint=proxy.url, token="hf_alice_write").whoami()
```
"""

from __future__ import annotations

from hubflow._faults._plan import (
    Action,
    FaultPlan,
    LogEntry,
    ResetBeforeResponse,
    ResetMidRequestBody,
    ResetMidResponseBody,
    RestartServer,
    Rule,
    Stall,
    Status,
    rate_limited,
    reset_before_response,
    reset_mid_request_body,
    reset_mid_response_body,
    restart_server,
    stall,
    status,
)
from hubflow._faults._proxy import FaultProxy

__all__ = [
    "Action",
    "FaultPlan",
    "FaultProxy",
    "LogEntry",
    "ResetBeforeResponse",
    "ResetMidRequestBody",
    "ResetMidResponseBody",
    "RestartServer",
    "Rule",
    "Stall",
    "Status",
    "rate_limited",
    "reset_before_response",
    "reset_mid_request_body",
    "reset_mid_response_body",
    "restart_server",
    "stall",
    "status",
]
