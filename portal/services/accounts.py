"""Accounts and their members: grants, invitations by email, the last-administrator rule.

Who may manage membership is permissions.py's rule, asked through two actions: an account's
grants and invitations need MANAGE_ACCOUNT_MEMBERS (administer on the account); one
workspace's need MANAGE_WORKSPACE_MEMBERS (administer on that workspace, which an account
administrator holds through the account). Membership is not a write inside a workspace, so it
works on a frozen or offboarding one.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.db import lock_row_for_write
from portal.domain.access import Action, Actor, ClientInfo, Permission, strongest
from portal.domain.dto import (
    AccountDetail,
    AccountSummary,
    AccountWithoutCreate,
    GrantPublic,
    InvitationCreated,
    InvitationPublic,
    MemberPublic,
    SignedIn,
    UserPublic,
    WorkspaceCreation,
    WorkspaceGrantPublic,
    WorkspaceSummary,
)
from portal.domain.errors import Invalid, NotFound
from portal.domain.text import clean as clean_text
from portal.domain.wording import sentence
from portal.domain.workspaces import WorkspaceStatus
from portal.models import Account, Invitation, PermissionGrant, User, Workspace
from portal.models._base import utcnow
from portal.services import audit, auth, mailer, passwords, permissions, sessions
from portal.services.tokens import new_token, token_hash

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LAST_ADMIN = (
    "{email} is the last administrator of {account}. Give administer to someone else first: "
    "an account always keeps at least one administrator."
)


# Helpers ----------------------------------------------------------------------------------


def _permission(value: str) -> Permission:
    try:
        return Permission((value or "").strip().lower())
    except ValueError:
        raise Invalid("Choose a permission: read or administer.", field="permission") from None


def _email(value: str) -> str:
    email = (value or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 320:
        raise Invalid("Enter an email address like name@example.com.", field="email")
    return email


def _membership_target(
    session: Session, actor: Actor, account_id: int, workspace_id: str | uuid.UUID | None
) -> tuple[Account, Workspace | None]:
    """The account, and the workspace for a workspace's grants and invitations, if the actor
    may manage their members (permissions.require); a workspace of another account is not
    found."""
    if not workspace_id:
        return permissions.require(session, actor, Action.MANAGE_ACCOUNT_MEMBERS, account_id), None
    workspace = permissions.require(session, actor, Action.MANAGE_WORKSPACE_MEMBERS, workspace_id)
    if workspace.account_id != account_id:
        raise NotFound("Workspace not found.")
    return session.get(Account, workspace.account_id), workspace


def _lock_account(session: Session, account_id: int) -> None:
    """Serialize grant changes of one account, so two administrators cannot demote each other
    at the same moment (on SQLite too: see portal.db.lock_row_for_write). Taken before the
    permission check, which must see a demotion that committed while this one waited. The id
    is the caller's (untrusted): anything but an int locks nothing, and the check refuses it."""
    if isinstance(account_id, int) and not isinstance(account_id, bool):
        lock_row_for_write(session, Account, account_id)


def _administrator_count(session: Session, account_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(PermissionGrant)
        .where(
            PermissionGrant.account_id == account_id,
            PermissionGrant.permission == Permission.ADMINISTER,
        )
    ).one()


def _is_member(session: Session, account_id: int, user_id: int) -> bool:
    workspace_ids = select(Workspace.id).where(Workspace.account_id == account_id)
    return (
        session.exec(
            select(PermissionGrant.id).where(
                PermissionGrant.user_id == user_id,
                or_(
                    PermissionGrant.account_id == account_id,
                    col(PermissionGrant.workspace_id).in_(workspace_ids),
                ),
            )
        ).first()
        is not None
    )


def _grant_row(
    session: Session, *, user_id: int, account_id: int | None, workspace_id: uuid.UUID | None
) -> PermissionGrant | None:
    query = select(PermissionGrant).where(PermissionGrant.user_id == user_id)
    if workspace_id is not None:
        query = query.where(PermissionGrant.workspace_id == workspace_id)
    else:
        query = query.where(PermissionGrant.account_id == account_id)
    return session.exec(query).first()


