"""A link that looks like a button: one <a> styled as a Radix button (asChild), never a
<button> inside an <a> (invalid markup that keyboards and screen readers trip over)."""

from __future__ import annotations

import reflex as rx


def button_link(*children, href, is_external: bool = False, **button_props) -> rx.Component:
    return rx.button(
        rx.link(*children, href=href, is_external=is_external, underline="none"),
        as_child=True,
        **button_props,
    )
