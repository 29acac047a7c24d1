"""What the account page shows, as typed rows built from the services' DTOs, and the one read
(account, members, invitations, workspaces and purge runs in one transaction) behind it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from portal.components.dates import iso_utc
from portal.domain.access import Actor
from portal.domain.dto import AccountDetail, InvitationPublic, MemberPublic
from portal.domain.processes import ProcessPublic
from portal.services import accounts, processes

NO_ACCESS = "none"  # a member's account permission when they hold workspace grants only


@dataclass(frozen=True)
class AccountHeader:
    id: str = ""
    name: str = ""
    permission: str = ""
    created_at: str = ""  # ISO 8601 UTC; shown in the viewer's local time

    @classmethod
    def of(cls, detail: AccountDetail) -> AccountHeader:
        return cls(
            id=str(detail.id),
            name=detail.name,
            permission=detail.permission,
            created_at=iso_utc(detail.created_at),
        )


@dataclass(frozen=True)
class WorkspaceGrantRow:
    workspace_id: str
    workspace: str
    permission: str


@dataclass(frozen=True)
class MemberRow:
    user_id: str = ""  # "" = no member (a closed dialog's target)
    name: str = ""
    email: str = ""
    permission: str = NO_ACCESS  # on the account: read, administer or NO_ACCESS
    grants: list[WorkspaceGrantRow] = field(default_factory=list)
    me: bool = False

    @classmethod
    def of(cls, member: MemberPublic, *, me: int) -> MemberRow:
        return cls(
            user_id=str(member.user_id),
            name=member.name,
            email=member.email,
            permission=member.account_permission or NO_ACCESS,
            grants=[
                WorkspaceGrantRow(
                    workspace_id=g.workspace_id,
                    workspace=g.workspace_name,
                    permission=g.permission,
                )
                for g in member.workspace_grants
            ],
            me=member.user_id == me,
        )


NO_MEMBER = MemberRow()


@dataclass(frozen=True)
class InvitationRow:
    id: str
    email: str
    permission: str
    scope: str  # the workspace's name, or "Whole account"
    invited_by: str
    expires_at: str  # ISO 8601 UTC

    @classmethod
    def of(cls, invitation: InvitationPublic) -> InvitationRow:
        return cls(
            id=str(invitation.id),
            email=invitation.email,
            permission=invitation.permission,
            scope=invitation.workspace_name or "Whole account",
            invited_by=invitation.invited_by or "—",
            expires_at=iso_utc(invitation.expires_at),
        )


@dataclass(frozen=True)
class WorkspaceOption:
    id: str
    name: str


@dataclass(frozen=True)
class PurgeRow:
    """A purged workspace's Process Log entry: its workspace is gone, so it lives here."""

    subject: str
    status: str
    finished_at: str  # ISO 8601 UTC, "" while unfinished
    steps: list[str]  # "name: status", in order
    error: str

    @classmethod
    def of(cls, process: ProcessPublic) -> PurgeRow:
        return cls(
            subject=process.subject,
            status=process.status,
            finished_at=iso_utc(process.finished_at),
            steps=[f"{step.name}: {step.status}" for step in process.steps],
            error=process.error or "",
        )


@dataclass(frozen=True)
class AccountView:
    detail: AccountDetail
    purges: list[ProcessPublic]
    me: int


def read_account(*, session: Session, actor: Actor, account_id: int) -> AccountView:
    """The account and its purge runs, in one transaction (NotFound unless readable)."""
    detail = accounts.get_account(session=session, actor=actor, account_id=account_id)
    purges = processes.list_purges(session=session, actor=actor, account_id=detail.id)
    return AccountView(detail=detail, purges=purges, me=actor.user_id)
