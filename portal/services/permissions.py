"""The one place Portal decides who may do what.

Rules (PRODUCT.md, seed 002): `read` and `administer` are granted on an account (inherited by
its workspaces) or on one workspace; `administer` implies `read`. What each action needs is
its Rule in portal.domain.access (RULES: a permission on the account or on the workspace), and
every service asks through one door, `require(session, actor, action, target)`:

- someone without `read` on the target gets NotFound, never a hint that it exists (being a
  platform administrator grants nothing on tenants);
- someone who can read it but lacks the action's permission gets PermissionDenied naming the
  permission and who holds it;
- an action that writes inside a workspace (`Rule.writes`) is then refused on a frozen
  (Frozen) or offboarding (ReadOnly) workspace. The API maps both to 409. Workers, which act
  as no one, call `require_writable(workspace)` themselves.

Membership is one rule: an account administrator manages the account's grants and
invitations and those of all its workspaces; a workspace administrator (directly, or through
the account) manages that workspace's (set, remove, invite, revoke). Membership is not a
workspace write: an administrator may need to bring someone in to look at a frozen workspace.
"""

from __future__ import annotations

import uuid

from sqlalchemy import BindParameter, exists, false, or_
from sqlmodel import Session, col, select

from portal.domain.access import (
    Action,
    Actor,
    ActorKind,
    Permission,
    Requirement,
    Scope,
    strongest,
)
from portal.domain.developer import DeveloperAction, TeamRole
from portal.domain.errors import Frozen, NotFound, PermissionDenied, ReadOnly
from portal.domain.workspaces import WorkspaceStatus
from portal.models import (
    Account,
    DeveloperApp,
    DeveloperAppMember,
    DeveloperTermsAcceptance,
    PermissionGrant,
    User,
    Workspace,
)
from portal.services import terms_versions


def account_permission(session: Session, actor: Actor, account_id: int) -> Permission | None:
    """The strongest grant the actor holds on the account itself (workspace grants do not
    count)."""
    grants = session.exec(
        select(PermissionGrant.permission).where(
            PermissionGrant.user_id == actor.user_id, PermissionGrant.account_id == account_id
        )
    ).all()
    return strongest(grants)


def workspace_permission(session: Session, actor: Actor, workspace: Workspace) -> Permission | None:
    """The strongest grant the actor holds on the workspace, directly or through its account."""
    grants = session.exec(
        select(PermissionGrant.permission).where(
            PermissionGrant.user_id == actor.user_id,
            or_(
                PermissionGrant.workspace_id == workspace.id,
                PermissionGrant.account_id == workspace.account_id,
            ),
        )
    ).all()
    return strongest(grants)


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
    return ", ".join(administrator_emails(session, account_id=account_id, limit=3)) or (
        "an account owner"
    )


def _account(session: Session, account_id: int | str) -> Account | None:
    if isinstance(account_id, bool):
        return None
    try:
        key = int(account_id)
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= key < 2**63:  # beyond any id column: a forged value
        return None
    return session.get(Account, key)


def _workspace(session: Session, workspace_id: str | uuid.UUID) -> Workspace | None:
    """Route params arrive untrusted: anything that is not a UUID is simply not found."""
    try:
        key = workspace_id if isinstance(workspace_id, uuid.UUID) else uuid.UUID(str(workspace_id))
    except ValueError:
        return None
    workspace = session.get(Workspace, key)
    if workspace is not None and workspace.status == WorkspaceStatus.DELETED:
        return None  # purged or about to be: gone for everyone
    return workspace


def require(
    session: Session, actor: Actor, action: Action, target: int | str | uuid.UUID
) -> Account | Workspace:
    """The target (an Account for an account action, a Workspace for a workspace action) if
    the actor may do `action` to it; raises NotFound, PermissionDenied, Frozen or ReadOnly.

    `target` is the account's id or the workspace's id, as the caller got it (untrusted).
    """
    rule = action.rule
    if actor.kind is ActorKind.INSTALLATION:
        return _require_installation(session, actor, rule, target)
    loaded: Account | Workspace | None
    if rule.scope is Scope.ACCOUNT:
        loaded = _account(session, target)
        held = account_permission(session, actor, loaded.id) if loaded else None
        if loaded is None or held is None:
            raise NotFound("Account not found.")
        account_id = loaded.id
    else:
        loaded = _workspace(session, target)
        held = workspace_permission(session, actor, loaded) if loaded else None
        if loaded is None or held is None:
            raise NotFound("Workspace not found.")
        account_id = loaded.account_id
    if not held.includes(rule.permission):
        ask = _administrators(session, account_id=account_id)
        raise PermissionDenied(
            f"You need {rule.permission.value} on the {rule.scope.value} {loaded.name} to "
            f"{rule.purpose}. Ask an administrator: {ask}."
        )
    if rule.writes:
        require_writable(loaded)
    return loaded


def _require_installation(session: Session, actor: Actor, rule, target) -> Workspace:
    """An installed app's token reads its own workspace, nothing else: another workspace (or
    any account) is NotFound, any action beyond reading is PermissionDenied. Which routes it
    may call at all is decided by its scopes (portal/api/auth.py)."""
    workspace = _workspace(session, target) if rule.scope is Scope.WORKSPACE else None
    if workspace is None or str(workspace.id) != actor.installation_workspace_id:
        raise NotFound("Workspace not found.")
    if rule.permission is not Permission.READ:
        raise PermissionDenied("An installed app's token can only read its workspace.")
    return workspace


