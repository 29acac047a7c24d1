"""The account page: header, members, pending invitations, purge runs and recent activity.
Administrators change grants; everyone else reads."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.activity_row import activity_table
from portal.components.badges import status_badge
from portal.components.data_table import Column, data_table
from portal.components.dates import local_time
from portal.components.empty_state import empty_state
from portal.components.links import button_link
from portal.layout import page
from portal.pages.accounts.detail.members import grants_dialog, members, remove_dialog
from portal.pages.accounts.detail.rename import rename_dialog
from portal.pages.accounts.detail.state import ACTIVITY, AccountDetailState
from portal.pages.accounts.parts import permission_badge

S = AccountDetailState

INVITATION_COLUMNS = (
    Column("Email", lambda i: i.email, row_header=True),
    Column("Permission", lambda i: permission_badge(i.permission)),
    Column("Where", lambda i: i.scope),
    Column("Invited by", lambda i: i.invited_by),
    Column("Expires", lambda i: local_time(i.expires_at)),
    Column(
        "",
        lambda i: rx.cond(
            S.can_administer,
            rx.button(
                "Revoke",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=S.revoke_invitation(i.id),
            ),
        ),
        align="right",
    ),
)

PURGE_COLUMNS = (
    Column("Workspace", lambda p: p.subject, row_header=True),
    Column("Status", lambda p: status_badge(p.status)),
    Column("Finished", lambda p: local_time(p.finished_at)),
    Column(
        "Steps",
        lambda p: rx.vstack(
            rx.text(p.steps.join(", "), size="1"),
            rx.cond(p.error != "", rx.text(p.error, size="1", color_scheme="red")),
            spacing="1",
        ),
        nowrap=False,
    ),
)


def _invitations() -> rx.Component:
    return rx.vstack(
        rx.heading("Pending invitations", size="4", as_="h2"),
        data_table(
            S.invitations,
            INVITATION_COLUMNS,
            label="Pending invitations",
            empty=rx.box(
                empty_state(
                    "mail",
                    "No pending invitations",
                    rx.text(
                        rx.cond(
                            S.can_administer,
                            "Invite someone with Invite member.",
                            "An administrator of this account invites new members.",
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                id="no-invitations",
            ),
            row_class="invitation-row",
        ),
        width="100%",
        spacing="2",
    )


def _purges() -> rx.Component:
    return rx.cond(
        S.purges.length() > 0,
        rx.vstack(
            rx.heading("Purged workspaces", size="4", as_="h2"),
            rx.text(
                "Offboarded workspaces whose hard-delete window ended; each purge run as the "
                "Process Log recorded it.",
                size="2",
                color_scheme="gray",
            ),
            data_table(
                S.purges,
                PURGE_COLUMNS,
                label="Purged workspaces",
                empty=rx.fragment(),
                row_class="purge-row",
                size="1",
            ),
            width="100%",
            spacing="2",
        ),
    )


def _activity() -> rx.Component:
    return rx.vstack(
        rx.heading("Recent activity", size="4", as_="h2", id="activity"),
        activity_table(
            S.activity,
            empty=empty_state("history", "No activity yet", "Changes to this account show here."),
            pager_props=S.pager_props(ACTIVITY),
        ),
        width="100%",
        spacing="2",
    )


def _read_only_notice() -> rx.Component:
    return rx.callout(
        rx.text(
            "You can read this account but not change it: inviting members and changing "
            "grants need administer on the account. Administrators: ",
            rx.text.strong(S.administrators.join(", ")),
            ".",
        ),
        icon="lock",
        color_scheme="gray",
        id="read-only-notice",
        width="100%",
    )


def _found() -> rx.Component:
    acct = S.account
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), "Accounts", align="center", spacing="1"),
            href=routes.ACCOUNTS,
            size="2",
            color_scheme="gray",
        ),
        rx.flex(
            rx.heading(acct.name, size="7", as_="h1"),
            permission_badge(acct.permission),
            rx.spacer(),
            rx.text("Created ", local_time(acct.created_at), size="2", color_scheme="gray"),
            rx.cond(S.can_administer, rename_dialog()),
            width="100%",
            align="center",
            wrap="wrap",
            gap="2",
        ),
        rx.cond(~S.can_administer, _read_only_notice()),
        rx.cond(
            S.page_error != "",
            rx.callout(
                S.page_error,
                icon="circle-alert",
                color_scheme="red",
                role="alert",
                width="100%",
            ),
        ),
        members(),
        _invitations(),
        _purges(),
        _activity(),
        remove_dialog(),
        grants_dialog(),
        width="100%",
        spacing="5",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "search-x",
        "Account not found",
        "It does not exist, or you are not a member of it. Check the link, or open one of "
        "your accounts.",
        button_link("Your accounts", href=routes.ACCOUNTS, variant="soft"),
    )


@page(routes.ACCOUNT_DETAIL, on_load=[S.load])
def account_detail() -> rx.Component:
    return rx.cond(S.found, _found(), _not_found())
