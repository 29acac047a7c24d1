"""An app's Auth settings: sign-in methods, password policy, session lifetime, MFA and the
allowed redirect URLs. Every field is checked by the server, which names the field it refuses;
nothing is saved unless all are valid, and what was typed stays in the form."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.dialogs import confirm_dialog
from portal.components.forms import field_error, form_field
from portal.domain.apps import SIGN_IN_METHOD_LABELS, AppPage, SignInMethod
from portal.domain.errors import PortalError
from portal.layout import page
from portal.pages.apps.frame import app_frame, can_edit, read_only_hint
from portal.services import apps
from portal.state.open_app import OpenAppState

_CARD = "rt-reset rt-BaseCard rt-Card rt-r-size-2 rt-variant-surface pt-stack"
# Google and GitHub need an OAuth client (id and secret) before they can be enabled.
_OAUTH = (SignInMethod.GOOGLE, SignInMethod.GITHUB)
_POLICY = (
    ("password_require_uppercase", "An uppercase letter"),
    ("password_require_lowercase", "A lowercase letter"),
    ("password_require_digit", "A digit"),
    ("password_require_symbol", "A symbol"),
)


class AuthSettingsState(OpenAppState):
    methods: list[str] = []
    password_min_length: int = 12
    policy: dict[str, bool] = {}
    session_lifetime_minutes: int = 10080
    mfa_required: bool = False
    redirect_urls: str = ""  # one per line
    auth_errors: dict[str, str] = {}
    form_key: int = 0
    # OAuth clients: the ids, and whether a secret is saved (the secret never comes back).
    google_client_id: str = ""
    google_secret_set: bool = False
    github_client_id: str = ""
    github_secret_set: bool = False
    oauth_errors: dict[str, str] = {}
    oauth_form_key: int = 0  # bumped when a client was saved: its secret field starts empty

    def _show_oauth(self, auth) -> None:
        self.google_client_id = auth.google_client_id
        self.google_secret_set = auth.google_secret_set
        self.github_client_id = auth.github_client_id
        self.github_secret_set = auth.github_secret_set

    def _show(self, auth) -> None:
        self.methods = list(auth.sign_in_methods)
        self.password_min_length = auth.password_min_length
        self.policy = {name: bool(getattr(auth, name)) for name, _ in _POLICY}
        self.session_lifetime_minutes = auth.session_lifetime_minutes
        self.mfa_required = auth.mfa_required
        self.redirect_urls = "\n".join(auth.redirect_urls)
        self.google_client_id, self.google_secret_set = (
            auth.google_client_id,
            auth.google_secret_set,
        )
        self.github_client_id, self.github_secret_set = (
            auth.github_client_id,
            auth.github_secret_set,
        )
        self.form_key += 1

    @rx.event
    async def load(self):
        self.auth_errors = {}
        detail = await self._open(AppPage.AUTH)
        if detail is not None:
            self._show(detail.auth)

    @rx.event
    async def save(self, form: dict):
        self.auth_errors = {}
        workspace_id, app_slug = self._route_params()
        methods = [m.value for m in SignInMethod if form.get(f"method_{m.value}")]
        try:
            saved = await self._call(
                apps.update_auth_settings,
                workspace_id=workspace_id,
                app_slug=app_slug,
                sign_in_methods=methods,
                password_min_length=str(form.get("password_min_length", ""))[:12],
                session_lifetime_minutes=str(form.get("session_lifetime_minutes", ""))[:12],
                mfa_required=bool(form.get("mfa_required")),
                redirect_urls=str(form.get("redirect_urls", ""))[:50_000],
                **{name: bool(form.get(name)) for name, _ in _POLICY},
            )
        except PortalError as exc:
            return self._show_error(exc, fields="auth_errors", field="sign_in_methods")
        self._show(saved)
        await self._reopen()
        if not saved.sign_in_methods:
            return rx.toast.warning(
                "Saved. No sign-in method is enabled: end users cannot sign in.",
                position="top-center",
            )
        return rx.toast.success("Auth settings saved.", position="top-center")

    @rx.event
    async def save_oauth(self, form: dict):
        """Save one provider's client (the form names it); the secret field is never filled
        back in: left empty, the saved secret stays."""
        self.oauth_errors = {}
        workspace_id, app_slug = self._route_params()
        provider = str(form.get("provider", ""))[:16]
        try:
            saved = await self._call(
                apps.set_oauth_client,
                workspace_id=workspace_id,
                app_slug=app_slug,
                provider=provider,
                client_id=str(form.get("client_id", ""))[:300],
                client_secret=str(form.get("client_secret", ""))[:400],
            )
        except PortalError as exc:
            return self._show_error(exc, fields="oauth_errors", field=f"{provider}_client_id")
        # Only the clients: the settings form above keeps what is being edited in it.
        self._show_oauth(saved)
        self.oauth_form_key += 1
        name = apps.OAUTH_NAMES.get(SignInMethod(provider), provider)
        return rx.toast.success(
            f"{name} client saved. Enable {name} above to offer it.", position="top-center"
        )

    @rx.event
    async def remove_oauth(self, provider: str):
        workspace_id, app_slug = self._route_params()
        try:
            saved = await self._call(
                apps.remove_oauth_client,
                workspace_id=workspace_id,
                app_slug=app_slug,
                provider=str(provider)[:16],
            )
        except PortalError as exc:
            return self._show_error(exc)
        self._show(saved)
        await self._reopen()
        return rx.toast.success("Client removed; its sign-in is off.", position="top-center")


_S = AuthSettingsState


def _checkbox(name: str, label: str, checked, *, disabled=False, hint: str = "") -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            name=name,
            default_checked=checked,
            disabled=disabled,
            class_name="pt-checkbox",
        ),
        rx.el.span(label),
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        class_name="pt-check",
    )


def _methods() -> rx.Component:
    boxes = []
    for method in SignInMethod:
        if method in _OAUTH:
            client_id = getattr(_S, f"{method.value}_client_id")
            boxes.append(
                rx.cond(
                    client_id != "",
                    _checkbox(
                        f"method_{method.value}",
                        SIGN_IN_METHOD_LABELS[method],
                        _S.methods.contains(method.value),
                    ),
                    _checkbox(
                        f"method_{method.value}",
                        SIGN_IN_METHOD_LABELS[method],
                        False,
                        disabled=True,
                        hint="Save its OAuth client below first.",
                    ),
                )
            )
        else:
            boxes.append(
                _checkbox(
                    f"method_{method.value}",
                    SIGN_IN_METHOD_LABELS[method],
                    _S.methods.contains(method.value),
                )
            )
    return rx.el.fieldset(
        rx.el.legend(rx.text("Sign-in methods", weight="medium", size="3")),
        *boxes,
        field_error(_S.auth_errors, "sign_in_methods"),
        class_name="pt-stack-tight pt-fieldset",
    )


def _policy() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text("Password policy", weight="medium", size="3")),
        form_field(
            "Minimum length",
            "password_min_length",
            _S.auth_errors,
            type="number",
            default_value=_S.password_min_length.to_string(),
            hint="8 to 128 characters.",
        ),
        rx.text("Passwords must contain", size="2", weight="medium"),
        *[_checkbox(name, label, _S.policy[name]) for name, label in _POLICY],
        class_name="pt-stack-tight pt-fieldset",
    )


def _sessions() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text("Sessions and security", weight="medium", size="3")),
        form_field(
            "Session lifetime (minutes)",
            "session_lifetime_minutes",
            _S.auth_errors,
            type="number",
            default_value=_S.session_lifetime_minutes.to_string(),
            hint="How long an end user stays signed in: 5 minutes to 90 days (129600). "
            "10080 is 7 days.",
        ),
        _checkbox(
            "mfa_required",
            "Require multi-factor authentication (TOTP)",
            _S.mfa_required,
        ),
        rx.el.label(
            rx.text("Allowed redirect URLs", size="2", weight="medium"), html_for="redirect_urls"
        ),
        rx.text_area(
            id="redirect_urls",
            name="redirect_urls",
            default_value=_S.redirect_urls,
            placeholder="https://app.acme.com/callback",
            rows="4",
            width="100%",
        ),
        rx.text(
            "One per line; https:// only (http:// for localhost). Sign-in returns only to these.",
            size="1",
            color_scheme="gray",
        ),
        field_error(_S.auth_errors, "redirect_urls"),
        class_name="pt-stack-tight pt-fieldset",
    )


def _oauth_client(provider: SignInMethod) -> rx.Component:
    name = apps.OAUTH_NAMES[provider]
    key = provider.value
    secret_set = getattr(_S, f"{key}_secret_set")
    return rx.form(
        rx.el.input(type="hidden", name="provider", value=key),
        rx.text(name, weight="bold", size="3"),
        rx.el.label(rx.text("Client ID", size="2", weight="medium"), html_for=f"{key}-client-id"),
        rx.input(
            id=f"{key}-client-id",
            name="client_id",
            default_value=getattr(_S, f"{key}_client_id"),
            auto_complete="off",
            width="100%",
        ),
        field_error(_S.oauth_errors, f"{key}_client_id"),
        rx.el.label(
            rx.text("Client secret", size="2", weight="medium"), html_for=f"{key}-client-secret"
        ),
        rx.input(
            id=f"{key}-client-secret",
            name="client_secret",
            type="password",
            auto_complete="new-password",
            placeholder=rx.cond(secret_set, "Saved: leave empty to keep it", ""),
            width="100%",
        ),
        field_error(_S.oauth_errors, f"{key}_client_secret"),
        rx.text("Sealed when saved and never shown again.", size="1", color_scheme="gray"),
        rx.hstack(
            rx.button(f"Save {name} client", type="submit", disabled=~can_edit(), size="2"),
            rx.cond(
                secret_set & can_edit(),
                confirm_dialog(
                    rx.button("Remove", type="button", variant="soft", color_scheme="red"),
                    title=f"Remove the {name} client?",
                    description=f"{name} sign-in turns off; end users who used it sign in "
                    "another way.",
                    confirm=f"Remove {name} client",
                    on_confirm=_S.remove_oauth(key),
                    destructive=True,
                ),
            ),
            spacing="3",
            wrap="wrap",
        ),
        on_submit=_S.save_oauth,
        key=_S.oauth_form_key.to_string() + key,
        class_name="pt-stack-tight",
        id=f"oauth-{key}",
    )


def _oauth_clients() -> rx.Component:
    return rx.el.section(
        rx.heading("OAuth clients", size="4", as_="h2"),
        rx.text(
            "Create a client in Google's or GitHub's developer console, then save its ID and "
            "secret here to offer that sign-in.",
            size="2",
            color_scheme="gray",
        ),
        rx.el.div(
            _oauth_client(SignInMethod.GOOGLE),
            _oauth_client(SignInMethod.GITHUB),
            class_name="pt-charts",
        ),
        class_name=_CARD,
        aria_label="OAuth clients",
    )


@page(routes.APP_AUTH, on_load=[AuthSettingsState.load])
def app_auth_settings() -> rx.Component:
    return app_frame(
        rx.el.div(
            _settings_form(),
            _oauth_clients(),
            class_name="pt-stack",
        )
    )


def _settings_form() -> rx.Component:
    return rx.form(
        rx.el.fieldset(
            rx.el.section(_methods(), class_name=_CARD, aria_label="Sign-in methods"),
            rx.el.section(_policy(), class_name=_CARD, aria_label="Password policy"),
            rx.el.section(_sessions(), class_name=_CARD, aria_label="Sessions"),
            disabled=~can_edit(),
            class_name="pt-stack pt-fieldset",
        ),
        rx.hstack(
            rx.button("Save auth settings", type="submit", disabled=~can_edit()),
            read_only_hint(),
            align="center",
            wrap="wrap",
            spacing="3",
        ),
        on_submit=_S.save,
        key=_S.form_key.to_string(),
        class_name="pt-stack",
    )
