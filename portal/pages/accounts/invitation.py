"""An invitation link (public): who invited whom to what, and Accept or Decline once signed in
with the invited email. The token in the URL is the only key; it stays in a backend-only var."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.components.dates import iso_utc, local_time
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, form_field, form_message, new_password_fields
from portal.components.links import button_link, home_link
from portal.domain.access import ClientInfo
from portal.domain.dto import InvitationPublic, SignedIn
from portal.domain.errors import Invalid, NotFound, PortalError
from portal.domain.wording import sentence
from portal.layout import page
from portal.pages.accounts.parts import invitation_state_badge, permission_badge
from portal.services import accounts, passwords
from portal.state.session import SessionState, hand_off_session

_EXPLAINED = {
    "pending": "",
    "accepted": "This invitation was accepted: the grant is in place.",
    "declined": "This invitation was declined. Ask the person who invited you for a new one "
    "if that was a mistake.",
    "revoked": "This invitation was withdrawn by an administrator. Ask for a new one if you "
    "still need access.",
    "expired": "This invitation has expired. Ask the person who invited you to send a new one.",
}


@dataclass(frozen=True)
class InvitationView:
    """What the invitation mail already said, and where the invitation stands."""

    account_name: str = ""
    workspace_name: str = ""  # "" for the whole account
    email: str = ""
    permission: str = ""
    invited_by: str = ""
    expires_at: str = ""  # ISO 8601 UTC; shown in the viewer's local time
    state: str = ""  # pending, accepted, declined, revoked, expired
    explained: str = ""

    @classmethod
    def of(cls, found: InvitationPublic) -> InvitationView:
        return cls(
            account_name=found.account_name,
            workspace_name=found.workspace_name or "",
            email=found.email,
            permission=found.permission,
            invited_by=found.invited_by or "Someone who has since left",
            expires_at=iso_utc(found.expires_at),
            state=found.state,
            explained=_EXPLAINED.get(found.state, ""),
        )


def _sign_up_here(*, session, token: str, name: str, password: str, client: ClientInfo) -> SignedIn:
    # Behind a one-time handoff: /auth/session trades it for the HttpOnly cookie (and ends
    # the session this browser held before).
    return accounts.sign_up_invited(
        session=session, token=token, name=name, password=password, client=client, handoff=True
    )


class InvitationState(SessionState):
    found: bool = True
    invitation: InvitationView = InvitationView()
    sign_in_href: str = ""
    answer_error: str = ""
    sign_up_errors: dict[str, str] = {}
    _token: str = ""

    async def _show(self) -> None:
        """Read the invitation by the URL's token; NotFound shows the invalid-link state."""
        try:
            found = await self._call_anonymous(accounts.get_invitation, token=self._token)
        except NotFound:
            self.found = False
            self.invitation = InvitationView()
            return
        self.found = True
        self.invitation = InvitationView.of(found)

    @rx.event
    async def load(self):
        self._token = str(self.router._page.params.get("invitation_token", ""))[:200]
        self.answer_error = ""
        self.sign_up_errors = {}
        await self._show()
        # Sign in comes back here, the invited email filled in.
        self.sign_in_href = routes.sign_in_url(
            next_path=self._current_path(), email=self.invitation.email or None
        )

    @rx.event
    async def sign_up(self, form: dict):
        """New to Portal: a name and a password, and the person is signed in as the invited
        email, back on this invitation to answer it (no account of their own needed)."""
        self.sign_up_errors = {}
        password = str(form.get("password", ""))
        if password != str(form.get("confirm_password", "")):
            self.sign_up_errors = {"confirm_password": "The two passwords don't match."}
            return None
        try:
            signed_in = await self._call_anonymous(
                _sign_up_here,
                token=self._token,
                name=str(form.get("name", "")),
                password=password,
                client=self._client(),
            )
        except Invalid as exc:
            self.sign_up_errors = {exc.field or "name": exc.message}
            return None
        except NotFound:
            self.found = False
            return None
        # Back on this page, signed in: the guard runs again and shows Accept and Decline.
        return hand_off_session(signed_in.token, self._current_path())

    @rx.event
    async def accept(self):
        self.answer_error = ""
        try:
            granted = await self._call(accounts.accept_invitation, token=self._token)
        except PortalError as exc:  # another email, expired, used, revoked, unknown token
            event = self._show_error(exc, banner="answer_error")
            await self._show()
            return event
        target = (
            routes.workspace_url(granted.workspace_id)
            if granted.workspace_id
            else routes.account_url(granted.account_id)
        )
        return [
            rx.toast.success(
                sentence(f"Welcome to {self.invitation.account_name or 'the account'}"),
                position="top-center",
            ),
            rx.redirect(target),
        ]

    @rx.event
    async def decline(self):
        self.answer_error = ""
        try:
            await self._call(accounts.decline_invitation, token=self._token)
        except PortalError as exc:
            event = self._show_error(exc, banner="answer_error")
            await self._show()
            return event
        await self._show()
        return rx.toast.info("Invitation declined.", position="top-center")


