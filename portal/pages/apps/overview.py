"""An app's Overview: its state, the baseline checklist with a link to where each gap is
fixed, its blockers, its prod counts, sign-ins and API calls per day for 30 days, and its
latest audit entries."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.components.activity_row import ActivityRow
from portal.components.dates import local_time
from portal.domain.apps import AppPage
from portal.domain.dto import ActivityDay
from portal.layout import page
from portal.pages.apps.frame import app_frame
from portal.services import apps
from portal.state.open_app import OpenAppState

RECENT_AUDIT = 5


@dataclass(frozen=True)
class DayBar:
    label: str  # "Dec 1"
    api_calls: int
    sign_ins: int
    api_height: str  # a CSS height, relative to the busiest day
    sign_in_height: str

    @classmethod
    def bars(cls, days: list[ActivityDay]) -> list[DayBar]:
        calls = max((d.api_calls for d in days), default=0) or 1
        sign_ins = max((d.sign_ins for d in days), default=0) or 1
        return [
            cls(
                label=f"{d.day:%b} {d.day.day}",
                api_calls=d.api_calls,
                sign_ins=d.sign_ins,
                api_height=_height(d.api_calls, calls),
                sign_in_height=_height(d.sign_ins, sign_ins),
            )
            for d in days
        ]


def _height(value: int, busiest: int) -> str:
    """A bar's height against the busiest day's; any activity at all stays visible."""
    return f"{max(2, round(100 * value / busiest))}%" if value else "0%"


def _extras(*, session, actor, workspace_id: str, app_slug: str):
    days = apps.activity_by_day(
        session=session, actor=actor, workspace_id=workspace_id, app_slug=app_slug
    )
    audit = apps.list_audit(
        session=session,
        actor=actor,
        workspace_id=workspace_id,
        app_slug=app_slug,
        limit=RECENT_AUDIT,
    )
    return days, audit.items


class AppOverviewState(OpenAppState):
    day_bars: list[DayBar] = []
    api_calls_total: int = 0
    sign_ins_total: int = 0
    totals_text: dict[str, str] = {}  # "11,909": the totals as a person reads them
    recent_audit: list[ActivityRow] = []

    @rx.event
    async def load(self):
        if await self._open(AppPage.OVERVIEW) is None:
            return
        workspace_id, app_slug = self._route_params()
        days, events = await self._call(_extras, workspace_id=workspace_id, app_slug=app_slug)
        self.day_bars = DayBar.bars(days)
        self.api_calls_total = sum(d.api_calls for d in days)
        self.sign_ins_total = sum(d.sign_ins for d in days)
        self.totals_text = {
            "api_calls": f"{self.api_calls_total:,}",
            "sign_ins": f"{self.sign_ins_total:,}",
        }
        self.recent_audit = [ActivityRow.of(event) for event in events]


_S = AppOverviewState
_CARD = "rt-reset rt-BaseCard rt-Card rt-r-size-2 rt-variant-surface pt-stack"


def _checklist() -> rx.Component:
    return rx.el.section(
        rx.heading("Baseline", size="4", as_="h2"),
        rx.text(
            "An app is ready once all three are in place; until then it needs attention.",
            size="2",
            color_scheme="gray",
        ),
        rx.el.ul(
            rx.foreach(
                _S.baseline,
                lambda item: rx.el.li(
                    rx.cond(
                        item.done,
                        rx.icon("circle-check", size=16, class_name="pt-done", aria_label="Done"),
                        rx.icon(
                            "circle-dashed", size=16, class_name="pt-missing", aria_label="Missing"
                        ),
                    ),
                    rx.el.span(item.label),
                    rx.cond(~item.done, rx.link(item.action, href=item.href, size="2")),
                ),
            ),
            class_name="pt-checklist",
            id="baseline",
        ),
        class_name=_CARD,
        aria_label="Baseline",
    )


def _blockers() -> rx.Component:
    return rx.cond(
        _S.blockers.length() > 0,
        rx.el.section(
            rx.heading("Blockers", size="4", as_="h2"),
            rx.el.ul(
                rx.foreach(
                    _S.blockers,
                    lambda b: rx.el.li(
                        rx.icon("triangle-alert", size=16, color=rx.color("red", 10)),
                        rx.el.span(b.message),
                        rx.link("Fix", href=b.href, size="2"),
                    ),
                ),
                class_name="pt-checklist",
                id="blockers",
            ),
            class_name=_CARD,
            aria_label="Blockers",
        ),
    )


def _next_action() -> rx.Component:
    return rx.cond(
        _S.next_action_label != "",
        rx.el.div(
            rx.icon("arrow-right", size=14),
            rx.el.span("Next: "),
            rx.link(_S.next_action_label, href=_S.next_action_href, id="next-action"),
            class_name="pt-next-action",
        ),
        rx.el.div(
            rx.icon("circle-check", size=14),
            rx.el.span("Nothing needs doing. Watch its activity and audit log."),
            class_name="pt-next-action pt-ok",
        ),
    )


def _chart(
    title: str, total, shown, height, count, unit: str, chart_id: str, one: str = ""
) -> rx.Component:
    """30 bars as plain elements (no chart library in the bundle); the totals say it in words,
    each bar's title gives its day."""
    return rx.el.figure(
        rx.el.figcaption(
            rx.el.strong(title),
            rx.el.span(
                " · ",
                shown,
                rx.cond(total == 1, f" {one or unit} in 30 days", f" {unit} in 30 days"),
                class_name="pt-dim-text",
            ),
        ),
        rx.el.div(
            rx.foreach(
                _S.day_bars,
                lambda bar: rx.el.div(
                    rx.el.div(class_name="pt-bar-fill", style={"height": height(bar)}),
                    class_name="pt-bar",
                    title=bar.label + ": " + count(bar).to_string() + f" {unit}",
                ),
            ),
            class_name="pt-bars",
            aria_hidden="true",
        ),
        class_name="pt-chart",
        id=chart_id,
    )


