"""Personal access tokens for the /v1 API, and the Idempotency-Key records of API writes.

A token is `pat_` + 43 random URL-safe characters, shown to its owner once. The server keeps
its SHA-256 (to find it) and a display prefix (to tell tokens apart in a list). A token acts
as its owner: same grants, same permission checks; the audit trail names the token.

Idempotency: the first successful response to an API write with an Idempotency-Key is stored
per token and key, in the same transaction as the change, and replayed for repeats of the same
request for IDEMPOTENCY_TTL.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, or_, update
from sqlmodel import Session, col, select

from portal.domain.access import Actor, ActorKind, ClientInfo
from portal.domain.errors import Conflict, Invalid, NotFound, PermissionDenied, Unauthenticated
from portal.domain.text import clean as clean_text
from portal.domain.tokens import StoredResponse, TokenCreated, TokenPublic
from portal.models import IdempotencyRecord, PersonalAccessToken, User
from portal.models._base import utcnow
from portal.services import audit
from portal.services.tokens import token_hash

SECRET_PREFIX = "pat_"  # noqa: S105 - a marker, not a secret
_PREFIX_CHARS = 8  # random characters of the secret kept for display, after "pat_"
NAME_MAX = 80
EXPIRY_MAX_DAYS = 365
# last_used_at is written at most this often, so a busy client is not a write per request.
_TOUCH_EVERY = timedelta(seconds=60)
IDEMPOTENCY_TTL = timedelta(hours=24)
IDEMPOTENCY_KEY_MAX = 255


def _public(row: PersonalAccessToken, now: datetime | None = None) -> TokenPublic:
    now = now or utcnow()
    return TokenPublic(
        id=row.id,
        name=row.name,
        prefix=row.token_prefix,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked=row.revoked_at is not None,
        revoked_at=row.revoked_at,
        expired=row.expires_at is not None and now >= row.expires_at,
    )


def _require_person(actor: Actor) -> None:
    """Tokens are managed by their owner in the browser, never with a token."""
    if actor.kind is not ActorKind.USER:
        raise PermissionDenied("Manage personal access tokens in your account settings.")


def _valid_name(name: str | None) -> str:
    return clean_text(
        name, field="name", max_length=NAME_MAX, required="Enter a name for the token."
    )


def _valid_expiry(expires_in_days: int | None) -> int | None:
    if expires_in_days is None:
        return None
    if (
        isinstance(expires_in_days, bool)
        or not isinstance(expires_in_days, int)
        or not 1 <= expires_in_days <= EXPIRY_MAX_DAYS
    ):
        raise Invalid(
            f"Choose an expiry between 1 and {EXPIRY_MAX_DAYS} days, or none.",
            field="expires_in_days",
        )
    return expires_in_days


# Tokens -------------------------------------------------------------------------------------


def create_token(
    *, session: Session, actor: Actor, name: str, expires_in_days: int | None = None
) -> TokenCreated:
    """A new token for the actor. The secret is in the result once and never again."""
    _require_person(actor)
    name = _valid_name(name)
    days = _valid_expiry(expires_in_days)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = PersonalAccessToken(
        user_id=actor.user_id,
        name=name,
        token_prefix=secret[: len(SECRET_PREFIX) + _PREFIX_CHARS],
        token_hash=token_hash(secret),
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.created",
        target_type="token",
        target_id=row.id,
        account_id=None,  # a token belongs to its user, not to an account
        after={
            "name": row.name,
            "prefix": row.token_prefix,
            "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        },
    )
    return TokenCreated(token=_public(row, now), secret=secret)


def list_tokens(*, session: Session, actor: Actor) -> list[TokenPublic]:
    """The actor's own tokens, newest first, revoked and expired ones included."""
    _require_person(actor)
    rows = session.exec(
        select(PersonalAccessToken)
        .where(PersonalAccessToken.user_id == actor.user_id)
        .order_by(col(PersonalAccessToken.created_at).desc(), col(PersonalAccessToken.id).desc())
    ).all()
    now = utcnow()
    return [_public(row, now) for row in rows]


def revoke_token(*, session: Session, actor: Actor, token_id: int) -> TokenPublic:
    """Stop a token working at once. Only its owner may; anyone else gets NotFound.
    Revoking a revoked token changes nothing."""
    _require_person(actor)
    try:
        key = int(token_id)
    except (TypeError, ValueError):
        raise NotFound("Token not found.") from None
    row = session.get(PersonalAccessToken, key)
    if row is None or row.user_id != actor.user_id:
        raise NotFound("Token not found.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="token.revoked",
            target_type="token",
            target_id=row.id,
            account_id=None,
            before={"name": row.name, "prefix": row.token_prefix},
        )
    return _public(row)


