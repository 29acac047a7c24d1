"""Accounts: the accounts the signed-in person belongs to, with their permission on each."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.components.data_table import Column, data_table, row_link
from portal.components.empty_state import empty_state
from portal.components.links import button_link
from portal.domain.dto import AccountSummary
from portal.layout import page
from portal.pages.accounts.parts import permission_badge
from portal.services import accounts
from portal.state.session import SessionState


@dataclass(frozen=True)
class AccountRow:
    id: str
    name: str
    permission: str
    href: str

    @classmethod
    def of(cls, account: AccountSummary) -> AccountRow:
        return cls(
            id=str(account.id),
            name=account.name,
            permission=account.permission,
            href=routes.account_url(account.id),
        )


class AccountsState(SessionState):
    rows: list[AccountRow] = []

    @rx.event
    async def load(self):
        listed = await self._call(accounts.list_accounts)
        self.rows = [AccountRow.of(account) for account in listed]


COLUMNS = (
    Column(
        "Account",
        lambda row: row_link(row.name, row.href),
        row_header=True,
    ),
    Column("Your permission", lambda row: permission_badge(row.permission)),
    Column(
        "",
        lambda row: button_link(
            "Members", rx.icon("arrow-right", size=14), href=row.href, variant="soft", size="1"
        ),
        align="right",
    ),
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
        data_table(
            AccountsState.rows,
            COLUMNS,
            label="Accounts",
            empty=empty_state(
                "building-2",
                "You are not a member of any account",
                "To join one, ask one of its administrators to invite you by email: the "
                "invitation link brings you here. Signing up with a new email also creates "
                "an account of your own.",
            ),
            row_class="account-row",
        ),
        spacing="4",
        width="100%",
    )
