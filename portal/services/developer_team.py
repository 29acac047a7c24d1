"""A developer app's team (PRODUCT.md, Developer apps: "team members with roles"): who is on
it with which role (owner, developer, viewer), invitations by email, role changes, removal and
leaving.

- Anyone on the team reads the team (VIEW_APP), a page at a time (services/keyset.py): the
  members owners first, then developers, then viewers, each by name; the pending invitations
  newest first. Only owners change it (MANAGE_TEAM): invite,
  revoke an invitation, change a role, remove a member. Anyone on the team may leave.
- An invitation is a link mailed to an email address (`/developer/invitations/{token}`), valid
  for settings.invitation_days; only its SHA-256 is stored. Inviting the same email again
  replaces the pending invitation. The signed-in user with that email accepts it and joins
  with the invitation's role.
- An app always keeps at least one owner: the last owner cannot leave, be removed or be
  demoted. Every change to the team first locks the app's row (portal.db.lock_row_for_write),
  so two owners demoting each other at the same moment leave one owner, not none.

Every change is audited through developer_apps.record_event, in the same transaction.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import String, bindparam, case, func, literal_column, select
from sqlalchemy.orm.exc import ObjectDeletedError
from sqlmodel import Session, col

from portal.config import get_settings
from portal.db import lock_row_for_write
from portal.domain.access import Actor
from portal.domain.developer import DeveloperAction, TeamInvitationState, TeamRole
from portal.domain.dto import DTO
from portal.domain.errors import Invalid, NotFound
from portal.domain.paging import Page
from portal.domain.text import refusal
from portal.domain.wording import sentence
from portal.models import DeveloperApp, DeveloperAppInvitation, DeveloperAppMember, User
from portal.models._base import utcnow
from portal.services import keyset, mailer, permissions
from portal.services.developer_apps import record_event
from portal.services.keyset import Key
from portal.services.tokens import new_token, token_hash

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX = 320
TOKEN_MAX = 200  # a token is 43 characters; anything much longer is no token of Portal's

_LAST_OWNER = (
    "{who} the last owner of {app}. Make someone else owner first: an app always keeps at "
    "least one owner."
)


class TeamMemberRow(DTO):
    user_id: int
    name: str
    email: str
    role: TeamRole
    added_at: datetime
    you: bool  # the actor who asked


class TeamInvitationRow(DTO):
    """A pending invitation, as the team sees it (never its token)."""

    id: int
    email: str
    role: TeamRole
    invited_by: str  # the inviter's name, or "" if they are gone
    created_at: datetime
    expires_at: datetime


class TeamSummary(DTO):
    """What the team's section says above its lists: the app and the actor's place on it."""

    app_id: int
    app_name: str
    your_role: TeamRole
    can_manage: bool  # an owner: may invite, change roles, remove


TeamMemberPage = Page[TeamMemberRow]
TeamInvitationPage = Page[TeamInvitationRow]


class TeamInvitationCreated(DTO):
    """A new invitation. `link` holds the token: it goes by mail to the invited email (and
    back to the caller once); the server keeps only the token's hash."""

    invitation: TeamInvitationRow
    link: str


class TeamInvitationPublic(DTO):
    """What an invitation link shows, by its token: what the mail already said."""

    app_name: str
    email: str
    role: TeamRole
    invited_by: str  # "Name <email>", or "" if the inviter is gone
    expires_at: datetime
    state: TeamInvitationState


class TeamJoined(DTO):
    """An accepted invitation: the app the actor is now on the team of."""

    app_id: int
    app_name: str
    app_slug: str
    role: TeamRole


# The lists, a page at a time (services/keyset.py) -----------------------------------------

_M = DeveloperAppMember.__table__.c
_I = DeveloperAppInvitation.__table__.c
_U = User.__table__.c

# Owners, developers, viewers, each by name: one text key, the role's rank as its first
# character ("1" for owners), then the name as the database lowers it.
_ROLE_THEN_NAME = case(
    *[
        (_M.role == role.value, literal_column(f"'{n}'", String))
        for n, role in enumerate(sorted(TeamRole, key=lambda r: -r.rank), start=1)
    ],
    else_=literal_column("'9'", String),
).concat(func.lower(_U.name))
_MEMBERS = keyset.Keyset(
    "developer_team_members",
    sorts={"role": Key(_ROLE_THEN_NAME, str)},
    tiebreak=Key(_M.user_id, int),
)
_MEMBERS_QUERY = (
    select(_M.user_id, _M.role, _M.added_at, _U.name, _U.email)
    .select_from(DeveloperAppMember.__table__.join(User.__table__, _U.id == _M.user_id))
    .where(_M.app_id == bindparam("app_id"))
)

