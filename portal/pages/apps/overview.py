"""An app's Overview: its state, the baseline checklist with a link to where each gap is
fixed, its blockers, and its prod counts."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.dates import local_time
from portal.layout import page
from portal.pages.apps.frame import app_frame
from portal.state.open_app import OpenAppState

_S = OpenAppState
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


def _facts() -> rx.Component:
    return rx.el.section(
        rx.el.dl(
            rx.el.div(rx.el.dt("Organizations (prod)"), rx.el.dd(_S.organizations)),
            rx.el.div(rx.el.dt("End users (prod)"), rx.el.dd(_S.end_users)),
            rx.el.div(rx.el.dt("Created"), rx.el.dd(local_time(_S.app_created_at))),
            class_name="pt-facts",
        ),
        rx.text(
            "Activity charts, organizations, end users, webhooks and the app's audit log "
            "arrive with the data-plane API; until then this app has no activity to show.",
            size="1",
            color_scheme="gray",
        ),
        class_name=_CARD,
        aria_label="Usage",
    )


@page(routes.APP_OVERVIEW, on_load=[OpenAppState.load_overview])
def app_overview() -> rx.Component:
    return app_frame(
        rx.el.div(_next_action(), _blockers(), _checklist(), _facts(), class_name="pt-stack")
    )
