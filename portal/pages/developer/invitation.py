"""An invitation to a developer app's team (the link mailed by services/developer_team.invite):
which app, who invited, the role and where the invitation stands; the signed-in person with
the invited email accepts it and then opens the app.

The page needs a session (the guard sends anyone else to sign in, back here after). The token
in the URL is the only key: it stays in a backend-only var and goes to the service on each
call, which checks it again (and the email, and that the invitation is still pending).
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.components.badges import status_badge
from portal.components.dates import iso_utc, local_time
from portal.components.empty_state import empty_state
from portal.components.forms import form_message
from portal.components.links import button_link
from portal.domain.access import Actor
from portal.domain.developer import TeamInvitationState
from portal.domain.errors import NotFound, PortalError
from portal.layout import page
from portal.pages.developer.team import role_badge
from portal.services import developer_team
from portal.services.developer_team import TeamInvitationPublic
from portal.state.session import SessionState

TOKEN_MAX = 200


@dataclass(frozen=True)
class TeamInvitationView:
    """What the invitation mail already said, and where the invitation stands."""

    app_name: str = ""
    email: str = ""
    role: str = ""
    invited_by: str = ""
    expires_at: str = ""  # ISO 8601 UTC; shown in the viewer's local time
    state: str = ""  # pending, accepted, revoked, expired
    explained: str = ""
    for_you: bool = False  # sent to the signed-in person's email

    @classmethod
    def of(cls, found: TeamInvitationPublic, *, for_you: bool) -> TeamInvitationView:
        return cls(
            app_name=found.app_name,
            email=found.email,
            role=found.role.value,
            invited_by=found.invited_by or "Someone who has since left",
            expires_at=iso_utc(found.expires_at),
            state=found.state,
            explained=TeamInvitationState(found.state).explained,
            for_you=for_you,
        )


def _read(*, session, actor: Actor, token: str) -> TeamInvitationView:
    """The invitation as the signed-in person sees it (NotFound for a link that is not one)."""
    found = developer_team.get_invitation(session=session, token=token)
    return TeamInvitationView.of(found, for_you=actor.email.strip().lower() == found.email)


class DeveloperInvitationState(SessionState):
    found: bool = True
    invitation: TeamInvitationView = TeamInvitationView()
    answer_error: str = ""
    joined_app_href: str = ""  # set once accepted: the app's General tab
    _token: str = ""

    def _route_token(self) -> str:
        return str(self.router._page.params.get("invite_token", ""))[:TOKEN_MAX]

    async def _show(self, token: str) -> None:
        try:
            view = await self._call(_read, token=token)
        except NotFound:
            view = None
        self.found = view is not None
        self.invitation = view or TeamInvitationView()

    @rx.event
    async def load(self):
        token = self._route_token()
        await self._show(token)  # refuses a browser without a session before anything changes
        self._token = token
        self.answer_error = ""
        self.joined_app_href = ""

    @rx.event
    async def accept(self):
        try:
            joined = await self._call(developer_team.accept_invitation, token=self._token)
        except PortalError as exc:  # another email, accepted, expired, revoked, unknown token
            event = self._show_error(exc, banner="answer_error")
            await self._show(self._token)
            return event
        self.answer_error = ""
        await self._show(self._token)
        self.joined_app_href = routes.developer_app_url(joined.app_slug, "general")
        return rx.toast.success(
            f"You joined the team of {joined.app_name} as {joined.role.value}.",
            position="top-center",
        )


_S = DeveloperInvitationState


def _fact(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _facts() -> rx.Component:
    inv = _S.invitation
    return rx.el.dl(
        _fact("App", inv.app_name),
        _fact("Role", role_badge(inv.role)),
        _fact("Invited by", inv.invited_by),
        _fact("For", rx.el.span(inv.email, class_name="pt-break")),
        _fact("Expires", local_time(inv.expires_at)),
        _fact("State", rx.el.span(status_badge(inv.state), id="team-invitation-state")),
        class_name="pt-facts pt-facts-column",
    )


def _joined() -> rx.Component:
    return rx.el.div(
        rx.callout(
            rx.text(
                "You are on the team of ",
                rx.text.strong(_S.invitation.app_name),
                " as ",
                _S.invitation.role,
                " now.",
            ),
            icon="circle-check",
            color_scheme="green",
            role="status",
            id="team-joined",
            width="100%",
        ),
        rx.el.div(
            button_link(
                rx.icon("arrow-right", size=16),
                "Open the app",
                href=_S.joined_app_href,
                id="open-joined-app",
            ),
            class_name="pt-inline",
        ),
        class_name="pt-stack",
    )


def _answer() -> rx.Component:
    inv = _S.invitation
    return rx.cond(
        inv.for_you,
        rx.el.div(
            rx.text(
                "Accept to join the team with the role above. You can leave it any time from "
                "the app's Security tab.",
                size="2",
            ),
            rx.el.div(
                rx.button("Accept invitation", size="3", on_click=_S.accept, id="accept"),
                button_link("Not now", href=routes.DEVELOPER, size="3", variant="soft"),
                class_name="pt-toolbar",
            ),
            class_name="pt-stack",
        ),
        rx.callout(
            rx.text(
                "This invitation was sent to ",
                rx.text.strong(inv.email),
                ", and you are signed in as ",
                rx.text.strong(_S.user_email),
                ". Sign out and sign in with ",
                inv.email,
                " to accept it.",
            ),
            icon="user-x",
            color_scheme="amber",
            role="status",
            id="team-invitation-other-email",
            width="100%",
        ),
    )


def _invitation() -> rx.Component:
    inv = _S.invitation
    return rx.el.div(
        rx.el.div(
            rx.icon("users", size=24, color=rx.color("accent", 10), flex_shrink="0"),
            rx.heading(
                "Join the team of ", inv.app_name, size="6", as_="h1", class_name="pt-break"
            ),
            class_name="pt-inline",
        ),
        _facts(),
        rx.separator(size="4"),
        form_message(_S.answer_error),
        rx.cond(
            _S.joined_app_href != "",
            _joined(),
            rx.cond(
                inv.state == TeamInvitationState.PENDING,
                _answer(),
                rx.callout(
                    inv.explained,
                    icon="info",
                    color_scheme="gray",
                    role="status",
                    width="100%",
                    id="team-invitation-explained",
                ),
            ),
        ),
        class_name="pt-stack",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "link-2-off",
        "This invitation link is not valid",
        "Check that you opened the whole link from the email, or ask an owner of the app for "
        "a new invitation.",
        button_link("Developer portal", href=routes.DEVELOPER, variant="soft"),
    )


@page(routes.DEVELOPER_INVITATION, on_load=[DeveloperInvitationState.load])
def developer_invitation() -> rx.Component:
    return rx.card(
        rx.cond(_S.found, _invitation(), _not_found()),
        size="3",
        width="100%",
        max_width="560px",
    )
