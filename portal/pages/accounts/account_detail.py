"""An account: its members and their grants, pending invitations, Invite member, and the
account's recent activity. Administrators change grants; everyone else reads."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.activity import activity_table, pager
from portal.components.badges import status_badge
from portal.components.empty_state import empty_state
from portal.components.format import when
from portal.components.forms import field_error, form_message
from portal.config import get_settings
from portal.domain.errors import NotFound, PortalError, Unauthenticated
from portal.layout import page
from portal.pages.accounts.parts import permission_badge
from portal.services import accounts, processes, workspaces
from portal.state.session import SessionState

ACTIVITY_PAGE_SIZE = 10
WHOLE_ACCOUNT = "account"  # the invite dialog's "no workspace" choice (select values can't be "")
NO_ACCESS = "none"  # the account permission select's "no grant on the account"
GRANT_SEPARATOR = "\n"  # joins a member's workspace grants in one string (names hold no newline)


def _user_id(value) -> int:
    """A user id from the browser: an untrusted value; 0 (no such user) when it is not one."""
    try:
        number = int(str(value))
    except ValueError:
        return 0
    return number if 0 < number < 2**53 else 0


class AccountDetailState(SessionState):
    found: bool = True
    account: dict[str, str] = {}
    can_administer: bool = False
    administrators: str = ""  # who to ask, for someone who only reads
    members: list[dict[str, str]] = []
    invitations: list[dict[str, str]] = []
    workspaces: list[dict[str, str]] = []
    purges: list[dict[str, str]] = []
    outbox_enabled: bool = False
    # Where a refusal shows: beside the member's row, in the dialog the person used.
    member_errors: dict[str, str] = {}
    page_error: str = ""
    # Invite member
    invite_open: bool = False
    invite_errors: dict[str, str] = {}
    invite_sent_to: str = ""
    # Remove member (confirmation) and a member's workspace grants (dialog)
    remove_target: dict[str, str] = {}
    remove_error: str = ""
    grants_target: dict[str, str] = {}
    grants_rows: list[dict[str, str]] = []
    grants_errors: dict[str, str] = {}
    # Recent activity
    activity: list[dict[str, str]] = []
    activity_page: int = 1
    activity_has_next: bool = False
    _activity_cursors: list[str] = []
    _activity_next: str = ""
    _member_grants: dict[str, list[dict[str, str]]] = {}

    def _account_id(self) -> int:
        """The URL's account id: untrusted; 0 (no account) when it is not a plain number."""
        raw = str(self.router._page.params.get("account_id", ""))
        return int(raw) if raw.isdigit() and len(raw) <= 15 else 0

    def _refresh(self) -> None:
        """Reload the account; NotFound (unknown id, or not readable) shows the not-found state."""
        try:
            with self._acting() as (session, actor):
                detail = accounts.get_account(
                    session=session, actor=actor, account_id=self._account_id()
                )
                purges = processes.list_purges(session=session, actor=actor, account_id=detail.id)
                me = actor.user_id
        except NotFound:
            self._forget_account()
            return
        self.found = True
        self.outbox_enabled = get_settings().dev_outbox_enabled
        self.account = {
            "id": str(detail.id),
            "name": detail.name,
            "permission": detail.permission,
            "created_at": detail.created_at.strftime("%Y-%m-%d"),
        }
        self.can_administer = detail.can_administer
        self.workspaces = [{"id": w.id, "name": w.name} for w in detail.workspaces]
        # The Process Log entries of purged workspaces: their workspace is gone, so they
        # live here, with the account.
        self.purges = [
            {
                "subject": p.subject,
                "status": p.status,
                "finished_at": when(p.finished_at),
                "steps": ", ".join(f"{step.name}: {step.status}" for step in p.steps),
                "error": p.error or "",
            }
            for p in purges
        ]
        self.members = [
            {
                "user_id": str(m.user_id),
                "name": m.name,
                "email": m.email,
                "permission": m.account_permission or NO_ACCESS,
                "grants": GRANT_SEPARATOR.join(
                    f"{g.workspace_name}: {g.permission}" for g in m.workspace_grants
                ),
                "me": "yes" if m.user_id == me else "",
            }
            for m in detail.members
        ]
        self._member_grants = {
            str(m.user_id): [
                {
                    "workspace_id": g.workspace_id,
                    "workspace": g.workspace_name,
                    "permission": g.permission,
                }
                for g in m.workspace_grants
            ]
            for m in detail.members
        }
        self.administrators = ", ".join(
            f"{m.name} <{m.email}>" for m in detail.members if m.account_permission == "administer"
        )
        self.invitations = [
            {
                "id": str(i.id),
                "email": i.email,
                "permission": i.permission,
                "scope": i.workspace_name or "Whole account",
                "invited_by": i.invited_by or "—",
                "expires_at": when(i.expires_at),
            }
            for i in detail.invitations
        ]
        if self.grants_target:
            self.grants_rows = self._member_grants.get(self.grants_target["user_id"], [])

    def _forget_account(self) -> None:
        self.found = False
        self.account = {}
        self.can_administer = False
        self.administrators = ""
        self.members = []
        self.invitations = []
        self.workspaces = []
        self.purges = []
        self.activity = []
        self._member_grants = {}

    def _fetch_activity(self, cursor: str) -> None:
        try:
            with self._acting() as (session, actor):
                listed = workspaces.list_account_activity(
                    session=session,
                    actor=actor,
                    account_id=self._account_id(),
                    cursor=cursor or None,
                    limit=ACTIVITY_PAGE_SIZE,
                )
        except Unauthenticated:
            raise
        except PortalError:  # NotFound, or a cursor that is no longer valid
            self.activity = []
            self.activity_has_next = False
            return
        self.activity = [
            {
                "when": when(event.created_at),
                "actor": event.actor_label,
                "action": event.action,
                "target": self._target_label(event),
            }
            for event in listed.items
        ]
        self._activity_next = listed.next_cursor or ""
        self.activity_has_next = bool(listed.next_cursor)

    def _target_label(self, event) -> str:
        """A member's or an invitation's email where the page knows it, else type and id."""
        emails = {m["user_id"]: m["email"] for m in self.members}
        email = emails.get(event.target_id) if event.target_type == "user" else None
        email = email or (event.after or {}).get("email") or (event.before or {}).get("email")
        return f"{event.target_type} {email}" if email else f"{event.target_type} {event.target_id}"

    def _first_activity_page(self) -> None:
        self._activity_cursors = [""]
        self.activity_page = 1
        self._fetch_activity("")

    def _after_change(self) -> None:
        self._refresh()
        if self.found:
            self._first_activity_page()

    @rx.event
    def load(self):
        self.invite_open = False
        self.remove_target = {}
        self.grants_target = {}
        self.member_errors = {}
        self.page_error = ""
        self._refresh()
        if self.found:
            self._first_activity_page()

    @rx.event
    def next_activity_page(self):
        self._require_session()
        if self._activity_next:
            self._activity_cursors = [*self._activity_cursors, self._activity_next]
            self.activity_page = len(self._activity_cursors)
            self._fetch_activity(self._activity_next)

    @rx.event
    def previous_activity_page(self):
        self._require_session()
        if len(self._activity_cursors) > 1:
            self._activity_cursors = self._activity_cursors[:-1]
            self.activity_page = len(self._activity_cursors)
            self._fetch_activity(self._activity_cursors[-1])

    # Invitations --------------------------------------------------------------------------

    @rx.event
    def set_invite_open(self, value: bool):
        self.invite_open = bool(value)
        self.invite_errors = {}
        self.invite_sent_to = ""

    @rx.event
    def invite(self, form: dict):
        self.invite_errors = {}
        self.invite_sent_to = ""
        workspace_id = str(form.get("workspace_id") or WHOLE_ACCOUNT)
        try:
            with self._acting() as (session, actor):
                created = accounts.invite(
                    session=session,
                    actor=actor,
                    account_id=self._account_id(),
                    email=str(form.get("email", "")),
                    permission=str(form.get("permission", "")),
                    workspace_id=None if workspace_id == WHOLE_ACCOUNT else workspace_id,
                )
        except Unauthenticated:
            raise
        except PortalError as exc:  # Invalid (a field), PermissionDenied, NotFound
            field = getattr(exc, "field", None)
            self.invite_errors = {
                field if field in ("email", "permission") else "form": exc.message
            }
            return None
        self.invite_sent_to = created.invitation.email
        self._after_change()
        return None

    @rx.event
    def revoke_invitation(self, invitation_id: str):
        self.page_error = ""
        try:
            number = int(str(invitation_id))
        except ValueError:
            number = 0
        try:
            with self._acting() as (session, actor):
                revoked = accounts.revoke_invitation(
                    session=session,
                    actor=actor,
                    account_id=self._account_id(),
                    invitation_id=number,
                )
        except Unauthenticated:
            raise
        except PortalError as exc:
            self.page_error = exc.message
            return None
        self._after_change()
        return rx.toast.success(f"Invitation to {revoked.email} revoked.", position="top-center")

    # Grants -------------------------------------------------------------------------------

    @rx.event
    def set_account_permission(self, user_id: str, permission: str):
        """read / administer on the account, or NO_ACCESS to take the account grant away."""
        key = str(user_id)
        self.member_errors = {}
        try:
            with self._acting() as (session, actor):
                if permission == NO_ACCESS:
                    accounts.remove_grant(
                        session=session,
                        actor=actor,
                        account_id=self._account_id(),
                        user_id=_user_id(user_id),
                    )
                else:
                    accounts.set_grant(
                        session=session,
                        actor=actor,
                        account_id=self._account_id(),
                        user_id=_user_id(user_id),
                        permission=str(permission),
                    )
        except Unauthenticated:
            raise
        except PortalError as exc:  # the last-administrator rule, PermissionDenied, NotFound
            self.member_errors = {key[:20]: exc.message}
            self._after_change()
            return None
        self._after_change()
        return rx.toast.success("Permission changed.", position="top-center")

    @rx.event
    def ask_remove_member(self, user_id: str):
        """Open the confirmation for a member of the list this browser already holds."""
        self.remove_error = ""
        self.remove_target = next((m for m in self.members if m["user_id"] == str(user_id)), {})

    @rx.event
    def close_member_dialogs(self, _open: bool = False):
        self.remove_target = {}
        self.remove_error = ""
        self.grants_target = {}
        self.grants_rows = []
        self.grants_errors = {}

    @rx.event
    def remove_member(self, user_id: str):
        self.remove_error = ""
        try:
            with self._acting() as (session, actor):
                accounts.remove_member(
                    session=session,
                    actor=actor,
                    account_id=self._account_id(),
                    user_id=_user_id(user_id),
                )
        except Unauthenticated:
            raise
        except PortalError as exc:  # the last-administrator rule, PermissionDenied, NotFound
            self.remove_error = exc.message
            return None
        email = self.remove_target.get("email", "The member")
        self.remove_target = {}
        self._after_change()
        return rx.toast.success(f"{email} removed from the account.", position="top-center")

    @rx.event
    def open_workspace_grants(self, user_id: str):
        """Open a member's workspace grants, from the list this browser already holds."""
        self.grants_errors = {}
        self.grants_target = next((m for m in self.members if m["user_id"] == str(user_id)), {})
        self.grants_rows = self._member_grants.get(str(user_id), []) if self.grants_target else []

    @rx.event
    def set_workspace_grant(self, form: dict):
        self.grants_errors = {}
        try:
            with self._acting() as (session, actor):
                accounts.set_grant(
                    session=session,
                    actor=actor,
                    account_id=self._account_id(),
                    user_id=_user_id(form.get("user_id", "")),
                    permission=str(form.get("permission", "")),
                    workspace_id=str(form.get("workspace_id", "")) or "-",
                )
        except Unauthenticated:
            raise
        except PortalError as exc:
            field = getattr(exc, "field", None)
            self.grants_errors = {
                "permission" if field == "permission" else "workspace_id": exc.message
            }
            return None
        self._after_change()
        return rx.toast.success("Workspace grant saved.", position="top-center")

    @rx.event
    def remove_workspace_grant(self, user_id: str, workspace_id: str):
        self.grants_errors = {}
        try:
            with self._acting() as (session, actor):
                accounts.remove_grant(
                    session=session,
                    actor=actor,
                    account_id=self._account_id(),
                    user_id=_user_id(user_id),
                    workspace_id=str(workspace_id) or "-",
                )
        except Unauthenticated:
            raise
        except PortalError as exc:
            self.grants_errors = {"workspace_id": exc.message}
            return None
        self._after_change()
        return rx.toast.success("Workspace grant removed.", position="top-center")


