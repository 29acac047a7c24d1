"""Invite member: the form (email, permission, the whole account or one workspace), then what
was sent and where the mail went."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.dialogs import dialog_footer
from portal.components.forms import field_error
from portal.config import get_settings
from portal.pages.accounts.detail.state import WHOLE_ACCOUNT, AccountDetailState

S = AccountDetailState


def label(text: str, html_for: str | None = None) -> rx.Component:
    return rx.el.label(rx.text(text, size="2", weight="medium"), html_for=html_for)


def _permission_select(name: str, default: str = "read") -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width="100%", aria_label="Permission", id=name),
        rx.select.content(
            rx.select.item("read — see the account and its workspaces", value="read"),
            rx.select.item("administer — also manage workspaces and members", value="administer"),
        ),
        name=name,
        default_value=default,
    )


def _invite_form() -> rx.Component:
    errors = S.invite_errors
    return rx.form(
        rx.vstack(
            rx.cond(
                errors.contains("form"),
                rx.callout(
                    errors["form"],
                    icon="circle-alert",
                    color_scheme="red",
                    role="alert",
                    width="100%",
                    id="invite-error",
                ),
            ),
            label("Email", "invite-email"),
            rx.input(
                id="invite-email",
                name="email",
                type="email",
                placeholder="name@example.com",
                required=True,
                width="100%",
                auto_focus=True,
                auto_complete="off",
            ),
            field_error(errors, "email"),
            label("Permission", "permission"),
            _permission_select("permission"),
            field_error(errors, "permission"),
            label("Where", "invite-workspace"),
            rx.select.root(
                rx.select.trigger(width="100%", aria_label="Where", id="invite-workspace"),
                rx.select.content(
                    rx.select.item("The whole account", value=WHOLE_ACCOUNT),
                    rx.cond(
                        S.workspaces.length() > 0,
                        rx.select.group(
                            rx.select.label("Only one workspace"),
                            rx.foreach(S.workspaces, lambda w: rx.select.item(w.name, value=w.id)),
                        ),
                    ),
                ),
                name="workspace_id",
                default_value=WHOLE_ACCOUNT,
            ),
            rx.text(
                f"The link in the mail is valid for {get_settings().invitation_days} days. "
                "Inviting the same email again replaces the earlier link.",
                size="1",
                color_scheme="gray",
            ),
            dialog_footer("Send invitation"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.invite,
        reset_on_submit=False,
    )


def _invite_sent() -> rx.Component:
    return rx.vstack(
        rx.callout(
            rx.text(
                "Invitation sent to ",
                rx.text.strong(S.invite_sent_to),
                f". The link is valid for {get_settings().invitation_days} days; they can "
                "accept or decline it.",
            ),
            icon="mail-check",
            color_scheme="green",
            role="status",
            id="invite-sent",
            width="100%",
        ),
        rx.cond(
            S.outbox_enabled,
            rx.text(
                "No mail server is configured: the mail is in the ",
                rx.link("dev outbox", href=routes.DEV_OUTBOX, is_external=True),
                ".",
                size="2",
                color_scheme="gray",
            ),
        ),
        rx.hstack(
            rx.button(
                "Invite another",
                variant="soft",
                color_scheme="gray",
                on_click=S.set_invite_open(True),
            ),
            rx.dialog.close(rx.button("Done")),
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def invite_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("user-plus", size=16), "Invite member", id="invite-member")
        ),
        rx.dialog.content(
            rx.dialog.title("Invite member"),
            rx.dialog.description(
                "We email them a link to join ",
                S.account.name,
                ". They sign in (or sign up) with that email to accept.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.cond(S.invite_sent_to != "", _invite_sent(), _invite_form()),
            max_width="480px",
        ),
        open=S.invite_open,
        on_open_change=S.set_invite_open,
    )
