"""DTOs of personal access tokens (the /v1 API's credentials). No hashes, ever."""

from __future__ import annotations

from datetime import datetime

from portal.domain.dto import DTO


class TokenPublic(DTO):
    """A token as its owner's list shows it: never the secret or its hash."""

    id: int
    name: str
    prefix: str  # the first characters of the secret ("pat_" + 8), to tell tokens apart
    created_at: datetime
    expires_at: datetime | None  # None: never expires
    last_used_at: datetime | None
    revoked: bool
    revoked_at: datetime | None = None
    expired: bool = False


class TokenCreated(DTO):
    """A new token. `secret` goes to its owner once; the server keeps only its SHA-256."""

    token: TokenPublic
    secret: str


class StoredResponse(DTO):
    """The first response to an API write with an Idempotency-Key, to replay for repeats."""

    status_code: int
    body: str  # the JSON body, exactly as first sent
