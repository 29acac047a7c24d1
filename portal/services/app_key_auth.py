"""The data-plane API's one way to an AppPrincipal: `Authorization: Bearer sk_<env>_...`.

A key is checked in this order: its shape and checksum (portal.domain.app_keys.parse: a typo
or a truncated paste is refused before any database lookup), then its SHA-256 (one unique-
index probe that also reads the app's workspace), revoked, expired, and the workspace gone.
The key's last use is written at most once a minute. Writes then need a read-write key and a
workspace that is neither frozen nor offboarding (`require_write`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlmodel import Session

from portal.domain import app_keys
from portal.domain.apps import AppPrincipal, KeyScope
from portal.domain.errors import PermissionDenied, Unauthenticated
from portal.domain.workspaces import EnvironmentName, WorkspaceStatus
from portal.models import App, AppApiKey, Workspace
from portal.models._base import utcnow
from portal.services import permissions
from portal.services.tokens import token_hash

LAST_USED_EVERY = timedelta(minutes=1)
_K, _A, _W = AppApiKey.__table__.c, App.__table__.c, Workspace.__table__.c
_LOOKUP = (
    select(
        _K.id,
        _K.app_id,
        _K.environment,
        _K.scope,
        _K.key_prefix,
        _K.revoked_at,
        _K.expires_at,
        _K.last_used_at,
        _A.workspace_id,
        _W.account_id,
        _W.status,
    )
    .join(App.__table__, _A.id == _K.app_id)
    .join(Workspace.__table__, _W.id == _A.workspace_id)
)


def resolve_app_key(*, session: Session, secret: str) -> AppPrincipal:
    """The key's principal, or Unauthenticated saying why (never which app it belongs to)."""
    try:
        app_keys.parse(secret)
    except app_keys.MalformedKey as exc:
        raise Unauthenticated(f"Not a valid app secret key: {exc}.") from None
    row = session.execute(_LOOKUP.where(_K.key_hash == token_hash(secret))).first()
    if row is None or row.status == WorkspaceStatus.DELETED:
        raise Unauthenticated("Unknown app secret key.")
    now = utcnow()
    if row.revoked_at is not None:
        raise Unauthenticated("This app secret key was revoked.")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthenticated("This app secret key has expired.")
    stale = now - LAST_USED_EVERY
    if row.last_used_at is None or row.last_used_at < stale:
        # Guarded by the same condition: requests of one key at the minute's turn write once.
        session.execute(
            update(AppApiKey)
            .where(_K.id == row.id, or_(_K.last_used_at.is_(None), _K.last_used_at < stale))
            .values(last_used_at=now)
        )
    return AppPrincipal(
        key_id=row.id,
        app_id=row.app_id,
        workspace_id=str(row.workspace_id),
        account_id=row.account_id,
        environment=EnvironmentName(row.environment),
        scope=KeyScope(row.scope),
        key_prefix=row.key_prefix,
    )


def require_write(session: Session, principal: AppPrincipal) -> Workspace:
    """Refuse a write with a read key (PermissionDenied) or into a frozen or offboarding
    workspace (Frozen, ReadOnly); returns the workspace."""
    if not principal.can_write:
        raise PermissionDenied("This key is read-only: writes need a read-write key.")
    workspace = session.get(Workspace, uuid.UUID(principal.workspace_id))
    permissions.require_writable(workspace)
    return workspace
