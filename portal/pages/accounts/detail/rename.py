"""Rename the account (administrators): the name shown everywhere; its id and links stay."""

from __future__ import annotations

import reflex as rx

from portal.components.dialogs import form_dialog
from portal.components.forms import field_error
from portal.pages.accounts.detail.invite import label
from portal.pages.accounts.detail.state import AccountDetailState

S = AccountDetailState


def rename_dialog() -> rx.Component:
    errors = S.rename_errors
    return form_dialog(
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
        title="Rename account",
        description="Members see the new name everywhere: the account page, the workspace list "
        "and the picker. Links to the account keep working.",
        confirm="Rename account",
        on_submit=S.rename,
        open=S.rename_open,
        on_open_change=S.set_rename_open,
        trigger=rx.button(
            rx.icon("pencil", size=14),
            "Rename",
            variant="soft",
            color_scheme="gray",
            size="2",
            id="rename-account",
        ),
    )
