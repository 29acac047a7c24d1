"""The Team section of a developer app's Security tab: who is on the team with which role,
the pending invitations, and (for owners) inviting by email, changing roles, removing people
and withdrawing invitations; anyone on the team can leave it.

Everyone on the team reads the lists, each paged on the server (the members owners first,
then by name; the invitations newest first) with the Pager's footers; the controls that
change the team show to owners only, and the service (services/developer_team.py) refuses
anyone else whatever the page shows. The app is the one the tab opened (its id in the
backend-only `_dev_app_id`); member and invitation ids come from the browser and are checked
by the service against that app. An invitation's token never reaches this state: the link
goes by mail only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, form_message
from portal.config import get_settings
from portal.domain.developer import TeamRole
from portal.domain.errors import NotFound, PortalError
from portal.pages.developer.frame import section
from portal.services import developer_team
from portal.services.developer_team import TeamInvitationRow, TeamMemberRow, TeamSummary
from portal.state.open_developer_app import OpenDeveloperAppState
from portal.state.pager import Pager

MEMBERS = "members"
INVITATIONS = "invitations"
_ROWS = {MEMBERS: "team_members", INVITATIONS: "team_invitations"}  # each list's rows
PAGE_SIZE = 20

# The roles as the invite form and a member's select offer them, strongest first.
ROLE_CHOICES = (
    (TeamRole.OWNER.value, "Owner: everything, the team and client secrets too"),
    (TeamRole.DEVELOPER.value, "Developer: details, drafts and publishing"),
    (TeamRole.VIEWER.value, "Viewer: reads the app, changes nothing"),
)
ROLE_COLORS = {"owner": "violet", "developer": "blue", "viewer": "gray"}


@dataclass(frozen=True)
class MemberView:
    user_id: int
    name: str
    email: str
    role: str
    added_at: str  # ISO 8601 UTC
    you: bool

    @classmethod
    def of(cls, row: TeamMemberRow) -> MemberView:
        return cls(
            user_id=row.user_id,
            name=row.name,
            email=row.email,
            role=row.role.value,
            added_at=iso_utc(row.added_at),
            you=row.you,
        )


@dataclass(frozen=True)
class InvitationView:
    id: int
    email: str
    role: str
    invited_by: str
    expires_at: str  # ISO 8601 UTC

    @classmethod
    def of(cls, row: TeamInvitationRow) -> InvitationView:
        return cls(
            id=row.id,
            email=row.email,
            role=row.role.value,
            invited_by=row.invited_by or "someone who left",
            expires_at=iso_utc(row.expires_at),
        )


def _id(value) -> int:
    """A client's member or invitation id as the service takes it (0 for anything else:
    NotFound)."""
    return value if type(value) is int and 0 < value < 2**31 else 0


def _then_summary(fn):
    """`fn` (a change to the team), then the team's summary as it is now, in one transaction
    (a change that would leave the actor off the team, such as removing themselves, is undone
    with NotFound: Leave is the way off)."""

    def call(*, session, actor, app_id: int, **kwargs) -> TeamSummary:
        fn(session=session, actor=actor, app_id=app_id, **kwargs)
        return developer_team.team_summary(session=session, actor=actor, app_id=app_id)

    return call


_invite_then_summary = _then_summary(developer_team.invite)
_revoke_then_summary = _then_summary(developer_team.revoke_invitation)
_set_role_then_summary = _then_summary(developer_team.set_role)
_remove_then_summary = _then_summary(developer_team.remove_member)


class DeveloperTeamState(Pager, OpenDeveloperAppState):
    PAGED: ClassVar[tuple[str, ...]] = (MEMBERS, INVITATIONS)

    team_found: bool = False
    team_can_manage: bool = False  # an owner: the controls that change the team show
    team_members: list[MemberView] = []  # the page of members shown
    team_invitations: list[InvitationView] = []  # the page of pending invitations shown
    team_error: str = ""  # a refused change (the last owner, a role too weak), above the list
    own_role_choice: str = ""  # the role you picked for yourself, waiting for your yes
    leave_error: str = ""  # a refused Leave (the last owner), beside its button
    invite_errors: dict[str, str] = {}
    invite_sent_to: str = ""
    invite_key: int = 0  # bumped after an invitation is sent: the form starts empty again
    outbox_enabled: bool = False

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        if name == MEMBERS:
            members = await self._call(
                developer_team.list_members,
                app_id=self._dev_app_id,
                limit=PAGE_SIZE,
                cursor=cursor,
            )
            self.team_members = [MemberView.of(row) for row in members.items]
            return members.next_cursor
        invitations = await self._call(
            developer_team.list_invitations,
            app_id=self._dev_app_id,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
        self.team_invitations = [InvitationView.of(row) for row in invitations.items]
        return invitations.next_cursor

    def _show_team(self, team: TeamSummary | None) -> bool:
        """Show the team's summary (None: no team, and no rows); True when it says your own
        role changed."""
        self.team_found = team is not None
        self.team_can_manage = bool(team and team.can_manage)
        if team is None:
            self.team_members = []
            self.team_invitations = []
        if team is not None and team.your_role.value != self.dev_app_role:
            # Your own role changed: the tab's header and "Your access" say so.
            self.dev_app_role = team.your_role.value
            self.dev_app_can_edit = team.your_role.includes(TeamRole.DEVELOPER)
            return True
        return False

    async def _reload(self, name: str, *, first: bool = False) -> None:
        """After a change: the page of `name` shown again (the first page when it emptied, or
        when `first`); no team when the actor is off it meanwhile."""
        try:
            if first:
                await self._first_page(name)
                return
            await self._reload_page(name)
            if not getattr(self, _ROWS[name]) and self.pager_page.get(name, 1) > 1:
                await self._first_page(name)
        except NotFound:
            self._show_team(None)

    @rx.event
    async def load(self):
        """After the tab's own load (DeveloperSecurityState.load) found the app."""
        try:
            team = await self._call(developer_team.team_summary, app_id=self._dev_app_id)
            await self._first_page(MEMBERS)
            await self._first_page(INVITATIONS)
        except NotFound:
            team = None
        self._show_team(team)
        self.team_error = ""
        self.leave_error = ""
        self.invite_errors = {}
        self.invite_sent_to = ""
        self.outbox_enabled = get_settings().dev_outbox_enabled

    @rx.event
    async def invite(self, form: dict):
        email = str(form.get("email", ""))[:400]
        try:
            team = await self._call(
                _invite_then_summary,
                app_id=self._dev_app_id,
                email=email,
                role=str(form.get("role", ""))[:20],
            )
        except PortalError as exc:  # Invalid (email, role), PermissionDenied, NotFound
            event = self._show_error(exc, fields="invite_errors", field="form")
            self.invite_sent_to = ""
            return event
        self._show_team(team)
        self.invite_errors = {}
        self.team_error = ""
        self.invite_sent_to = email.strip().lower()
        self.invite_key += 1
        await self._reload(INVITATIONS, first=True)  # newest first: it heads the first page
        return None

    @rx.event
    async def revoke_invitation(self, invitation_id: int):
        try:
            team = await self._call(
                _revoke_then_summary, app_id=self._dev_app_id, invitation_id=_id(invitation_id)
            )
        except PortalError as exc:
            return self._show_error(exc, banner="team_error")
        self._show_team(team)
        self.team_error = ""
        await self._reload(INVITATIONS)
        return rx.toast.success(
            "Invitation withdrawn: its link no longer works.", position="top-center"
        )

    @rx.event
    async def ask_own_role(self, role: str):
        """Your own role picked in the list: asked first (the dialog says what you lose)."""
        await self._check_session()
        roles = {choice.value for choice in TeamRole}
        chosen = role if isinstance(role, str) and role in roles else ""
        self.own_role_choice = chosen if chosen != self.dev_app_role else ""

    @rx.event
    async def answer_own_role(self, open_: bool = False):
        """The question closed (Cancel, Escape): your role stays."""
        await self._check_session()
        if not open_:
            self.own_role_choice = ""

    @rx.event
    async def confirm_own_role(self):
        await self._check_session()
        role, self.own_role_choice = self.own_role_choice, ""
        you = next((member for member in self.team_members if member.you), None)
        if not role or you is None:
            return None
        return await self._change_role(you.user_id, role)

    @rx.event
    async def set_role(self, user_id: int, role: str):
        return await self._change_role(user_id, role)

    async def _change_role(self, user_id: int, role: str):
        try:
            team = await self._call(
                _set_role_then_summary,
                app_id=self._dev_app_id,
                user_id=_id(user_id),
                role=str(role)[:20],
            )
        except PortalError as exc:  # the last owner, PermissionDenied, NotFound
            return self._show_error(exc, banner="team_error")
        yours = self._show_team(team)
        self.team_error = ""
        await self._reload(MEMBERS)  # the member may move: owners come first
        changed = rx.toast.success("Role changed.", position="top-center")
        if not yours:
            return changed
        # You stepped down: the tab's own state loads again, and the credentials card (owners
        # only: the service decides) goes without a reload of the page. Imported here:
        # security.py imports this module for the Team card.
        from portal.pages.developer.security import DeveloperSecurityState

        return [changed, DeveloperSecurityState.load]

    @rx.event
    async def remove_member(self, user_id: int):
        gone = next((m for m in self.team_members if m.user_id == user_id), None)
        try:
            team = await self._call(
                _remove_then_summary, app_id=self._dev_app_id, user_id=_id(user_id)
            )
        except PortalError as exc:  # the last owner, PermissionDenied, NotFound
            return self._show_error(exc, banner="team_error")
        self._show_team(team)
        self.team_error = ""
        await self._reload(MEMBERS)
        who = gone.email if gone else "The member"
        return rx.toast.success(f"{who} is no longer on the team.", position="top-center")

    @rx.event
    async def leave(self):
        name = self.dev_app_name
        try:
            await self._call(developer_team.leave, app_id=self._dev_app_id)
        except PortalError as exc:  # the last owner
            return self._show_error(exc, banner="leave_error")
        self._show_team(None)
        return [
            rx.toast.success(f"You left the team of {name}.", position="top-center"),
            rx.redirect(routes.DEVELOPER),
        ]


