"""`Idempotency-Key` on data-plane writes, per app key: the first successful response to a
request is stored in the same transaction as the change and replayed for every repeat of the
same request (method, path, body) within 24 hours; the same key with a different request is
a 409. The rules are those of the management API's keys (services/api_tokens.py); only the
owner of a record differs (an app key, not a personal token)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlmodel import Session

from portal.config import get_settings
from portal.domain.apps import AppPrincipal
from portal.domain.errors import Conflict
from portal.domain.tokens import StoredResponse
from portal.models import AppIdempotencyRecord
from portal.models._base import utcnow
from portal.services.api_tokens import IDEMPOTENCY_TTL, valid_idempotency_key

_R = AppIdempotencyRecord.__table__.c


def request_fingerprint(method: str, path: str, payload: BaseModel | None) -> str:
    """What a key is bound to: an HMAC (under PORTAL_SECRET_KEY) of the method, path and
    parsed body. Keyed, because a body may hold an end user's password: a plain hash in the
    database would let anyone holding it test guesses without argon2's cost."""
    body = payload.model_dump(mode="json") if payload is not None else None
    canonical = json.dumps(
        {"method": method, "path": path, "body": body}, sort_keys=True, separators=(",", ":")
    )
    secret = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()


def stored_response(
    *,
    session: Session,
    principal: AppPrincipal,
    key: str,
    method: str,
    path: str,
    request_hash: str,
) -> StoredResponse | None:
    key = valid_idempotency_key(key)
    row = session.execute(
        select(AppIdempotencyRecord).where(_R.app_key_id == principal.key_id, _R.key == key)
    ).scalar_one_or_none()
    if row is None:
        return None
    if utcnow() - row.created_at >= IDEMPOTENCY_TTL:
        session.delete(row)
        session.flush()
        return None
    if (row.method, row.path, row.request_hash) != (method[:8], path[:255], request_hash):
        raise Conflict(
            "This Idempotency-Key was already used for a different request. Use a new key "
            "for a new request.",
            field="Idempotency-Key",
        )
    return StoredResponse(status_code=row.status_code, body=row.response_body)


def store_response(
    *,
    session: Session,
    principal: AppPrincipal,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    status_code: int,
    body: str,
) -> None:
    """In the change's transaction; flushes, so a concurrent twin fails here."""
    session.add(
        AppIdempotencyRecord(
            app_key_id=principal.key_id,
            key=valid_idempotency_key(key),
            method=method[:8],
            path=path[:255],
            request_hash=request_hash,
            status_code=status_code,
            response_body=body,
        )
    )
    session.flush()


def purge(*, session: Session, older_than: timedelta = IDEMPOTENCY_TTL) -> int:
    """Delete records past their replay window (the housekeeping loop)."""
    result = session.execute(
        delete(AppIdempotencyRecord).where(_R.created_at < utcnow() - older_than)
    )
    return result.rowcount or 0
