"""Test data through the same services the app uses. Each helper flushes, none commits."""

from __future__ import annotations

import itertools
import re
import uuid

from sqlmodel import Session, col, select

from portal.domain.access import Actor, ClientInfo, Permission
from portal.domain.dto import UserPublic
from portal.domain.workspaces import WorkspaceStatus
from portal.models import PermissionGrant, User, Workspace
from portal.services import api_tokens, auth, sessions

PASSWORD = "correct horse battery"
CLIENT = ClientInfo(ip_address="203.0.113.10", user_agent="pytest")

_serial = itertools.count(1)


def make_user(
    session: Session,
    email: str | None = None,
    password: str = PASSWORD,
    platform_admin: bool = False,
    *,
    name: str | None = None,
    account_name: str = "",
) -> UserPublic:
    """A user with their own account (where they hold administer), via auth.create_user."""
    n = next(_serial)
    return auth.create_user(
        session=session,
        email=email or f"user{n}@example.com",
        name=name or f"User {n}",
        password=password,
        account_name=account_name,
        is_platform_admin=platform_admin,
    )


def account_of(session: Session, user_id: int) -> int:
    """The account create_user made for the user (the one they administer)."""
    return session.exec(
        select(PermissionGrant.account_id)
        .where(
            PermissionGrant.user_id == user_id,
            col(PermissionGrant.account_id).is_not(None),
            PermissionGrant.permission == Permission.ADMINISTER,
        )
        .order_by(col(PermissionGrant.id))
    ).first()


def make_workspace(
    session: Session, account_id: int, name: str = "Workspace", status: str = WorkspaceStatus.ACTIVE
) -> Workspace:
    slug = f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-{next(_serial)}"
    workspace = Workspace(account_id=account_id, name=name, slug=slug, status=status)
    session.add(workspace)
    session.flush()
    return workspace


def grant(
    session: Session,
    user_id: int,
    account_id: int | None = None,
    workspace_id: uuid.UUID | str | None = None,
    permission: str = "read",
) -> PermissionGrant:
    if isinstance(workspace_id, str):
        workspace_id = uuid.UUID(workspace_id)
    row = PermissionGrant(
        user_id=user_id,
        account_id=account_id,
        workspace_id=workspace_id,
        permission=Permission(permission),
    )
    session.add(row)
    session.flush()
    return row


def sign_in(
    session: Session,
    user: UserPublic,
    password: str | None = None,
    client: ClientInfo = CLIENT,
) -> tuple[str, Actor]:
    """A new session of `user`; returns the browser's token and the resolved Actor.

    With a `password`, through auth.sign_in (the password checked, the attempt throttled), as
    the sign-in form does. Without one, the session is issued as auth.sign_in issues it after
    a good password: the setup of a test about something else (a third of the sign-ins' cost
    was the password check and the throttle's rows, ~4 s of the suite)."""
    if password is None:
        token = sessions.issue(session=session, user=session.get(User, user.id), client=client)
    else:
        signed_in = auth.sign_in(
            session=session, email=user.email, password=password, client=client
        )
        token = signed_in.token
    session.flush()
    return token, sessions.resolve_actor(session=session, token=token)


def actor_for(session: Session, user: UserPublic, password: str | None = None) -> Actor:
    return sign_in(session, user, password)[1]


# --- workspaces at work: provisioning, processes --------------------------------------------


def admin_actor(session: Session) -> tuple[Actor, int]:
    """A signed-in user and the account they administer."""
    user = make_user(session)
    return actor_for(session, user), account_of(session, user.id)


def create_workspace(session: Session, actor: Actor, account_id: int, name: str = "Workspace"):
    """A workspace through workspaces.create_workspace: status provisioning, its three
    environments and a pending provisioning saga. Returns the Workspace row."""
    from portal.services import workspaces

    created = workspaces.create_workspace(
        session=session, actor=actor, account_id=account_id, name=name
    )
    session.flush()
    return session.get(Workspace, uuid.UUID(created.id))


def make_token(
    session: Session,
    user: UserPublic,
    name: str = "CI",
    expires_in_days: int | None = None,
    *,
    actor: Actor | None = None,
) -> str:
    """A personal access token of `user` (signed in as `actor`, or afresh), via
    api_tokens.create_token; returns the secret."""
    created = api_tokens.create_token(
        session=session,
        actor=actor or actor_for(session, user),
        name=name,
        expires_in_days=expires_in_days,
    )
    session.flush()
    return created.secret


def make_app(
    session: Session, actor: Actor, workspace_id, name: str | None = None, *, confirmed=True
):
    """An app through apps.create_app (duplicate check skipped: confirmed). Returns its
    AppSummary."""
    from portal.services import apps

    return apps.create_app(
        session=session,
        actor=actor,
        workspace_id=str(workspace_id),
        name=name or f"App {next(_serial)}",
        confirmed=confirmed,
    )
