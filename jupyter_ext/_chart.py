"""A tiny inline SVG line chart (no plotting library, no JavaScript): series -> ``<svg>`` text.

```python
svg = line_chart({"cpu": [10.0, 20.0, 15.0]}, capacity=60, y_max=100)
assert svg.count("<polyline") == 1
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._format import escape

__all__ = ["COLORS", "line_chart"]

COLORS = {
    "cpu": "#1f77b4",
    "mem": "#ff7f0e",
    "gpu": "#2ca02c",
    "rx": "#9467bd",
    "tx": "#d62728",
}


def line_chart(
    series: Mapping[str, Sequence[float | None]],
    *,
    capacity: int,
    y_max: float,
    title: str = "",
    width: int = 320,
    height: int = 80,
) -> str:
    """Draw each series as a polyline, newest sample at the right edge, scaled to ``y_max``.

    ``capacity`` fixes the horizontal step so the chart scrolls as samples arrive. A
    ``None`` value (metric absent from a sample) is left out of that series' points.

    ```python
    svg = line_chart({"rx": [1.0, 3.0]}, capacity=10, y_max=3.0, title="network")
    ```
    """
    pad = 2.0
    step = (width - 2 * pad) / max(capacity - 1, 1)
    scale = (height - 2 * pad) / y_max if y_max > 0 else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hubflow-metrics-svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="none" stroke="#ccc"/>',
    ]
    for name, values in series.items():
        n = len(values)
        points = []
        for i, value in enumerate(values):
            if value is None:
                continue
            x = width - pad - (n - 1 - i) * step
            y = height - pad - min(max(value, 0.0), y_max) * scale
            points.append(f"{x:.1f},{y:.1f}")
        color = COLORS.get(name, "#555")
        parts.append(
            f'<polyline class="hubflow-metrics-{escape(name)}" fill="none" stroke="{color}" '
            f'stroke-width="1.5" points="{" ".join(points)}"/>'
        )
    if title:
        parts.append(f'<text x="6" y="14" font-size="11" fill="#444">{escape(title)}</text>')
    parts.append("</svg>")
    return "".join(parts)
