"""The one data table: typed rows, columns with a label, an optional sort key and a cell
renderer, sort headers, an empty state that says what to do next, and the pager.

Rows are a Var of a list of dataclasses (a page state's `rows: list[WorkspaceListRow]`), so a
cell reads `row.name`, typed, instead of `row["name"]`. Sorting and paging happen on the
server: a header click calls `on_sort(key)`; the pager calls the state's Pager handlers.

    from portal.components.data_table import Column, data_table, pager, row_link

    COLUMNS = (
        Column("Name", lambda r: row_link(r.name, r.href), sort="name", row_header=True),
        Column("Status", lambda r: status_badge(r.status), sort="status"),
        Column("Created", lambda r: local_time(r.created_at), sort="created_at"),
        Column("Note", lambda r: r.note, nowrap=False),  # no sort key: a plain header
    )

    data_table(
        WorkspacesState.rows,
        COLUMNS,
        label="Workspaces",
        sort=WorkspacesState.sort,
        direction=WorkspacesState.direction,
        on_sort=WorkspacesState.sort_by,
        empty=empty_state("boxes", "No workspaces yet", "Create one with Create workspace."),
        footer=pager(**WorkspacesState.pager_props("workspaces"), summary=rx.el.span(...)),
        row_class="workspace-row",
    )

Sort icons are static (`rx.icon("arrow-up")` under an rx.cond, never `rx.icon(<Var>)`): a
dynamic icon name makes the build ship the whole Lucide set. The table scrolls sideways inside
its card on narrow screens; the page itself never does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.vars import Var
from reflex_components_core.react_router.dom import ReactRouterLink


@dataclass(frozen=True)
class Column:
    """One column: its header `label`, `cell(row) -> component or Var`, and optionally the
    server's `sort` key for it. `row_header` marks the cell that names the row (a <th>)."""

    label: str
    cell: Callable[[Any], Any]
    sort: str = ""
    row_header: bool = False
    nowrap: bool = True
    align: str = "left"  # "right" for numbers


def row_link(label: Var | str, href: Var | str) -> rx.Component:
    """The link that names a row (to its detail page): a client-side React Router link with
    Radix's link classes. rx.link wraps the same link in Radix's Link, Text and Slot and an
    emotion style, four more components in every row of every re-render."""
    return ReactRouterLink.create(
        label,
        to=href,
        class_name="rt-Text rt-reset rt-Link rt-underline-auto rt-r-weight-medium pt-row-link",
        # Radix colours a link by this attribute ("" = the theme's accent), as rx.link does.
        custom_attrs={"data-accent-color": ""},
    )


# Radix's classes on plain elements: the same look as rx.button, rx.table.* and rx.card,
# without the component's props work and emotion style per element (and without Table.Root's
# scroll area, four components whose viewport nobody could focus: the box around the table
# scrolls instead). The table is on every list page, and a sort click re-renders it.
_GHOST_BUTTON = "rt-reset rt-BaseButton rt-r-size-1 rt-variant-ghost rt-Button"
_CARD = "rt-reset rt-BaseCard rt-Card rt-r-size-1 rt-variant-surface"


def _sort_icon(active: Var, direction: Var) -> rx.Component:
    return rx.cond(
        active,
        rx.cond(
            direction == "asc",
            rx.icon("arrow-up", size=12),
            rx.icon("arrow-down", size=12),
        ),
        rx.icon("arrow-up-down", size=12, class_name="pt-dim"),
    )


def _align(column: Column) -> str:
    return " pt-right" if column.align == "right" else ""


def sort_header(column: Column, *, sort: Var, direction: Var, on_sort: Callable) -> rx.Component:
    """A header cell that sorts by `column.sort` when clicked, with aria-sort for readers."""
    active = sort == column.sort
    return rx.el.th(
        rx.el.button(
            column.label,
            _sort_icon(active, direction),
            type="button",
            on_click=on_sort(column.sort),
            class_name=_GHOST_BUTTON,
            custom_attrs={"data-accent-color": "gray"},
        ),
        scope="col",
        aria_sort=rx.cond(active, rx.cond(direction == "asc", "ascending", "descending"), "none"),
        class_name="rt-TableCell rt-TableColumnHeaderCell pt-cell" + _align(column),
    )


def _header(column: Column, sort: Var | None, direction: Var | None, on_sort) -> rx.Component:
    if column.sort and sort is not None and direction is not None and on_sort is not None:
        return sort_header(column, sort=sort, direction=direction, on_sort=on_sort)
    return rx.el.th(
        column.label,
        scope="col",
        class_name="rt-TableCell rt-TableColumnHeaderCell pt-cell" + _align(column),
    )