# Components --------------------------------------------------------------------------------


def _label(text: str, html_for: str | None = None) -> rx.Component:
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
    errors = AccountDetailState.invite_errors
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
            _label("Email", "invite-email"),
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
            _label("Permission", "permission"),
            _permission_select("permission"),
            field_error(errors, "permission"),
            _label("Where", "invite-workspace"),
            rx.select.root(
                rx.select.trigger(width="100%", aria_label="Where", id="invite-workspace"),
                rx.select.content(
                    rx.select.item("The whole account", value=WHOLE_ACCOUNT),
                    rx.cond(
                        AccountDetailState.workspaces.length() > 0,
                        rx.select.group(
                            rx.select.label("Only one workspace"),
                            rx.foreach(
                                AccountDetailState.workspaces,
                                lambda w: rx.select.item(w["name"], value=w["id"]),
                            ),
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
            rx.hstack(
                rx.dialog.close(
                    rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                ),
                rx.button("Send invitation", type="submit"),
                justify="end",
                width="100%",
                padding_top="var(--space-2)",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=AccountDetailState.invite,
        reset_on_submit=False,
    )


def _invite_sent() -> rx.Component:
    return rx.vstack(
        rx.callout(
            rx.text(
                "Invitation sent to ",
                rx.text.strong(AccountDetailState.invite_sent_to),
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
            AccountDetailState.outbox_enabled,
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
                on_click=AccountDetailState.set_invite_open(True),
            ),
            rx.dialog.close(rx.button("Done")),
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _invite_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("user-plus", size=16), "Invite member", id="invite-member")
        ),
        rx.dialog.content(
            rx.dialog.title("Invite member"),
            rx.dialog.description(
                "We email them a link to join ",
                AccountDetailState.account["name"],
                ". They sign in (or sign up) with that email to accept.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.cond(AccountDetailState.invite_sent_to != "", _invite_sent(), _invite_form()),
            max_width="480px",
        ),
        open=AccountDetailState.invite_open,
        on_open_change=AccountDetailState.set_invite_open,
    )


def _remove_dialog() -> rx.Component:
    target = AccountDetailState.remove_target
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove ", target["name"], "?"),
            rx.alert_dialog.description(
                target["email"],
                " loses every grant on this account and its workspaces. You can invite them "
                "again later.",
                size="2",
            ),
            rx.vstack(
                form_message(AccountDetailState.remove_error),
                rx.hstack(
                    rx.alert_dialog.cancel(
                        rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                    ),
                    rx.button(
                        "Remove member",
                        color_scheme="red",
                        on_click=AccountDetailState.remove_member(target["user_id"]),
                    ),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
                padding_top="var(--space-3)",
            ),
        ),
        open=target.contains("user_id"),
        on_open_change=AccountDetailState.close_member_dialogs,
    )


def _grant_row(row) -> rx.Component:
    target = AccountDetailState.grants_target
    return rx.table.row(
        rx.table.cell(row["workspace"]),
        rx.table.cell(permission_badge(row["permission"])),
        rx.table.cell(
            rx.button(
                "Remove",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=AccountDetailState.remove_workspace_grant(
                    target["user_id"], row["workspace_id"]
                ),
            ),
            text_align="right",
        ),
        class_name="workspace-grant-row",
    )


def _grants_dialog() -> rx.Component:
    target = AccountDetailState.grants_target
    errors = AccountDetailState.grants_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Workspace grants of ", target["name"]),
            rx.dialog.description(
                "A grant on one workspace adds to what the account grant gives: ",
                "administer on the account already covers every workspace.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.vstack(
                rx.cond(
                    AccountDetailState.grants_rows.length() > 0,
                    rx.table.root(
                        rx.table.body(rx.foreach(AccountDetailState.grants_rows, _grant_row)),
                        size="1",
                        width="100%",
                    ),
                    rx.text("No workspace grants.", size="2", color_scheme="gray"),
                ),
                rx.cond(
                    AccountDetailState.workspaces.length() > 0,
                    rx.form(
                        rx.hstack(
                            rx.el.input(type="hidden", name="user_id", value=target["user_id"]),
                            rx.vstack(
                                _label("Workspace", "grant-workspace"),
                                rx.select.root(
                                    rx.select.trigger(
                                        width="100%", aria_label="Workspace", id="grant-workspace"
                                    ),
                                    rx.select.content(
                                        rx.foreach(
                                            AccountDetailState.workspaces,
                                            lambda w: rx.select.item(w["name"], value=w["id"]),
                                        )
                                    ),
                                    name="workspace_id",
                                    default_value=AccountDetailState.workspaces[0]["id"],
                                ),
                                spacing="1",
                                flex="1",
                            ),
                            rx.vstack(
                                _label("Permission", "grant-permission"),
                                rx.select.root(
                                    rx.select.trigger(
                                        aria_label="Permission", id="grant-permission"
                                    ),
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
                            align="end",
                            spacing="2",
                            width="100%",
                        ),
                        on_submit=AccountDetailState.set_workspace_grant,
                        width="100%",
                    ),
                    rx.text("This account has no workspaces yet.", size="2", color_scheme="gray"),
                ),
                field_error(errors, "workspace_id"),
                field_error(errors, "permission"),
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
        open=target.contains("user_id"),
        on_open_change=AccountDetailState.close_member_dialogs,
    )


def _account_permission_cell(member) -> rx.Component:
    editable = rx.select.root(
        rx.select.trigger(aria_label="Account permission of " + member["email"], width="170px"),
        rx.select.content(
            rx.select.item("administer", value="administer"),
            rx.select.item("read", value="read"),
            rx.select.item("no account grant", value=NO_ACCESS),
        ),
        value=member["permission"],
        on_change=AccountDetailState.set_account_permission(member["user_id"]),
        size="1",
    )
    shown = rx.cond(
        member["permission"] == NO_ACCESS,
        rx.text("—", color_scheme="gray", size="2"),
        permission_badge(member["permission"]),
    )
    return rx.vstack(
        rx.cond(AccountDetailState.can_administer, editable, shown),
        rx.cond(
            AccountDetailState.member_errors.contains(member["user_id"]),
            rx.text(
                AccountDetailState.member_errors[member["user_id"]],
                size="1",
                color_scheme="red",
                role="alert",
                class_name="member-error",
                max_width="320px",
            ),
        ),
        spacing="1",
    )


def _member_row(member) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.hstack(
                    rx.text(member["name"], weight="medium", size="2"),
                    rx.cond(
                        member["me"] == "yes",
                        rx.badge("You", variant="outline", color_scheme="gray", size="1"),
                    ),
                    spacing="2",
                    align="center",
                ),
                rx.text(member["email"], size="1", color_scheme="gray"),
                spacing="0",
            )
        ),
        rx.table.cell(_account_permission_cell(member)),
        rx.table.cell(
            rx.cond(
                member["grants"] != "",
                rx.flex(
                    rx.foreach(
                        member["grants"].split(GRANT_SEPARATOR),
                        lambda g: rx.badge(g, variant="surface", color_scheme="gray"),
                    ),
                    wrap="wrap",
                    gap="1",
                ),
                rx.text("—", color_scheme="gray", size="2"),
            )
        ),
        rx.cond(
            AccountDetailState.can_administer,
            rx.table.cell(
                rx.hstack(
                    rx.button(
                        "Workspace grants",
                        size="1",
                        variant="soft",
                        on_click=AccountDetailState.open_workspace_grants(member["user_id"]),
                    ),
                    rx.button(
                        "Remove",
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=AccountDetailState.ask_remove_member(member["user_id"]),
                    ),
                    spacing="2",
                    justify="end",
                ),
            ),
        ),
        class_name="member-row",
        align="center",
    )


def _members() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Members", size="4", as_="h2"),
            rx.spacer(),
            rx.cond(AccountDetailState.can_administer, _invite_dialog()),
            width="100%",
            align="center",
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Member"),
                    rx.table.column_header_cell("On the account"),
                    rx.table.column_header_cell("Workspace grants"),
                    rx.cond(AccountDetailState.can_administer, rx.table.column_header_cell("")),
                )
            ),
            rx.table.body(rx.foreach(AccountDetailState.members, _member_row)),
            variant="surface",
            width="100%",
            id="members",
        ),
        width="100%",
        spacing="2",
    )


