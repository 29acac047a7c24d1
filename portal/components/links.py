"""Links: one that looks like a button (an <a> styled as a Radix button with asChild, never a
<button> inside an <a>, which keyboards and screen readers trip over), and a page's tabs."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var
from reflex_components_core.react_router.dom import ReactRouterLink

from portal import routes


def button_link(*children, href, is_external: bool = False, **button_props) -> rx.Component:
    return rx.button(
        rx.link(*children, href=href, is_external=is_external, underline="none"),
        as_child=True,
        **button_props,
    )


def home_link(signed_in: Var, *, size: str = "2", **props) -> rx.Component:
    """The way home from a dead end (an unknown page, a used invitation): the dashboard for
    someone signed in, else sign-in. `signed_in` is the page state's SessionState flag."""
    return rx.link(
        rx.cond(signed_in, "Go to your dashboard", "Go to sign in"),
        href=rx.cond(signed_in, routes.DASHBOARD, routes.SIGN_IN),
        size=size,
        **props,
    )


def page_tabs(links: Var, *, label: str) -> rx.Component:
    """A page's tabs as links, each with its own URL (an open app's pages, a developer app's
    tabs): `links` is a list of rows with `label`, `href` and `current`."""
    return rx.el.nav(
        rx.foreach(
            links,
            lambda link: ReactRouterLink.create(
                link.label,
                to=link.href,
                custom_attrs={"aria-current": rx.cond(link.current, "page", "false")},
            ),
        ),
        class_name="pt-app-tabs",
        aria_label=label,
    )


def once_loaded(content: rx.Component) -> rx.Component:
    """A tabbed page's `content` once its loaders are done, a spinner until then
    (is_hydrated turns false as a navigation starts): switching from one app to another must
    not show the first app's data in the second's forms."""
    return rx.cond(
        rx.State.is_hydrated,
        content,
        rx.el.div(rx.spinner(size="3"), class_name="pt-checking", aria_label="Loading"),
    )


def name_link(name: Var, href: Var, *, pending: str = "this workspace") -> rx.Component:
    """A link whose text is a name the page loads (a workspace's, in a page's toolbar): until
    the name arrives, plain `pending` text, never an empty link a screen reader or keyboard
    reaches with nothing to announce."""
    return rx.cond(name != "", rx.link(name, href=href), rx.text.span(pending))