_S = DeveloperTeamState


def role_badge(role) -> rx.Component:
    return rx.el.span(
        role,
        class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-soft rt-high-contrast",
        custom_attrs={
            "data-accent-color": rx.match(
                role, *[(name, color) for name, color in ROLE_COLORS.items()], "gray"
            ),
            "data-radius": "full",
        },
    )


def _role_select(*, described: bool = False, **props) -> rx.Component:
    """The three roles; `described` says what each may do (the invite form), else the role's
    word alone (a member's row)."""
    return rx.select.root(
        rx.select.trigger(**props.pop("trigger", {})),
        rx.select.content(
            *[
                rx.select.item(words if described else value, value=value)
                for value, words in ROLE_CHOICES
            ]
        ),
        **props,
    )


def _member_name(row) -> rx.Component:
    """The name (and "You"), the email under it: the row stays narrow on a phone."""
    return rx.el.div(
        rx.el.span(
            row.name,
            rx.cond(row.you, rx.badge("You", variant="outline", color_scheme="gray", size="1")),
            class_name="pt-inline",
        ),
        rx.text(row.email, size="1", color_scheme="gray", weight="regular"),
        class_name="pt-stack-tight",
    )


def _member_role(row) -> rx.Component:
    label = {"aria_label": "Role of " + row.email}
    return rx.cond(
        _S.team_can_manage,
        rx.cond(
            row.you,
            # Your own row asks first (_own_role_dialog): you can't undo stepping down.
            _role_select(trigger=label, value=row.role, on_change=_S.ask_own_role, size="1"),
            _role_select(
                trigger=label, value=row.role, on_change=_S.set_role(row.user_id), size="1"
            ),
        ),
        role_badge(row.role),
    )