def _activity() -> rx.Component:
    return rx.el.section(
        rx.heading("Activity (prod)", size="4", as_="h2"),
        rx.el.div(
            _chart(
                "Sign-ins",
                _S.sign_ins_total,
                _S.totals_text["sign_ins"],
                lambda b: b.sign_in_height,
                lambda b: b.sign_ins,
                "sign-ins",
                "chart-sign-ins",
                one="sign-in",
            ),
            _chart(
                "API calls",
                _S.api_calls_total,
                _S.totals_text["api_calls"],
                lambda b: b.api_height,
                lambda b: b.api_calls,
                "API calls",
                "chart-api-calls",
                one="API call",
            ),
            class_name="pt-charts",
        ),
        class_name=_CARD,
        aria_label="Activity",
    )


def _facts() -> rx.Component:
    return rx.el.section(
        rx.el.dl(
            rx.el.div(rx.el.dt("Organizations (prod)"), rx.el.dd(_S.organizations)),
            rx.el.div(rx.el.dt("End users (prod)"), rx.el.dd(_S.end_users)),
            rx.el.div(rx.el.dt("Created"), rx.el.dd(local_time(_S.app_created_at))),
            class_name="pt-facts",
        ),
        class_name=_CARD,
        aria_label="Usage",
    )


def _recent_audit() -> rx.Component:
    return rx.el.section(
        rx.el.div(
            rx.heading("Recent changes", size="4", as_="h2"),
            rx.link("Audit log", href=_S.app_base + "/audit", size="2"),
            class_name="pt-inline pt-spread",
        ),
        rx.cond(
            _S.recent_audit.length() > 0,
            rx.el.ul(
                rx.foreach(
                    _S.recent_audit,
                    lambda e: rx.el.li(
                        rx.el.span(e.action_label, title=e.action),
                        rx.el.span(" by ", e.actor, " · ", class_name="pt-dim-text"),
                        local_time(e.when),
                    ),
                ),
                class_name="pt-checklist",
                id="recent-audit",
            ),
            rx.el.p("No changes recorded yet.", class_name="pt-dim-text"),
        ),
        class_name=_CARD,
        aria_label="Recent changes",
    )


@page(routes.APP_OVERVIEW, on_load=[AppOverviewState.load])
def app_overview() -> rx.Component:
    return app_frame(
        rx.el.div(
            _next_action(),
            _blockers(),
            _checklist(),
            _activity(),
            _facts(),
            _recent_audit(),
            class_name="pt-stack",
        )
    )
