"""The page decorator: the shell (sidebar, top bar) and the guards every page declares.

    @page(routes.SETTINGS, on_load=[SettingsState.load])
    def settings() -> rx.Component: ...

The requirement comes from routes.PAGES, so the guard, the nav and the handler review read
one table. Nothing protected renders until the server-side guard has passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.domain.access import Requirement
from portal.state.nav import NavState
from portal.state.session import SessionState, register_page_loaders

SIDEBAR_WIDTH = "240px"
# Marks a page whose on_load (the guard) has run: browser tests wait for it before typing.
_HYDRATED = {"data-hydrated": rx.State.is_hydrated}


@dataclass
class Registered:
    route: str
    title: str
    component: Callable[[], rx.Component]


REGISTERED: list[Registered] = []


def _allowed(requirement: Requirement):
    if requirement is Requirement.DEVELOPER_TERMS:
        return SessionState.signed_in & SessionState.terms_accepted
    if requirement is Requirement.PLATFORM_ADMIN:
        return SessionState.signed_in & SessionState.platform_admin
    return SessionState.signed_in


def _checking() -> rx.Component:
    return rx.center(rx.spinner(size="3"), height="60vh", aria_label="Checking your session")


def _nav_link(item: routes.NavItem) -> rx.Component:
    path = rx.State.router.url.path
    active = (path == item.route) | (
        path.startswith(item.route + "/") if item.route != "/" else False
    )
    link = rx.link(
        rx.hstack(
            rx.icon(item.icon, size=16),
            rx.text(item.label, size="2"),
            align="center",
            spacing="2",
            padding_x="var(--space-3)",
            padding_y="var(--space-2)",
            border_radius="var(--radius-2)",
            width="100%",
            background=rx.cond(active, rx.color("accent", 4), "transparent"),
            color=rx.cond(active, rx.color("accent", 12), rx.color("gray", 12)),
            _hover={"background": rx.color("gray", 4)},
        ),
        href=item.route,
        underline="none",
        width="100%",
        aria_current=rx.cond(active, "page", "false"),
    )
    return rx.cond(SessionState.platform_admin, link) if item.platform_admin_only else link


def _sidebar() -> rx.Component:
    children: list[rx.Component] = []
    section = None
    for item in routes.NAV:
        if item.section and item.section != section:
            children.append(
                rx.text(
                    item.section.upper(),
                    size="1",
                    weight="bold",
                    color_scheme="gray",
                    padding_x="var(--space-3)",
                    padding_top="var(--space-2)",
                )
            )
        elif not item.section and section:
            children.append(rx.box(height="8px"))
        section = item.section
        children.append(_nav_link(item))
    return rx.vstack(
        rx.link(
            rx.hstack(
                rx.icon("orbit", size=22, color=rx.color("accent", 10)),
                rx.heading("Portal", size="5"),
                align="center",
                spacing="2",
            ),
            href=routes.DASHBOARD,
            underline="none",
            color=rx.color("gray", 12),
            padding_x="var(--space-3)",
            padding_bottom="var(--space-3)",
        ),
        *children,
        spacing="1",
        padding="var(--space-4)",
        width=SIDEBAR_WIDTH,
        min_width=SIDEBAR_WIDTH,
        height="100vh",
        position="sticky",
        top="0",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        custom_attrs={"role": "navigation", "aria-label": "Main"},
    )


def _workspace_picker() -> rx.Component:
    empty = rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("boxes", size=14),
                "No workspaces",
                rx.icon("chevron-down", size=14),
                variant="surface",
                color_scheme="gray",
                id="workspace-picker",
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.text("No workspaces yet", weight="bold", size="2"),
                rx.text(
                    "None of your accounts has a workspace you can read. Create one from "
                    "Workspaces (needs administer on an account), or ask an account "
                    "administrator to add you.",
                    size="2",
                ),
                rx.link("Go to Workspaces", href=routes.WORKSPACES, size="2"),
                spacing="2",
                max_width="280px",
            )
        ),
    )
    picker = rx.select.root(
        rx.select.trigger(placeholder="Pick a workspace", id="workspace-picker", min_width="220px"),
        rx.select.content(
            rx.foreach(
                NavState.workspaces,
                lambda w: rx.select.item(
                    rx.hstack(
                        rx.text(w["name"]),
                        rx.text(w["account_name"], color_scheme="gray", size="1"),
                        align="baseline",
                        spacing="2",
                    ),
                    value=w["id"],
                ),
            ),
        ),
        value=NavState.selected_workspace_id,
        on_change=NavState.select_workspace,
    )
    return rx.hstack(
        rx.text("Workspace", size="1", color_scheme="gray", weight="medium"),
        rx.cond(NavState.workspaces.length() > 0, picker, empty),
        align="center",
        spacing="2",
    )


def _app_switcher() -> rx.Component:
    return rx.hstack(
        rx.text("App", size="1", color_scheme="gray", weight="medium"),
        rx.badge(
            rx.icon("app-window", size=12),
            rx.cond(NavState.current_app_name != "", NavState.current_app_name, "No app open"),
            variant="soft",
            color_scheme=rx.cond(NavState.current_app_name != "", "indigo", "gray"),
            size="2",
            id="app-switcher",
        ),
        align="center",
        spacing="2",
    )


def _user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(fallback=SessionState.user_name[:1], size="1", radius="full"),
                rx.text(SessionState.user_name, size="2"),
                rx.icon("chevron-down", size=14),
                variant="ghost",
                color_scheme="gray",
                id="user-menu",
            )
        ),
        rx.menu.content(
            rx.box(
                rx.text(SessionState.user_name, size="2", weight="bold"),
                rx.text(SessionState.user_email, size="1", color_scheme="gray"),
                padding_x="var(--space-2)",
                padding_y="var(--space-1)",
            ),
            rx.menu.separator(),
            rx.menu.item(
                rx.icon("building-2", size=14),
                "Accounts and members",
                on_click=rx.redirect(routes.ACCOUNTS),
            ),
            rx.menu.item(
                rx.icon("settings", size=14),
                "Account settings",
                on_click=rx.redirect(routes.SETTINGS),
            ),
            rx.menu.item(
                rx.icon("log-out", size=14),
                "Sign out",
                on_click=SessionState.sign_out,
                color_scheme="red",
            ),
        ),
    )


def _top_bar() -> rx.Component:
    return rx.hstack(
        _workspace_picker(),
        rx.separator(orientation="vertical", size="1"),
        _app_switcher(),
        rx.spacer(),
        rx.color_mode.button(variant="ghost", color_scheme="gray", aria_label="Toggle dark mode"),
        _user_menu(),
        align="center",
        spacing="4",
        padding_x="var(--space-6)",
        height="56px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1),
        width="100%",
    )


def _shell(spec: routes.PageSpec, content: rx.Component) -> rx.Component:
    return rx.cond(
        _allowed(spec.requirement),
        rx.hstack(
            _sidebar(),
            rx.vstack(
                _top_bar(),
                rx.box(
                    rx.heading(spec.title, size="7", margin_bottom="var(--space-4)", as_="h1")
                    if spec.show_title
                    else rx.fragment(),
                    content,
                    padding="var(--space-6)",
                    width="100%",
                    max_width="1200px",
                    custom_attrs={"role": "main"},
                ),
                spacing="0",
                width="100%",
                min_height="100vh",
            ),
            spacing="0",
            width="100%",
            align="start",
            custom_attrs=_HYDRATED,
        ),
        _checking(),
    )


def _public_frame(content: rx.Component) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.hstack(
                rx.icon("orbit", size=22, color=rx.color("accent", 10)),
                rx.heading("Portal", size="5"),
                align="center",
                spacing="2",
            ),
            rx.spacer(),
            rx.color_mode.button(
                variant="ghost", color_scheme="gray", aria_label="Toggle dark mode"
            ),
            padding="var(--space-4)",
            width="100%",
        ),
        rx.center(
            content,
            padding_x="var(--space-4)",
            padding_bottom="var(--space-8)",
            custom_attrs={"role": "main"},
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
        custom_attrs=_HYDRATED,
    )


def page(route: str, *, on_load: list | None = None) -> Callable:
    """Register a page at `route` with its guard, in the shell or the public frame."""
    spec = routes.PAGES[route]

    def decorator(render: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def component() -> rx.Component:
            if spec.requirement is Requirement.PUBLIC:
                return _public_frame(render())
            return _shell(spec, render())

        component.__name__ = render.__name__
        loaders = [] if spec.requirement is Requirement.PUBLIC else [NavState.load_workspaces]
        register_page_loaders(route, loaders + list(on_load or []))
        REGISTERED.append(Registered(route, f"{spec.title} · Portal", component))
        return component

    return decorator