_INVITATIONS = keyset.Keyset(
    "developer_team_invitations", sorts={"newest": None}, tiebreak=Key(_I.id, int)
)
_INVITATIONS_QUERY = (
    select(_I.id, _I.email, _I.role, _I.created_at, _I.expires_at, _U.name.label("invited_by"))
    .select_from(
        DeveloperAppInvitation.__table__.outerjoin(User.__table__, _U.id == _I.invited_by_user_id)
    )
    .where(
        _I.app_id == bindparam("app_id"),
        _I.accepted_at.is_(None),
        _I.revoked_at.is_(None),
        _I.expires_at > bindparam("now"),
    )
)


# Helpers -----------------------------------------------------------------------------------


def _lock_app(session: Session, app_id: int) -> None:
    """Serialize the changes of one app's team (on SQLite too: see lock_row_for_write). Taken
    before the permission check, which must see a demotion that committed while this one
    waited. The id is the caller's (untrusted): anything but an id locks nothing, and the
    check refuses it."""
    if type(app_id) is int and 0 < app_id < 2**31:
        lock_row_for_write(session, DeveloperApp, app_id, key_share=True)


def _valid_email(value: str | None) -> str:
    email = value.strip().lower() if isinstance(value, str) else ""
    if not _EMAIL.match(email) or len(email) > EMAIL_MAX or refusal(email):
        raise Invalid("Enter an email address like name@example.com.", field="email")
    return email


def _valid_role(value: str | None) -> TeamRole:
    try:
        return TeamRole(value.strip().lower() if isinstance(value, str) else "")
    except ValueError:
        raise Invalid("Choose a role: owner, developer or viewer.", field="role") from None


def _state(invitation: DeveloperAppInvitation) -> TeamInvitationState:
    if invitation.accepted_at is not None:
        return TeamInvitationState.ACCEPTED
    if invitation.revoked_at is not None:
        return TeamInvitationState.REVOKED
    if utcnow() >= invitation.expires_at:
        return TeamInvitationState.EXPIRED
    return TeamInvitationState.PENDING


def _owner_count(session: Session, app_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(DeveloperAppMember)
        .where(DeveloperAppMember.app_id == app_id, DeveloperAppMember.role == TeamRole.OWNER)
    ).scalar_one()


def _member(session: Session, app_id: int, user_id: int) -> tuple[DeveloperAppMember, User]:
    """A member of the app's team and their user; NotFound for anyone else (an untrusted id)."""
    is_id = type(user_id) is int and 0 < user_id < 2**31
    found = (
        session.exec(
            select(DeveloperAppMember, User)
            .join(User, col(User.id) == col(DeveloperAppMember.user_id))
            .where(DeveloperAppMember.app_id == app_id, DeveloperAppMember.user_id == user_id)
        ).first()
        if is_id
        else None
    )
    if found is None:
        raise NotFound("Member not found.")
    return found[0], found[1]


def _refuse_last_owner(
    session: Session, app: DeveloperApp, member: DeveloperAppMember, who: str
) -> None:
    if member.role == TeamRole.OWNER and _owner_count(session, app.id) <= 1:
        raise Invalid(_LAST_OWNER.format(who=who, app=app.name))


