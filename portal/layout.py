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
from reflex.vars import Var

from portal import routes
from portal.components.badges import status_badge
from portal.domain.access import Requirement
from portal.state.nav import NavState
from portal.state.session import SessionState, register_page_loaders

SIDEBAR_WIDTH = "240px"
# Below 768 px ("sm" in Reflex and Radix) the sidebar folds into a menu in the top bar.
_WIDE_ONLY = rx.breakpoints(initial="none", sm="block")
_NARROW_ONLY = rx.breakpoints(initial="block", sm="none")
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


def _logo() -> rx.Component:
    """assets/logo.svg, beside the word "Portal" (which names it: the image is decoration)."""
    return rx.image(src="/logo.svg", alt="", width="26px", height="26px", class_name="logo")


def _nav_link(item: routes.NavItem, current: str = "") -> rx.Component:
    """One sidebar entry; highlighted on the pages that belong to it (routes.nav_route: a
    workspace's Process Log belongs to Process Log, not Workspaces), `current` being the
    route of the page the sidebar is drawn on."""
    active = bool(current) and routes.nav_route(current) == item.route
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
        aria_current="page" if active else "false",
    )
    return rx.cond(SessionState.platform_admin, link) if item.platform_admin_only else link


def _sidebar(current: str = "") -> rx.Component:
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
        children.append(_nav_link(item, current))
    nav = rx.vstack(
        rx.link(
            rx.hstack(
                _logo(),
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
        width="100%",
        height="100vh",
        overflow_y="auto",
        position="sticky",
        top="0",
        custom_attrs={"role": "navigation", "aria-label": "Main"},
    )
    # The column stretches to the page's full height (its background and border with it,
    # on long pages too); the links inside stay in view while the page scrolls.
    return rx.box(
        nav,
        width=SIDEBAR_WIDTH,
        min_width=SIDEBAR_WIDTH,
        align_self="stretch",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        # Below 768 px the top bar's menu button offers the same links.
        display=rx.breakpoints(initial="none", sm="block"),
        id="sidebar",
    )


def _nav_menu() -> rx.Component:
    """The sidebar's links in a menu, for screens too narrow for the sidebar."""
    items: list[rx.Component] = []
    for item in routes.NAV:
        entry = rx.menu.item(
            rx.icon(item.icon, size=14), item.label, on_click=rx.redirect(item.route)
        )
        if item.platform_admin_only:
            entry = rx.cond(SessionState.platform_admin, entry)
        items.append(entry)
    return rx.box(
        rx.menu.root(
            rx.menu.trigger(
                rx.icon_button(
                    rx.icon("menu", size=18),
                    variant="ghost",
                    color_scheme="gray",
                    aria_label="Open navigation",
                )
            ),
            rx.menu.content(*items),
        ),
        display=_NARROW_ONLY,
    )


def _no_workspaces() -> rx.Component:
    return rx.popover.root(
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


def _picker_option(row: Var) -> rx.Component:
    """One offered workspace: name, account and status (two of one name stay apart), and a
    pin toggle beside it (a separate button: an option holds no other control)."""
    picked = row.id == NavState.selected_workspace_id
    return rx.hstack(
        # Picking closes the picker. The flex is what Popover.Close clones (a child with its
        # own on_click would be wrapped in an unsized one).
        rx.popover.close(
            rx.flex(
                rx.el.button(
                    rx.hstack(
                        rx.text(row.name, size="2", weight="medium", truncate=True),
                        rx.cond(
                            picked,
                            rx.icon(
                                "check", size=14, color=rx.color("accent", 11), flex_shrink="0"
                            ),
                        ),
                        align="center",
                        spacing="1",
                        width="100%",
                    ),
                    rx.hstack(
                        rx.text(row.account_name, size="1", color_scheme="gray", truncate=True),
                        status_badge(row.status),
                        rx.cond(
                            row.pinned,
                            rx.text("pinned", size="1", color_scheme="indigo"),
                            rx.cond(row.recent, rx.text("recent", size="1", color_scheme="gray")),
                        ),
                        align="center",
                        spacing="2",
                        width="100%",
                    ),
                    on_click=NavState.select_workspace(row.id),
                    custom_attrs={"role": "option", "aria-selected": picked},
                    class_name="picker-option",
                    width="100%",
                    min_width="0",
                    text_align="left",
                    padding="var(--space-2)",
                    border_radius="var(--radius-2)",
                    background=rx.cond(picked, rx.color("accent", 3), "transparent"),
                    color="inherit",
                    border="none",
                    cursor="pointer",
                    _hover={"background": rx.color("gray", 4)},
                    _focus_visible={"outline": f"2px solid {rx.color('accent', 8)}"},
                ),
                flex="1",
                min_width="0",
            ),
        ),
        rx.tooltip(
            rx.icon_button(
                rx.cond(row.pinned, rx.icon("pin-off", size=14), rx.icon("pin", size=14)),
                on_click=NavState.toggle_pin(row.id),
                variant="ghost",
                color_scheme=rx.cond(row.pinned, "indigo", "gray"),
                size="1",
                aria_label=rx.cond(row.pinned, "Unpin", "Pin"),
                class_name="picker-pin",
            ),
            content=rx.cond(row.pinned, "Unpin: stop keeping it on top", "Pin: keep it on top"),
        ),
        align="center",
        spacing="1",
        width="100%",
        class_name="picker-row",
    )


def _picker_list() -> rx.Component:
    return rx.vstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search by workspace or account",
            value=NavState.picker_query,
            on_change=NavState.search_picker.debounce(250),
            aria_label="Search workspaces",
            auto_focus=True,
            width="100%",
        ),
        rx.cond(
            NavState.picker_searched,
            rx.cond(
                NavState.picker_rows.length() > 0,
                rx.vstack(
                    rx.foreach(NavState.picker_rows, _picker_option),
                    spacing="0",
                    width="100%",
                    max_height="min(360px, 60vh)",
                    overflow_y="auto",
                    custom_attrs={"role": "listbox", "aria-label": "Workspaces"},
                ),
                rx.text(
                    "No workspace matches. Check the spelling, or search by account name.",
                    size="2",
                    color_scheme="gray",
                    padding_y="var(--space-2)",
                ),
            ),
            rx.center(rx.spinner(size="2"), padding="var(--space-4)", width="100%"),
        ),
        rx.cond(
            NavState.picker_more,
            rx.text(
                "More workspaces match: keep typing to narrow the list.",
                size="1",
                color_scheme="gray",
            ),
        ),
        rx.separator(size="4"),
        rx.hstack(
            rx.text("Pinned and recent first.", size="1", color_scheme="gray"),
            rx.spacer(),
            rx.popover.close(rx.link("All workspaces", href=routes.WORKSPACES, size="1")),
            width="100%",
            align="center",
        ),
        spacing="2",
        width="100%",
    )


def _workspace_picker() -> rx.Component:
    """The current pick's name on the trigger; the list is searched on the server when the
    picker opens (NavState.open_picker) and as the person types."""
    picker = rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("boxes", size=14),
                rx.text(NavState.selected_workspace_name, truncate=True, max_width="180px"),
                rx.text(
                    NavState.selected_account_name,
                    size="1",
                    color_scheme="gray",
                    truncate=True,
                    max_width="120px",
                    display=_WIDE_ONLY,
                ),
                rx.icon("chevron-down", size=14),
                variant="surface",
                color_scheme="gray",
                id="workspace-picker",
                aria_label="Workspace: " + NavState.selected_workspace_name,
                max_width="100%",
            )
        ),
        rx.popover.content(
            _picker_list(),
            width="min(360px, calc(100vw - 24px))",
            align="start",
            aria_label="Pick a workspace",
        ),
        on_open_change=NavState.open_picker,
    )
    return rx.hstack(
        rx.text(
            "Workspace",
            size="1",
            color_scheme="gray",
            weight="medium",
            display=_WIDE_ONLY,
        ),
        rx.cond(
            SessionState.signed_in,
            rx.cond(NavState.selected_workspace_id != "", picker, _no_workspaces()),
        ),
        align="center",
        spacing="2",
        min_width="0",
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
                rx.text(SessionState.user_name, size="2", display=_WIDE_ONLY),
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
        _nav_menu(),
        _workspace_picker(),
        rx.separator(orientation="vertical", size="1", display=_WIDE_ONLY),
        rx.box(_app_switcher(), display=_WIDE_ONLY),
        rx.spacer(),
        rx.color_mode.button(variant="ghost", color_scheme="gray", aria_label="Toggle dark mode"),
        rx.cond(SessionState.signed_in, _user_menu()),
        align="center",
        spacing=rx.breakpoints(initial="2", sm="4"),
        padding_x=rx.breakpoints(initial="var(--space-3)", sm="var(--space-6)"),
        height="56px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1),
        width="100%",
        custom_attrs={"role": "banner"},  # a landmark: axe's "region" rule
    )


