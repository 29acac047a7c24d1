"""Server-side sessions: issue, hand to a browser, resolve to an Actor, list and revoke.

A browser gets its session as an HttpOnly cookie that page JavaScript cannot read, set by the
backend route /auth/session (portal/api/browser_session.py), never by a Reflex event handler
(those answer over the websocket and could only hand the token to page JavaScript). So a
sign-in made in a handler issues the session with a *handoff* (`issue_handoff`): a one-time
secret, good for HANDOFF_SECONDS, that the browser posts to that route at once;
`redeem_handoff` trades it for the real token (a new one: the handoff never becomes the
cookie) and the route sets the cookie. Until then the session signs nothing in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.domain.access import Actor, ClientInfo
from portal.domain.dto import SessionPublic
from portal.domain.errors import NotFound, Unauthenticated
from portal.models import User, UserSession
from portal.models._base import utcnow
from portal.services.tokens import new_token, token_hash

# last_seen_at is written at most this often, so a busy page is not a write per event.
_TOUCH_EVERY = timedelta(seconds=60)
# How long a handoff waits for its browser: the browser posts it right after sign-in.
HANDOFF_SECONDS = 60


def issue(*, session: Session, user: User, client: ClientInfo, handoff: bool = False) -> str:
    """A new session (and a new token) for a user who just proved who they are.

    With `handoff=True` the token returned is a one-time handoff instead (see the module
    docstring): the session is live only once `redeem_handoff` has traded it."""
    token = new_token()
    now = utcnow()
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=get_settings().session_absolute_hours),
            ip_address=client.ip_address[:64],
            user_agent=client.user_agent[:512],
            handoff_expires_at=now + timedelta(seconds=HANDOFF_SECONDS) if handoff else None,
        )
    )
    return token


def redeem_handoff(*, session: Session, handoff: str | None) -> str:
    """The session token for a pending session's one-time handoff, or Unauthenticated (an
    unknown, used, expired or revoked handoff). The row gets a fresh token: a handoff that
    leaked is worth nothing once its browser has redeemed it."""
    if not handoff:
        raise Unauthenticated()
    row = session.exec(
        select(UserSession).where(
            UserSession.token_hash == token_hash(handoff),
            col(UserSession.handoff_expires_at).is_not(None),
        )
    ).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or now >= row.handoff_expires_at:
        raise Unauthenticated()
    token = new_token()
    row.token_hash = token_hash(token)
    row.handoff_expires_at = None
    row.last_seen_at = now
    session.add(row)
    return token


def _is_live(row: UserSession, now: datetime) -> bool:
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    return (
        row.revoked_at is None
        and row.handoff_expires_at is None
        and now < row.expires_at
        and now < row.last_seen_at + idle
    )


def resolve_actor(
    *, session: Session, token: str | None, client: ClientInfo | None = None
) -> Actor:
    """The Actor behind a browser's session token, or Unauthenticated.

    Every event handler and page guard comes through here: the token is the only thing the
    client supplies, and everything else is read from the server's rows.
    """
    if not token:
        raise Unauthenticated()
    return resolve_actor_by_hash(session=session, hashed=token_hash(token), client=client)


def resolve_actor_by_hash(
    *, session: Session, hashed: str | None, client: ClientInfo | None = None
) -> Actor:
    """`resolve_actor` for a token the server already hashed: the websocket handshake's
    cookie, which reaches Reflex state only as its hash (api/browser_session.py), so the
    token itself is kept in no state file or Redis key."""
    if not hashed:
        raise Unauthenticated()
    row = session.exec(select(UserSession).where(UserSession.token_hash == hashed)).first()
    if row is None or row.revoked_at is not None or row.handoff_expires_at is not None:
        raise Unauthenticated()
    now = utcnow()
    if not _is_live(row, now):
        raise Unauthenticated("Your session expired. Sign in again.", expired=True)
    user = session.get(User, row.user_id)
    if user is None:
        raise Unauthenticated()
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    return Actor(
        user_id=user.id,
        email=user.email,
        name=user.name,
        is_platform_admin=user.is_platform_admin,
        session_id=row.id,
        client=client or ClientInfo(),
    )


def revoke_token(*, session: Session, token: str | None) -> None:
    """Sign-out: the server forgets the session, whatever the browser keeps."""
    if token:
        revoke_by_hash(session=session, hashed=token_hash(token))


def revoke_by_hash(*, session: Session, hashed: str | None) -> None:
    """`revoke_token` for a token the server already hashed (see resolve_actor_by_hash)."""
    if not hashed:
        return
    row = session.exec(select(UserSession).where(UserSession.token_hash == hashed)).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


def list_active(*, session: Session, actor: Actor) -> list[SessionPublic]:
    now = utcnow()
    rows = session.exec(
        select(UserSession)
        .where(UserSession.user_id == actor.user_id, col(UserSession.revoked_at).is_(None))
        .order_by(col(UserSession.last_seen_at).desc())
    ).all()
    return [
        SessionPublic.model_validate(row).model_copy(
            update={"is_current": row.id == actor.session_id}
        )
        for row in rows
        if _is_live(row, now)
    ]


def revoke(*, session: Session, actor: Actor, session_id: int) -> None:
    """Revoke one of the actor's own sessions. Another user's session is simply not found."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != actor.user_id or row.revoked_at is not None:
        raise NotFound("That session is not active.")
    row.revoked_at = utcnow()
    session.add(row)


def revoke_all_for_user(
    *, session: Session, user_id: int, keep_session_id: int | None = None
) -> int:
    rows = session.exec(
        select(UserSession).where(
            UserSession.user_id == user_id, col(UserSession.revoked_at).is_(None)
        )
    ).all()
    now = utcnow()
    count = 0
    for row in rows:
        if row.id != keep_session_id:
            row.revoked_at = now
            session.add(row)
            count += 1
    return count


def purge_stale(*, session: Session, older_than: timedelta = timedelta(days=7)) -> int:
    """Delete sessions that ended more than `older_than` ago (the worker's housekeeping)."""
    cutoff = utcnow() - older_than
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    rows = session.exec(
        select(UserSession).where(
            (col(UserSession.expires_at) < cutoff)
            | (col(UserSession.revoked_at) < cutoff)
            | (col(UserSession.last_seen_at) < cutoff - idle)
        )
    ).all()
    for row in rows:
        session.delete(row)
    return len(rows)
