"""Dates as each person reads them: in their own time zone, with the UTC time on hover.

The server sends an ISO 8601 UTC string (`iso_utc(value)`, in a typed row: `created_at: str`);
the browser formats it in the viewer's local time. The element is a <time datetime="...">
whose title is the UTC time, so a support call can compare notes across time zones.

Absolute times are a plain JavaScript expression in a <time> element, not a component: a list
of 50 rows re-renders on every sort click, and a react-moment component per cell cost more
than the rest of the row (bench/timeline.py --profile). Relative times ("5 minutes ago") keep
rx.moment, which re-renders them each minute.

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

import reflex as rx
from reflex.vars import Var, VarData

from portal.domain.moments import iso_utc  # noqa: F401 - re-exported for the pages

MINUTES = "YYYY-MM-DD HH:mm"
SECONDS = "YYYY-MM-DD HH:mm:ss"


def utc_label(iso: Var | str, *, seconds: bool = False) -> Var:
    """The UTC reading of an iso_utc string: `2026-11-22 13:05 UTC`."""
    text = Var.create(iso).to(str)
    return text[0 : 19 if seconds else 16].replace("T", " ") + " UTC"


def _local_reading(text: Var, *, seconds: bool) -> Var:
    """`YYYY-MM-DD HH:mm[:ss]` in the browser's time zone, computed in the render itself."""
    tail = ' + ":" + p(d.getSeconds())' if seconds else ""
    js = (
        "((s) => { const d = new Date(s); if (isNaN(d.getTime())) return s; "
        'const p = (n) => (n < 10 ? "0" : "") + n; '
        'return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + '
        f'p(d.getHours()) + ":" + p(d.getMinutes()){tail}; }})({text})'
    )
    return Var(_js_expr=js, _var_type=str, _var_data=VarData.merge(text._get_all_var_data()))


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
    title = utc_label(text, seconds=seconds)
    if relative:
        shown = rx.moment(
            date=text,
            format=SECONDS if seconds else MINUTES,
            from_now=True,
            interval=60_000,  # "5 minutes ago" ticks each minute
            local=True,
            custom_attrs={"title": title, "dateTime": text},
            **props,
        )
    else:
        shown = rx.el.time(
            _local_reading(text, seconds=seconds), date_time=text, title=title, **props
        )
    return rx.cond(text != "", shown, rx.text(empty, as_="span", color_scheme="gray"))
