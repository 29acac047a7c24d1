"""Rename the account (administrators): the name shown everywhere; its id and links stay."""

from __future__ import annotations

import reflex as rx

from portal.components.dialogs import dialog_footer
from portal.components.forms import field_error
from portal.pages.accounts.detail.invite import label
from portal.pages.accounts.detail.state import AccountDetailState

S = AccountDetailState


def rename_dialog() -> rx.Component:
    errors = S.rename_errors
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                rx.icon("pencil", size=14),
                "Rename",
                variant="soft",
                color_scheme="gray",
                size="2",
                id="rename-account",
            )
        ),
        rx.dialog.content(
            rx.dialog.title("Rename account"),
            rx.dialog.description(
                "Members see the new name everywhere: the account page, the workspace list "
                "and the picker. Links to the account keep working.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.form(
                rx.vstack(
                    field_error(errors, "form"),
                    label("Name", "account-name"),
                    rx.input(
                        id="account-name",
                        name="name",
                        default_value=S.account.name,
                        required=True,
                        max_length=120,
                        width="100%",
                        auto_focus=True,
                        auto_complete="off",
                    ),
                    field_error(errors, "name"),
                    dialog_footer("Rename account"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=S.rename,
            ),
            max_width="480px",
        ),
        open=S.rename_open,
        on_open_change=S.set_rename_open,
    )
