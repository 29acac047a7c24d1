"""Account settings: profile, password, and the sessions signed in as this person."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.components.badges import status_badge
from portal.components.data_table import Column, data_table
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, form_field, form_message
from portal.config import get_settings
from portal.domain import user_agents
from portal.domain.dto import SessionPublic, UserPublic
from portal.domain.errors import Invalid, NotFound, PortalError
from portal.domain.tokens import TokenPublic
from portal.layout import page
from portal.services import api_tokens, auth, passwords, sessions
from portal.state.secrets import show_secret_once
from portal.state.session import SessionState, leave_session


@dataclass(frozen=True)
class SessionRow:
    id: int
    browser: str  # "Chrome on Linux"
    user_agent: str  # the header itself, on hover
    ip_address: str
    created_at: str  # ISO 8601 UTC; shown in the viewer's local time
    last_seen_at: str
    expires_at: str
    current: bool

    @classmethod
    def of(cls, row: SessionPublic) -> SessionRow:
        return cls(
            id=row.id,
            browser=user_agents.describe(row.user_agent),
            user_agent=row.user_agent or "No User-Agent header was sent",
            ip_address=row.ip_address or "unknown",
            created_at=iso_utc(row.created_at),
            last_seen_at=iso_utc(row.last_seen_at),
            expires_at=iso_utc(row.expires_at),
            current=row.is_current,
        )


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    prefix: str
    created_at: str
    expires_at: str  # "" = never
    last_used_at: str  # "" = never
    state: str  # active, expired or revoked
    active: bool

    @classmethod
    def of(cls, token: TokenPublic) -> TokenRow:
        state = "revoked" if token.revoked else ("expired" if token.expired else "active")
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=iso_utc(token.created_at),
            expires_at=iso_utc(token.expires_at),
            last_used_at=iso_utc(token.last_used_at),
            state=state,
            active=state == "active",
        )


@dataclass(frozen=True)
class SettingsView:
    """Everything the page shows, read in one transaction."""

    profile: UserPublic
    sessions: list[SessionRow]
    tokens: list[TokenRow]


def _sessions_of(*, session, actor) -> list[SessionRow]:
    return [SessionRow.of(row) for row in sessions.list_active(session=session, actor=actor)]


def _tokens_of(*, session, actor) -> list[TokenRow]:
    return [TokenRow.of(row) for row in api_tokens.list_tokens(session=session, actor=actor)]


def _view(*, session, actor) -> SettingsView:
    return SettingsView(
        profile=auth.get_profile(session=session, actor=actor),
        sessions=_sessions_of(session=session, actor=actor),
        tokens=_tokens_of(session=session, actor=actor),
    )


def _change_password(
    *, session, actor, current_password: str, new_password: str
) -> tuple[int, list[SessionRow]]:
    signed_out = auth.change_password(
        session=session,
        actor=actor,
        current_password=current_password,
        new_password=new_password,
    )
    return signed_out, _sessions_of(session=session, actor=actor)


def _revoke_session(*, session, actor, session_id: int) -> tuple[bool, list[SessionRow]]:
    sessions.revoke(session=session, actor=actor, session_id=session_id)
    return actor.session_id == session_id, _sessions_of(session=session, actor=actor)


def _revoke_other_sessions(*, session, actor) -> tuple[int, list[SessionRow]]:
    count = sessions.revoke_all_for_user(
        session=session, user_id=actor.user_id, keep_session_id=actor.session_id
    )
    return count, _sessions_of(session=session, actor=actor)


def _create_token(
    *, session, actor, name: str, expires_in_days: int | None
) -> tuple[str, list[TokenRow]]:
    created = api_tokens.create_token(
        session=session, actor=actor, name=name, expires_in_days=expires_in_days
    )
    return created.secret, _tokens_of(session=session, actor=actor)


def _revoke_token(*, session, actor, token_id: int) -> list[TokenRow]:
    api_tokens.revoke_token(session=session, actor=actor, token_id=token_id)
    return _tokens_of(session=session, actor=actor)


# The toast that shows a new token's secret (portal/state/secrets.py: never kept in state).
TOAST_ID = "new-token"


class SettingsState(SessionState):
    profile_name: str = ""
    profile_email: str = ""
    member_since: str = ""
    profile_errors: dict[str, str] = {}
    profile_saved: str = ""
    password_errors: dict[str, str] = {}
    password_saved: str = ""
    sessions: list[SessionRow] = []
    tokens: list[TokenRow] = []
    token_errors: dict[str, str] = {}

    @rx.var
    def other_sessions(self) -> bool:
        return len(self.sessions) > 1

    @rx.event
    async def load(self):
        self.token_errors = {}
        view = await self._call(_view)
        self.profile_name = view.profile.name
        self.profile_email = view.profile.email
        self.member_since = view.profile.created_at.strftime("%B %Y")
        self.sessions = view.sessions
        self.tokens = view.tokens
        self.profile_errors = {}
        self.password_errors = {}
        self.profile_saved = ""
        self.password_saved = ""

    @rx.event
    async def save_profile(self, form: dict):
        self.profile_errors = {}
        self.profile_saved = ""
        try:
            profile = await self._call(auth.update_profile, name=str(form.get("name", "")))
        except PortalError as exc:
            return self._show_error(exc, fields="profile_errors", field="name")
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
            return None
        try:
            # argon2id (verify + hash) costs ~60 ms of CPU: _call keeps it off the event loop.
            signed_out, self.sessions = await self._call(
                _change_password,
                current_password=str(form.get("current_password", "")),
                new_password=new_password,
            )
        except PortalError as exc:
            return self._show_error(exc, fields="password_errors", field="new_password")
        others = f" {signed_out} other session(s) signed out." if signed_out else ""
        self.password_saved = "Password changed." + others
        return None

    @rx.event
    async def revoke_session(self, session_id: int):
        """Revoke one of the signed-in person's sessions; the service refuses anyone else's."""
        not_active = rx.toast.error("That session is not active.", position="top-center")
        try:  # a client can send anything as the id: only the parse is caught here
            session_id = int(session_id)
        except (ValueError, TypeError):
            return not_active
        try:
            current, self.sessions = await self._call(_revoke_session, session_id=session_id)
        except PortalError as exc:
            return self._show_error(exc)
        if current:
            self._forget_identity()
            return leave_session()
        return rx.toast.success("Session revoked.", position="top-center")

    @rx.event
    async def create_token(self, form: dict):
        """A personal access token for the /v1 API. Its secret goes to the browser once, in
        this event's return (a toast), and is never stored in this state."""
        self.token_errors = {}
        raw_days = str(form.get("expires_in_days") or "never")
        try:
            days = None if raw_days == "never" else int(raw_days)
        except ValueError:
            self.token_errors = {"expires_in_days": "Pick an expiry from the list."}
            return None
        try:
            secret, self.tokens = await self._call(
                _create_token, name=str(form.get("token_name", "")), expires_in_days=days
            )
        except Invalid as exc:
            field = {"name": "token_name"}.get(exc.field or "name", exc.field or "token_name")
            self.token_errors = {field: exc.message}
            return None
        except PortalError as exc:
            return self._show_error(exc, fields="token_errors", field="token_name")
        return show_secret_once(
            secret,
            title="Copy your new token now: it is shown only once.",
            toast_id=TOAST_ID,
            class_name="new-token-toast",
        )

    @rx.event
    async def revoke_token(self, token_id: int):
        """Revoke one of the Actor's own tokens; the service refuses anyone else's."""
        gone = rx.toast.error("That token is not yours or no longer exists.", position="top-center")
        try:  # a client can send anything as the id: only the parse is caught here
            token_id = int(token_id)
        except (ValueError, TypeError):
            return gone
        try:
            self.tokens = await self._call(_revoke_token, token_id=token_id)
        except NotFound:
            return gone
        return rx.toast.success("Token revoked.", position="top-center")

    @rx.event
    async def revoke_other_sessions(self):
        count, self.sessions = await self._call(_revoke_other_sessions)
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


