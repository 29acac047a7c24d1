"""A developer app's client credentials, and the OAuth 2.0 client_credentials grant
(RFC 6749 section 4.4) that turns them into a short-lived token for one installation.

- The client id is public (DeveloperApp.client_id). A secret (`cs_...`) is shown once and
  stored as its SHA-256.
- Rotating makes a new secret; the previous one keeps working for an overlap window
  (OVERLAP, 24 h) so deployments can switch, and the owner can end the overlap early. At most
  two secrets are live at once.
- Only the team's owners see and rotate credentials (DeveloperAction.MANAGE_CREDENTIALS).
- A token (`at_...`, TOKEN_LIFETIME) reads only its installation's workspace, only through
  the /v1 routes its installed version's scopes open (portal/api/auth.py).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlmodel import Session, col

from portal.domain.access import Actor, ActorKind
from portal.domain.developer import DeveloperAction
from portal.domain.dto import DTO
from portal.domain.errors import Conflict, NotFound, Unauthenticated
from portal.models import (
    DeveloperAccessToken,
    DeveloperApp,
    DeveloperAppInstallation,
    DeveloperAppVersion,
    DeveloperClientSecret,
)
from portal.models._base import utcnow
from portal.services import developer_apps, permissions
from portal.services.tokens import token_hash

OVERLAP = timedelta(hours=24)
TOKEN_LIFETIME = timedelta(hours=1)
MAX_LIVE_SECRETS = 2


class SecretRow(DTO):
    id: int
    prefix: str
    created_at: datetime
    expires_at: datetime | None  # set while rotated out: works until then


class Credentials(DTO):
    client_id: str
    secrets: list[SecretRow]  # the live ones, newest first


@dataclass(frozen=True)
class NewSecret:
    """A secret just made: `secret` is shown once and never stored."""

    row: SecretRow
    secret: str


class IssuedToken(DTO):
    access_token: str
    expires_in: int
    scope: str


def _live(session: Session, app_id: int, now: datetime) -> list[DeveloperClientSecret]:
    return list(
        session.exec(
            select(DeveloperClientSecret)
            .where(
                DeveloperClientSecret.app_id == app_id,
                or_(
                    col(DeveloperClientSecret.expires_at).is_(None),
                    col(DeveloperClientSecret.expires_at) > now,
                ),
            )
            .order_by(col(DeveloperClientSecret.id).desc())
        ).scalars()
    )


def _row(secret: DeveloperClientSecret) -> SecretRow:
    return SecretRow(
        id=secret.id,
        prefix=secret.prefix,
        created_at=secret.created_at,
        expires_at=secret.expires_at,
    )


def credentials(*, session: Session, actor: Actor, app_id: int) -> Credentials:
    app, _role = permissions.require_team(
        session, actor, DeveloperAction.MANAGE_CREDENTIALS, app_id
    )
    return Credentials(
        client_id=app.client_id, secrets=[_row(s) for s in _live(session, app.id, utcnow())]
    )


def rotate(*, session: Session, actor: Actor, app_id: int) -> NewSecret:
    """A new secret (the first one, or the next): the live one keeps working until the end of
    the overlap window. Refused while two are live (end the overlap first)."""
    app, _role = permissions.require_team(
        session, actor, DeveloperAction.MANAGE_CREDENTIALS, app_id
    )
    now = utcnow()
    live = _live(session, app.id, now)
    if len(live) >= MAX_LIVE_SECRETS:
        raise Conflict(
            "Two secrets are live already. End the overlap of the older one before rotating again."
        )
    for old in live:
        old.expires_at = now + OVERLAP
        session.add(old)
    secret = f"cs_{secrets.token_urlsafe(32)}"
    row = DeveloperClientSecret(
        app_id=app.id,
        secret_hash=token_hash(secret),
        prefix=secret[:9],
        created_by_user_id=actor.user_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    action = (
        "developer_app.client_secret_rotated" if live else "developer_app.client_secret_created"
    )
    developer_apps.record_event(session, actor, action, app, after={"secret": row.prefix})
    return NewSecret(row=_row(row), secret=secret)


def end_overlap(*, session: Session, actor: Actor, app_id: int, secret_id: int) -> None:
    """Stop an older secret now, before its overlap window ends."""
    app, _role = permissions.require_team(
        session, actor, DeveloperAction.MANAGE_CREDENTIALS, app_id
    )
    now = utcnow()
    live = _live(session, app.id, now)
    target = next((s for s in live if s.id == secret_id), None)
    if target is None:
        raise NotFound("Secret not found.")
    if target is live[0]:
        raise Conflict("This is the newest secret: rotate first, then end the older one.")
    target.expires_at = now
    session.add(target)
    session.flush()
    developer_apps.record_event(
        session,
        actor,
        "developer_app.client_secret_ended",
        app,
        after={"secret": target.prefix},
    )


# The grant ---------------------------------------------------------------------------------


class InvalidClient(Unauthenticated):
    """RFC 6749 5.2 invalid_client: unknown client id or a wrong (or ended) secret."""


class InvalidGrant(NotFound):
    """RFC 6749 5.2 invalid_grant: the installation is not this app's."""