def _shell(spec: routes.PageSpec, content: rx.Component) -> rx.Component:
    """Sidebar, top bar and the page's title, drawn as soon as the page's JavaScript runs;
    the page's content (and the top bar's person and workspace) once the guard allowed it.

    The shell holds nothing a signed-out visitor may not see (links, the page's title), so
    it need not wait for the server: mounting it while the websocket connects and the guard
    runs takes it off the path to the data, which then only fills the content area."""
    return rx.hstack(
        _sidebar(spec.route),
        rx.vstack(
            _top_bar(),
            rx.box(
                rx.heading(spec.title, size="7", margin_bottom="var(--space-4)", as_="h1")
                if spec.show_title
                else rx.fragment(),
                rx.cond(_allowed(spec.requirement), content, _checking()),
                padding=rx.breakpoints(initial="var(--space-3)", sm="var(--space-6)"),
                width="100%",
                max_width="1200px",
                min_width="0",
                custom_attrs={"role": "main"},
            ),
            spacing="0",
            width="100%",
            min_width="0",
            min_height="100vh",
        ),
        spacing="0",
        width="100%",
        align="start",
        custom_attrs=_HYDRATED,
    )


def _public_frame(content: rx.Component) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.hstack(
                _logo(),
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
            custom_attrs={"role": "banner"},
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
        # The guard runs these in its own event. The picker's current pick loads last: a
        # workspace page's loader remembers the workspace it opens first.
        nav = [] if spec.requirement is Requirement.PUBLIC else [NavState.load_pick]
        register_page_loaders(route, list(on_load or []) + nav)
        REGISTERED.append(Registered(route, f"{spec.title} · Portal", component))
        return component

    return decorator