def _own_role_dialog() -> rx.Component:
    return confirm_dialog(
        None,
        title=("Make yourself ", _S.own_role_choice, "?"),
        description=(
            "You will no longer manage the team or see and rotate client secrets",
            rx.cond(
                _S.own_role_choice == "viewer",
                ", nor edit the app or publish versions",
                "",
            ),
            ". Only another owner can make you owner again.",
        ),
        confirm="Change my role",
        on_confirm=_S.confirm_own_role,
        destructive=True,
        open=_S.own_role_choice != "",
        on_open_change=_S.answer_own_role,
    )


def _remove(row) -> rx.Component:
    return rx.cond(
        _S.team_can_manage & ~row.you,
        confirm_dialog(
            rx.button("Remove", size="1", variant="soft", color_scheme="red"),
            title=("Remove ", row.name, " from the team?"),
            description=(
                row.email,
                " loses access to ",
                _S.dev_app_name,
                " at once: its details, drafts, versions and settings. You can invite them "
                "again later.",
            ),
            confirm="Remove from team",
            on_confirm=_S.remove_member(row.user_id),
            destructive=True,
        ),
    )


MEMBER_COLUMNS = (
    Column("Member", _member_name, row_header=True),
    Column("Role", _member_role),
    Column("Added", lambda r: local_time(r.added_at)),
    Column("", _remove),
)


