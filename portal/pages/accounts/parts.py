"""Small pieces the account pages share."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

PERMISSION_COLORS = {"administer": "violet", "read": "blue"}
INVITATION_STATE_COLORS = {
    "pending": "amber",
    "accepted": "green",
    "declined": "gray",
    "revoked": "gray",
    "expired": "red",
}


def permission_badge(permission: Var | str) -> rx.Component:
    return rx.badge(
        permission,
        color_scheme=rx.match(
            permission, *[(name, color) for name, color in PERMISSION_COLORS.items()], "gray"
        ),
        variant="soft",
        radius="full",
    )


def invitation_state_badge(state: Var | str) -> rx.Component:
    return rx.badge(
        state,
        color_scheme=rx.match(
            state, *[(name, color) for name, color in INVITATION_STATE_COLORS.items()], "gray"
        ),
        variant="soft",
        radius="full",
        id="invitation-state",
    )
