"""A developer app's Security tab: who you are on its team, the team (pages/developer/team.py),
and its client credentials.

The client id is public. A client secret is shown once, in the toast the handler that made it
returns (portal/state/secrets.py): no state var, backend-only ones included, ever holds it;
the table lists each live secret's prefix. Rotating makes a new secret and keeps the current
one working for client_credentials.OVERLAP (24 hours) so deployments can switch; the owner
can end that overlap early. Only owners see or change credentials: the service refuses anyone
else (PermissionDenied), and then the tab says so instead of showing them.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.components.data_table import Column, data_table
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog
from portal.components.empty_state import empty_state
from portal.domain.errors import PermissionDenied, PortalError
from portal.layout import page
from portal.pages.developer.frame import developer_app_frame, section
from portal.pages.developer.team import DeveloperTeamState, team_section
from portal.services import client_credentials
from portal.services.client_credentials import Credentials, SecretRow
from portal.state.open_developer_app import OpenDeveloperAppState
from portal.state.secrets import show_secret_once

TAB = "security"
SECRET_TOAST = "client-secret-once"  # noqa: S105 - a toast id, not a secret
OWNERS_ONLY = "Only the app's owners see and manage its client credentials."

# What each role on an app's team may do (domain/developer.py TEAM_RULES), in words.
ROLE_MEANING = {
    "owner": "Everything: details, drafts and publishing, client secrets, and the team "
    "(inviting, changing roles, removing).",
    "developer": "Change the app's details, edit its draft, publish versions and manage its "
    "webhook signing secret.",
    "viewer": "Read the app, its draft and its versions; change nothing.",
}


@dataclass(frozen=True)
class SecretView:
    id: int
    prefix: str  # "cs_abc123…"
    created_at: str  # ISO 8601 UTC
    ends_at: str  # ISO 8601 UTC while in its overlap window, "" for the current secret

    @classmethod
    def of(cls, row: SecretRow) -> SecretView:
        return cls(
            id=row.id,
            prefix=f"{row.prefix}…",
            created_at=iso_utc(row.created_at),
            ends_at=iso_utc(row.expires_at),
        )


def _rotate_and_list(*, session, actor, app_id: int) -> tuple[str, Credentials]:
    """A new secret, then the credentials as they are now, in one transaction. The secret is
    returned to the handler only to put in its toast."""
    made = client_credentials.rotate(session=session, actor=actor, app_id=app_id)
    listed = client_credentials.credentials(session=session, actor=actor, app_id=app_id)
    return made.secret, listed


def _end_and_list(*, session, actor, app_id: int, secret_id: int) -> Credentials:
    client_credentials.end_overlap(session=session, actor=actor, app_id=app_id, secret_id=secret_id)
    return client_credentials.credentials(session=session, actor=actor, app_id=app_id)


class DeveloperSecurityState(OpenDeveloperAppState):
    can_manage: bool = False  # the service showed this person the credentials (an owner)
    client_id: str = ""
    secret_rows: list[SecretView] = []

    def _show_credentials(self, listed: Credentials | None) -> None:
        self.can_manage = listed is not None
        self.client_id = listed.client_id if listed else ""
        self.secret_rows = [SecretView.of(row) for row in listed.secrets] if listed else []

    @rx.event
    async def load(self):
        if await self._open_dev_app(TAB) is None:
            self._show_credentials(None)
            return
        try:
            listed = await self._call(client_credentials.credentials, app_id=self._dev_app_id)
        except PermissionDenied:
            listed = None  # not an owner: the tab says only owners manage credentials
        self._show_credentials(listed)

    @rx.event
    async def rotate(self):
        """The first secret, or the next one (the current one keeps working for the overlap)."""
        try:
            secret, listed = await self._call(_rotate_and_list, app_id=self._dev_app_id)
        except PortalError as exc:
            return self._show_error(exc)
        self._show_credentials(listed)
        # The secret goes to this browser once, in the toast; no var ever holds it.
        return show_secret_once(
            secret,
            title="New client secret. Copy it now: Portal keeps only a hash.",
            toast_id=SECRET_TOAST,
            # The secret wraps anywhere: all of it and Copy stay in the toast on a phone.
            class_name="secret-once-toast pt-break",
        )

    @rx.event
    async def end_overlap(self, secret_id: int):
        try:
            listed = await self._call(
                _end_and_list,
                app_id=self._dev_app_id,
                secret_id=secret_id if type(secret_id) is int and 0 < secret_id < 2**31 else 0,
            )
        except PortalError as exc:
            return self._show_error(exc)
        self._show_credentials(listed)
        return rx.toast.success("The older secret has stopped working.", position="top-center")


_S = DeveloperSecurityState


def _copyable_client_id() -> rx.Component:
    return rx.el.div(
        rx.text("Client ID", size="1", color_scheme="gray", weight="medium"),
        rx.el.div(
            rx.code(_S.client_id, id="client-id", size="2", class_name="pt-break"),
            rx.icon_button(
                rx.icon("copy", size=14),
                size="1",
                variant="ghost",
                type="button",
                aria_label="Copy client ID",
                on_click=[
                    rx.set_clipboard(_S.client_id),
                    rx.toast.info("Client ID copied", duration=1500),
                ],
            ),
            class_name="pt-inline",
        ),
        rx.text(
            "Public: it names the app. Send it with a secret to get a token.",
            size="1",
            color_scheme="gray",
        ),
        class_name="pt-stack-tight",
    )


def _status(row) -> rx.Component:
    return rx.cond(
        row.ends_at != "",
        rx.el.span("Ends ", local_time(row.ends_at), class_name="secret-ends"),
        rx.text("Current", as_="span", size="2"),
    )


def _end_now(row) -> rx.Component:
    return rx.cond(
        row.ends_at != "",
        confirm_dialog(
            rx.button("End now", size="1", variant="soft", color_scheme="red"),
            title=("End ", row.prefix, " now?"),
            description=("It stops working at once. Apps still using it will fail to get tokens.",),
            confirm="End secret now",
            on_confirm=_S.end_overlap(row.id),
            destructive=True,
        ),
    )


COLUMNS = (
    Column("Secret", lambda r: rx.el.code(r.prefix, class_name="pt-slug"), row_header=True),
    Column("Created", lambda r: local_time(r.created_at)),
    Column("Status", _status),
    Column("", _end_now),
)


def _rotate_button() -> rx.Component:
    two_live = _S.secret_rows.length() >= client_credentials.MAX_LIVE_SECRETS
    return rx.cond(
        _S.secret_rows.length() == 0,
        rx.button(
            rx.icon("plus", size=16),
            "Create client secret",
            type="button",
            on_click=_S.rotate,
        ),
        confirm_dialog(
            rx.button(rx.icon("refresh-cw", size=16), "Rotate secret", disabled=two_live),
            title="Rotate the client secret?",
            description=(
                "A new secret is made. The current one keeps working for 24 hours so you "
                "can switch, then stops.",
            ),
            confirm="Rotate secret",
            on_confirm=_S.rotate,
        ),
    )


def _token_usage() -> rx.Component:
    return rx.el.div(
        rx.text(
            "An installed app trades them for a one-hour token scoped to one installation's "
            "workspace (the Versions tab lists installations with their IDs):",
            size="2",
        ),
        rx.el.pre(
            rx.el.code(
                "POST /v1/oauth/token\n"
                "Content-Type: application/x-www-form-urlencoded\n\n"
                "grant_type=client_credentials\n"
                "&client_id=",
                rx.cond(_S.client_id != "", _S.client_id, "<client id>"),
                "\n&client_secret=<client secret>\n&installation_id=<installation id>",
            ),
            class_name="pt-code-sample",
            # Long lines wrap in the box (a phone's width) instead of hiding past its edge.
            style={"white_space": "pre-wrap", "overflow_wrap": "anywhere"},
            id="token-usage",
            tab_index=0,
            aria_label="Token request",
        ),
        class_name="pt-stack-tight",
    )


def _credentials() -> rx.Component:
    return rx.cond(
        _S.can_manage,
        rx.el.div(
            _copyable_client_id(),
            rx.el.div(
                rx.heading("Client secrets", size="3", as_="h3"),
                rx.el.div(class_name="pt-grow"),
                _rotate_button(),
                class_name="pt-toolbar",
            ),
            data_table(
                _S.secret_rows,
                COLUMNS,
                label="Client secrets",
                empty=empty_state(
                    "key-round",
                    "No client secrets yet",
                    "Create one: it is shown once, then Portal keeps only its hash.",
                ),
                row_class="client-secret-row",
                stack_on_phone=True,
            ),
            rx.cond(
                _S.secret_rows.length() >= client_credentials.MAX_LIVE_SECRETS,
                rx.text(
                    "Two secrets are live: end the older one to rotate again.",
                    size="2",
                    color_scheme="gray",
                ),
            ),
            _token_usage(),
            class_name="pt-stack",
        ),
        rx.text(OWNERS_ONLY, size="2", id="owners-only"),
    )


@page(
    routes.DEVELOPER_APP_SECURITY,
    on_load=[DeveloperSecurityState.load, DeveloperTeamState.load],  # the team's after the app's
)
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
            ),
            team_section(),
            section("Client credentials", _credentials()),
            class_name="pt-stack",
        )
    )