def exchange(
    *, session: Session, client_id: str, client_secret: str, installation_id: str
) -> IssuedToken:
    """A token for one installation of the client's app, limited to its workspace and to the
    scopes of the installed version."""
    now = utcnow()
    app = session.exec(
        select(DeveloperApp).where(DeveloperApp.client_id == str(client_id or "")[:40])
    ).scalar()
    presented = token_hash(str(client_secret or ""))
    if app is None or not any(
        hmac.compare_digest(s.secret_hash, presented) for s in _live(session, app.id, now)
    ):
        raise InvalidClient("The client id or secret is wrong, or the secret has ended.")
    wanted = str(installation_id or "")
    installation = (
        # ASCII digits only: "²" is a digit to str.isdigit() and no number to int().
        session.get(DeveloperAppInstallation, int(wanted))
        if wanted.isascii() and wanted.isdigit() and len(wanted) < 10
        else None
    )
    if installation is None or installation.app_id != app.id:
        raise InvalidGrant("No installation of this app has that id.")
    version = session.get(DeveloperAppVersion, installation.version_id)
    scopes = sorted((version.manifest or {}).get("scopes", []))
    token = f"at_{secrets.token_urlsafe(32)}"
    session.add(
        DeveloperAccessToken(
            token_hash=token_hash(token),
            installation_id=installation.id,
            scopes=scopes,
            created_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
    )
    session.flush()
    return IssuedToken(
        access_token=token, expires_in=int(TOKEN_LIFETIME.total_seconds()), scope=" ".join(scopes)
    )


def resolve_token(*, session: Session, secret: str) -> Actor:
    """The Actor of an installation's token: Unauthenticated when unknown or expired (or its
    installation is gone)."""
    # One query: the token, its installation and the app's name (each /v1 call with an
    # installation token resolves it).
    found = session.exec(
        select(DeveloperAccessToken, DeveloperAppInstallation.workspace_id, DeveloperApp.name)
        .join(
            DeveloperAppInstallation,
            DeveloperAppInstallation.id == DeveloperAccessToken.installation_id,
        )
        .join(DeveloperApp, DeveloperApp.id == DeveloperAppInstallation.app_id)
        .where(DeveloperAccessToken.token_hash == token_hash(secret))
    ).first()
    if found is None or found[0].expires_at <= utcnow():
        # (An uninstalled app's tokens went with its installation: ON DELETE CASCADE.)
        raise Unauthenticated("The access token is unknown or has expired: get a new one.")
    row, workspace_id, app_name = found
    return Actor(
        user_id=0,
        email="",
        name=app_name,
        is_platform_admin=False,
        kind=ActorKind.INSTALLATION,
        token_id=row.id,
        token_name=app_name,
        installation_workspace_id=str(workspace_id),
        scopes=frozenset(row.scopes),
    )
