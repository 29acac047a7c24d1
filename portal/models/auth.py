"""Server-side sign-in state: sessions, sign-in attempts and password resets."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, secret_field, utcnow


class UserSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of its token is stored."""

    __tablename__ = "sessions"
    __table_args__ = EXTEND
    __not_secret__ = (
        "id",
        "user_id",
        "created_at",
        "last_seen_at",
        "expires_at",
        "revoked_at",
        "ip_address",
        "user_agent",
        "handoff_expires_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = secret_field(max_length=64, unique=True, index=True)
    # Set while the session waits for its browser to trade a one-time handoff for the
    # HttpOnly cookie (services/sessions.py: issue_handoff, redeem_handoff); such a session
    # signs nothing in until then. token_hash is the handoff's hash meanwhile.
    handoff_expires_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime  # absolute expiry; idle expiry is computed from last_seen_at
    revoked_at: datetime | None = None
    ip_address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=512)


class SignInAttempt(SQLModel, table=True):
    """One sign-in try, kept for the throttle (per email and per client address)."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = EXTEND
    __not_secret__ = ("id", "email", "ip_address", "succeeded", "attempted_at")

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    ip_address: str = Field(default="", max_length=64, index=True)
    succeeded: bool = False
    attempted_at: datetime = Field(default_factory=utcnow, index=True)


class PasswordReset(SQLModel, table=True):
    """A password-reset link. Only the SHA-256 of its token is stored; it works once."""

    __tablename__ = "password_resets"
    __table_args__ = EXTEND
    __not_secret__ = ("id", "user_id", "created_at", "expires_at", "used_at")

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = secret_field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class SignUpRequest(SQLModel, table=True):
    """A sign-up waiting for the code mailed to its email; entering the code creates the user
    and signs them in. A sign-up for an email that already has a user gets a row too (its
    code is never sent and never matches), so both cases look the same to the browser."""

    __tablename__ = "sign_up_requests"
    __table_args__ = EXTEND
    __not_secret__ = (
        "id",
        "email",
        "name",
        "account_name",
        "email_taken",
        "attempts",
        "created_at",
        "expires_at",
        "used_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    name: str = Field(max_length=120)
    account_name: str = Field(default="", max_length=120)
    password_hash: str = secret_field(max_length=255)
    code_hash: str = secret_field(max_length=64)
    email_taken: bool = False
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
