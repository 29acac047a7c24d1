"""Delivery health as plain rules (issue 11, item 7; seed 001: "review delivery health",
"see failure patterns"): the windows a person can look at, the time buckets of each, and the
percentiles of attempt latency. services/webhook_health.py feeds them from the attempt log.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class HealthWindow(StrEnum):
    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"

    @property
    def span(self) -> timedelta:
        return _SPANS[self]

    @property
    def bucket(self) -> timedelta:
        """Hours for a day (24 bars), days for longer (7 or 30 bars)."""
        return timedelta(hours=1) if self is HealthWindow.DAY else timedelta(days=1)


_SPANS = {
    HealthWindow.DAY: timedelta(hours=24),
    HealthWindow.WEEK: timedelta(days=7),
    HealthWindow.MONTH: timedelta(days=30),
}

WINDOW_LABELS = {
    HealthWindow.DAY: "Last 24 hours",
    HealthWindow.WEEK: "Last 7 days",
    HealthWindow.MONTH: "Last 30 days",
}

# Percentiles read at most this many latencies (the window's newest): about 400 KB of ints,
# bounded whatever an endpoint's volume. Above it the figures describe the newest attempts.
LATENCY_SAMPLE_MAX = 50_000


class EndpointState(StrEnum):
    HEALTHY = "healthy"
    FAILING = "failing"  # failing since `failing_since`, no success since
    DISABLED = "disabled"


def window_of(value: object) -> HealthWindow:
    """The window a client asked for; the day for anything else (it comes from a browser)."""
    try:
        return HealthWindow(value)
    except ValueError:
        return HealthWindow.DAY


def floor_to(moment: datetime, step: timedelta) -> datetime:
    """The start of the UTC bucket of length `step` (an hour or a day) holding `moment`."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    if step >= timedelta(days=1):
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(minute=0, second=0, microsecond=0)


def bucket_starts(window: HealthWindow, now: datetime) -> list[datetime]:
    """Every bucket of the window, oldest first, the last one holding `now`: empty buckets
    are drawn too, so a quiet hour reads as quiet rather than missing."""
    step = window.bucket
    last = floor_to(now, step)
    count = int(window.span / step)
    return [last - step * i for i in range(count - 1, -1, -1)]


def percentile(sorted_values: Sequence[int], fraction: float) -> int | None:
    """Nearest-rank percentile of ascending values (p50 of 1..10 is 5, p95 is 10); None for
    none. Nearest rank reports a latency that was measured, never an interpolated one."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]
