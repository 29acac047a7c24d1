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


@page(routes.APPS)
def apps() -> rx.Component:
    return coming(
        "The apps portfolio",
        "Every app in the picked workspace, each a product boundary with its own auth "
        "settings, organizations, end users, keys and webhooks.",
        [
            "Each app's name, slug, state, organization and end-user counts, and created date",
            "The recommended next action for apps that need attention",
            "Create App, and edit or delete where you may",
        ],
    )
