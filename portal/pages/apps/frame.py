"""What every page of an open app shows around its content: the app's name (the heading),
its state and slug, the workspace, why writes are refused (a frozen workspace), and the app's
pages as tabs (the sidebar lists them too; on a phone the tabs are the way between them)."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.badges import app_state_badge
from portal.components.empty_state import empty_state
from portal.components.forms import form_message, select
from portal.components.links import button_link, once_loaded, page_tabs
from portal.domain.workspaces import EnvironmentName
from portal.state.open_app import OpenAppState

_S = OpenAppState


def _tabs() -> rx.Component:
    return page_tabs(_S.app_page_links, label="App pages")


def _header() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.h1(_S.app_name, class_name="rt-Heading rt-r-size-7", id="app-heading"),
            app_state_badge(_S.app_state),
            class_name="pt-inline",
        ),
        rx.text(
            rx.el.span(_S.app_slug, class_name="pt-slug"),
            " · in ",
            _S.workspace_name,
            size="2",
            color_scheme="gray",
        ),
        class_name="pt-stack-tight",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "search-x",
        "App not found",
        "It does not exist, or you cannot read its workspace. Check the link, or open the "
        "app from the portfolio.",
        button_link("All apps", href=routes.APPS, variant="soft"),
    )


def app_frame(content: rx.Component) -> rx.Component:
    """`content` once this page's app has loaded. Until then (is_hydrated turns false as a
    navigation starts and true when its loaders are done) a spinner: switching from one app
    to another must not show the first app's settings in a form for the second."""
    return rx.cond(
        _S.app_found,
        rx.el.div(
            _header(),
            _tabs(),
            form_message(_S.app_read_only, color="amber", icon="snowflake"),
            once_loaded(content),
            class_name="pt-stack",
        ),
        _not_found(),
    )


def read_only_hint() -> rx.Component:
    """Under a settings form for someone who may only read."""
    return rx.cond(
        ~_S.app_can_administer,
        rx.text(
            "You can read these settings; changing them needs administer on the workspace.",
            size="2",
            color_scheme="gray",
        ),
    )


def can_edit() -> rx.Var:
    return _S.app_can_administer & (_S.app_read_only == "")


def environment_switch(value, on_change) -> rx.Component:
    """The environment an app page shows (prod unless switched), with a badge when not prod:
    dev and staging data must not be mistaken for customers'."""
    return rx.el.div(
        rx.text("Environment", size="2", weight="medium"),
        select(list(EnvironmentName), label="Environment", value=value, on_change=on_change),
        rx.cond(
            value != EnvironmentName.PROD.value,
            rx.badge("Not production", color_scheme="orange", variant="solid", id="env-badge"),
        ),
        class_name="pt-inline",
    )
