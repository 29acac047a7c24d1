"""An app's Audit log: every change to its settings, keys, organizations and end users,
whoever made it (a person, or a key on the data-plane API), newest first; filtered by actor,
action and a range of days, paged on the server, and exported as CSV with the same filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

import reflex as rx
from reflex.config import get_config

from portal import routes
from portal.components.activity_row import ActivityRow, activity_table
from portal.components.empty_state import empty_state
from portal.domain.apps import AppPage
from portal.domain.errors import Invalid
from portal.domain.wording import action_prefix
from portal.layout import page
from portal.pages.apps.frame import app_frame
from portal.services import apps
from portal.state.open_app import OpenAppState
from portal.state.pager import Pager

LIST = "audit"
PAGE_SIZE = 25


def _day(value: str, field: str) -> date | None:
    """A date input's value (YYYY-MM-DD, "" for none), or Invalid naming the field."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise Invalid("Use a date like 2026-12-01.", field=field) from None


class AppAuditState(Pager, OpenAppState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    events: list[ActivityRow] = []
    actor_filter: str = ""
    action_filter: str = ""
    since: str = ""  # YYYY-MM-DD, "" for no bound
    until: str = ""
    filter_error: str = ""
    csv_href: str = ""  # the CSV export with the filters shown (the backend checks the cookie)

    def _range(self) -> tuple[datetime | None, datetime | None]:
        since, until = _day(self.since, "since"), _day(self.until, "until")
        if since and until and since > until:
            raise Invalid("The first day comes after the last one.", field="since")
        return (
            datetime.combine(since, time.min, UTC) if since else None,
            # The last day is included: up to the start of the next one.
            datetime.combine(until + timedelta(days=1), time.min, UTC) if until else None,
        )

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        workspace_id, app_slug = self._route_params()
        since, until = self._range()
        listed = await self._call(
            apps.list_audit,
            workspace_id=workspace_id,
            app_slug=app_slug,
            actor_filter=self.actor_filter.strip() or None,
            action_filter=action_prefix(self.action_filter) or None,
            since=since,
            until=until,
            cursor=cursor,
            limit=PAGE_SIZE,
        )
        self.events = [ActivityRow.of(event) for event in listed.items]
        self.csv_href = get_config().api_url.rstrip("/") + routes.app_audit_csv_url(
            workspace_id,
            app_slug,
            actor=self.actor_filter.strip(),
            action=self.action_filter.strip(),
            since=self.since,
            until=self.until,
        )
        return listed.next_cursor

    @rx.event
    async def load(self):
        self.actor_filter = self.action_filter = self.since = self.until = ""
        self.filter_error = ""
        if await self._open(AppPage.AUDIT) is not None:
            await self._first_page(LIST)

    async def _filter(self, **changes: str):
        self.filter_error = ""
        try:
            await self._first_page(LIST, **{k: str(v)[:120] for k, v in changes.items()})
        except Invalid as exc:
            self.filter_error = exc.message

    @rx.event
    async def filter_actor(self, value: str):
        await self._filter(actor_filter=value)

    @rx.event
    async def filter_action(self, value: str):
        await self._filter(action_filter=value)

    @rx.event
    async def filter_since(self, value: str):
        await self._filter(since=value)

    @rx.event
    async def filter_until(self, value: str):
        await self._filter(until=value)


_S = AppAuditState


def _filters() -> rx.Component:
    return rx.el.div(
        rx.input(
            placeholder="Actor: email or key",
            default_value=_S.actor_filter,
            on_change=_S.filter_actor.debounce(300),
            aria_label="Filter by actor",
            class_name="pt-filter",
        ),
        rx.input(
            placeholder="Action, e.g. end user created",
            default_value=_S.action_filter,
            on_change=_S.filter_action.debounce(300),
            aria_label="Filter by action",
            class_name="pt-filter",
        ),
        rx.el.label(
            rx.el.span("From", class_name="pt-dim-text"),
            rx.input(type="date", value=_S.since, on_change=_S.filter_since, aria_label="From"),
            class_name="pt-inline",
        ),
        rx.el.label(
            rx.el.span("to", class_name="pt-dim-text"),
            rx.input(type="date", value=_S.until, on_change=_S.filter_until, aria_label="To"),
            class_name="pt-inline",
        ),
        rx.el.div(class_name="pt-grow"),
        rx.el.a(
            rx.icon("download", size=14),
            "Export CSV",
            href=_S.csv_href,
            class_name="rt-reset rt-BaseButton rt-r-size-2 rt-variant-soft rt-Button",
            custom_attrs={"data-accent-color": "", "download": ""},
            id="audit-csv",
        ),
        class_name="pt-toolbar",
    )


@page(routes.APP_AUDIT, on_load=[AppAuditState.load])
def app_audit_log() -> rx.Component:
    return app_frame(
        rx.el.div(
            _filters(),
            rx.cond(
                _S.filter_error != "",
                rx.text(_S.filter_error, color_scheme="red", size="2", role="alert"),
            ),
            activity_table(
                _S.events,
                empty=empty_state(
                    "scroll-text",
                    "Nothing recorded for these filters",
                    "Changes to the app's settings, keys, organizations and end users show "
                    "here. Clear the filters to see them all.",
                ),
                pager_props=_S.pager_props(LIST),
            ),
            class_name="pt-stack",
        )
    )
