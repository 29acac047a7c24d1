"""The audit feed as a table, and the Newer/Older pager every cursor-paged list uses."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def activity_table(rows: Var, *, empty: str) -> rx.Component:
    """Rows of {when, actor, action, target}, newest first."""
    return rx.cond(
        rows.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("When"),
                    rx.table.column_header_cell("Actor"),
                    rx.table.column_header_cell("Action"),
                    rx.table.column_header_cell("Target"),
                )
            ),
            rx.table.body(
                rx.foreach(
                    rows,
                    lambda e: rx.table.row(
                        rx.table.cell(e["when"], white_space="nowrap"),
                        rx.table.cell(e["actor"]),
                        rx.table.cell(rx.code(e["action"])),
                        rx.table.cell(e["target"]),
                        class_name="activity-row",
                    ),
                )
            ),
            variant="surface",
            width="100%",
            size="1",
        ),
        rx.text(empty, size="2", color_scheme="gray"),
    )


def pager(page: Var, has_next: Var, *, on_newer, on_older, newer="Newer", older="Older"):
    """Page N, and buttons to the previous (newer) and next (older) pages."""
    return rx.hstack(
        rx.text("Page ", page, size="1", color_scheme="gray"),
        rx.spacer(),
        rx.button(newer, size="1", variant="soft", on_click=on_newer, disabled=page <= 1),
        rx.button(older, size="1", variant="soft", on_click=on_older, disabled=~has_next),
        width="100%",
        align="center",
    )
