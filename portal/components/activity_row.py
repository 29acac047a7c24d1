"""One row of an audit feed (a workspace's or an account's), and its table: both feeds read
the same, so both pages draw them with `activity_table` from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.domain.dto import AuditEventPublic
from portal.domain.wording import action_phrase


@dataclass(frozen=True)
class ActivityRow:
    id: int
    when: str  # ISO 8601 UTC; shown in the viewer's local time
    actor: str
    action: str  # the audit code ("workspace.frozen"), shown on hover
    action_label: str  # what a person reads ("Workspace frozen")
    target: str

    @classmethod
    def of(cls, event: AuditEventPublic) -> ActivityRow:
        """The target as the audit service named it (audit.label_targets: "staging
        environment", "invitation to ana@example.com"), never a raw id."""
        return cls(
            id=event.id,
            when=iso_utc(event.created_at),
            actor=event.actor_label,
            action=event.action,
            action_label=action_phrase(event.action),
            target=event.target_label or event.target_type.replace("_", " "),
        )


ACTIVITY_COLUMNS = (
    Column("When", lambda e: local_time(e.when, seconds=True)),
    Column("Actor", lambda e: e.actor),
    Column("Action", lambda e: rx.el.span(e.action_label, title=e.action), row_header=True),
    Column("Target", lambda e: e.target, nowrap=False),
)


def activity_table(rows: Any, *, empty: rx.Component, pager_props: dict[str, Any]) -> rx.Component:
    """The feed's data table, newest first: `rows` a Var of ActivityRow, `pager_props` the
    page state's `pager_props(name)` for the feed."""
    return data_table(
        rows,
        ACTIVITY_COLUMNS,
        label="Recent activity",
        empty=empty,
        footer=pager(**pager_props, previous="Newer", next="Older"),
        row_class="activity-row",
        size="1",
    )
