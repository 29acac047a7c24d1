"""A developer app's Security tab: who you are on its team, and its client credentials (none
can be created before the app can be installed in a workspace: said plainly, no dead buttons).
"""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.empty_state import empty_state
from portal.layout import page
from portal.pages.developer.frame import developer_app_frame, section
from portal.state.open_developer_app import OpenDeveloperAppState

TAB = "security"

# What each role on an app's team may do (domain/developer.py TEAM_RULES), in words.
ROLE_MEANING = {
    "owner": "Everything: details, drafts and publishing, and (once they exist) client "
    "secrets, the team and deleting the app.",
    "developer": "Change the app's details, edit its draft and publish versions.",
    "viewer": "Read the app, its draft and its versions; change nothing.",
}


class DeveloperSecurityState(OpenDeveloperAppState):
    @rx.event
    async def load(self):
        await self._open_dev_app(TAB)


_S = DeveloperSecurityState


@page(routes.DEVELOPER_APP_SECURITY, on_load=[DeveloperSecurityState.load])
def developer_app_security() -> rx.Component:
    return developer_app_frame(
        rx.el.div(
            section(
                "Your access",
                rx.el.dl(
                    rx.el.div(
                        rx.el.dt("Your role on the team"),
                        rx.el.dd(_S.dev_app_role, id="team-role"),
                    ),
                    class_name="pt-facts",
                ),
                rx.text(
                    rx.match(
                        _S.dev_app_role,
                        *[(role, meaning) for role, meaning in ROLE_MEANING.items()],
                        "",
                    ),
                    size="2",
                ),
                rx.text(
                    "Adding and removing team members is not available yet; the app's "
                    "creator is its owner.",
                    size="2",
                    color_scheme="gray",
                ),
            ),
            section(
                "Client credentials",
                empty_state(
                    "key-round",
                    "No client credentials yet",
                    "Client credentials (a client id, and a secret shown once and stored "
                    "hashed) are created here once the app can be installed in a workspace. "
                    "An installed app trades them for a short-lived token scoped to that "
                    "workspace. Until then there is nothing to copy or rotate.",
                    rx.link(
                        "Meanwhile, shape the manifest under Versions",
                        href=rx.Var.create("/developer/apps/") + _S.dev_app_slug + "/versions",
                        size="2",
                    ),
                ),
            ),
            class_name="pt-stack",
        )
    )
