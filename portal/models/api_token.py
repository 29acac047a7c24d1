"""Personal access tokens for the /v1 API, and the Idempotency-Key record of API writes."""

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, secret_field, utcnow


class PersonalAccessToken(SQLModel, table=True):
    """`pat_...`: shown once; only its SHA-256 and a display prefix are kept."""

    __tablename__ = "personal_access_tokens"
    __table_args__ = EXTEND
    __not_secret__ = (
        "id",
        "user_id",
        "name",
        "token_prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    token_prefix: str = Field(max_length=16)
    token_hash: str = secret_field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a POST with an Idempotency-Key, replayed for its repeats."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("token_id", "key"), EXTEND)
    __not_secret__ = (
        "id",
        "token_id",
        "key",
        "method",
        "path",
        "request_hash",
        "status_code",
        "response_body",
        "created_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="personal_access_tokens.id", ondelete="CASCADE")
    key: str = Field(max_length=255)
    method: str = Field(max_length=8)
    path: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, index=True)
