"""How dates read on every page: UTC, to the minute (or second where timings matter)."""

from __future__ import annotations

from datetime import datetime


def when(value: datetime | None, *, seconds: bool = False) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")
