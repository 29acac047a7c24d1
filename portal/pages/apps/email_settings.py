"""An app's Email settings: the sender its mail comes from (name and address) and an optional
reply-to; Send test email delivers a message from that sender to the person asking (SMTP when
configured, else the dev outbox)."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.forms import form_field
from portal.domain.apps import AppPage
from portal.domain.errors import PortalError
from portal.layout import page
from portal.pages.apps.frame import app_frame, can_edit, read_only_hint
from portal.services import apps
from portal.state.open_app import OpenAppState

_CARD = "rt-reset rt-BaseCard rt-Card rt-r-size-2 rt-variant-surface pt-stack"


class EmailSettingsState(OpenAppState):
    sender_name: str = ""
    sender_address: str = ""
    reply_to: str = ""
    email_errors: dict[str, str] = {}
    form_key: int = 0  # bumped on load and save: the form's inputs take the saved values

    @rx.event
    async def load(self):
        self.email_errors = {}
        detail = await self._open(AppPage.EMAIL)
        if detail is not None:
            self.sender_name = detail.email.sender_name
            self.sender_address = detail.email.sender_address
            self.reply_to = detail.email.reply_to
            self.form_key += 1

    @rx.event
    async def save(self, form: dict):
        self.email_errors = {}
        workspace_id, app_slug = self._route_params()
        try:
            saved = await self._call(
                apps.update_email_settings,
                workspace_id=workspace_id,
                app_slug=app_slug,
                sender_name=str(form.get("sender_name", "")),
                sender_address=str(form.get("sender_address", "")),
                reply_to=str(form.get("reply_to", "")),
            )
        except PortalError as exc:
            return self._show_error(exc, fields="email_errors", field="sender_address")
        self.sender_name, self.sender_address = saved.sender_name, saved.sender_address
        self.reply_to = saved.reply_to
        self.form_key += 1
        await self._reopen()
        return rx.toast.success("Email settings saved.", position="top-center")

    @rx.event
    async def send_test(self):
        self.email_errors = {}
        workspace_id, app_slug = self._route_params()
        try:
            sent_to = await self._call(
                apps.send_test_email, workspace_id=workspace_id, app_slug=app_slug
            )
        except PortalError as exc:
            return self._show_error(exc, fields="email_errors", field="sender_address")
        return rx.toast.success(f"Test email sent to {sent_to}.", position="top-center")


_S = EmailSettingsState


def _form() -> rx.Component:
    return rx.form(
        rx.el.fieldset(
            form_field(
                "Sender name",
                "sender_name",
                _S.email_errors,
                default_value=_S.sender_name,
                placeholder="Acme",
                hint="Shown as who the mail is from.",
            ),
            form_field(
                "Sender address",
                "sender_address",
                _S.email_errors,
                type="email",
                default_value=_S.sender_address,
                placeholder="no-reply@acme.com",
            ),
            form_field(
                "Reply-to address",
                "reply_to",
                _S.email_errors,
                type="email",
                required=False,
                default_value=_S.reply_to,
                placeholder="support@acme.com",
                hint="Optional: where replies go.",
            ),
            disabled=~can_edit(),
            class_name="pt-stack pt-fieldset",
        ),
        rx.hstack(
            rx.button("Save email settings", type="submit", disabled=~can_edit()),
            rx.button(
                rx.icon("send", size=14),
                "Send test email",
                type="button",
                variant="soft",
                on_click=_S.send_test,
                disabled=~can_edit() | (_S.sender_address == ""),
            ),
            wrap="wrap",
            spacing="3",
        ),
        read_only_hint(),
        on_submit=_S.save,
        key=_S.form_key.to_string(),
        class_name="pt-stack",
    )


@page(routes.APP_EMAIL, on_load=[EmailSettingsState.load])
def app_email_settings() -> rx.Component:
    return app_frame(
        rx.el.section(
            rx.heading("Sender", size="4", as_="h2"),
            rx.text(
                "Sign-in links, invitations and notifications to this app's end users come "
                "from this sender.",
                size="2",
                color_scheme="gray",
            ),
            _form(),
            class_name=_CARD,
            aria_label="Email settings",
        )
    )
