"""Status badges: one colour per status word, everywhere it appears."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

STATUS_COLORS = {
    "provisioning": "amber",
    "pending": "gray",
    "running": "blue",
    "active": "green",
    "ready": "green",
    "succeeded": "green",
    "frozen": "cyan",
    "offboarding": "orange",
    "failed": "red",
    "deleted": "gray",
    "revoked": "gray",
    "online": "green",
    "busy": "blue",
    "offline": "gray",
    "expired": "gray",
}


def status_badge(status: Var | str) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(
            status, *[(name, color) for name, color in STATUS_COLORS.items()], "gray"
        ),
        variant="soft",
        radius="full",
    )