def _row_button(label: str) -> rx.Component:
    return rx.button(label, size="1", variant="soft", color_scheme="red", white_space="nowrap")


SESSION_COLUMNS = (
    Column(
        "Browser",
        lambda r: rx.vstack(
            # "Chrome on Linux"; the header itself on hover.
            rx.text(r.browser, size="2", title=r.user_agent, class_name="session-browser"),
            rx.cond(r.current, rx.badge("This browser", color_scheme="green", variant="soft")),
            spacing="1",
        ),
        row_header=True,
        nowrap=False,
    ),
    Column("IP address", lambda r: r.ip_address),
    Column("Signed in", lambda r: local_time(r.created_at)),
    Column("Last active", lambda r: local_time(r.last_seen_at)),
    Column("Expires", lambda r: local_time(r.expires_at)),
    Column(
        "",
        lambda r: rx.cond(
            r.current,
            confirm_dialog(
                _row_button("Sign out"),
                title="Sign out of this browser?",
                description="This session ends now and you are taken to the sign-in page.",
                confirm="Sign out",
                on_confirm=SettingsState.revoke_session(r.id),
                destructive=True,
            ),
            confirm_dialog(
                _row_button("Revoke"),
                title="Revoke this session?",
                description=(
                    "The browser ",
                    rx.text.strong(r.user_agent),
                    " at ",
                    r.ip_address,
                    " is signed out at once; signing in there again starts a new session.",
                ),
                confirm="Revoke session",
                on_confirm=SettingsState.revoke_session(r.id),
                destructive=True,
            ),
        ),
    ),
)