def _invitation_row(invitation) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(invitation["email"]),
        rx.table.cell(permission_badge(invitation["permission"])),
        rx.table.cell(invitation["scope"]),
        rx.table.cell(invitation["invited_by"]),
        rx.table.cell(invitation["expires_at"], white_space="nowrap"),
        rx.cond(
            AccountDetailState.can_administer,
            rx.table.cell(
                rx.button(
                    "Revoke",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=AccountDetailState.revoke_invitation(invitation["id"]),
                ),
                text_align="right",
            ),
        ),
        class_name="invitation-row",
    )


def _invitations() -> rx.Component:
    return rx.vstack(
        rx.heading("Pending invitations", size="4", as_="h2"),
        rx.cond(
            AccountDetailState.invitations.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Email"),
                        rx.table.column_header_cell("Permission"),
                        rx.table.column_header_cell("Where"),
                        rx.table.column_header_cell("Invited by"),
                        rx.table.column_header_cell("Expires"),
                        rx.cond(AccountDetailState.can_administer, rx.table.column_header_cell("")),
                    )
                ),
                rx.table.body(rx.foreach(AccountDetailState.invitations, _invitation_row)),
                variant="surface",
                width="100%",
            ),
            rx.text("No pending invitations.", size="2", color_scheme="gray", id="no-invitations"),
        ),
        width="100%",
        spacing="2",
    )