def _state(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.declined_at is not None:
        return "declined"
    if invitation.revoked_at is not None:
        return "revoked"
    if utcnow() >= invitation.expires_at:
        return "expired"
    return "pending"


def _invitation_public(session: Session, invitation: Invitation) -> InvitationPublic:
    account = session.get(Account, invitation.account_id)
    workspace = session.get(Workspace, invitation.workspace_id) if invitation.workspace_id else None
    inviter = (
        session.get(User, invitation.invited_by_user_id) if invitation.invited_by_user_id else None
    )
    return InvitationPublic(
        id=invitation.id,
        account_id=account.id,
        account_name=account.name,
        workspace_id=str(invitation.workspace_id) if invitation.workspace_id else None,
        workspace_name=workspace.name if workspace else None,
        email=invitation.email,
        permission=invitation.permission,
        invited_by=f"{inviter.name} <{inviter.email}>" if inviter else "",
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        state=_state(invitation),
    )


def _grant_public(row: PermissionGrant, account_id: int) -> GrantPublic:
    return GrantPublic(
        user_id=row.user_id,
        account_id=account_id,
        workspace_id=str(row.workspace_id) if row.workspace_id else None,
        permission=row.permission,
    )


def _target(workspace: Workspace | None) -> dict[str, str]:
    return {"workspace_id": str(workspace.id)} if workspace else {}


def _record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    account_id: int,
    target_type: str,
    target_id,
    workspace: Workspace | None = None,
    before=None,
    after=None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        account_id=account_id,
        workspace_id=workspace.id if workspace else None,
        before=before,
        after=after,
    )


# Read -------------------------------------------------------------------------------------


def list_accounts(*, session: Session, actor: Actor) -> list[AccountSummary]:
    """The accounts the actor holds a grant on, by name, with the strongest permission."""
    rows = session.exec(
        select(Account, PermissionGrant.permission)
        .join(PermissionGrant, col(PermissionGrant.account_id) == col(Account.id))
        .where(PermissionGrant.user_id == actor.user_id)
        .order_by(func.lower(col(Account.name)), col(Account.id))
    ).all()
    best: dict[int, tuple[Account, Permission]] = {}
    for account, value in rows:
        held = best[account.id][1] if account.id in best else None
        best[account.id] = (account, strongest((held, value)))
    return [
        AccountSummary(id=account.id, name=account.name, permission=permission.value)
        for account, permission in best.values()
    ]


def workspace_creation(*, session: Session, actor: Actor) -> WorkspaceCreation:
    """The Create workspace dialog's accounts: those the actor administers, and those the
    actor is a member of without administer, each with the emails of its administrators
    (as the account's member list shows them to any member). Only accounts the actor holds
    an account grant on appear; two queries whatever the number of accounts."""
    listed = list_accounts(session=session, actor=actor)
    can = [a for a in listed if a.permission == Permission.ADMINISTER]
    cannot = [a for a in listed if a.permission != Permission.ADMINISTER]
    administrators: dict[int, list[str]] = {a.id: [] for a in cannot}
    if cannot:
        rows = session.exec(
            select(PermissionGrant.account_id, User.email)
            .join(User, col(User.id) == col(PermissionGrant.user_id))
            .where(
                col(PermissionGrant.account_id).in_(list(administrators)),
                PermissionGrant.permission == Permission.ADMINISTER,
            )
            .order_by(col(User.email))
        ).all()
        for account_id, email in rows:
            administrators[account_id].append(email)
    return WorkspaceCreation(
        accounts=can,
        without_create=[
            AccountWithoutCreate(id=a.id, name=a.name, administrators=administrators[a.id])
            for a in cannot
        ],
    )