# The token look-up of every API request, built once (its values are bound parameters), on
# table columns: a Core statement, rows as tuples.
_T, _U = PersonalAccessToken.__table__.c, User.__table__.c
_TOKEN_LOOKUP = (
    select(
        _T.id,
        _T.name,
        _T.revoked_at,
        _T.expires_at,
        _T.last_used_at,
        _U.id.label("user_id"),
        _U.email,
        _U.name.label("user_name"),
        _U.is_platform_admin,
    )
    .join_from(PersonalAccessToken.__table__, User.__table__, _U.id == _T.user_id)
    .where(_T.token_hash == bindparam("token_hash"))
)
# Concurrent requests of one token at the minute's turn all see it stale; this writes once.
_TOUCH = (
    update(PersonalAccessToken.__table__)
    .where(
        _T.id == bindparam("token_id"),
        or_(
            _T.last_used_at.is_(None),
            _T.last_used_at <= bindparam("stale", type_=_T.last_used_at.type),
        ),
    )
    .values(last_used_at=bindparam("now", type_=_T.last_used_at.type))
)


def resolve_token(*, session: Session, secret: str | None, client: ClientInfo) -> Actor:
    """The Actor behind a `pat_...` secret, or Unauthenticated (unknown, revoked, expired).

    The /v1 API authenticates every request through here; the secret is the only thing the
    client supplies. One indexed read of the token with its owner's columns (no ORM rows:
    this runs on every request), and a write only when last_used_at is older than
    _TOUCH_EVERY; that UPDATE is guarded by the same condition, so concurrent requests of one
    token at the minute's turn write it once.
    """
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        raise Unauthenticated("A valid personal access token is required.")
    row = session.execute(_TOKEN_LOOKUP, {"token_hash": token_hash(secret)}).first()
    if row is None:
        raise Unauthenticated("A valid personal access token is required.")
    if row.revoked_at is not None:
        raise Unauthenticated("This personal access token was revoked.")
    now = utcnow()
    if row.expires_at is not None and now >= row.expires_at:
        raise Unauthenticated("This personal access token has expired.", expired=True)
    if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
        session.execute(_TOUCH, {"token_id": row.id, "now": now, "stale": now - _TOUCH_EVERY})
    return Actor(
        user_id=row.user_id,
        email=row.email,
        name=row.user_name,
        is_platform_admin=row.is_platform_admin,
        kind=ActorKind.TOKEN,
        token_id=row.id,
        token_name=row.name,
        client=client,
    )


# Idempotency-Key records --------------------------------------------------------------------


def _token_id(actor: Actor) -> int:
    if actor.kind is not ActorKind.TOKEN or actor.token_id is None:
        raise Invalid("Idempotency-Key is honoured on the /v1 API only.", field="Idempotency-Key")
    return actor.token_id


def valid_idempotency_key(key: str) -> str:
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise Invalid(
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} printable characters.",
            field="Idempotency-Key",
        )
    return key


def stored_response(
    *, session: Session, actor: Actor, key: str, method: str, path: str, request_hash: str
) -> StoredResponse | None:
    """The response stored for this token and key, if the same request came before within
    IDEMPOTENCY_TTL; None if the key is new (or its record has lapsed, which is dropped).

    Invalid if the key was used for a different request (method, path or body).
    """
    token_id = _token_id(actor)
    key = valid_idempotency_key(key)
    method, path = method[:8], path[:255]  # as store_response keeps them
    row = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key
        )
    ).first()
    if row is None:
        return None
    if utcnow() - row.created_at >= IDEMPOTENCY_TTL:
        session.delete(row)
        session.flush()
        return None
    if (row.method, row.path, row.request_hash) != (method, path, request_hash):
        # A conflict with what the key already stands for (409), like a write that the target's
        # state refuses: the request itself is well formed.
        raise Conflict(
            "This Idempotency-Key was already used for a different request. Use a new key "
            "for a new request.",
            field="Idempotency-Key",
        )
    return StoredResponse(status_code=row.status_code, body=row.response_body)


def store_response(
    *,
    session: Session,
    actor: Actor,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    status_code: int,
    body: str,
) -> None:
    """Keep the response to replay, in the caller's transaction (the one of the change).
    Flushes, so a concurrent request with the same key fails this transaction here."""
    session.add(
        IdempotencyRecord(
            token_id=_token_id(actor),
            key=valid_idempotency_key(key),
            method=method[:8],
            path=path[:255],
            request_hash=request_hash,
            status_code=status_code,
            response_body=body,
        )
    )
    session.flush()


def purge_idempotency_records(*, session: Session, older_than: timedelta = IDEMPOTENCY_TTL) -> int:
    """Delete records past their replay window (for the housekeeping loop)."""
    result = session.exec(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < utcnow() - older_than)
    )
    return result.rowcount or 0