def _purges() -> rx.Component:
    return rx.cond(
        AccountDetailState.purges.length() > 0,
        rx.vstack(
            rx.heading("Purged workspaces", size="4", as_="h2"),
            rx.text(
                "Offboarded workspaces whose hard-delete window ended; each purge run as the "
                "Process Log recorded it.",
                size="2",
                color_scheme="gray",
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Workspace"),
                        rx.table.column_header_cell("Status"),
                        rx.table.column_header_cell("Finished"),
                        rx.table.column_header_cell("Steps"),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        AccountDetailState.purges,
                        lambda p: rx.table.row(
                            rx.table.cell(p["subject"]),
                            rx.table.cell(status_badge(p["status"])),
                            rx.table.cell(p["finished_at"], white_space="nowrap"),
                            rx.table.cell(
                                rx.text(p["steps"], size="1"),
                                rx.text(p["error"], size="1", color_scheme="red"),
                            ),
                            class_name="purge-row",
                        ),
                    )
                ),
                variant="surface",
                width="100%",
                size="1",
            ),
            width="100%",
            spacing="2",
        ),
    )


def _activity() -> rx.Component:
    return rx.vstack(
        rx.heading("Recent activity", size="4", as_="h2", id="activity"),
        activity_table(AccountDetailState.activity, empty="No activity yet."),
        pager(
            AccountDetailState.activity_page,
            AccountDetailState.activity_has_next,
            on_newer=AccountDetailState.previous_activity_page,
            on_older=AccountDetailState.next_activity_page,
        ),
        width="100%",
        spacing="2",
    )


