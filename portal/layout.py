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
from reflex_components_core.react_router.dom import ReactRouterLink

from portal import routes
from portal.components.badges import status_badge
from portal.domain.access import Requirement
from portal.state.nav import NavState
from portal.state.session import SessionState, register_page_loaders

# Below 768 px (Radix's and Reflex's "sm") the sidebar folds into a drawer behind the top
# bar's menu button. The shell is drawn with plain elements and the static classes of
# assets/portal.css (pt-*): it is on every page, and Radix layout components with style props
# cost an emotion style each on every load, before any data shows (bench/timeline.py
# --profile-load).
_WIDE_ONLY = "pt-wide-only"
_NARROW_ONLY = "pt-narrow-only"


def _hydrated_mark() -> rx.Component:
    """Marks a page whose on_load (the guard) has run: browser tests wait for
    [data-hydrated='true'] before typing. An empty element of its own, so the flag's change
    re-renders only it, not the whole frame it would otherwise sit on."""
    return rx.el.span(custom_attrs={"data-hydrated": rx.State.is_hydrated}, hidden=True)


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
    return rx.el.div(
        rx.spinner(size="3"), class_name="pt-checking", aria_label="Checking your session"
    )


def _logo() -> rx.Component:
    """assets/logo.svg, beside the word "Portal" (which names it: the image is decoration)."""
    # Width and height as HTML attributes (Reflex would make them a style): the space is
    # kept before the image arrives.
    return rx.el.img(
        src="/logo.svg", alt="", class_name="logo", custom_attrs={"width": "26", "height": "26"}
    )


def _nav_link(item: routes.NavItem, current: str = "", *, guard: bool = True) -> rx.Component:
    """One sidebar entry; highlighted on the pages that belong to it (routes.nav_route: a
    workspace's Process Log belongs to Process Log, not Workspaces), `current` being the
    route of the page the sidebar is drawn on. A client-side React Router link, as rx.link
    renders, without its Radix Link, Text and Slot wrappers."""
    active = bool(current) and routes.nav_route(current) == item.route
    link = ReactRouterLink.create(
        rx.icon(item.icon, size=16),
        rx.el.span(item.label),
        to=item.route,
        class_name="pt-nav-link",
        custom_attrs={"aria-current": "page" if active else "false"},
    )
    if item.platform_admin_only and guard:
        return rx.cond(SessionState.platform_admin, link)
    return link


def _app_section(*, in_drawer: bool = False) -> rx.Component:
    """Under Apps, while an app is open: its name, then its pages."""

    def link(row: Var) -> rx.Component:
        anchor = ReactRouterLink.create(
            row.label,
            to=row.href,
            class_name="pt-nav-link pt-nav-sub",
            custom_attrs={"aria-current": rx.cond(row.current, "page", "false")},
        )
        return rx.dialog.close(anchor) if in_drawer else anchor

    return rx.cond(
        NavState.current_app_name != "",
        rx.el.div(
            rx.el.p(NavState.current_app_name, class_name="pt-app-name", id="sidebar-app-name"),
            rx.foreach(NavState.app_page_links, link),
            class_name="pt-app-section",
            role="group",
            aria_label="Open app",
        ),
    )


def _sidebar(current: str = "") -> rx.Component:
    children: list[rx.Component] = []
    section = None
    for item in routes.NAV:
        if item.section and item.section != section:
            children.append(rx.el.p(item.section.upper(), class_name="pt-nav-section"))
        elif not item.section and section:
            children.append(rx.el.div(class_name="pt-nav-gap"))
        section = item.section
        children.append(_nav_link(item, current))
        if item.route == routes.APPS:
            children.append(_app_section())
    nav = rx.el.nav(
        ReactRouterLink.create(
            _logo(),
            rx.el.span("Portal", class_name="pt-brand-name"),
            to=routes.DASHBOARD,
            class_name="pt-brand",
        ),
        *children,
        class_name="pt-sidebar-nav",
        aria_label="Main",
    )
    # The column stretches to the page's full height (its background and border with it,
    # on long pages too); the links inside stay in view while the page scrolls. Below
    # 768 px the top bar's menu button offers the same links instead.
    return rx.el.div(nav, class_name="pt-sidebar", id="sidebar")


def _quiet_icon_button(icon: str, label: str) -> rx.Component:
    """A ghost, gray icon button named for readers (it shows no text)."""
    return rx.icon_button(
        rx.icon(icon, size=18), variant="ghost", color_scheme="gray", aria_label=label
    )