def _revoke(row) -> rx.Component:
    return rx.cond(
        _S.team_can_manage,
        confirm_dialog(
            rx.button("Withdraw", size="1", variant="soft", color_scheme="red"),
            title=("Withdraw the invitation to ", row.email, "?"),
            description=("The link in their mail stops working. You can invite them again later.",),
            confirm="Withdraw invitation",
            on_confirm=_S.revoke_invitation(row.id),
            destructive=True,
        ),
    )


INVITATION_COLUMNS = (
    Column("Email", lambda r: r.email, row_header=True),
    Column("Role", lambda r: role_badge(r.role)),
    Column("Invited by", lambda r: r.invited_by),
    Column("Expires", lambda r: local_time(r.expires_at)),
    Column("", _revoke),
)


def _invite_form() -> rx.Component:
    errors = _S.invite_errors
    days = get_settings().invitation_days
    return rx.form(
        rx.el.div(
            rx.heading("Invite someone", size="3", as_="h3"),
            form_message(rx.cond(errors.contains("form"), errors["form"], "")),
            rx.flex(
                rx.el.div(
                    rx.el.label(
                        rx.text("Email", size="2", weight="medium"), html_for="team-invite-email"
                    ),
                    rx.input(
                        id="team-invite-email",
                        name="email",
                        type="email",
                        placeholder="name@example.com",
                        required=True,
                        auto_complete="off",
                        size="2",
                        width="100%",
                        custom_attrs={
                            "aria-invalid": rx.cond(errors.contains("email"), "true", "false"),
                            "aria-describedby": "email-error",
                        },
                    ),
                    class_name="pt-stack-tight pt-grow",
                ),
                rx.el.div(
                    rx.el.label(
                        rx.text("Role", size="2", weight="medium"), html_for="team-invite-role"
                    ),
                    _role_select(
                        described=True,
                        trigger={"id": "team-invite-role", "aria_label": "Role", "width": "100%"},
                        name="role",
                        default_value=TeamRole.DEVELOPER.value,
                        size="2",
                    ),
                    class_name="pt-stack-tight",
                ),
                rx.button(rx.icon("send", size=14), "Send invitation", type="submit"),
                direction=rx.breakpoints(initial="column", sm="row"),
                align=rx.breakpoints(initial="stretch", sm="end"),
                gap="3",
                width="100%",
            ),
            field_error(errors, "email"),
            field_error(errors, "role"),
            rx.text(
                f"We email them a link, valid for {days} days. They sign in (or sign up) with "
                "that email to accept. Inviting the same email again replaces the earlier link.",
                size="1",
                color_scheme="gray",
            ),
            rx.cond(
                _S.invite_sent_to != "",
                rx.callout(
                    rx.text(
                        "Invitation sent to ",
                        rx.text.strong(_S.invite_sent_to),
                        ".",
                        rx.cond(
                            _S.outbox_enabled,
                            rx.fragment(
                                " No mail server is configured: the mail is in the ",
                                rx.link("dev outbox", href=routes.DEV_OUTBOX, is_external=True),
                                ".",
                            ),
                        ),
                    ),
                    icon="mail-check",
                    color_scheme="green",
                    role="status",
                    id="team-invite-sent",
                    width="100%",
                ),
            ),
            class_name="pt-stack-tight",
        ),
        on_submit=_S.invite,
        key=_S.invite_key.to_string(),
        width="100%",
    )


