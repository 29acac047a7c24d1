"""Workspaces as the picker and later pages see them."""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal.domain.access import Actor, Permission
from portal.domain.dto import WorkspaceSummary
from portal.models import Account, Workspace
from portal.services import permissions

_HIDDEN_STATUSES = ("deleted",)


def _summary(workspace: Workspace, account: Account) -> WorkspaceSummary:
    return WorkspaceSummary(
        id=str(workspace.id),
        name=workspace.name,
        slug=workspace.slug,
        account_id=account.id,
        account_name=account.name,
        status=workspace.status,
    )


def list_for_picker(*, session: Session, actor: Actor) -> list[WorkspaceSummary]:
    """The workspaces the actor can read, by account then name."""
    rows = session.exec(
        select(Workspace, Account)
        .join(Account, col(Account.id) == col(Workspace.account_id))
        .where(permissions.readable_workspaces(actor))
        .where(col(Workspace.status).not_in(_HIDDEN_STATUSES))
        .order_by(col(Account.name), col(Workspace.name))
    ).all()
    return [_summary(workspace, account) for workspace, account in rows]


def get(*, session: Session, actor: Actor, workspace_id: str) -> WorkspaceSummary:
    workspace = permissions.require_workspace(session, actor, workspace_id, Permission.READ)
    return _summary(workspace, session.get(Account, workspace.account_id))