def require_writable(workspace: Workspace) -> None:
    """Refuse a write to a frozen (Frozen) or offboarding (ReadOnly) workspace."""
    if workspace.status == WorkspaceStatus.FROZEN:
        raise Frozen(
            f"{workspace.name} is frozen: writes are refused until an administrator unfreezes it."
        )
    if workspace.status == WorkspaceStatus.OFFBOARDING:
        raise ReadOnly(
            f"{workspace.name} is being offboarded and is read-only: an administrator can "
            "restore it until the hard-delete window ends."
        )


def readable_workspaces(actor: Actor):
    """A where-clause: the workspaces the actor can read, directly or through the account
    (an installed app's token: its own workspace)."""
    if actor.kind is ActorKind.INSTALLATION:
        if not actor.installation_workspace_id:
            return false()
        return Workspace.__table__.c.id == uuid.UUID(actor.installation_workspace_id)
    return workspaces_readable_by(actor.user_id)


def workspaces_readable_by(user_id: int | BindParameter[int]):
    """readable_workspaces for a user id, or for a bound parameter in a statement that is
    built once and run for every reader (the /v1 list).

    Two correlated EXISTS, each one probe of a grant's unique index, rather than IN over two
    grant lists: with IN, SQLite unions the two lists and sorts every readable workspace
    before a page can be taken; with EXISTS it walks the list's order index and stops after
    a page. Plain table columns, so a Core statement stays a Core statement.
    """
    grants, workspaces = PermissionGrant.__table__.c, Workspace.__table__.c
    through_account = exists().where(
        grants.user_id == user_id, grants.account_id == workspaces.account_id
    )
    direct = exists().where(grants.user_id == user_id, grants.workspace_id == workspaces.id)
    return or_(through_account, direct)


def workspaces_held_by(user_id: int | BindParameter[int], permission: Permission):
    """workspaces_readable_by narrowed to grants that include `permission` (administer: the
    workspaces the user administers, directly or through the account), in SQL: a list of
    them needs no permission lookup per workspace."""
    grants, workspaces = PermissionGrant.__table__.c, Workspace.__table__.c
    levels = [held.value for held in Permission if held.includes(permission)]
    through_account = exists().where(
        grants.user_id == user_id,
        grants.account_id == workspaces.account_id,
        grants.permission.in_(levels),
    )
    direct = exists().where(
        grants.user_id == user_id,
        grants.workspace_id == workspaces.id,
        grants.permission.in_(levels),
    )
    return or_(through_account, direct)


def has_accepted_developer_terms(session: Session, actor: Actor) -> bool:
    """Whether the actor accepted the current version (what creating apps, publishing and
    install links need)."""
    return _accepted(session, actor, terms_versions.current(session).version)


def has_accepted_any_developer_terms(session: Session, actor: Actor) -> bool:
    """Whether the actor accepted some version (what reading the developer portal needs: a
    new version asks for acceptance again before actions, not before reading)."""
    return _accepted(session, actor, None)


def _accepted(session: Session, actor: Actor, version: str | None) -> bool:
    query = select(DeveloperTermsAcceptance.id).where(
        DeveloperTermsAcceptance.user_id == actor.user_id
    )
    if version is not None:
        query = query.where(DeveloperTermsAcceptance.terms_version == version)
    return session.exec(query.limit(1)).first() is not None


def require_developer_terms(session: Session, actor: Actor) -> None:
    if not has_accepted_developer_terms(session, actor):
        raise PermissionDenied(
            "Accept the current developer terms (Developer portal > Developer terms) before "
            "creating apps, publishing or generating install links."
        )


def team_role(session: Session, actor: Actor, app_id: int) -> TeamRole | None:
    role = session.exec(
        select(DeveloperAppMember.role).where(
            DeveloperAppMember.app_id == app_id, DeveloperAppMember.user_id == actor.user_id
        )
    ).first()
    return TeamRole(role) if role else None


def require_team(
    session: Session, actor: Actor, action: DeveloperAction, app_id: int | None
) -> tuple[DeveloperApp, TeamRole]:
    """The developer app and the actor's role on its team if the role allows `action`.

    Someone not on the team gets NotFound (an app's drafts and credentials are nobody else's
    business); a team member whose role is too weak gets PermissionDenied naming the role and
    the owners; an action that needs the developer terms is refused until the current version
    is accepted, whoever calls.
    """
    # The id arrives untrusted: a bool is no id, and one beyond the INTEGER column is a
    # database error (PostgreSQL: beyond 32 bits; SQLite: 64), not an app that is not there.
    is_id = type(app_id) is int and 0 < app_id < 2**31
    app = session.get(DeveloperApp, app_id) if is_id else None
    role = team_role(session, actor, app.id) if app is not None else None
    if app is None or role is None:
        raise NotFound("App not found.")
    rule = action.rule
    if not role.includes(rule.role):
        owners = session.exec(
            select(User.name)
            .join(DeveloperAppMember, col(DeveloperAppMember.user_id) == col(User.id))
            .where(
                DeveloperAppMember.app_id == app.id,
                DeveloperAppMember.role == TeamRole.OWNER,
            )
            .order_by(col(User.name))
        ).all()
        raise PermissionDenied(
            f"You need the {rule.role.value} role on {app.name}'s team to {rule.purpose}. "
            f"Ask an owner: {', '.join(owners) or 'none left'}."
        )
    if rule.needs_terms:
        require_developer_terms(session, actor)
    return app, role


def require_platform_admin(actor: Actor) -> None:
    # Platform staff tools are not advertised: others get NotFound.
    if not actor.is_platform_admin:
        raise NotFound()


def meets(session: Session, actor: Actor, requirement: Requirement) -> bool:
    """Whether a signed-in actor satisfies a page's requirement."""
    if requirement is Requirement.DEVELOPER_TERMS:
        return has_accepted_any_developer_terms(session, actor)
    if requirement is Requirement.PLATFORM_ADMIN:
        return actor.is_platform_admin
    return True
