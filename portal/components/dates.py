"""Dates as each person reads them: in their own time zone, with the UTC time on hover.

The server sends an ISO 8601 UTC string (`iso_utc(value)`, in a typed row: `created_at: str`);
the browser formats it in the viewer's local time (rx.moment, no timer, no locale bundle).
The element is a <time datetime="..."> whose title is the UTC time, so a support call can
compare notes across time zones.

    @dataclass(frozen=True)
    class EventRow:
        when: str  # iso_utc(event.created_at)

        @classmethod
        def of(cls, event) -> EventRow:
            return cls(when=iso_utc(event.created_at))

    rx.table.cell(local_time(row.when))                      # 2026-11-22 14:05
    local_time(row.when, seconds=True)                       # 2026-11-22 14:05:09
    local_time(row.when, relative=True)                      # 5 minutes ago (updates each min)
"""

from __future__ import annotations

from datetime import UTC, datetime

import reflex as rx
from reflex.vars import Var

MINUTES = "YYYY-MM-DD HH:mm"
SECONDS = "YYYY-MM-DD HH:mm:ss"


def iso_utc(value: datetime | None) -> str:
    """`2026-11-22T13:05:09Z` (naive values are taken as UTC); "" for None."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_label(iso: Var | str, *, seconds: bool = False) -> Var:
    """The UTC reading of an iso_utc string: `2026-11-22 13:05 UTC`."""
    text = Var.create(iso).to(str)
    return text[0 : 19 if seconds else 16].replace("T", " ") + " UTC"


def local_time(
    iso: Var | str,
    *,
    seconds: bool = False,
    relative: bool = False,
    empty: str = "—",
    **props,
) -> rx.Component:
    """`iso` (from iso_utc) in the viewer's local time; `empty` when it is "" (never set)."""
    text = Var.create(iso).to(str)
    moment = rx.moment(
        date=text,
        format=SECONDS if seconds else MINUTES,
        from_now=relative,
        # Absolute times never change: no per-element timer. Relative ones tick each minute.
        interval=60_000 if relative else 0,
        local=True,
        custom_attrs={"title": utc_label(text, seconds=seconds), "dateTime": text},
        **props,
    )
    return rx.cond(text != "", moment, rx.text(empty, as_="span", color_scheme="gray"))
