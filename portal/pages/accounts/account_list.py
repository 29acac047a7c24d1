"""Accounts: the accounts the signed-in person belongs to, with their permission on each."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.empty_state import empty_state
from portal.layout import page
from portal.pages.accounts.parts import permission_badge
from portal.services import accounts
from portal.state.session import SessionState


class AccountsState(SessionState):
    rows: list[dict[str, str]] = []

    @rx.event
    def load(self):
        with self._acting() as (session, actor):
            listed = accounts.list_accounts(session=session, actor=actor)
        self.rows = [
            {
                "id": str(account.id),
                "name": account.name,
                "permission": account.permission,
                "href": routes.account_url(account.id),
            }
            for account in listed
        ]


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row["name"], href=row["href"], weight="medium")),
        rx.table.cell(permission_badge(row["permission"])),
        rx.table.cell(
            rx.link(
                rx.button("Members", rx.icon("arrow-right", size=14), variant="soft", size="1"),
                href=row["href"],
            ),
            text_align="right",
        ),
        class_name="account-row",
    )


@page(routes.ACCOUNTS, on_load=[AccountsState.load])
def accounts_page() -> rx.Component:
    return rx.vstack(
        rx.text(
            "An account holds workspaces and the people who may use them. Administrators "
            "invite members and decide who may read or administer what.",
            color_scheme="gray",
            size="2",
        ),
        rx.cond(
            AccountsState.rows.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Account"),
                        rx.table.column_header_cell("Your permission"),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(rx.foreach(AccountsState.rows, _row)),
                variant="surface",
                width="100%",
            ),
            rx.card(
                empty_state(
                    "building-2",
                    "You are not a member of any account",
                    "To join one, ask one of its administrators to invite you by email: the "
                    "invitation link brings you here. Signing up with a new email also creates "
                    "an account of your own.",
                ),
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )
