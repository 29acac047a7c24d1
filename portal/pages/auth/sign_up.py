"""Sign up: a new person and their first account, finished with a code sent by mail.

Step one takes the name, email and password; step two the code mailed to that email, which
signs the person in. The second step looks the same whether or not the email already had an
account (that owner gets a mail saying someone tried, and no code), so the page tells nobody
who has one.
"""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.forms import form_field, form_message, new_password_fields
from portal.domain.access import ClientInfo
from portal.domain.dto import SignedIn
from portal.domain.errors import Invalid
from portal.layout import page
from portal.services import auth, passwords
from portal.state.session import SessionState, hand_off_session


def _confirm(*, session, request_id: int, code: str, client: ClientInfo) -> SignedIn:
    # A session behind a one-time handoff: /auth/session trades it for the HttpOnly cookie
    # (and ends the session this browser held before).
    return auth.confirm_sign_up(
        session=session, request_id=request_id, code=code, client=client, handoff=True
    )


class SignUpState(SessionState):
    error: str = ""
    field_errors: dict[str, str] = {}
    # "form", then "code" once a code was asked for.
    step: str = "form"
    sent_to: str = ""
    # Which sign-up the code is for: backend-only, so no browser can name another one.
    _request_id: int = 0

    @rx.event
    def load(self):
        self.error = ""
        self.field_errors = {}
        self.step = "form"
        self.sent_to = ""
        self._request_id = 0

    @rx.event
    async def sign_up(self, form: dict):
        self.error = ""
        self.field_errors = {}
        password = str(form.get("password", ""))
        if password != str(form.get("confirm_password", "")):
            self.field_errors = {"confirm_password": "The two passwords don't match."}
            return None
        email = str(form.get("email", ""))
        try:
            # argon2id costs ~30 ms of CPU: _call_anonymous keeps it off the event loop.
            self._request_id = await self._call_anonymous(
                auth.sign_up,
                email=email,
                name=str(form.get("name", "")),
                password=password,
                account_name=str(form.get("account_name", "")),
            )
        except Invalid as exc:
            self.field_errors = {exc.field or "email": exc.message}
            return None
        self.sent_to = auth.normalize_email(email)
        self.step = "code"
        return None

    @rx.event
    async def confirm(self, form: dict):
        self.error = ""
        self.field_errors = {}
        try:
            signed_in = await self._call_anonymous(
                _confirm,
                request_id=self._request_id,
                code=str(form.get("code", ""))[:32],
                client=self._client(),
            )
        except Invalid as exc:
            self.field_errors = {"code": exc.message}
            return None
        self._request_id = 0
        # Where the person was going (a link they opened signed out), else the dashboard.
        return hand_off_session(
            signed_in.token, routes.safe_next(self.router.url.query_parameters.get("next"))
        )

    @rx.event
    def start_over(self):
        self.load()


def _form() -> rx.Component:
    errors = SignUpState.field_errors
    return rx.form(
        rx.vstack(
            rx.heading("Create your Portal account", size="6", as_="h1"),
            rx.text(
                "You get an account of your own, where you can create workspaces.",
                size="2",
                color_scheme="gray",
            ),
            form_message(SignUpState.error),
            form_field("Your name", "name", errors, autocomplete="name", auto_focus=True),
            form_field(
                "Email",
                "email",
                errors,
                type="email",
                placeholder="you@example.com",
                autocomplete="email",
            ),
            form_field(
                "Account name",
                "account_name",
                errors,
                required=False,
                placeholder="Acme Inc.",
                hint="Your company or team. You can change it later.",
            ),
            new_password_fields(errors, min_length=passwords.MIN_LENGTH),
            rx.button("Create account", type="submit", size="3", width="100%"),
            rx.text(
                "Already have an account? ",
                rx.link("Sign in", href=routes.SIGN_IN, underline="always"),
                size="2",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=SignUpState.sign_up,
    )


def _code() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Check your email", size="6", as_="h1"),
            rx.text(
                "We sent a ",
                str(auth.SIGN_UP_CODE_DIGITS),
                "-digit code to ",
                rx.text.strong(SignUpState.sent_to),
                ". Enter it here to finish: you are signed in straight away.",
                size="2",
            ),
            rx.text(
                f"The code works for {auth.SIGN_UP_CODE_MINUTES} minutes. If that email "
                "already has a Portal account, the mail says so instead: sign in, or reset "
                "your password.",
                size="2",
                color_scheme="gray",
            ),
            form_field(
                "Code from the email",
                "code",
                SignUpState.field_errors,
                placeholder="123456",
                autocomplete="one-time-code",
                auto_focus=True,
            ),
            rx.button("Finish signing up", type="submit", size="3", width="100%"),
            rx.hstack(
                rx.button(
                    "Use another email",
                    type="button",
                    variant="ghost",
                    size="2",
                    on_click=SignUpState.start_over,
                ),
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=SignUpState.confirm,
    )


@page(routes.SIGN_UP, on_load=[SignUpState.load])
def sign_up() -> rx.Component:
    return rx.card(
        rx.cond(SignUpState.step == "code", _code(), _form()),
        size="4",
        width="100%",
        max_width="460px",
        margin_top="6vh",
    )
