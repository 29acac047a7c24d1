"""The one place Portal decides who may do what.

Rules (PRODUCT.md, seed 002): `read` and `administer` are granted on an account (inherited by
its workspaces) or on one workspace; `administer` implies `read`. Someone without `read` on a
tenant gets NotFound, never a hint that it exists; someone who can read but not administer gets
PermissionDenied naming the permission and who holds it.

Writes to a workspace: a frozen workspace accepts reads and refuses every write; one being
offboarded is read-only until it is restored or purged. Every service function (and worker)
that writes data inside a workspace calls `require_writable(workspace)` after the permission
check, or `require_workspace_write(...)`, which does both in that order (so someone who cannot
read the workspace still learns nothing). Frozen and ReadOnly are distinct errors; the API
maps both to 409. Not workspace writes, so allowed on a frozen or offboarding workspace: the
state transitions themselves (freeze, unfreeze, offboard, restore), export (a read),
remembering it in the picker, and membership (grants and invitations are decided on the
account, and an administrator may need to bring someone in to look at a frozen workspace).
"""

from __future__ import annotations

import uuid

from sqlalchemy import or_
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.domain.access import Actor, Permission, Requirement
from portal.domain.errors import Frozen, NotFound, PermissionDenied, ReadOnly
from portal.models import Account, DeveloperTermsAcceptance, PermissionGrant, User, Workspace

_RANK = {None: 0, Permission.READ: 1, Permission.ADMINISTER: 2}


def _strongest(values) -> Permission | None:
    best: Permission | None = None
    for value in values:
        permission = Permission(value)
        if _RANK[permission] > _RANK[best]:
            best = permission
    return best


def account_permission(session: Session, actor: Actor, account_id: int) -> Permission | None:
    grants = session.exec(
        select(PermissionGrant.permission).where(
            PermissionGrant.user_id == actor.user_id, PermissionGrant.account_id == account_id
        )
    ).all()
    return _strongest(grants)


def workspace_permission(session: Session, actor: Actor, workspace: Workspace) -> Permission | None:
    grants = session.exec(
        select(PermissionGrant.permission).where(
            PermissionGrant.user_id == actor.user_id,
            or_(
                PermissionGrant.workspace_id == workspace.id,
                PermissionGrant.account_id == workspace.account_id,
            ),
        )
    ).all()
    return _strongest(grants)


def administrator_emails(session: Session, *, account_id: int, limit: int = 10) -> list[str]:
    """Who holds administer on the account: the people to ask for a missing permission."""
    return list(
        session.exec(
            select(User.email)
            .join(PermissionGrant, col(PermissionGrant.user_id) == col(User.id))
            .where(
                PermissionGrant.account_id == account_id,
                PermissionGrant.permission == Permission.ADMINISTER,
            )
            .order_by(User.email)
            .limit(limit)
        ).all()
    )


def _administrators(session: Session, *, account_id: int) -> str:
    emails = session.exec(
        select(User.email)
        .join(PermissionGrant, col(PermissionGrant.user_id) == col(User.id))
        .where(
            PermissionGrant.account_id == account_id,
            PermissionGrant.permission == Permission.ADMINISTER,
        )
        .order_by(User.email)
        .limit(3)
    ).all()
    return ", ".join(emails) or "an account owner"


def require_account(
    session: Session, actor: Actor, account_id: int, permission: Permission
) -> Account:
    account = session.get(Account, account_id)
    held = account_permission(session, actor, account_id) if account else None
    if account is None or held is None:
        raise NotFound("Account not found.")
    if _RANK[held] < _RANK[permission]:
        raise PermissionDenied(
            f"You need {permission.value} on the account {account.name}. "
            f"Ask an administrator: {_administrators(session, account_id=account_id)}."
        )
    return account


def require_workspace(
    session: Session, actor: Actor, workspace_id: str | uuid.UUID, permission: Permission
) -> Workspace:
    """The workspace if the actor holds `permission` on it; route params arrive untrusted."""
    try:
        key = workspace_id if isinstance(workspace_id, uuid.UUID) else uuid.UUID(str(workspace_id))
    except ValueError:
        raise NotFound("Workspace not found.") from None
    workspace = session.get(Workspace, key)
    if workspace is not None and workspace.status == "deleted":
        workspace = None  # purged or about to be: gone for everyone
    held = workspace_permission(session, actor, workspace) if workspace else None
    if workspace is None or held is None:
        raise NotFound("Workspace not found.")
    if _RANK[held] < _RANK[permission]:
        raise PermissionDenied(
            f"You need {permission.value} on the workspace {workspace.name}. Ask an "
            f"administrator: {_administrators(session, account_id=workspace.account_id)}."
        )
    return workspace


def require_writable(workspace: Workspace) -> None:
    """Refuse a write to a frozen (Frozen) or offboarding (ReadOnly) workspace."""
    if workspace.status == "frozen":
        raise Frozen(
            f"{workspace.name} is frozen: writes are refused until an administrator unfreezes it."
        )
    if workspace.status == "offboarding":
        raise ReadOnly(
            f"{workspace.name} is being offboarded and is read-only: an administrator can "
            "restore it until the hard-delete window ends."
        )


def require_workspace_write(
    session: Session,
    actor: Actor,
    workspace_id: str | uuid.UUID,
    permission: Permission = Permission.ADMINISTER,
) -> Workspace:
    """require_workspace, then require_writable: the door every workspace write goes through."""
    workspace = require_workspace(session, actor, workspace_id, permission)
    require_writable(workspace)
    return workspace


def readable_workspaces(actor: Actor):
    """A where-clause: the workspaces the actor can read, directly or through the account."""
    account_ids = select(PermissionGrant.account_id).where(
        PermissionGrant.user_id == actor.user_id, col(PermissionGrant.account_id).is_not(None)
    )
    workspace_ids = select(PermissionGrant.workspace_id).where(
        PermissionGrant.user_id == actor.user_id, col(PermissionGrant.workspace_id).is_not(None)
    )
    return or_(col(Workspace.account_id).in_(account_ids), col(Workspace.id).in_(workspace_ids))


def has_accepted_developer_terms(session: Session, actor: Actor) -> bool:
    version = get_settings().developer_terms_version
    return (
        session.exec(
            select(DeveloperTermsAcceptance.id).where(
                DeveloperTermsAcceptance.user_id == actor.user_id,
                DeveloperTermsAcceptance.terms_version == version,
            )
        ).first()
        is not None
    )


def require_developer_terms(session: Session, actor: Actor) -> None:
    if not has_accepted_developer_terms(session, actor):
        raise PermissionDenied(
            "Accept the current developer terms before creating apps, publishing or "
            "generating install links."
        )


def require_platform_admin(actor: Actor) -> None:
    # Platform staff tools are not advertised: others get NotFound.
    if not actor.is_platform_admin:
        raise NotFound()


def meets(session: Session, actor: Actor, requirement: Requirement) -> bool:
    """Whether a signed-in actor satisfies a page's requirement."""
    if requirement is Requirement.DEVELOPER_TERMS:
        return has_accepted_developer_terms(session, actor)
    if requirement is Requirement.PLATFORM_ADMIN:
        return actor.is_platform_admin
    return True
