"""Sign in."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.forms import form_field, form_message
from portal.domain.access import ClientInfo
from portal.domain.dto import SignedIn
from portal.domain.errors import AuthenticationFailed, Invalid, Throttled
from portal.layout import page
from portal.services import auth
from portal.state.session import SessionState, hand_off_session

_NOTICES = {
    "expired": "Your session expired. Sign in again.",
    "reset": "Your password was changed and every session signed out. Sign in with the new one.",
}


def _sign_in(*, session, email: str, password: str, client: ClientInfo) -> SignedIn:
    # A session behind a one-time handoff: /auth/session trades it for the HttpOnly cookie
    # (and ends the session this browser held before).
    return auth.sign_in(
        session=session, email=email, password=password, client=client, handoff=True
    )


class SignInState(SessionState):
    error: str = ""
    notice: str = ""
    field_errors: dict[str, str] = {}
    # From ?email= (an invitation's sign-in link names the invited email).
    email: str = ""

    @rx.event
    def load(self):
        self.error = ""
        self.field_errors = {}
        query = self.router.url.query_parameters
        self.notice = _NOTICES.get(query.get("reason", ""), "")
        self.email = auth.normalize_email(str(query.get("email", ""))[:320])

    @rx.event
    async def sign_in(self, form: dict):
        self.error = ""
        self.field_errors = {}
        try:
            # argon2id costs ~30 ms of CPU: _call_anonymous keeps it off the event loop.
            signed_in = await self._call_anonymous(
                _sign_in,
                email=str(form.get("email", "")),
                password=str(form.get("password", "")),
                client=self._client(),
            )
        except (AuthenticationFailed, Throttled) as exc:
            self.error = exc.message
            return None
        except Invalid as exc:
            self.field_errors = {exc.field or "email": exc.message}
            return None
        self.notice = ""
        return hand_off_session(
            signed_in.token, routes.safe_next(self.router.url.query_parameters.get("next"))
        )


@page(routes.SIGN_IN, on_load=[SignInState.load])
def sign_in() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Sign in to Portal", size="6", as_="h1"),
                form_message(SignInState.notice, color="blue", icon="info"),
                form_message(SignInState.error),
                form_field(
                    "Email",
                    "email",
                    SignInState.field_errors,
                    type="email",
                    placeholder="you@example.com",
                    autocomplete="email",
                    default_value=SignInState.email,
                    auto_focus=True,
                ),
                form_field(
                    "Password",
                    "password",
                    SignInState.field_errors,
                    type="password",
                    autocomplete="current-password",
                ),
                rx.button("Sign in", type="submit", size="3", width="100%"),
                rx.hstack(
                    rx.link("Forgot your password?", href=routes.RESET_PASSWORD, size="2"),
                    rx.spacer(),
                    rx.link("Create an account", href=routes.SIGN_UP, size="2"),
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=SignInState.sign_in,
        ),
        size="4",
        width="100%",
        max_width="420px",
        margin_top="10vh",
    )
