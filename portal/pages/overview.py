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


@page(routes.WORKSPACES)
def workspaces() -> rx.Component:
    return coming(
        "Workspaces",
        "Your tenant boundary for apps, data, secrets and environments. The workspace list, "
        "Create workspace and the detail page are being built; the picker in the top bar "
        "already lists the workspaces you can read.",
        [
            "Name, Account, Tenancy model, Status, Region and Created, sortable and filtered",
            "Create workspace, with dev, staging and prod environments provisioned for you",
            "Detail: slug and UUID, environments, apps, recent activity, and Actions",
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
