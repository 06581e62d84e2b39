"""Human-readable numbers for the widgets' labels.

```python
assert human_bytes(1536) == "1.5 kB"
assert human_duration(75) == "1m15s"
```
"""

from __future__ import annotations

import html
import math

__all__ = ["escape", "human_bytes", "human_duration", "human_rate"]

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def human_bytes(n: float | None) -> str:
    """Format a byte count with decimal units, as the Hub's web pages do.

    ```python
    assert human_bytes(0) == "0 B"
    assert human_bytes(12_300_000) == "12.3 MB"
    ```
    """
    if n is None:
        return "?"
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1000 or unit == _UNITS[-1]:
            if unit == "B":
                return f"{int(value)} B"
            return f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def human_rate(bytes_per_second: float | None) -> str:
    """Format a transfer rate, e.g. ``"3.2 MB/s"``; ``"-"`` when unknown.

    ```python
    assert human_rate(2500) == "2.5 kB/s"
    ```
    """
    if bytes_per_second is None or not math.isfinite(bytes_per_second):
        return "-"
    return f"{human_bytes(bytes_per_second)}/s"


def human_duration(seconds: float | None) -> str:
    """Format a duration compactly (``"42s"``, ``"3m05s"``, ``"2h10m"``); ``"-"`` when unknown.

    ```python
    assert human_duration(3600 * 2 + 600) == "2h10m"
    ```
    """
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "-"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def escape(text: object) -> str:
    """HTML-escape any value for an ``HTML`` widget (paths and error texts are user data).

    ```python
    assert escape("<b>") == "&lt;b&gt;"
    ```
    """
    return html.escape(str(text), quote=True)
