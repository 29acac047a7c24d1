"""Developer portal dashboard (behind the developer-terms gate)."""

import reflex as rx

from portal import routes
from portal.components.empty_state import coming
from portal.layout import page


@page(routes.DEVELOPER)
def developer_portal() -> rx.Component:
    return coming(
        "The developer portal",
        "You have accepted the developer terms. The portal where you define, publish, secure "
        "and monitor apps that other workspaces install is being built.",
        [
            "App count, published app count and draft version count",
            "Your developer apps, and Create app",
            "Per app: General, Versions, Security and Webhooks",
        ],
    )
