"""Members: the table (each member's account permission and workspace grants), the Remove
member confirmation and a member's workspace grants dialog."""

from __future__ import annotations

import reflex as rx

from portal.components.data_table import Column, data_table
from portal.components.dialogs import dialog_footer
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, form_message
from portal.pages.accounts.detail.invite import invite_dialog, label
from portal.pages.accounts.detail.rows import NO_ACCESS
from portal.pages.accounts.detail.state import AccountDetailState
from portal.pages.accounts.parts import permission_badge

S = AccountDetailState


def _grant_badges(grants) -> rx.Component:
    return rx.cond(
        grants.length() > 0,
        rx.flex(
            rx.foreach(
                grants,
                lambda g: rx.badge(g.workspace, ": ", g.permission, variant="surface"),
            ),
            wrap="wrap",
            gap="1",
        ),
        rx.text("—", color_scheme="gray", size="2"),
    )


def _account_permission_cell(member) -> rx.Component:
    editable = rx.select.root(
        rx.select.trigger(aria_label="Account permission of " + member.email, width="170px"),
        rx.select.content(
            rx.select.item("administer", value="administer"),
            rx.select.item("read", value="read"),
            rx.select.item("no account grant", value=NO_ACCESS),
        ),
        value=member.permission,
        on_change=S.set_account_permission(member.user_id),
        size="1",
    )
    shown = rx.cond(
        member.permission == NO_ACCESS,
        rx.text("—", color_scheme="gray", size="2"),
        permission_badge(member.permission),
    )
    return rx.vstack(
        rx.cond(S.can_administer, editable, shown),
        rx.cond(
            S.member_errors.contains(member.user_id),
            rx.text(
                S.member_errors[member.user_id],
                size="1",
                color_scheme="red",
                role="alert",
                class_name="member-error",
                max_width="320px",
                white_space="normal",
            ),
        ),
        spacing="1",
    )


def _name_cell(member) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(member.name, weight="medium", size="2"),
            rx.cond(member.me, rx.badge("You", variant="outline", color_scheme="gray", size="1")),
            spacing="2",
            align="center",
        ),
        rx.text(member.email, size="1", color_scheme="gray"),
        spacing="0",
    )


def _actions_cell(member) -> rx.Component:
    return rx.cond(
        S.can_administer,
        rx.hstack(
            rx.button(
                "Workspace grants",
                size="1",
                variant="soft",
                on_click=S.open_workspace_grants(member.user_id),
            ),
            rx.button(
                "Remove",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=S.ask_remove_member(member.user_id),
            ),
            spacing="2",
            justify="end",
        ),
    )


COLUMNS = (
    Column("Member", _name_cell, row_header=True),
    Column("On the account", _account_permission_cell),
    Column("Workspace grants", lambda m: _grant_badges(m.grants), nowrap=False),
    Column("", _actions_cell, align="right"),
)


def members() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Members", size="4", as_="h2"),
            rx.spacer(),
            rx.cond(S.can_administer, invite_dialog()),
            width="100%",
            align="center",
        ),
        rx.box(
            data_table(
                S.members,
                COLUMNS,
                label="Members",
                empty=empty_state("users", "No members", "Invite someone with Invite member."),
                row_class="member-row",
            ),
            id="members",
            width="100%",
        ),
        width="100%",
        spacing="2",
    )


def remove_dialog() -> rx.Component:
    target = S.remove_target
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove ", target.name, "?"),
            rx.alert_dialog.description(
                target.email,
                " loses every grant on this account and its workspaces. You can invite them "
                "again later.",
                size="2",
            ),
            rx.vstack(
                form_message(S.remove_error),
                dialog_footer(
                    "Remove member",
                    destructive=True,
                    alert=True,
                    on_confirm=S.remove_member(target.user_id),
                ),
                spacing="3",
                width="100%",
                padding_top="var(--space-3)",
            ),
        ),
        open=target.user_id != "",
        on_open_change=S.close_member_dialogs,
    )


def _grant_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.workspace),
        rx.table.cell(permission_badge(row.permission)),
        rx.table.cell(
            rx.button(
                "Remove",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=S.remove_workspace_grant(S.grants_target.user_id, row.workspace_id),
            ),
            text_align="right",
        ),
        class_name="workspace-grant-row",
    )


def _grant_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.el.input(type="hidden", name="user_id", value=S.grants_target.user_id),
            rx.vstack(
                label("Workspace", "grant-workspace"),
                rx.select.root(
                    rx.select.trigger(width="100%", aria_label="Workspace", id="grant-workspace"),
                    rx.select.content(
                        rx.foreach(S.workspaces, lambda w: rx.select.item(w.name, value=w.id))
                    ),
                    name="workspace_id",
                    default_value=S.workspaces[0].id,
                ),
                spacing="1",
                flex="1",
                width="100%",
            ),
            rx.vstack(
                label("Permission", "grant-permission"),
                rx.select.root(
                    rx.select.trigger(aria_label="Permission", id="grant-permission"),
                    rx.select.content(
                        rx.select.item("read", value="read"),
                        rx.select.item("administer", value="administer"),
                    ),
                    name="permission",
                    default_value="read",
                ),
                spacing="1",
            ),
            rx.button("Grant", type="submit"),
            align=rx.breakpoints(initial="stretch", sm="end"),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.set_workspace_grant,
        width="100%",
    )


def grants_dialog() -> rx.Component:
    target = S.grants_target
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Workspace grants of ", target.name),
            rx.dialog.description(
                "A grant on one workspace adds to what the account grant gives: ",
                "administer on the account already covers every workspace.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.vstack(
                rx.cond(
                    target.grants.length() > 0,
                    rx.table.root(
                        rx.table.body(rx.foreach(target.grants, _grant_row)),
                        size="1",
                        width="100%",
                    ),
                    rx.text("No workspace grants.", size="2", color_scheme="gray"),
                ),
                rx.cond(
                    S.workspaces.length() > 0,
                    _grant_form(),
                    rx.text("This account has no workspaces yet.", size="2", color_scheme="gray"),
                ),
                field_error(S.grants_errors, "workspace_id"),
                field_error(S.grants_errors, "permission"),
                rx.hstack(
                    rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="560px",
        ),
        open=target.user_id != "",
        on_open_change=S.close_member_dialogs,
    )
