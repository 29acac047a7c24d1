"""Password reset: ask for a link by email, then choose a new password from the link."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.forms import form_field, form_message, new_password_fields
from portal.components.links import button_link
from portal.config import get_settings
from portal.domain.errors import Invalid
from portal.layout import page
from portal.services import auth, passwords
from portal.state.session import SessionState


class ResetPasswordState(SessionState):
    has_token: bool = False
    sent_to: str = ""
    error: str = ""
    field_errors: dict[str, str] = {}
    dev_outbox: bool = False
    _token: str = ""  # backend-only: the link's token never round-trips through state

    @rx.event
    async def load(self):
        self._token = str(self.router.url.query_parameters.get("token", ""))[:200]
        self.has_token = bool(self._token)
        self.sent_to = ""
        self.error = ""
        self.field_errors = {}
        self.dev_outbox = get_settings().dev_outbox_enabled
        if self._token:
            # A used, expired or garbled link says so now, not after the form is filled in.
            try:
                await self._call_anonymous(auth.check_reset_link, token=self._token)
            except Invalid as exc:
                self.error = exc.message

    @rx.event
    async def request_link(self, form: dict):
        self.field_errors = {}
        email = str(form.get("email", ""))
        try:
            await self._call_anonymous(auth.request_password_reset, email=email)
        except Invalid as exc:
            self.field_errors = {"email": exc.message}
            return
        self.sent_to = auth.normalize_email(email)

    @rx.event
    async def choose_password(self, form: dict):
        self.error = ""
        self.field_errors = {}
        new_password = str(form.get("new_password", ""))
        if new_password != str(form.get("confirm_password", "")):
            self.field_errors = {"confirm_password": "The two passwords don't match."}
            return None
        try:
            await self._call_anonymous(
                auth.reset_password, token=self._token, new_password=new_password
            )
        except Invalid as exc:
            if exc.field == "token":
                self.error = exc.message
            else:
                self.field_errors = {exc.field or "new_password": exc.message}
            return None
        # Every session ended with the reset; a cookie this browser holds names a dead one.
        self._forget_identity()
        return rx.redirect(routes.sign_in_url(reason="reset"), replace=True)


def _request_form() -> rx.Component:
    sent = rx.vstack(
        rx.callout(
            rx.text(
                "If an account exists for ",
                rx.text.strong(ResetPasswordState.sent_to),
                ", we sent it a link to choose a new password. The link works once and expires "
                f"in {get_settings().password_reset_minutes} minutes.",
            ),
            icon="mail-check",
            color_scheme="green",
            role="status",
        ),
        rx.cond(
            ResetPasswordState.dev_outbox,
            rx.text(
                "No mail server is configured: read it in the ",
                rx.link("dev outbox", href=routes.DEV_OUTBOX, underline="always"),
                ".",
                size="2",
            ),
        ),
        rx.link("Back to sign in", href=routes.SIGN_IN, size="2"),
        spacing="3",
        width="100%",
    )
    form = rx.form(
        rx.vstack(
            rx.text(
                "Enter the email you sign in with. We'll send you a link to choose a new password.",
                size="2",
                color_scheme="gray",
            ),
            form_field(
                "Email",
                "email",
                ResetPasswordState.field_errors,
                type="email",
                autocomplete="email",
                placeholder="you@example.com",
            ),
            rx.button("Send reset link", type="submit", size="3", width="100%"),
            rx.link("Back to sign in", href=routes.SIGN_IN, size="2"),
            spacing="4",
            width="100%",
        ),
        on_submit=ResetPasswordState.request_link,
    )
    return rx.cond(ResetPasswordState.sent_to != "", sent, form)


def _link_refused() -> rx.Component:
    return rx.vstack(
        form_message(ResetPasswordState.error),
        button_link("Request a new link", href=routes.RESET_PASSWORD, size="3", width="100%"),
        rx.link("Back to sign in", href=routes.SIGN_IN, size="2"),
        spacing="4",
        width="100%",
    )


def _choose_form() -> rx.Component:
    errors = ResetPasswordState.field_errors
    form = rx.form(
        rx.vstack(
            form_message(ResetPasswordState.error),
            new_password_fields(
                errors, min_length=passwords.MIN_LENGTH, name="new_password", label="New password"
            ),
            rx.button("Set new password", type="submit", size="3", width="100%"),
            rx.cond(
                ResetPasswordState.error != "",
                rx.link("Request a new link", href=routes.RESET_PASSWORD, size="2"),
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=ResetPasswordState.choose_password,
    )
    return rx.cond(ResetPasswordState.error != "", _link_refused(), form)


@page(routes.RESET_PASSWORD, on_load=[ResetPasswordState.load])
def reset_password() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(
                rx.cond(
                    ResetPasswordState.has_token, "Choose a new password", "Reset your password"
                ),
                size="6",
                as_="h1",
            ),
            rx.cond(ResetPasswordState.has_token, _choose_form(), _request_form()),
            spacing="4",
            width="100%",
        ),
        size="4",
        width="100%",
        max_width="440px",
        margin_top="10vh",
    )
