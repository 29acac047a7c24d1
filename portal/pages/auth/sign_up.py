"""Sign up: a new person and their first account."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.forms import form_field, form_message
from portal.domain.errors import Invalid
from portal.layout import page
from portal.services import auth, passwords
from portal.state.session import SessionState


class SignUpState(SessionState):
    error: str = ""
    field_errors: dict[str, str] = {}

    @rx.event
    async def sign_up(self, form: dict):
        self.error = ""
        self.field_errors = {}
        password = str(form.get("password", ""))
        if password != str(form.get("confirm_password", "")):
            self.field_errors = {"confirm_password": "The two passwords don't match."}
            return None
        try:
            # argon2id costs ~30 ms of CPU: _call_anonymous keeps it off the event loop.
            await self._call_anonymous(
                auth.sign_up,
                email=str(form.get("email", "")),
                name=str(form.get("name", "")),
                password=password,
                account_name=str(form.get("account_name", "")),
            )
        except Invalid as exc:
            self.field_errors = {exc.field or "email": exc.message}
            return None
        # Back where the person was going (an invitation link, say) once they sign in.
        next_path = routes.safe_next(self.router.url.query_parameters.get("next"), default="")
        return rx.redirect(
            routes.sign_in_url(next_path=next_path or None, reason="signed_up"), replace=True
        )


@page(routes.SIGN_UP)
def sign_up() -> rx.Component:
    errors = SignUpState.field_errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Create your Portal account", size="6", as_="h1"),
                rx.text(
                    "You get an account of your own, where you can create workspaces.",
                    size="2",
                    color_scheme="gray",
                ),
                form_message(SignUpState.error),
                form_field("Your name", "name", errors, autocomplete="name"),
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
                form_field(
                    "Password",
                    "password",
                    errors,
                    type="password",
                    autocomplete="new-password",
                    hint=f"At least {passwords.MIN_LENGTH} characters.",
                ),
                form_field(
                    "Confirm password",
                    "confirm_password",
                    errors,
                    type="password",
                    autocomplete="new-password",
                ),
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
        ),
        size="4",
        width="100%",
        max_width="460px",
        margin_top="6vh",
    )
