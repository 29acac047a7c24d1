"""An app's API keys: create (the secret shown once), list, revoke.

Keys live in one of the workspace's environments and name it (`sk_prod_...`,
portal/domain/app_keys.py). The server keeps the key's SHA-256 and a display prefix; a
revoked key is refused from the next request on. Managing keys needs MANAGE_API_KEYS
(`administer`, refused on a frozen workspace); reading the list needs `read`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from portal.domain import app_keys
from portal.domain.access import Action, Actor
from portal.domain.apps import KeyScope
from portal.domain.dto import AppKeyCreated, AppKeyPublic
from portal.domain.errors import Invalid, NotFound
from portal.domain.events import EventType
from portal.domain.paging import Page
from portal.domain.text import clean as clean_text
from portal.domain.workspaces import EnvironmentName
from portal.models import AppApiKey
from portal.models._base import utcnow
from portal.services import audit, events, keyset
from portal.services.apps import find_app, remember_app
from portal.services.keyset import Key
from portal.services.tokens import token_hash

NAME_MAX = 80
EXPIRY_DAYS_MAX = 3650
_K = AppApiKey.__table__.c
# Newest first: ids grow with every insert.
_LIST = keyset.Keyset("app-api-keys", sorts={"newest": None}, tiebreak=Key(_K.id, int))
AppKeyPage = Page[AppKeyPublic]


def _public(key: AppApiKey) -> AppKeyPublic:
    return AppKeyPublic.model_validate(key)


def _environment(value: str | None) -> EnvironmentName:
    try:
        return EnvironmentName((value or EnvironmentName.PROD).strip().lower())
    except ValueError:
        raise Invalid(
            f"Choose an environment: {', '.join(EnvironmentName)}.", field="environment"
        ) from None


def _expiry(expires_in_days: int | str | None, now: datetime) -> datetime | None:
    if expires_in_days in (None, "", "never"):
        return None
    try:
        days = int(str(expires_in_days).strip())
    except ValueError:
        raise Invalid(
            "Enter the days until the key expires, or choose never.", field="expires_in_days"
        ) from None
    if not 1 <= days <= EXPIRY_DAYS_MAX:
        raise Invalid(f"Use 1 to {EXPIRY_DAYS_MAX} days.", field="expires_in_days")
    return now + timedelta(days=days)


def create_key(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    name: str,
    environment: str | None = None,
    scope: str | None = None,
    expires_in_days: int | str | None = None,
) -> AppKeyCreated:
    """A new secret key; its secret is in the answer only, never stored."""
    workspace, app = find_app(session, actor, Action.MANAGE_API_KEYS, workspace_id, app_slug)
    name = clean_text(
        name, field="name", max_length=NAME_MAX, required="Name the key, e.g. Billing service."
    )
    env = _environment(environment)
    try:
        key_scope = KeyScope((scope or KeyScope.READ_WRITE).strip().lower())
    except ValueError:
        raise Invalid("Choose read, or read and write.", field="scope") from None
    now = utcnow()
    secret = app_keys.new_key(env)
    key = AppApiKey(
        app_id=app.id,
        environment=env,
        name=name,
        scope=key_scope,
        key_prefix=app_keys.display_prefix(secret),
        key_hash=token_hash(secret),
        created_at=now,
        created_by_user_id=actor.user_id,
        expires_at=_expiry(expires_in_days, now),
    )
    session.add(key)
    session.flush()
    remember_app(session, actor, app)
    audit.record(
        session,
        actor=actor,
        action="app_api_key.created",
        target_type="app",
        target_id=app.id,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        after={
            "key": key.key_prefix,
            "name": key.name,
            "environment": key.environment,
            "scope": key.scope,
            "expires_at": key.expires_at.isoformat() if key.expires_at else None,
        },
    )
    _emit(session, EventType.API_KEY_CREATED, workspace, app, key)
    return AppKeyCreated(secret=secret, key=_public(key))


def list_keys(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    environment: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[AppKeyPublic]:
    """The app's keys in one environment, newest first (revoked ones too, marked)."""
    _, app = find_app(session, actor, Action.VIEW_WORKSPACE, workspace_id, app_slug)
    env = _environment(environment)
    query = select(AppApiKey).where(_K.app_id == app.id, _K.environment == env.value)
    page = _LIST.page(session, query, sort="newest", direction="desc", limit=limit, cursor=cursor)
    return AppKeyPage(items=[_public(row[0]) for row in page.rows], next_cursor=page.next_cursor)


def revoke_key(
    *, session: Session, actor: Actor, workspace_id: str, app_slug: str, key_id: int
) -> AppKeyPublic:
    """Revoke a key: refused from the next request on. Revoking it again changes nothing."""
    workspace, app = find_app(session, actor, Action.MANAGE_API_KEYS, workspace_id, app_slug)
    key = None
    if isinstance(key_id, int) and not isinstance(key_id, bool) and 0 < key_id < 2**31:
        key = session.get(AppApiKey, key_id)
    if key is None or key.app_id != app.id:
        raise NotFound("API key not found.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        remember_app(session, actor, app)
        audit.record(
            session,
            actor=actor,
            action="app_api_key.revoked",
            target_type="app",
            target_id=app.id,
            account_id=workspace.account_id,
            workspace_id=workspace.id,
            before={"key": key.key_prefix, "name": key.name, "environment": key.environment},
        )
        _emit(session, EventType.API_KEY_REVOKED, workspace, app, key)
    return _public(key)


def _emit(session: Session, kind: EventType, workspace, app, key: AppApiKey) -> None:
    """The key's event for the app's endpoints taking API keys (its prefix, never its secret)."""
    events.emit(
        session,
        type=kind,
        workspace_id=workspace.id,
        app_id=app.id,
        environment=key.environment,
        data={
            "app_id": app.id,
            "environment": key.environment,
            "credential": {
                "id": key.id,
                "name": key.name,
                "prefix": key.key_prefix,
                "scope": key.scope,
                "expires_at": key.expires_at.isoformat() if key.expires_at else None,
            },
        },
    )
