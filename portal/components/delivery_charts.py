"""Delivery health charts (rx.recharts): attempt volume over time stacked succeeded/failed,
and failures by cause over time. Stateless: each takes the Var of its points, rows of
`VolumePoint` / `CausePoint` a page state fills with `health_points(health)`.

A point's `start` is its bucket's start, sent as UTC and read in the browser's time zone (as
components/dates.py does for every time): an hour's bucket is an ISO instant
("2026-05-10T13:00:00Z", its tick the local "15:00"), a day's the UTC date ("2026-05-10",
its tick the local date of the day's middle: the date that covers most of it in any zone
within 12 hours of UTC). The tooltip names the bucket's local start.

Colours are Radix scale variables, so light and dark both read; the axes and grid use the
gray scale's text and border steps for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.vars import Var

from portal.domain.delivery_health import HealthWindow
from portal.domain.dto import DeliveryHealth
from portal.domain.moments import iso_utc

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
    start: str  # "2026-05-10T13:00:00Z" for an hour, "2026-05-10" for a day (UTC)
    succeeded: int
    failed: int


@dataclass(frozen=True)
class CausePoint:
    start: str
    http_status: int = 0
    timeout: int = 0
    connection_refused: int = 0
    dns: int = 0
    tls: int = 0
    blocked: int = 0
    other: int = 0


def health_points(health: DeliveryHealth) -> tuple[list[VolumePoint], list[CausePoint]]:
    """The two charts' points of `health`'s buckets."""
    hourly = health.window == HealthWindow.DAY.value
    causes = {key for key, _, _ in CAUSES}
    volume, by_cause = [], []
    for bucket in health.buckets:
        start = iso_utc(bucket.start) if hourly else bucket.start.date().isoformat()
        volume.append(VolumePoint(start=start, succeeded=bucket.succeeded, failed=bucket.failed))
        counted = {k: v for k, v in bucket.causes.items() if k in causes}
        by_cause.append(CausePoint(start=start, **counted))
    return volume, by_cause


# A bucket's start in the viewer's time zone: "15:00" for an hour (an ISO instant), "May 10"
# for a day (a UTC date, read at its middle). `full` (the tooltip) adds the date or the local
# time the day's bucket starts at, so a day cut at UTC midnight says where it begins.
_LOCAL_BUCKET = """(full) => (v) => {
  if (typeof v !== "string") return v;
  const day = v.length <= 10;
  const d = new Date(day ? v + "T12:00:00Z" : v);
  if (isNaN(d.getTime())) return v;
  const p = (n) => (n < 10 ? "0" : "") + n;
  const date = d.toLocaleDateString(undefined, {month: "short", day: "numeric"});
  const time = (t) => p(t.getHours()) + ":" + p(t.getMinutes());
  if (!day) return full ? date + ", " + time(d) : time(d);
  return full ? date + " (from " + time(new Date(v + "T00:00:00Z")) + ")" : date;
}"""
_TICK_LABEL = f"({_LOCAL_BUCKET})(false)"
_TOOLTIP_LABEL = f"({_LOCAL_BUCKET})(true)"

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
            rx.recharts.x_axis(
                data_key="start", tick=_TICK, stroke="var(--gray-7)", tick_formatter=_TICK_LABEL
            ),
            rx.recharts.y_axis(allow_decimals=False, tick=_TICK, stroke="var(--gray-7)", width=40),
            rx.recharts.graphing_tooltip(
                **_TOOLTIP, custom_attrs={"labelFormatter": Var(_js_expr=_TOOLTIP_LABEL)}
            ),
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
