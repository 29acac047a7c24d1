"""The account page's state: what it shows (typed rows, rows.py) and every handler.

Every handler that touches data goes through `self._call` (a worker thread, one transaction,
the Actor from the server-side session); the services check the permissions. The account id
comes from the URL, user, invitation and workspace ids from arguments: all untrusted.
"""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from portal.components.activity_row import ActivityRow
from portal.config import get_settings
from portal.domain.errors import NotFound, PortalError, Unauthenticated
from portal.pages.accounts.detail.rows import (
    NO_ACCESS,
    NO_MEMBER,
    AccountHeader,
    InvitationRow,
    MemberRow,
    PurgeRow,
    WorkspaceOption,
    read_account,
)
from portal.services import accounts, workspaces
from portal.state.pager import Pager
from portal.state.session import SessionState

ACTIVITY = "activity"  # the paged list
ACTIVITY_PAGE_SIZE = 10
WHOLE_ACCOUNT = "account"  # the invite dialog's "no workspace" choice (select values can't be "")


def _number(value) -> int:
    """An id from the browser: an untrusted value; 0 (no such row) when it is not one."""
    try:
        number = int(str(value))
    except ValueError:
        return 0
    return number if 0 < number < 2**53 else 0


class AccountDetailState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (ACTIVITY,)

    found: bool = True
    account: AccountHeader = AccountHeader()
    can_administer: bool = False
    administrators: list[str] = []  # "Name <email>": who to ask, for someone who only reads
    members: list[MemberRow] = []
    invitations: list[InvitationRow] = []
    workspaces: list[WorkspaceOption] = []
    purges: list[PurgeRow] = []
    activity: list[ActivityRow] = []
    outbox_enabled: bool = False
    # Where a refusal shows: beside the member's row, in the dialog the person used.
    member_errors: dict[str, str] = {}
    page_error: str = ""
    # Invite member
    invite_open: bool = False
    invite_errors: dict[str, str] = {}
    invite_sent_to: str = ""
    # Rename account
    rename_open: bool = False
    rename_errors: dict[str, str] = {}
    # Remove member (confirmation) and a member's workspace grants (dialog); NO_MEMBER = closed
    remove_target: MemberRow = NO_MEMBER
    remove_error: str = ""
    grants_target: MemberRow = NO_MEMBER
    grants_errors: dict[str, str] = {}

    def _account_id(self) -> int:
        """The URL's account id: untrusted; 0 (no account) when it is not a plain number."""
        raw = str(self.router._page.params.get("account_id", ""))
        return int(raw) if raw.isdigit() and len(raw) <= 15 else 0

    def _member(self, user_id) -> MemberRow:
        """A member of the list this browser already holds, or NO_MEMBER."""
        return next((m for m in self.members if m.user_id == str(user_id)), NO_MEMBER)

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            workspaces.list_account_activity,
            account_id=self._account_id(),
            cursor=cursor,
            limit=ACTIVITY_PAGE_SIZE,
        )
        self.activity = [ActivityRow.of(event) for event in listed.items]
        return listed.next_cursor

    async def _refresh(self) -> None:
        """Reload the account and its first activity page; NotFound (unknown id, or not
        readable) shows the not-found state."""
        try:
            view = await self._call(read_account, account_id=self._account_id())
        except NotFound:
            self._forget_account()
            return
        detail = view.detail
        self.found = True
        self.outbox_enabled = get_settings().dev_outbox_enabled
        self.account = AccountHeader.of(detail)
        self.can_administer = detail.can_administer
        self.workspaces = [WorkspaceOption(id=w.id, name=w.name) for w in detail.workspaces]
        self.purges = [PurgeRow.of(p) for p in view.purges]
        self.members = [MemberRow.of(m, me=view.me) for m in detail.members]
        self.administrators = [
            f"{m.name} <{m.email}>" for m in detail.members if m.account_permission == "administer"
        ]
        self.invitations = [InvitationRow.of(i) for i in detail.invitations]
        if self.grants_target.user_id:  # the open grants dialog shows the member as now
            self.grants_target = self._member(self.grants_target.user_id)
        await self._first_page(ACTIVITY)

    def _forget_account(self) -> None:
        self.found = False
        self.account = AccountHeader()
        self.can_administer = False
        self.administrators = []
        self.members = []
        self.invitations = []
        self.workspaces = []
        self.purges = []
        self.activity = []
        self.remove_target = NO_MEMBER
        self.grants_target = NO_MEMBER

    @rx.event
    async def load(self):
        self.invite_open = False
        self.rename_open = False
        self.rename_errors = {}
        self.remove_target = NO_MEMBER
        self.grants_target = NO_MEMBER
        self.member_errors = {}
        self.page_error = ""
        await self._refresh()

    # Rename -------------------------------------------------------------------------------

    @rx.event
    def set_rename_open(self, value: bool):
        self.rename_open = bool(value)
        self.rename_errors = {}

    @rx.event
    async def rename(self, form: dict):
        self.rename_errors = {}
        try:
            renamed = await self._call(
                accounts.rename_account,
                account_id=self._account_id(),
                name=str(form.get("name", ""))[:1000],
            )
        except PortalError as exc:  # Invalid (name), PermissionDenied, NotFound
            return self._show_error(exc, fields="rename_errors", field="form")
        self.rename_open = False
        await self._refresh()
        return rx.toast.success(
            f"Account renamed to {renamed.name}", position="top-center", id="account-renamed"
        )

    # Invitations --------------------------------------------------------------------------

    @rx.event
    def set_invite_open(self, value: bool):
        self.invite_open = bool(value)
        self.invite_errors = {}
        self.invite_sent_to = ""

    @rx.event
    async def invite(self, form: dict):
        self.invite_errors = {}
        self.invite_sent_to = ""
        workspace_id = str(form.get("workspace_id") or WHOLE_ACCOUNT)
        try:
            created = await self._call(
                accounts.invite,
                account_id=self._account_id(),
                email=str(form.get("email", "")),
                permission=str(form.get("permission", "")),
                workspace_id=None if workspace_id == WHOLE_ACCOUNT else workspace_id,
            )
        except PortalError as exc:  # Invalid (email, permission), PermissionDenied, NotFound
            return self._show_error(exc, fields="invite_errors", field="form")
        self.invite_sent_to = created.invitation.email
        await self._refresh()
        return None

    @rx.event
    async def revoke_invitation(self, invitation_id: str):
        self.page_error = ""
        try:
            revoked = await self._call(
                accounts.revoke_invitation,
                account_id=self._account_id(),
                invitation_id=_number(invitation_id),
            )
        except PortalError as exc:
            return self._show_error(exc, banner="page_error")
        await self._refresh()
        return rx.toast.success(f"Invitation to {revoked.email} revoked.", position="top-center")

    # Grants -------------------------------------------------------------------------------

    @rx.event
    async def set_account_permission(self, user_id: str, permission: str):
        """read / administer on the account, or NO_ACCESS to take the account grant away."""
        key = str(user_id)[:20]
        self.member_errors = {}
        try:
            if permission == NO_ACCESS:
                await self._call(
                    accounts.remove_grant,
                    account_id=self._account_id(),
                    user_id=_number(user_id),
                )
            else:
                await self._call(
                    accounts.set_grant,
                    account_id=self._account_id(),
                    user_id=_number(user_id),
                    permission=str(permission),
                )
        except Unauthenticated:
            raise
        except PortalError as exc:  # the last-administrator rule, PermissionDenied, NotFound
            # Beside the member's row whatever the field: the row's select is the only input.
            self.member_errors = {key: exc.message}
            await self._refresh()  # the select shows what is true again
            return None
        await self._refresh()
        return rx.toast.success("Permission changed.", position="top-center")

    @rx.event
    def ask_remove_member(self, user_id: str):
        """Open the confirmation for a member of the list this browser already holds."""
        self.remove_error = ""
        self.remove_target = self._member(user_id)

    @rx.event
    def close_member_dialogs(self, _open: bool = False):
        self.remove_target = NO_MEMBER
        self.remove_error = ""
        self.grants_target = NO_MEMBER
        self.grants_errors = {}

    @rx.event
    async def remove_member(self, user_id: str):
        self.remove_error = ""
        try:
            await self._call(
                accounts.remove_member, account_id=self._account_id(), user_id=_number(user_id)
            )
        except PortalError as exc:  # the last-administrator rule, PermissionDenied, NotFound
            return self._show_error(exc, banner="remove_error")
        email = self.remove_target.email or "The member"
        self.remove_target = NO_MEMBER
        await self._refresh()
        return rx.toast.success(f"{email} removed from the account.", position="top-center")

    @rx.event
    def open_workspace_grants(self, user_id: str):
        """Open a member's workspace grants, from the list this browser already holds."""
        self.grants_errors = {}
        self.grants_target = self._member(user_id)

    @rx.event
    async def set_workspace_grant(self, form: dict):
        self.grants_errors = {}
        try:
            await self._call(
                accounts.set_grant,
                account_id=self._account_id(),
                user_id=_number(form.get("user_id", "")),
                permission=str(form.get("permission", "")),
                # An empty id is sent as an invalid one, never taken as the account.
                workspace_id=str(form.get("workspace_id", "")) or "-",
            )
        except PortalError as exc:
            return self._show_error(exc, fields="grants_errors", field="workspace_id")
        await self._refresh()
        return rx.toast.success("Workspace grant saved.", position="top-center")

    @rx.event
    async def remove_workspace_grant(self, user_id: str, workspace_id: str):
        self.grants_errors = {}
        try:
            await self._call(
                accounts.remove_grant,
                account_id=self._account_id(),
                user_id=_number(user_id),
                workspace_id=str(workspace_id) or "-",
            )
        except PortalError as exc:
            return self._show_error(exc, fields="grants_errors", field="workspace_id")
        await self._refresh()
        return rx.toast.success("Workspace grant removed.", position="top-center")
