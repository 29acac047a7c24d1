"""An app's Auth settings: sign-in methods, password policy, session lifetime, MFA and the
allowed redirect URLs. Every field is checked by the server, which names the field it refuses;
nothing is saved unless all are valid, and what was typed stays in the form."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.forms import field_error, form_field
from portal.domain.apps import SIGN_IN_METHOD_LABELS, AppPage, SignInMethod
from portal.domain.errors import PortalError
from portal.layout import page
from portal.pages.apps.frame import app_frame, can_edit, read_only_hint
from portal.services import apps
from portal.state.open_app import OpenAppState

_CARD = "rt-reset rt-BaseCard rt-Card rt-r-size-2 rt-variant-surface pt-stack"
# Google and GitHub need an OAuth client (id and secret) before they can be enabled; that
# form arrives with the OAuth setup, so they are shown, and say why they cannot be chosen.
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

    def _show(self, auth) -> None:
        self.methods = list(auth.sign_in_methods)
        self.password_min_length = auth.password_min_length
        self.policy = {name: bool(getattr(auth, name)) for name, _ in _POLICY}
        self.session_lifetime_minutes = auth.session_lifetime_minutes
        self.mfa_required = auth.mfa_required
        self.redirect_urls = "\n".join(auth.redirect_urls)
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
            boxes.append(
                _checkbox(
                    f"method_{method.value}",
                    SIGN_IN_METHOD_LABELS[method],
                    _S.methods.contains(method.value),
                    disabled=True,
                    hint="Needs an OAuth client ID and secret: not available yet.",
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


@page(routes.APP_AUTH, on_load=[AuthSettingsState.load])
def app_auth_settings() -> rx.Component:
    return app_frame(
        rx.form(
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
    )