def _leave() -> rx.Component:
    return rx.el.div(
        rx.cond(_S.leave_error != "", rx.el.div(form_message(_S.leave_error), id="leave-error")),
        rx.el.div(
            confirm_dialog(
                rx.button(
                    rx.icon("log-out", size=14),
                    "Leave app",
                    variant="soft",
                    color_scheme="red",
                    id="leave-app",
                ),
                title=("Leave the team of ", _S.dev_app_name, "?"),
                description=(
                    "You lose access to ",
                    _S.dev_app_name,
                    " at once: its details, drafts, versions and settings. An owner can invite "
                    "you again.",
                ),
                confirm="Leave app",
                on_confirm=_S.leave,
                destructive=True,
            ),
            class_name="pt-inline",
        ),
        rx.cond(
            _S.dev_app_role == TeamRole.OWNER.value,
            rx.text(
                "An app always keeps an owner: if you are its only one, make someone else "
                "owner first.",
                size="1",
                color_scheme="gray",
            ),
        ),
        class_name="pt-stack-tight",
    )


def team_section() -> rx.Component:
    """The Security tab's Team card. Its state loads with DeveloperTeamState.load, after the
    tab's own load."""
    return section(
        "Team",
        rx.text(
            rx.cond(
                _S.team_can_manage,
                "Invite people by email, change their roles or remove them. Only owners "
                "change the team.",
                "Only owners change the team: ask one of them to invite someone or to change "
                "a role.",
            ),
            size="2",
            color_scheme="gray",
        ),
        rx.cond(_S.team_can_manage, _invite_form()),
        rx.heading("Members", size="3", as_="h3"),
        rx.cond(_S.team_error != "", rx.el.div(form_message(_S.team_error), id="team-error")),
        data_table(
            _S.team_members,
            MEMBER_COLUMNS,
            label="Team members",
            empty=empty_state(
                "users",
                "No one to show",
                "Reload the page: everyone on the team, you included, is listed here.",
            ),
            footer=pager(**_S.pager_props(MEMBERS)),
            row_class="team-member-row",
            stack_on_phone=True,
        ),
        rx.heading("Pending invitations", size="3", as_="h3"),
        data_table(
            _S.team_invitations,
            INVITATION_COLUMNS,
            label="Pending invitations",
            empty=empty_state(
                "mail",
                "No pending invitations",
                rx.cond(
                    _S.team_can_manage,
                    "Invite someone by email with the form above: they appear here until "
                    "they accept.",
                    "When an owner invites someone, the invitation waits here until they accept.",
                ),
            ),
            footer=pager(**_S.pager_props(INVITATIONS), previous="Newer", next="Older"),
            row_class="team-invitation-row",
            stack_on_phone=True,
        ),
        _leave(),
        _own_role_dialog(),
        label="Team",
    )
