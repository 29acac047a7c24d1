"""Account settings: profile, password, and the sessions signed in as this person."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal import routes
from portal.components.badges import status_badge
from portal.components.format import when
from portal.components.forms import field_error, form_field, form_message
from portal.config import get_settings
from portal.db import transaction
from portal.domain.errors import Invalid, NotFound
from portal.layout import page
from portal.services import api_tokens, auth, passwords, sessions
from portal.state.session import SessionState


class SettingsState(SessionState):
    profile_name: str = ""
    profile_email: str = ""
    member_since: str = ""
    profile_errors: dict[str, str] = {}
    profile_saved: str = ""
    password_errors: dict[str, str] = {}
    password_saved: str = ""
    sessions: list[dict[str, str]] = []
    tokens: list[dict[str, str]] = []
    token_errors: dict[str, str] = {}
    # Shown once, right after creation; cleared on the next load.
    new_token_secret: str = ""

    def _load_sessions(self, session, actor) -> None:
        self.sessions = [
            {
                "id": str(row.id),
                "user_agent": row.user_agent or "Unknown browser",
                "ip_address": row.ip_address or "unknown",
                "created_at": when(row.created_at),
                "last_seen_at": when(row.last_seen_at),
                "expires_at": when(row.expires_at),
                "current": "yes" if row.is_current else "",
            }
            for row in sessions.list_active(session=session, actor=actor)
        ]

    def _load_tokens(self, session, actor) -> None:
        self.tokens = [
            {
                "id": str(token.id),
                "name": token.name,
                "prefix": token.prefix,
                "created_at": when(token.created_at),
                "expires_at": when(token.expires_at) if token.expires_at else "Never",
                "last_used_at": when(token.last_used_at) if token.last_used_at else "Never",
                "state": "revoked" if token.revoked else ("expired" if token.expired else "active"),
            }
            for token in api_tokens.list_tokens(session=session, actor=actor)
        ]

    @rx.event
    def load(self):
        self.new_token_secret = ""
        self.token_errors = {}
        with self._acting() as (session, actor):
            profile = auth.get_profile(session=session, actor=actor)
            self._load_sessions(session, actor)
            self._load_tokens(session, actor)
        self.profile_name = profile.name
        self.profile_email = profile.email
        self.member_since = profile.created_at.strftime("%B %Y")
        self.profile_errors = {}
        self.password_errors = {}
        self.profile_saved = ""
        self.password_saved = ""

    @rx.event
    def save_profile(self, form: dict):
        self.profile_errors = {}
        self.profile_saved = ""
        try:
            with self._acting() as (session, actor):
                profile = auth.update_profile(
                    session=session, actor=actor, name=str(form.get("name", ""))
                )
        except Invalid as exc:
            self.profile_errors = {exc.field or "name": exc.message}
            return
        self.profile_name = profile.name
        self.user_name = profile.name
        self.profile_saved = "Profile saved."

    @rx.event
    async def change_password(self, form: dict):
        self.password_errors = {}
        self.password_saved = ""
        new_password = str(form.get("new_password", ""))
        if new_password != str(form.get("confirm_password", "")):
            self.password_errors = {"confirm_password": "The two new passwords don't match."}
            return
        current_password = str(form.get("current_password", ""))

        token = self.session_token

        def change() -> int:
            with transaction() as session:
                return auth.change_password(
                    session=session,
                    actor=sessions.resolve_actor(session=session, token=token),
                    current_password=current_password,
                    new_password=new_password,
                )

        try:
            # argon2id (verify + hash) costs ~60 ms of CPU: keep it off the event loop.
            signed_out = await asyncio.to_thread(change)
        except Invalid as exc:
            self.password_errors = {exc.field or "new_password": exc.message}
            return
        with self._acting() as (session, actor):
            self._load_sessions(session, actor)
        others = f" {signed_out} other session(s) signed out." if signed_out else ""
        self.password_saved = "Password changed." + others

    @rx.event
    def revoke_session(self, session_id: int):
        """Revoke one of the signed-in person's sessions; the service refuses anyone else's."""
        try:
            with self._acting() as (session, actor):
                sessions.revoke(session=session, actor=actor, session_id=int(session_id))
                current = actor.session_id == int(session_id)
                self._load_sessions(session, actor)
        except (NotFound, ValueError, TypeError):
            return rx.toast.error("That session is not active.", position="top-center")
        if current:
            self.session_token = ""
            self._forget_identity()
            return rx.redirect(routes.SIGN_IN, replace=True)
        return rx.toast.success("Session revoked.", position="top-center")

    @rx.event
    def create_token(self, form: dict):
        """A personal access token for the /v1 API; its secret is shown here once."""
        self.token_errors = {}
        self.new_token_secret = ""
        raw_days = str(form.get("expires_in_days") or "never")
        try:
            days = None if raw_days == "never" else int(raw_days)
        except ValueError:
            self.token_errors = {"expires_in_days": "Pick an expiry from the list."}
            return
        try:
            with self._acting() as (session, actor):
                created = api_tokens.create_token(
                    session=session,
                    actor=actor,
                    name=str(form.get("token_name", "")),
                    expires_in_days=days,
                )
                self._load_tokens(session, actor)
        except Invalid as exc:
            field = {"name": "token_name"}.get(exc.field or "name", exc.field or "token_name")
            self.token_errors = {field: exc.message}
            return
        self.new_token_secret = created.secret

    @rx.event
    def revoke_token(self, token_id: int):
        """Revoke one of the Actor's own tokens; the service refuses anyone else's."""
        try:
            with self._acting() as (session, actor):
                api_tokens.revoke_token(session=session, actor=actor, token_id=int(token_id))
                self._load_tokens(session, actor)
        except (NotFound, ValueError, TypeError):
            return rx.toast.error(
                "That token is not yours or no longer exists.", position="top-center"
            )
        return rx.toast.success("Token revoked.", position="top-center")

    @rx.event
    def revoke_other_sessions(self):
        with self._acting() as (session, actor):
            count = sessions.revoke_all_for_user(
                session=session, user_id=actor.user_id, keep_session_id=actor.session_id
            )
            self._load_sessions(session, actor)
        return rx.toast.success(f"{count} other session(s) signed out.", position="top-center")


def _section(title: str, description: str, body: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4", as_="h2"),
            rx.text(description, size="2", color_scheme="gray"),
            body,
            spacing="3",
            width="100%",
        ),
        width="100%",
        size="3",
    )


def _profile() -> rx.Component:
    return _section(
        "Profile",
        "Your name as other members of your accounts see it.",
        rx.form(
            rx.vstack(
                form_field(
                    "Name",
                    "name",
                    SettingsState.profile_errors,
                    default_value=SettingsState.profile_name,
                    autocomplete="name",
                ),
                rx.vstack(
                    rx.text("Email", size="2", weight="medium"),
                    rx.text(SettingsState.profile_email, size="2", id="profile-email"),
                    rx.text(
                        "Member since ", SettingsState.member_since, size="1", color_scheme="gray"
                    ),
                    spacing="1",
                ),
                rx.hstack(
                    rx.button("Save profile", type="submit"),
                    rx.cond(
                        SettingsState.profile_saved != "",
                        rx.text(
                            SettingsState.profile_saved,
                            color_scheme="green",
                            size="2",
                            role="status",
                        ),
                    ),
                    align="center",
                    spacing="3",
                ),
                spacing="3",
                max_width="420px",
            ),
            on_submit=SettingsState.save_profile,
            # Re-mount the form when the saved name arrives so default_value is current.
            key=SettingsState.profile_name,
        ),
    )


def _password() -> rx.Component:
    errors = SettingsState.password_errors
    return _section(
        "Password",
        "Changing it signs out your other sessions.",
        rx.form(
            rx.vstack(
                form_message(SettingsState.password_saved, color="green", icon="check"),
                form_field(
                    "Current password",
                    "current_password",
                    errors,
                    type="password",
                    autocomplete="current-password",
                ),
                form_field(
                    "New password",
                    "new_password",
                    errors,
                    type="password",
                    autocomplete="new-password",
                    hint=f"At least {passwords.MIN_LENGTH} characters.",
                ),
                form_field(
                    "Confirm new password",
                    "confirm_password",
                    errors,
                    type="password",
                    autocomplete="new-password",
                ),
                rx.button("Change password", type="submit"),
                spacing="3",
                max_width="420px",
            ),
            on_submit=SettingsState.change_password,
            reset_on_submit=True,
        ),
    )


def _session_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(row["user_agent"], size="2", max_width="360px", truncate=True),
                rx.cond(
                    row["current"] == "yes",
                    rx.badge("This browser", color_scheme="green", variant="soft"),
                ),
                spacing="1",
            )
        ),
        rx.table.cell(row["ip_address"]),
        rx.table.cell(row["created_at"]),
        rx.table.cell(row["last_seen_at"]),
        rx.table.cell(row["expires_at"]),
        rx.table.cell(
            rx.button(
                rx.cond(row["current"] == "yes", "Sign out", "Revoke"),
                size="1",
                variant="soft",
                color_scheme="red",
                white_space="nowrap",
                on_click=SettingsState.revoke_session(row["id"].to(int)),
            )
        ),
        class_name="session-row",
    )


def _sessions() -> rx.Component:
    _settings = get_settings()
    return _section(
        "Sessions",
        f"Browsers signed in as you. A session ends after {_settings.session_idle_minutes} "
        f"minutes idle or {_settings.session_absolute_hours} hours, whichever comes first. "
        "Revoke any you don't recognise.",
        rx.vstack(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Browser"),
                        rx.table.column_header_cell("IP address"),
                        rx.table.column_header_cell("Signed in"),
                        rx.table.column_header_cell("Last active"),
                        rx.table.column_header_cell("Expires"),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(rx.foreach(SettingsState.sessions, _session_row)),
                width="100%",
                variant="surface",
            ),
            rx.button(
                "Sign out all other sessions",
                variant="outline",
                color_scheme="red",
                on_click=SettingsState.revoke_other_sessions,
                disabled=SettingsState.sessions.length() < 2,
            ),
            spacing="3",
            width="100%",
        ),
    )


def _token_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["name"], weight="medium")),
        rx.table.cell(rx.code(row["prefix"], "…")),
        rx.table.cell(row["created_at"]),
        rx.table.cell(row["expires_at"]),
        rx.table.cell(row["last_used_at"]),
        rx.table.cell(status_badge(row["state"])),
        rx.table.cell(
            rx.cond(
                row["state"] == "active",
                rx.button(
                    "Revoke",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=SettingsState.revoke_token(row["id"].to(int)),
                ),
            )
        ),
        class_name="token-row",
    )


def _tokens() -> rx.Component:
    errors = SettingsState.token_errors
    return _section(
        "Personal access tokens",
        "Tokens let scripts call the /v1 API as you (Authorization: Bearer pat_…). A token can "
        "do what you can do; give it an expiry and revoke it when it is no longer needed.",
        rx.vstack(
            rx.cond(
                SettingsState.new_token_secret != "",
                rx.callout(
                    rx.vstack(
                        rx.text("Copy your new token now: it is shown only once.", weight="bold"),
                        rx.hstack(
                            rx.code(SettingsState.new_token_secret, id="new-token-secret"),
                            rx.icon_button(
                                rx.icon("copy", size=14),
                                size="1",
                                variant="ghost",
                                aria_label="Copy token",
                                on_click=[
                                    rx.set_clipboard(SettingsState.new_token_secret),
                                    rx.toast.info("Token copied", duration=1500),
                                ],
                            ),
                            align="center",
                        ),
                        spacing="2",
                    ),
                    icon="key-round",
                    color_scheme="green",
                    role="status",
                    width="100%",
                ),
            ),
            rx.form(
                rx.hstack(
                    rx.vstack(
                        rx.el.label(
                            rx.text("Token name", size="2", weight="medium"), html_for="token_name"
                        ),
                        rx.input(
                            id="token_name",
                            name="token_name",
                            placeholder="CI deploys",
                            width="260px",
                        ),
                        field_error(errors, "token_name"),
                        spacing="1",
                    ),
                    rx.vstack(
                        rx.text("Expires", size="2", weight="medium"),
                        rx.select.root(
                            rx.select.trigger(aria_label="Expires"),
                            rx.select.content(
                                rx.select.item("In 7 days", value="7"),
                                rx.select.item("In 30 days", value="30"),
                                rx.select.item("In 90 days", value="90"),
                                rx.select.item("In a year", value="365"),
                                rx.select.item("Never", value="never"),
                            ),
                            name="expires_in_days",
                            default_value="30",
                        ),
                        field_error(errors, "expires_in_days"),
                        spacing="1",
                    ),
                    rx.button("Create token", type="submit"),
                    align="end",
                    spacing="3",
                ),
                on_submit=SettingsState.create_token,
                reset_on_submit=True,
            ),
            rx.cond(
                SettingsState.tokens.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Name"),
                            rx.table.column_header_cell("Token"),
                            rx.table.column_header_cell("Created"),
                            rx.table.column_header_cell("Expires"),
                            rx.table.column_header_cell("Last used"),
                            rx.table.column_header_cell("State"),
                            rx.table.column_header_cell(""),
                        )
                    ),
                    rx.table.body(rx.foreach(SettingsState.tokens, _token_row)),
                    width="100%",
                    variant="surface",
                ),
                rx.text("No tokens yet.", size="2", color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
        ),
    )


@page(routes.SETTINGS, on_load=[SettingsState.load])
def settings() -> rx.Component:
    return rx.vstack(_profile(), _password(), _sessions(), _tokens(), spacing="5", width="100%")
