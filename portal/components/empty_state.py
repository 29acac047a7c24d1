"""Empty and not-yet-built states that say plainly what is (not) here and what to do."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.links import button_link


def coming(title: str, summary: str, will_show: list[str]) -> rx.Component:
    """An honest placeholder for a page a later release builds: no fake data."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("hammer", size=20, color=rx.color("amber", 10)),
                rx.heading("Coming soon", size="4"),
                rx.badge("Not built yet", color_scheme="amber", variant="soft"),
                align="center",
                spacing="2",
            ),
            rx.text(summary, color_scheme="gray"),
            rx.text(f"{title} will show:", weight="medium", size="2"),
            rx.unordered_list(*[rx.list_item(item, size="2") for item in will_show]),
            spacing="3",
            align="start",
        ),
        width="100%",
        max_width="720px",
        size="3",
    )


def empty_state(icon: str, title: str, body: str | rx.Component, action=None) -> rx.Component:
    return rx.vstack(
        rx.icon(icon, size=28, color=rx.color("gray", 9)),
        rx.text(title, weight="bold"),
        body if isinstance(body, rx.Component) else rx.text(body, size="2", color_scheme="gray"),
        action if action is not None else rx.fragment(),
        align="center",
        text_align="center",
        spacing="2",
        padding="var(--space-6)",
    )


def workspace_not_found(hint: str = "") -> rx.Component:
    """A workspace page whose workspace does not exist or is not the person's to read."""
    return empty_state(
        "search-x",
        "Workspace not found",
        "It does not exist, or you cannot read it." + (f" {hint}" if hint else ""),
        button_link("All workspaces", href=routes.WORKSPACES, variant="soft"),
    )


def no_workspace_to_open(what: str) -> rx.Component:
    """/process-log, /secrets, ... for someone who can read no workspace: `what` says what
    belongs to one ("Secrets belong to one workspace.")."""
    return empty_state(
        "boxes",
        "Pick a workspace",
        f"{what} You have no workspace yet: create one, or ask an account administrator to "
        "add you.",
        button_link("Go to Workspaces", href=routes.WORKSPACES, variant="soft"),
    )