def _read_only_notice() -> rx.Component:
    return rx.callout(
        rx.text(
            "You can read this account but not change it: inviting members and changing "
            "grants need administer on the account. Administrators: ",
            rx.text.strong(AccountDetailState.administrators),
            ".",
        ),
        icon="lock",
        color_scheme="gray",
        id="read-only-notice",
        width="100%",
    )


def _found() -> rx.Component:
    acct = AccountDetailState.account
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), "Accounts", align="center", spacing="1"),
            href=routes.ACCOUNTS,
            size="2",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.heading(acct["name"], size="7", as_="h1"),
            permission_badge(acct["permission"]),
            rx.spacer(),
            rx.text("Created ", acct["created_at"], size="2", color_scheme="gray"),
            width="100%",
            align="center",
        ),
        rx.cond(~AccountDetailState.can_administer, _read_only_notice()),
        rx.cond(
            AccountDetailState.page_error != "",
            rx.callout(
                AccountDetailState.page_error,
                icon="circle-alert",
                color_scheme="red",
                role="alert",
                width="100%",
            ),
        ),
        _members(),
        _invitations(),
        _purges(),
        _activity(),
        _remove_dialog(),
        _grants_dialog(),
        width="100%",
        spacing="5",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "search-x",
        "Account not found",
        "It does not exist, or you are not a member of it. Check the link, or open one of "
        "your accounts.",
        rx.link(rx.button("Your accounts", variant="soft"), href=routes.ACCOUNTS),
    )


@page(routes.ACCOUNT_DETAIL, on_load=[AccountDetailState.load])
def account_detail() -> rx.Component:
    return rx.cond(AccountDetailState.found, _found(), _not_found())
