"""What every unknown path shows (Reflex's "404" page): Portal's own frame, a way home."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.empty_state import empty_state
from portal.components.links import home_link
from portal.layout import page
from portal.state.session import SessionState


@page(routes.NOT_FOUND)
def not_found() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Page not found", size="6", as_="h1"),
            empty_state(
                "map-pin-off",
                "There is no page at this address",
                "The link may be mistyped, cut short, or end with a stray character. "
                "Check it, or start again from the home page.",
                home_link(SessionState.signed_in, size="3", id="not-found-home"),
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        size="4",
        width="100%",
        max_width="520px",
        margin_top="8vh",
    )