def get_account(*, session: Session, actor: Actor, account_id: int) -> AccountDetail:
    """The account page: members with their grants, pending invitations, workspaces."""
    account = permissions.require(session, actor, Action.VIEW_ACCOUNT, account_id)
    held = permissions.account_permission(session, actor, account.id)

    workspaces = session.exec(
        select(Workspace)
        .where(Workspace.account_id == account.id, Workspace.status != WorkspaceStatus.DELETED)
        .order_by(func.lower(col(Workspace.name)), col(Workspace.id))
    ).all()
    by_id = {workspace.id: workspace for workspace in workspaces}
    grants = session.exec(
        select(PermissionGrant, User)
        .join(User, col(User.id) == col(PermissionGrant.user_id))
        .where(
            or_(
                PermissionGrant.account_id == account.id,
                col(PermissionGrant.workspace_id).in_(list(by_id) or [uuid.UUID(int=0)]),
            )
        )
    ).all()
    members: dict[int, dict] = {}
    for grant, user in grants:
        member = members.setdefault(
            user.id,
            {
                "user_id": user.id,
                "email": user.email,
                "name": user.name,
                "account_permission": None,
                "workspace_grants": [],
            },
        )
        if grant.account_id is not None:
            member["account_permission"] = grant.permission
        else:
            member["workspace_grants"].append(
                WorkspaceGrantPublic(
                    workspace_id=str(grant.workspace_id),
                    workspace_name=by_id[grant.workspace_id].name,
                    permission=grant.permission,
                )
            )
    for member in members.values():
        member["workspace_grants"].sort(key=lambda g: (g.workspace_name.lower(), g.workspace_id))

    now = utcnow()
    invitations = session.exec(
        select(Invitation)
        .where(
            Invitation.account_id == account.id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.declined_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            Invitation.expires_at > now,
        )
        .order_by(col(Invitation.created_at).desc(), col(Invitation.id).desc())
    ).all()
    return AccountDetail(
        id=account.id,
        name=account.name,
        created_at=account.created_at,
        permission=held.value,
        can_administer=held is Permission.ADMINISTER,
        members=[
            MemberPublic(**m)
            for m in sorted(members.values(), key=lambda m: (m["email"], m["user_id"]))
        ],
        invitations=[_invitation_public(session, row) for row in invitations],
        workspaces=[
            WorkspaceSummary(
                id=str(w.id),
                name=w.name,
                slug=w.slug,
                account_id=account.id,
                account_name=account.name,
                status=w.status,
            )
            for w in workspaces
        ],
    )


ACCOUNT_NAME_MAX = 120


def _valid_account_name(name: str | None) -> str:
    """One free-text rule (portal.domain.text) for every name a person types."""
    return clean_text(
        name, field="name", max_length=ACCOUNT_NAME_MAX, required="Enter a name for the account."
    )


def rename_account(*, session: Session, actor: Actor, account_id: int, name: str) -> AccountSummary:
    """A new name for the account (its id, and so every link to it, stays)."""
    account = permissions.require(session, actor, Action.RENAME_ACCOUNT, account_id)
    name = _valid_account_name(name)
    if name != account.name:
        before = {"name": account.name}
        account.name = name
        session.add(account)
        _record(
            session,
            actor,
            "account.renamed",
            account_id=account.id,
            target_type="account",
            target_id=account.id,
            before=before,
            after={"name": name},
        )
    held = permissions.account_permission(session, actor, account.id)
    return AccountSummary(id=account.id, name=account.name, permission=held.value)


# Invitations ------------------------------------------------------------------------------


