"""What every tab of an open developer app shows around its content: the app's name (the
heading), its visibility and slug, and its four tabs (General, Versions, Security, Webhooks),
each a URL of its own."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.app_icon import app_icon
from portal.components.badges import visibility_badge
from portal.components.empty_state import empty_state
from portal.components.links import button_link, once_loaded, page_tabs
from portal.state.open_developer_app import OpenDeveloperAppState

_S = OpenDeveloperAppState
CARD = "rt-reset rt-BaseCard rt-Card rt-r-size-2 rt-variant-surface pt-stack"


def _tabs() -> rx.Component:
    return page_tabs(_S.dev_app_tabs, label="Developer app pages")


def _header() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            app_icon(_S.dev_app_icon, _S.dev_app_initials, size=40),
            rx.el.h1(_S.dev_app_name, class_name="rt-Heading rt-r-size-7", id="dev-app-heading"),
            visibility_badge(_S.dev_app_visibility),
            class_name="pt-inline",
        ),
        rx.text(
            rx.el.span(_S.dev_app_slug, class_name="pt-slug", id="dev-app-slug"),
            " · ",
            rx.link("Developer portal", href=routes.DEVELOPER),
            size="2",
            color_scheme="gray",
        ),
        class_name="pt-stack-tight",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "search-x",
        "App not found",
        "It does not exist, or you are not on its team. Check the link, or open the app from "
        "the developer portal.",
        button_link("Developer portal", href=routes.DEVELOPER, variant="soft"),
    )


def developer_app_frame(content: rx.Component) -> rx.Component:
    """`content` once this page's app has loaded; a spinner while a navigation loads (one
    app's draft must not show in the editor of another)."""
    return rx.cond(
        _S.dev_app_found,
        rx.el.div(
            _header(),
            _tabs(),
            once_loaded(content),
            class_name="pt-stack",
        ),
        _not_found(),
    )


def section(title: str, *children: rx.Component, label: str | None = None) -> rx.Component:
    """One card of a tab: an h2 and what follows."""
    return rx.el.section(
        rx.heading(title, size="4", as_="h2"),
        *children,
        class_name=CARD,
        aria_label=label or title,
    )