def _invitation_row(
    invitation: DeveloperAppInvitation, inviter_name: str | None
) -> TeamInvitationRow:
    return TeamInvitationRow(
        id=invitation.id,
        email=invitation.email,
        role=TeamRole(invitation.role),
        invited_by=inviter_name or "",
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


def _pending(session: Session, app_id: int, *, email: str | None = None):
    query = select(DeveloperAppInvitation).where(
        DeveloperAppInvitation.app_id == app_id,
        col(DeveloperAppInvitation.accepted_at).is_(None),
        col(DeveloperAppInvitation.revoked_at).is_(None),
    )
    if email is not None:
        query = query.where(DeveloperAppInvitation.email == email)
    return query


# Read -------------------------------------------------------------------------------------


def team_summary(*, session: Session, actor: Actor, app_id: int) -> TeamSummary:
    """The app and the actor's role on its team (anyone on it may read it); the people are in
    list_members and list_invitations, a page at a time."""
    app, role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    return TeamSummary(
        app_id=app.id,
        app_name=app.name,
        your_role=role,
        can_manage=role.includes(DeveloperAction.MANAGE_TEAM.rule.role),
    )


def list_members(
    *,
    session: Session,
    actor: Actor,
    app_id: int,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[TeamMemberRow]:
    """The team's members (anyone on it may read them), a page at a time: owners first, then
    developers, then viewers, each by name; `you` marks the actor."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    page = _MEMBERS.page(
        session,
        _MEMBERS_QUERY,
        sort="role",
        direction="asc",
        limit=limit,
        cursor=cursor,
        params={"app_id": app.id},
    )
    return TeamMemberPage(
        items=[
            TeamMemberRow(
                user_id=row.user_id,
                name=row.name,
                email=row.email,
                role=TeamRole(row.role),
                added_at=row.added_at,
                you=row.user_id == actor.user_id,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


def list_invitations(
    *,
    session: Session,
    actor: Actor,
    app_id: int,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[TeamInvitationRow]:
    """The team's pending invitations (neither accepted, withdrawn nor expired; anyone on the
    team may read them), newest first, a page at a time."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    page = _INVITATIONS.page(
        session,
        _INVITATIONS_QUERY,
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params={"app_id": app.id, "now": utcnow()},
    )
    return TeamInvitationPage(
        items=[
            TeamInvitationRow(
                id=row.id,
                email=row.email,
                role=TeamRole(row.role),
                invited_by=row.invited_by or "",
                created_at=row.created_at,
                expires_at=row.expires_at,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


# Invitations ------------------------------------------------------------------------------


def invite(
    *, session: Session, actor: Actor, app_id: int, email: str, role: str
) -> TeamInvitationCreated:
    """Invite an email to the app's team with a role (owners only). Refused for someone
    already on the team; inviting the same email again replaces the pending invitation."""
    _lock_app(session, app_id)
    app, _role = permissions.require_team(session, actor, DeveloperAction.MANAGE_TEAM, app_id)
    email = _valid_email(email)
    level = _valid_role(role)
    on_team = session.exec(
        select(User.id)
        .join(DeveloperAppMember, col(DeveloperAppMember.user_id) == col(User.id))
        .where(DeveloperAppMember.app_id == app.id, User.email == email)
    ).first()
    if on_team is not None:
        raise Invalid(
            sentence(f"{email} is already on the team of {app.name}: change their role instead"),
            field="email",
        )

    now = utcnow()
    replaced = list(session.exec(_pending(session, app.id, email=email)).scalars())
    for old in replaced:
        old.revoked_at = now
        session.add(old)
    token = new_token()
    settings = get_settings()
    invitation = DeveloperAppInvitation(
        app_id=app.id,
        email=email,
        role=level.value,
        token_hash=token_hash(token),
        invited_by_user_id=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=settings.invitation_days),
    )
    session.add(invitation)
    session.flush()

    link = f"{settings.public_url}/developer/invitations/{token}"
    mailer.send(
        session=session,
        to=email,
        subject=f"{actor.name} invited you to the team of {app.name} on Portal",
        body=(
            f"{actor.name} ({actor.email}) invited you to the team of the developer app "
            f"{app.name} as {level.value}.\n\n"
            f"Sign in to Portal as {email} and accept within {settings.invitation_days} "
            f"days:\n{link}\n\nIf you did not expect this, you can ignore it."
        ),
    )
    record_event(
        session,
        actor,
        "developer_app.invitation_created",
        app,
        after={
            "invitation_id": invitation.id,
            "email": email,
            "role": level.value,
            "replaced": [old.id for old in replaced],
        },
    )
    return TeamInvitationCreated(invitation=_invitation_row(invitation, actor.name), link=link)


def revoke_invitation(
    *, session: Session, actor: Actor, app_id: int, invitation_id: int
) -> TeamInvitationRow:
    """Withdraw a pending invitation (owners only): its link stops working."""
    _lock_app(session, app_id)
    app, _role = permissions.require_team(session, actor, DeveloperAction.MANAGE_TEAM, app_id)
    is_id = type(invitation_id) is int and 0 < invitation_id < 2**31
    invitation = session.get(DeveloperAppInvitation, invitation_id) if is_id else None
    if invitation is None or invitation.app_id != app.id:
        raise NotFound("Invitation not found.")
    state = _state(invitation)
    if state != TeamInvitationState.PENDING:
        raise Invalid(f"This invitation is {state}; only a pending one can be revoked.")
    invitation.revoked_at = utcnow()
    session.add(invitation)
    session.flush()
    record_event(
        session,
        actor,
        "developer_app.invitation_revoked",
        app,
        before={"invitation_id": invitation.id, "email": invitation.email, "role": invitation.role},
    )
    inviter = (
        session.get(User, invitation.invited_by_user_id) if invitation.invited_by_user_id else None
    )
    return _invitation_row(invitation, inviter.name if inviter else None)


def _by_token(session: Session, token: str) -> DeveloperAppInvitation:
    invitation = (
        session.exec(
            select(DeveloperAppInvitation).where(
                DeveloperAppInvitation.token_hash == token_hash(token)
            )
        ).scalar()
        if isinstance(token, str) and 0 < len(token) <= TOKEN_MAX
        else None
    )
    if invitation is None:
        raise NotFound("This invitation link is not valid.")
    return invitation


def get_invitation(*, session: Session, token: str) -> TeamInvitationPublic:
    """What an invitation link shows (public, by its token): the app, who invited, the role
    and where the invitation stands."""
    invitation = _by_token(session, token)
    app = session.get(DeveloperApp, invitation.app_id)
    inviter = (
        session.get(User, invitation.invited_by_user_id) if invitation.invited_by_user_id else None
    )
    return TeamInvitationPublic(
        app_name=app.name,
        email=invitation.email,
        role=TeamRole(invitation.role),
        invited_by=f"{inviter.name} <{inviter.email}>" if inviter else "",
        expires_at=invitation.expires_at,
        state=_state(invitation),
    )


def accept_invitation(*, session: Session, actor: Actor, token: str) -> TeamJoined:
    """Accept as the signed-in user the invitation was sent to: join the team with its role
    (someone already on the team keeps a stronger role)."""
    invitation = _by_token(session, token)
    _lock_app(session, invitation.app_id)
    try:
        session.refresh(invitation)  # as it is now that the team is locked (revoked meanwhile?)
    except ObjectDeletedError:  # the app was deleted meanwhile, and its invitations with it
        raise NotFound("This invitation link is not valid.") from None
    state = _state(invitation)
    if state != TeamInvitationState.PENDING:
        raise Invalid(state.explained)
    if actor.email.strip().lower() != invitation.email:
        raise Invalid(
            f"This invitation was sent to {invitation.email}, and you are signed in as "
            f"{actor.email}. Sign in with {invitation.email} to accept it."
        )
    app = session.get(DeveloperApp, invitation.app_id)
    level = TeamRole(invitation.role)
    member = session.exec(
        select(DeveloperAppMember).where(
            DeveloperAppMember.app_id == app.id, DeveloperAppMember.user_id == actor.user_id
        )
    ).scalar()
    before = {"role": member.role} if member is not None else None
    if member is None:
        member = DeveloperAppMember(app_id=app.id, user_id=actor.user_id, role=level.value)
    elif not TeamRole(member.role).includes(level):
        member.role = level.value
    invitation.accepted_at = utcnow()
    session.add_all([member, invitation])
    session.flush()
    record_event(
        session,
        actor,
        "developer_app.invitation_accepted",
        app,
        before=before,
        after={
            "invitation_id": invitation.id,
            "user_id": actor.user_id,
            "email": invitation.email,
            "role": member.role,
        },
    )
    return TeamJoined(app_id=app.id, app_name=app.name, app_slug=app.slug, role=member.role)


# Members ----------------------------------------------------------------------------------


def set_role(
    *, session: Session, actor: Actor, app_id: int, user_id: int, role: str
) -> TeamMemberRow:
    """Give a member another role (owners only). The last owner cannot be demoted."""
    _lock_app(session, app_id)
    app, _role = permissions.require_team(session, actor, DeveloperAction.MANAGE_TEAM, app_id)
    level = _valid_role(role)
    member, user = _member(session, app.id, user_id)
    if member.role != level.value:
        if level is not TeamRole.OWNER:
            _refuse_last_owner(session, app, member, f"{user.name} ({user.email}) is")
        before = {"user_id": user.id, "email": user.email, "role": member.role}
        member.role = level.value
        session.add(member)
        session.flush()
        record_event(
            session,
            actor,
            "developer_app.member_role_changed",
            app,
            before=before,
            after={"user_id": user.id, "email": user.email, "role": level.value},
        )
    return TeamMemberRow(
        user_id=user.id,
        name=user.name,
        email=user.email,
        role=TeamRole(member.role),
        added_at=member.added_at,
        you=user.id == actor.user_id,
    )


def remove_member(*, session: Session, actor: Actor, app_id: int, user_id: int) -> None:
    """Take a member off the team (owners only). The last owner cannot be removed."""
    _lock_app(session, app_id)
    app, _role = permissions.require_team(session, actor, DeveloperAction.MANAGE_TEAM, app_id)
    member, user = _member(session, app.id, user_id)
    _refuse_last_owner(session, app, member, f"{user.name} ({user.email}) is")
    before = {"user_id": user.id, "email": user.email, "role": member.role}
    session.delete(member)
    session.flush()
    record_event(session, actor, "developer_app.member_removed", app, before=before)


def leave(*, session: Session, actor: Actor, app_id: int) -> None:
    """Leave the app's team (anyone on it). The last owner cannot leave."""
    _lock_app(session, app_id)
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    member, user = _member(session, app.id, actor.user_id)
    _refuse_last_owner(session, app, member, "You are")
    before = {"user_id": user.id, "email": user.email, "role": member.role}
    session.delete(member)
    session.flush()
    record_event(session, actor, "developer_app.member_left", app, before=before)