def invite(
    *,
    session: Session,
    actor: Actor,
    account_id: int,
    email: str,
    permission: str,
    workspace_id: str | None = None,
) -> InvitationCreated:
    """Invite an email to the account (or to one of its workspaces) with a permission.

    Needs administer on the account, or on that workspace for a workspace invitation. The
    link is valid for settings.invitation_days; inviting the same email to the same target
    again replaces the pending invitation.
    """
    account, workspace = _membership_target(session, actor, account_id, workspace_id)
    email = _email(email)
    level = _permission(permission)

    existing = session.exec(select(User).where(User.email == email)).first()
    if existing is not None:
        held = _grant_row(
            session,
            user_id=existing.id,
            account_id=account.id,
            workspace_id=workspace.id if workspace else None,
        )
        if held is not None and Permission(held.permission).includes(level):
            where = (
                f"the workspace {workspace.name}" if workspace else f"the account {account.name}"
            )
            raise Invalid(
                sentence(f"{email} already has {held.permission} on {where}"), field="email"
            )

    now = utcnow()
    pending = session.exec(
        select(Invitation).where(
            Invitation.account_id == account.id,
            Invitation.email == email,
            Invitation.workspace_id == workspace.id
            if workspace
            else col(Invitation.workspace_id).is_(None),
            col(Invitation.accepted_at).is_(None),
            col(Invitation.declined_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
    ).all()
    for old in pending:
        old.revoked_at = now
        session.add(old)

    token = new_token()
    days = get_settings().invitation_days
    invitation = Invitation(
        account_id=account.id,
        workspace_id=workspace.id if workspace else None,
        email=email,
        permission=level.value,
        token_hash=token_hash(token),
        invited_by_user_id=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(invitation)
    session.flush()

    link = f"{get_settings().public_url}/invitations/{token}"
    where = f"the workspace {workspace.name} in {account.name}" if workspace else account.name
    mailer.send(
        session=session,
        to=email,
        subject=f"{actor.name} invited you to {account.name} on Portal",
        body=(
            f"{actor.name} ({actor.email}) invited you to {where} with {level.value} "
            f"permission.\n\nAccept or decline within {days} days:\n{link}\n\n"
            "If you did not expect this, you can ignore it."
        ),
    )
    _record(
        session,
        actor,
        "invitation.created",
        account_id=account.id,
        target_type="invitation",
        target_id=invitation.id,
        workspace=workspace,
        after={
            "email": email,
            "permission": level.value,
            **_target(workspace),
            "replaced": [old.id for old in pending],
        },
    )
    return InvitationCreated(invitation=_invitation_public(session, invitation), link=link)


def _by_token(session: Session, token: str) -> Invitation:
    invitation = (
        session.exec(select(Invitation).where(Invitation.token_hash == token_hash(token))).first()
        if token
        else None
    )
    if invitation is None:
        raise NotFound("This invitation link is not valid.")
    return invitation


def get_invitation(*, session: Session, token: str) -> InvitationPublic:
    """What an invitation link shows before signing in: public, by its token."""
    return _invitation_public(session, _by_token(session, token))


def sign_up_invited(
    *,
    session: Session,
    token: str,
    name: str,
    password: str,
    client: ClientInfo,
    handoff: bool = False,
) -> SignedIn:
    """Sign up from an invitation link and sign in, to answer the invitation next
    (`handoff=True`, the invitation page: behind a one-time handoff, as `auth.sign_in`).

    The link was mailed to the invited email, so holding it stands for the code a plain
    sign-up mails: the user is created at once with that email, without an account of their
    own (they are joining this one). Only the link's holder learns whether that email has a
    Portal account already, and then is told to sign in instead.
    """
    invitation = _by_token(session, token)
    state = _state(invitation)
    if state != "pending":
        raise Invalid(f"This invitation is {state}: it can no longer be used to sign up.")
    name = auth.valid_name(name)
    passwords.check_policy(password)
    if session.exec(select(User).where(User.email == invitation.email)).first() is not None:
        raise Invalid(
            f"{invitation.email} already has a Portal account: sign in to answer the invitation.",
            field="email",
        )
    user = auth.new_user(
        session=session,
        email=invitation.email,
        name=name,
        password_hash=passwords.hash_password(password),
        own_account=False,
    )
    auth.welcome(session=session, user=user)
    signed_in_token = sessions.issue(session=session, user=user, client=client, handoff=handoff)
    return SignedIn(token=signed_in_token, user=UserPublic.model_validate(user))


def _answerable(session: Session, actor: Actor, invitation: Invitation) -> None:
    state = _state(invitation)
    if state != "pending":
        messages = {
            "accepted": "This invitation was already accepted.",
            "declined": "This invitation was declined.",
            "revoked": "This invitation was withdrawn. Ask for a new one.",
            "expired": "This invitation has expired. Ask for a new one.",
        }
        raise Invalid(messages[state])
    if actor.email.lower() != invitation.email:
        raise Invalid(
            f"This invitation was sent to {invitation.email}. Sign in with that email to answer it."
        )
    if invitation.workspace_id is not None:
        workspace = session.get(Workspace, invitation.workspace_id)
        if workspace is None or workspace.status == WorkspaceStatus.DELETED:
            raise Invalid("The workspace of this invitation no longer exists.")


def accept_invitation(*, session: Session, actor: Actor, token: str) -> GrantPublic:
    """Accept as the signed-in user the invitation was sent to: creates the grant, or
    upgrades a weaker one (a stronger one is kept)."""
    invitation = _by_token(session, token)
    _answerable(session, actor, invitation)
    _lock_account(session, invitation.account_id)
    level = Permission(invitation.permission)
    row = _grant_row(
        session,
        user_id=actor.user_id,
        account_id=invitation.account_id,
        workspace_id=invitation.workspace_id,
    )
    before = {"permission": row.permission} if row else None
    if row is None:
        row = PermissionGrant(
            user_id=actor.user_id,
            account_id=None if invitation.workspace_id else invitation.account_id,
            workspace_id=invitation.workspace_id,
            permission=level.value,
        )
    elif not Permission(row.permission).includes(level):
        row.permission = level.value
    session.add(row)
    invitation.accepted_at = utcnow()
    session.add(invitation)
    session.flush()
    workspace = session.get(Workspace, invitation.workspace_id) if invitation.workspace_id else None
    _record(
        session,
        actor,
        "invitation.accepted",
        account_id=invitation.account_id,
        target_type="invitation",
        target_id=invitation.id,
        workspace=workspace,
        before=before,
        after={"permission": row.permission, "user_id": actor.user_id, **_target(workspace)},
    )
    return _grant_public(row, invitation.account_id)


def decline_invitation(*, session: Session, actor: Actor, token: str) -> InvitationPublic:
    """Decline as the signed-in user the invitation was sent to."""
    invitation = _by_token(session, token)
    _answerable(session, actor, invitation)
    invitation.declined_at = utcnow()
    session.add(invitation)
    workspace = session.get(Workspace, invitation.workspace_id) if invitation.workspace_id else None
    _record(
        session,
        actor,
        "invitation.declined",
        account_id=invitation.account_id,
        target_type="invitation",
        target_id=invitation.id,
        workspace=workspace,
    )
    return _invitation_public(session, invitation)


def revoke_invitation(
    *, session: Session, actor: Actor, account_id: int, invitation_id: int
) -> InvitationPublic:
    """Withdraw a pending invitation. Needs administer on the account, or on the workspace
    for a workspace invitation."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is not None and invitation.account_id != account_id:
        invitation = None
    _membership_target(
        session, actor, account_id, invitation.workspace_id if invitation is not None else None
    )
    if invitation is None:
        raise NotFound("Invitation not found.")
    if _state(invitation) != "pending":
        raise Invalid(
            f"This invitation is {_state(invitation)}; only a pending one can be revoked."
        )
    invitation.revoked_at = utcnow()
    session.add(invitation)
    workspace = session.get(Workspace, invitation.workspace_id) if invitation.workspace_id else None
    _record(
        session,
        actor,
        "invitation.revoked",
        account_id=account_id,
        target_type="invitation",
        target_id=invitation.id,
        workspace=workspace,
        before={"email": invitation.email, "permission": invitation.permission},
    )
    return _invitation_public(session, invitation)


# Grants -----------------------------------------------------------------------------------


def _member(session: Session, account_id: int, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not _is_member(session, account_id, user_id):
        raise NotFound("Member not found.")
    return user


def set_grant(
    *,
    session: Session,
    actor: Actor,
    account_id: int,
    user_id: int,
    permission: str,
    workspace_id: str | None = None,
) -> GrantPublic:
    """Give a member read or administer on the account, or on one of its workspaces.

    Needs administer on the account, or on that workspace for a workspace grant. Only people
    already in the account (any grant on it or its workspaces) can be given grants; others are
    invited. The last administrator of the account cannot be demoted.
    """
    _lock_account(session, account_id)
    account, workspace = _membership_target(session, actor, account_id, workspace_id)
    level = _permission(permission)
    user = _member(session, account.id, user_id)
    row = _grant_row(
        session,
        user_id=user.id,
        account_id=account.id,
        workspace_id=workspace.id if workspace else None,
    )
    before = {"permission": row.permission, **_target(workspace)} if row else None
    if row is not None and row.permission == level.value:
        return _grant_public(row, account.id)
    if (
        row is not None
        and workspace is None
        and row.permission == Permission.ADMINISTER
        and _administrator_count(session, account.id) <= 1
    ):
        raise Invalid(_LAST_ADMIN.format(email=user.email, account=account.name))
    if row is None:
        row = PermissionGrant(
            user_id=user.id,
            account_id=None if workspace else account.id,
            workspace_id=workspace.id if workspace else None,
            permission=level.value,
        )
    else:
        row.permission = level.value
    session.add(row)
    session.flush()
    _record(
        session,
        actor,
        "grant.changed" if before else "grant.created",
        account_id=account.id,
        target_type="user",
        target_id=user.id,
        workspace=workspace,
        before=before,
        after={"permission": level.value, **_target(workspace)},
    )
    return _grant_public(row, account.id)


def remove_grant(
    *,
    session: Session,
    actor: Actor,
    account_id: int,
    user_id: int,
    workspace_id: str | None = None,
) -> None:
    """Take away a member's grant on the account, or on one of its workspaces.

    Needs administer on the account, or on that workspace for a workspace grant. The last
    administrator of the account cannot be removed.
    """
    _lock_account(session, account_id)
    account, workspace = _membership_target(session, actor, account_id, workspace_id)
    user = _member(session, account.id, user_id)
    row = _grant_row(
        session,
        user_id=user.id,
        account_id=account.id,
        workspace_id=workspace.id if workspace else None,
    )
    if row is None:
        raise NotFound("That member has no grant there.")
    if (
        workspace is None
        and row.permission == Permission.ADMINISTER
        and _administrator_count(session, account.id) <= 1
    ):
        raise Invalid(_LAST_ADMIN.format(email=user.email, account=account.name))
    before = {"permission": row.permission, **_target(workspace)}
    session.delete(row)
    session.flush()
    _record(
        session,
        actor,
        "grant.removed",
        account_id=account.id,
        target_type="user",
        target_id=user.id,
        workspace=workspace,
        before=before,
    )


def remove_member(*, session: Session, actor: Actor, account_id: int, user_id: int) -> None:
    """Take away every grant a member holds on the account and its workspaces.

    Needs administer on the account (it reaches all its workspaces). The last administrator of
    the account cannot be removed.
    """
    _lock_account(session, account_id)
    account = permissions.require(session, actor, Action.MANAGE_ACCOUNT_MEMBERS, account_id)
    user = _member(session, account.id, user_id)
    workspace_ids = select(Workspace.id).where(Workspace.account_id == account.id)
    rows = session.exec(
        select(PermissionGrant).where(
            PermissionGrant.user_id == user.id,
            or_(
                PermissionGrant.account_id == account.id,
                col(PermissionGrant.workspace_id).in_(workspace_ids),
            ),
        )
    ).all()
    account_row = next((r for r in rows if r.account_id is not None), None)
    if (
        account_row is not None
        and account_row.permission == Permission.ADMINISTER
        and _administrator_count(session, account.id) <= 1
    ):
        raise Invalid(_LAST_ADMIN.format(email=user.email, account=account.name))
    before = {
        "account_permission": account_row.permission if account_row else None,
        "workspace_grants": {
            str(r.workspace_id): r.permission for r in rows if r.workspace_id is not None
        },
    }
    for row in rows:
        session.delete(row)
    session.flush()
    _record(
        session,
        actor,
        "member.removed",
        account_id=account.id,
        target_type="user",
        target_id=user.id,
        before=before,
    )
