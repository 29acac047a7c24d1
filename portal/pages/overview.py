"""Pages later releases build; each says honestly what it will hold."""

import reflex as rx

from portal import routes
from portal.components.empty_state import coming
from portal.layout import page


@page(routes.DASHBOARD)
def dashboard() -> rx.Component:
    return coming(
        "The workspace dashboard",
        "The dashboard is your triage board across the apps of the picked workspace. It "
        "arrives with apps.",
        [
            "Apps: how many apps the workspace has",
            "Live organizations: organizations serving customer activity",
            "Need action and Needs attention: blockers and setup gaps, with the next step",
            "Operational apps and Recent apps",
        ],
    )
