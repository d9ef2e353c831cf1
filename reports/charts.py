"""Server-rendered SVG charts: the geometry of a bar chart as a pure function, drawn by
`templates/reports/_bar_chart.html`. Every bar carries its figure as text, so the chart is
read without hovering and without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 640, 180, 18, 22, 6


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    text: str
    label_x: float
    show_label: bool
    value_y: float = 0


def bar_chart(points: list[tuple[str, float, str]]) -> dict:
    """points: (axis label, value, value as text). Bars share the width; labels thin out
    so they never overlap."""
    n = max(len(points), 1)
    peak = max((value for _label, value, _text in points), default=0) or 1
    slot = (WIDTH - 2 * LEFT) / n
    gap = min(6.0, slot * 0.2)
    plot = HEIGHT - TOP - BOTTOM
    every = max(1, round(n / 12))
    bars = []
    for i, (label, value, text) in enumerate(points):
        h = plot * (value / peak) if value else 0
        x = LEFT + i * slot + gap / 2
        bars.append(
            Bar(
                x=round(x, 1), y=round(TOP + plot - h, 1), width=round(slot - gap, 1),
                height=round(h, 1), label=label, value=value, text=text,
                label_x=round(x + (slot - gap) / 2, 1), show_label=i % every == 0,
                value_y=round(max(TOP + plot - h - 4, 11), 1),
            )
        )  # fmt: skip
    return {
        "bars": bars, "width": WIDTH, "height": HEIGHT, "baseline": TOP + plot,
        "label_y": HEIGHT - 6, "value_labels": n <= 16, "empty": not any(p[1] for p in points),
    }  # fmt: skip