def _cell(column: Column, row: Var) -> rx.Component:
    # Plain <td>/<th> with Radix's own classes and static ones from assets/portal.css: the
    # Radix components re-derive their props and an emotion class per cell on every render,
    # and a page of 50 rows x 7 columns re-renders on each sort click (bench/timeline.py).
    classes = "pt-cell" + ("" if column.nowrap else " pt-wrap") + _align(column)
    content = column.cell(row)
    # data-label: the column's name above the value when a phone stacks the row
    # (stack_on_phone; assets/portal.css).
    labelled = {"data-label": column.label} if column.label else {}
    if column.row_header:
        return rx.el.th(
            content,
            scope="row",
            class_name=f"rt-TableCell rt-TableRowHeaderCell {classes}",
            custom_attrs=labelled,
        )
    return rx.el.td(content, class_name=f"rt-TableCell {classes}", custom_attrs=labelled)


def data_table(
    rows: Var,
    columns: Sequence[Column],
    *,
    label: str,
    empty: rx.Component,
    sort: Var | None = None,
    direction: Var | None = None,
    on_sort: Callable | None = None,
    footer: rx.Component | None = None,
    row_class: str = "",
    size: str = "2",
    stack_on_phone: bool = False,
) -> rx.Component:
    """The table in a card: headers (sortable where a column has a sort key), one row per item
    of `rows`, `empty` when there are none, and `footer` (usually `pager(...)`) below the rows.
    `label` names the table for screen readers. With `stack_on_phone`, a narrow screen shows
    each row as a block, each value under its column's name, so the row's buttons stay in
    reach instead of past the card's right edge (for tables with actions per row)."""
    table = rx.el.div(
        rx.el.table(
            rx.el.thead(
                rx.el.tr(
                    *[_header(column, sort, direction, on_sort) for column in columns],
                    class_name="rt-TableRow",
                ),
                class_name="rt-TableHeader",
            ),
            rx.el.tbody(
                rx.foreach(
                    rows,
                    lambda row: rx.el.tr(
                        *[_cell(column, row) for column in columns],
                        class_name=f"rt-TableRow {row_class}".strip(),
                    ),
                ),
                class_name="rt-TableBody",
            ),
            class_name="rt-TableRootTable",
            aria_label=label,
        ),
        class_name=f"rt-TableRoot rt-r-size-{size} rt-variant-ghost",
    )
    return rx.el.div(
        rx.cond(
            rows.length() > 0,
            # The table scrolls sideways inside the card (the page never does); a keyboard
            # reaches the scrolling box (tab_index) and a reader hears its label.
            rx.el.div(
                table,
                tab_index=0,
                role="region",
                aria_label=label,
                class_name="pt-scroll-x",
            ),
            empty,
        ),
        # No pager under an empty state: there is nothing to page through.
        rx.cond(rows.length() > 0, footer) if footer is not None else rx.fragment(),
        class_name=f"{_CARD} pt-card data-table" + (" pt-stack-phone" if stack_on_phone else ""),
    )


def pager(
    *,
    page: Var,
    has_next: Var,
    on_previous,
    on_next,
    summary: rx.Component | None = None,
    previous: str = "Previous",
    next: str = "Next",  # noqa: A002 - the button's word
) -> rx.Component:
    """Page N (and an optional summary such as a count: inline content, a span), Previous
    and Next.

    Takes the Vars and events a state's Pager gives: `pager(**State.pager_props("rows"))`.
    """
    buttons = "rt-reset rt-BaseButton rt-r-size-1 rt-variant-soft rt-Button"
    return rx.el.nav(
        rx.el.span(
            "Page ",
            page,
            " ",
            summary if summary is not None else rx.fragment(),
            class_name="pt-pager-where",
        ),
        rx.el.button(
            rx.icon("chevron-left", size=14),
            previous,
            type="button",
            on_click=on_previous,
            disabled=~(page > 1),
            class_name=buttons,
            custom_attrs={"data-accent-color": "", "data-disabled": rx.cond(page > 1, None, "")},
        ),
        rx.el.button(
            next,
            rx.icon("chevron-right", size=14),
            type="button",
            on_click=on_next,
            disabled=~has_next,
            class_name=buttons,
            custom_attrs={"data-accent-color": "", "data-disabled": rx.cond(has_next, None, "")},
        ),
        class_name="pt-pager",
        aria_label="Pages",
    )
