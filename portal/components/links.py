"""A link that looks like a button: one <a> styled as a Radix button (asChild), never a
<button> inside an <a> (invalid markup that keyboards and screen readers trip over)."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

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