def _fact(label: str, value) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2", color_scheme="gray", width="110px", flex_shrink="0"),
        value,
        align="center",
        width="100%",
    )


def _answer() -> rx.Component:
    inv = InvitationState.invitation
    errors = InvitationState.sign_up_errors
    signed_out = rx.vstack(
        rx.text(
            "Have a Portal account with ",
            rx.text.strong(inv.email),
            "? Sign in to accept or decline.",
            size="2",
        ),
        # A link that looks like a button (asChild): no button nested in a link.
        button_link("Sign in", href=InvitationState.sign_in_href, size="3"),
        rx.separator(size="4"),
        rx.form(
            rx.vstack(
                rx.text(
                    "New to Portal? Choose your name and a password: you sign in as ",
                    rx.text.strong(inv.email),
                    " and come back here to answer.",
                    size="2",
                ),
                form_field("Your name", "name", errors, autocomplete="name"),
                new_password_fields(errors, min_length=passwords.MIN_LENGTH),
                field_error(errors, "email"),
                rx.button("Sign up and continue", type="submit", size="3", variant="soft"),
                spacing="3",
                width="100%",
            ),
            on_submit=InvitationState.sign_up,
            width="100%",
        ),
        spacing="3",
        width="100%",
    )
    signed_in = rx.vstack(
        rx.text(
            "Signed in as ",
            rx.text.strong(InvitationState.user_email),
            ".",
            size="2",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.button("Accept", size="3", on_click=InvitationState.accept, id="accept"),
            rx.button(
                "Decline",
                size="3",
                variant="soft",
                color_scheme="gray",
                on_click=InvitationState.decline,
                id="decline",
            ),
            spacing="3",
        ),
        spacing="3",
        width="100%",
    )
    return rx.cond(InvitationState.signed_in, signed_in, signed_out)


def _invitation() -> rx.Component:
    inv = InvitationState.invitation
    return rx.vstack(
        rx.hstack(
            rx.icon("mail-open", size=24, color=rx.color("accent", 10), flex_shrink="0"),
            rx.heading("You're invited to ", inv.account_name, size="6", as_="h1"),
            align="center",
            spacing="3",
        ),
        rx.vstack(
            _fact("Account", rx.text(inv.account_name, size="2", weight="medium")),
            rx.cond(
                inv.workspace_name != "",
                _fact("Workspace", rx.text(inv.workspace_name, size="2")),
            ),
            _fact("Invited by", rx.text(inv.invited_by, size="2")),
            _fact("For", rx.text(inv.email, size="2")),
            _fact("Permission", permission_badge(inv.permission)),
            _fact("Expires", rx.text(local_time(inv.expires_at), size="2")),
            _fact("State", invitation_state_badge(inv.state)),
            spacing="2",
            width="100%",
        ),
        rx.separator(size="4"),
        form_message(InvitationState.answer_error),
        rx.cond(
            inv.state == "pending",
            _answer(),
            rx.vstack(
                rx.callout(
                    inv.explained,
                    icon="info",
                    color_scheme="gray",
                    role="status",
                    width="100%",
                    id="invitation-explained",
                ),
                home_link(InvitationState.signed_in),
                spacing="3",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "link-2-off",
        "This invitation link is not valid",
        "Check that you opened the whole link from the email, or ask for a new invitation.",
        rx.link("Go to sign in", href=routes.SIGN_IN, size="2"),
    )


@page(routes.INVITATION, on_load=[InvitationState.load])
def invitation() -> rx.Component:
    return rx.card(
        rx.cond(InvitationState.found, _invitation(), _not_found()),
        size="4",
        width="100%",
        max_width="520px",
        margin_top="8vh",
    )