def _sessions() -> rx.Component:
    _settings = get_settings()
    return _section(
        "Sessions",
        f"Browsers signed in as you. A session ends after {_settings.session_idle_minutes} "
        f"minutes idle or {_settings.session_absolute_hours} hours, whichever comes first. "
        "Revoke any you don't recognise.",
        rx.vstack(
            data_table(
                SettingsState.sessions,
                SESSION_COLUMNS,
                label="Sessions",
                empty=empty_state("monitor", "No active sessions", "Sign in to start one."),
                row_class="session-row",
            ),
            confirm_dialog(
                rx.button(
                    "Sign out all other sessions",
                    variant="outline",
                    color_scheme="red",
                    disabled=~SettingsState.other_sessions,
                ),
                title="Sign out all other sessions?",
                description="Every browser signed in as you, except this one, is signed out "
                "at once.",
                confirm="Sign out other sessions",
                on_confirm=SettingsState.revoke_other_sessions,
                destructive=True,
            ),
            spacing="3",
            width="100%",
        ),
    )


TOKEN_COLUMNS = (
    Column("Name", lambda r: rx.text(r.name, weight="medium"), row_header=True),
    Column("Token", lambda r: rx.code(r.prefix, "…")),
    Column("Created", lambda r: local_time(r.created_at)),
    Column("Expires", lambda r: local_time(r.expires_at, empty="Never")),
    Column("Last used", lambda r: local_time(r.last_used_at, empty="Never")),
    Column("State", lambda r: status_badge(r.state)),
    Column(
        "",
        lambda r: rx.cond(
            r.active,
            confirm_dialog(
                _row_button("Revoke"),
                title=("Revoke the token ", r.name, "?"),
                description=(
                    "Scripts that send ",
                    rx.code(r.prefix, "…"),
                    " are refused from now on. This cannot be undone: make a new token "
                    "if they still need access.",
                ),
                confirm="Revoke token",
                on_confirm=SettingsState.revoke_token(r.id),
                destructive=True,
            ),
        ),
    ),
)


def _tokens() -> rx.Component:
    errors = SettingsState.token_errors
    return _section(
        "Personal access tokens",
        "Tokens let scripts call the /v1 API as you (Authorization: Bearer pat_…). A token can "
        "do what you can do; give it an expiry and revoke it when it is no longer needed.",
        rx.vstack(
            rx.form(
                # Wraps on a phone: the name, the expiry and the button each get a line.
                rx.flex(
                    rx.vstack(
                        rx.el.label(
                            rx.text("Token name", size="2", weight="medium"), html_for="token_name"
                        ),
                        rx.input(
                            id="token_name",
                            name="token_name",
                            placeholder="CI deploys",
                            width=rx.breakpoints(initial="100%", sm="260px"),
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
                    wrap="wrap",
                ),
                on_submit=SettingsState.create_token,
                reset_on_submit=True,
            ),
            data_table(
                SettingsState.tokens,
                TOKEN_COLUMNS,
                label="Personal access tokens",
                empty=empty_state(
                    "key-round", "No tokens yet", "Create one above to call the /v1 API."
                ),
                row_class="token-row",
            ),
            spacing="3",
            width="100%",
        ),
    )


@page(routes.SETTINGS, on_load=[SettingsState.load])
def settings() -> rx.Component:
    return rx.vstack(_profile(), _password(), _sessions(), _tokens(), spacing="5", width="100%")
