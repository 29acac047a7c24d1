"""Delivery health charts (rx.recharts): attempt volume over time stacked succeeded/failed,
and failures by cause over time. Stateless: each takes the Var of its points, rows of
`VolumePoint` / `CausePoint` fields a page state fills from a DeliveryHealth.

Colours are Radix scale variables, so light and dark both read; the axes and grid use the
gray scale's text and border steps for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.vars import Var

# Every FailureCause (domain/webhooks.py), in the legend's order, with its words and colour.
CAUSES: tuple[tuple[str, str, str], ...] = (
    ("http_status", "HTTP status", "tomato"),
    ("timeout", "Timeout", "amber"),
    ("connection_refused", "Connection refused", "purple"),
    ("dns", "DNS", "blue"),
    ("tls", "TLS", "cyan"),
    ("blocked", "Blocked address", "pink"),
    ("other", "Other", "gray"),
)


@dataclass(frozen=True)
class VolumePoint:
    label: str  # "14:00" or "May 10" (UTC)
    succeeded: int
    failed: int


@dataclass(frozen=True)
class CausePoint:
    label: str
    http_status: int = 0
    timeout: int = 0
    connection_refused: int = 0
    dns: int = 0
    tls: int = 0
    blocked: int = 0
    other: int = 0


_TICK = {"fill": "var(--gray-11)", "fontSize": 12}
_TOOLTIP = {
    "content_style": {
        "background": "var(--color-panel-solid)",
        "border": "1px solid var(--gray-6)",
        "borderRadius": "var(--radius-2)",
        "color": "var(--gray-12)",
    },
    "item_style": {"color": "var(--gray-12)"},
    "cursor": {"fill": "var(--gray-a3)"},
}


def _frame(*series: rx.Component, data: Var) -> rx.Component:
    return rx.recharts.responsive_container(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke="var(--gray-5)", vertical=False),
            rx.recharts.x_axis(data_key="label", tick=_TICK, stroke="var(--gray-7)"),
            rx.recharts.y_axis(allow_decimals=False, tick=_TICK, stroke="var(--gray-7)", width=40),
            rx.recharts.graphing_tooltip(**_TOOLTIP),
            rx.recharts.legend(wrapper_style={"fontSize": 12, "color": "var(--gray-11)"}),
            *series,
            # Rows of dataclasses arrive as objects: what recharts reads by data_key.
            data=data.to(list[dict[str, Any]]),
            margin={"top": 8, "right": 8, "left": 0, "bottom": 0},
        ),
        width="100%",
        height=240,
    )


def _bar(key: str, name: str, color: str) -> rx.Component:
    return rx.recharts.bar(
        data_key=key,
        name=name,
        stack_id="attempts",
        fill=f"var(--{color}-9)",
        is_animation_active=False,
    )


def volume_chart(points: Var) -> rx.Component:
    """Attempts per bucket, succeeded under failed."""
    return _frame(
        _bar("succeeded", "Succeeded", "grass"),
        _bar("failed", "Failed", "tomato"),
        data=points,
    )


def causes_chart(points: Var) -> rx.Component:
    """Failed attempts per bucket, stacked by cause."""
    return _frame(*[_bar(key, name, color) for key, name, color in CAUSES], data=points)


def chart_figure(title: str, caption: str, chart: rx.Component, **props) -> rx.Component:
    """A chart in a card with its title and what it counts (the figure's caption)."""
    return rx.el.figure(
        rx.el.figcaption(
            rx.text(title, weight="medium"), rx.text(caption, size="1", color_scheme="gray")
        ),
        chart,
        class_name="pt-chart rt-reset rt-BaseCard rt-Card rt-r-size-2 rt-variant-surface",
        **props,
    )