def _nav_drawer(current: str = "") -> rx.Component:
    """The sidebar's links in a drawer from the left, for screens too narrow for the sidebar:
    a Radix dialog (focus kept inside, Escape and the overlay close it) laid out as a panel
    by .pt-drawer. Following a link closes it."""
    links: list[rx.Component] = []
    for item in routes.NAV:
        # Closing the drawer is the link's click too (Dialog.Close on the link itself).
        link = rx.dialog.close(_nav_link(item, current, guard=False))
        links.append(
            rx.cond(SessionState.platform_admin, link) if item.platform_admin_only else link
        )
        if item.route == routes.APPS:
            links.append(_app_section(in_drawer=True))
    return rx.el.div(
        rx.dialog.root(
            rx.dialog.trigger(_quiet_icon_button("menu", "Open navigation")),
            rx.dialog.content(
                rx.el.div(
                    rx.dialog.title(
                        rx.el.span(_logo(), "Portal", class_name="pt-inline"),
                        class_name="pt-brand-name",
                    ),
                    rx.dialog.close(_quiet_icon_button("x", "Close navigation")),
                    class_name="pt-drawer-head",
                ),
                rx.el.nav(*links, class_name="pt-drawer-nav", aria_label="Main menu"),
                class_name="pt-drawer",
            ),
        ),
        class_name=_NARROW_ONLY,
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
                        # Unique in the account: two of one name and status still differ.
                        rx.el.span(row.slug, class_name="pt-picked-slug"),
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
                rx.el.span(NavState.selected_workspace_name, class_name="pt-picked-name"),
                rx.el.span(
                    NavState.selected_account_name,
                    class_name=f"pt-picked-account {_WIDE_ONLY}",
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
    return rx.el.div(
        rx.el.span("Workspace", class_name=f"pt-label {_WIDE_ONLY}"),
        rx.cond(
            SessionState.signed_in,
            rx.cond(NavState.selected_workspace_id != "", picker, _no_workspaces()),
        ),
        class_name="pt-inline",
    )


def _app_switcher() -> rx.Component:
    """The open app's name; a menu of the workspace's apps, each opening the same page."""
    menu = rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("app-window", size=14),
                rx.el.span(NavState.current_app_name, class_name="pt-picked-name"),
                rx.icon("chevron-down", size=14),
                variant="soft",
                color_scheme="indigo",
                size="2",
                id="app-switcher",
                aria_label=f"App: {NavState.current_app_name}. Switch app",
                max_width="280px",
            )
        ),
        rx.menu.content(
            rx.foreach(
                NavState.app_switch_rows,
                lambda row: rx.menu.item(
                    rx.cond(
                        row.current,
                        rx.icon("check", size=14),
                        rx.el.span(class_name="pt-icon-space"),
                    ),
                    row.name,
                    on_click=rx.redirect(row.href),
                ),
            ),
            rx.menu.separator(),
            rx.menu.item(
                rx.icon("layout-grid", size=14), "All apps", on_click=rx.redirect(routes.APPS)
            ),
            max_height="60vh",
        ),
    )
    none_open = rx.badge(
        rx.icon("app-window", size=12),
        "No app open",
        variant="soft",
        color_scheme="gray",
        size="2",
        id="app-switcher",
    )
    return rx.el.div(
        rx.el.span("App", class_name="pt-label"),
        rx.cond(NavState.current_app_name != "", menu, none_open),
        class_name="pt-inline",
    )


def _user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(fallback=SessionState.user_name[:1], size="1", radius="full"),
                rx.el.span(SessionState.user_name, class_name=_WIDE_ONLY),
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


def _top_bar(current: str = "") -> rx.Component:
    return rx.el.header(
        _nav_drawer(current),
        _workspace_picker(),
        rx.el.div(class_name=f"pt-topbar-rule {_WIDE_ONLY}", aria_hidden="true"),
        rx.el.div(_app_switcher(), class_name=_WIDE_ONLY),
        rx.el.div(class_name="pt-grow"),
        rx.color_mode.button(variant="ghost", color_scheme="gray", aria_label="Toggle dark mode"),
        rx.cond(SessionState.signed_in, _user_menu()),
        class_name="pt-topbar",
        custom_attrs={"role": "banner"},  # a landmark: axe's "region" rule
    )


def _shell(spec: routes.PageSpec, content: rx.Component) -> rx.Component:
    """Sidebar, top bar and the page's title, drawn as soon as the page's JavaScript runs;
    the page's content (and the top bar's person and workspace) once the guard allowed it.

    The shell holds nothing a signed-out visitor may not see (links, the page's title), so
    it need not wait for the server: mounting it while the websocket connects and the guard
    runs takes it off the path to the data, which then only fills the content area."""
    title = (
        rx.el.h1(spec.title, class_name="rt-Heading rt-r-size-7 pt-page-title")
        if spec.show_title
        else rx.fragment()
    )
    return rx.el.div(
        _sidebar(spec.route),
        rx.el.div(
            _top_bar(spec.route),
            rx.el.main(
                title,
                rx.cond(_allowed(spec.requirement), content, _checking()),
                class_name="pt-main",
            ),
            class_name="pt-column",
        ),
        _hydrated_mark(),
        class_name="pt-shell",
    )


def _public_frame(content: rx.Component) -> rx.Component:
    return rx.el.div(
        rx.el.header(
            rx.el.div(
                _logo(),
                rx.el.span("Portal", class_name="pt-brand-name"),
                class_name="pt-inline",
            ),
            rx.el.div(class_name="pt-grow"),
            rx.color_mode.button(
                variant="ghost", color_scheme="gray", aria_label="Toggle dark mode"
            ),
            class_name="pt-public-bar",
            custom_attrs={"role": "banner"},
        ),
        rx.el.main(content, class_name="pt-public-main"),
        _hydrated_mark(),
        class_name="pt-public",
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
