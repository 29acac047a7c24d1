"""Apps inside a workspace, and what each owns: API keys, organizations, end users, their
memberships, daily activity, and who opened which app last (the dashboard's Recent apps).

Everything an app owns is deleted with it (ON DELETE CASCADE), and with its workspace.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from portal.domain.apps import KeyScope
from portal.domain.workspaces import EnvironmentName
from portal.models._base import EXTEND, secret_field, utcnow


class App(SQLModel, table=True):
    __tablename__ = "apps"
    __table_args__ = (
        # A slug names the app in its workspace's URLs: unique within the workspace only.
        UniqueConstraint("workspace_id", "slug", name="uq_apps_workspace_id_slug"),
        # The portfolio's orders (by name, newest first), each walked without a sort.
        Index("ix_apps_workspace_id_lower_name_id", "workspace_id", text("lower(name)"), "id"),
        Index("ix_apps_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
        # Ids are never reused (SQLite would hand a deleted row's id to the next insert): audit
        # entries and counted activity name rows by id.
        {**EXTEND, "sqlite_autoincrement": True},
    )
    __not_secret__ = (
        "id",
        "workspace_id",
        "name",
        "slug",
        "created_at",
        "updated_at",
        "password_enabled",
        "magic_link_enabled",
        "google_enabled",
        "github_enabled",
        "password_min_length",
        "password_require_uppercase",
        "password_require_lowercase",
        "password_require_digit",
        "password_require_symbol",
        "session_lifetime_minutes",
        "mfa_required",
        "redirect_urls",
        "google_client_id",
        "github_client_id",
        "email_sender_name",
        "email_sender_address",
        "email_reply_to",
        "last_active_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    name: str = Field(max_length=80)
    slug: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Auth settings. Email and password is on for a new app, as in Clerk: a sign-in method is
    # the one baseline requirement a new app meets.
    password_enabled: bool = True
    magic_link_enabled: bool = False
    google_enabled: bool = False
    github_enabled: bool = False
    password_min_length: int = 12
    password_require_uppercase: bool = False
    password_require_lowercase: bool = False
    password_require_digit: bool = False
    password_require_symbol: bool = False
    session_lifetime_minutes: int = 7 * 24 * 60
    mfa_required: bool = False
    redirect_urls: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # OAuth clients (Google, GitHub): the id in the open, the secret sealed at rest (Portal
    # sends it to the provider; nobody sees it again once saved).
    google_client_id: str | None = Field(default=None, max_length=200)
    google_client_secret_sealed: str | None = secret_field(default=None, max_length=400)
    github_client_id: str | None = Field(default=None, max_length=200)
    github_client_secret_sealed: str | None = secret_field(default=None, max_length=400)
    # Email settings; no sender yet is a baseline gap.
    email_sender_name: str | None = Field(default=None, max_length=80)
    email_sender_address: str | None = Field(default=None, max_length=320)
    email_reply_to: str | None = Field(default=None, max_length=320)
    # The last data-plane activity (an API call or a sign-in), set by the activity flush.
    last_active_at: datetime | None = None


class AppApiKey(SQLModel, table=True):
    """`sk_<env>_...` (portal/domain/app_keys.py): shown once; only its SHA-256 and a display
    prefix are kept."""

    __tablename__ = "app_api_keys"
    __table_args__ = (Index("ix_app_api_keys_app_id_created_at", "app_id", "created_at"), EXTEND)
    __not_secret__ = (
        "id",
        "app_id",
        "environment",
        "name",
        "scope",
        "key_prefix",
        "created_at",
        "created_by_user_id",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="apps.id", ondelete="CASCADE")
    environment: str = Field(default=EnvironmentName.PROD, max_length=16)
    name: str = Field(max_length=80)
    scope: str = Field(default=KeyScope.READ_WRITE, max_length=16)
    key_prefix: str = Field(max_length=24)
    key_hash: str = secret_field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class Organization(SQLModel, table=True):
    """A customer's organization inside an app's environment."""

    __tablename__ = "organizations"
    __table_args__ = (
        Index(
            "ix_organizations_app_id_environment_lower_name_id",
            "app_id",
            "environment",
            text("lower(name)"),
            "id",
        ),
        {**EXTEND, "sqlite_autoincrement": True},
    )
    __not_secret__ = ("id", "app_id", "environment", "name", "created_at", "last_active_at")

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="apps.id", ondelete="CASCADE")
    environment: str = Field(default=EnvironmentName.PROD, max_length=16)
    name: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    last_active_at: datetime | None = None


class EndUser(SQLModel, table=True):
    """A person who signs in to the customer's product, in one app environment."""

    __tablename__ = "end_users"
    __table_args__ = (
        UniqueConstraint("app_id", "environment", "email", name="uq_end_users_app_env_email"),
        {**EXTEND, "sqlite_autoincrement": True},
    )
    __not_secret__ = (
        "id",
        "app_id",
        "environment",
        "email",
        "name",
        "created_at",
        "disabled_at",
        "last_sign_in_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="apps.id", ondelete="CASCADE")
    environment: str = Field(default=EnvironmentName.PROD, max_length=16)
    email: str = Field(max_length=320)
    name: str = Field(default="", max_length=120)
    password_hash: str | None = secret_field(default=None, max_length=255)
    # The TOTP secret (base32) once the end user enrolled a second factor, sealed at rest
    # (services/sealing.py): each sign-in reads it back.
    totp_secret: str | None = secret_field(default=None, max_length=400)
    created_at: datetime = Field(default_factory=utcnow)
    disabled_at: datetime | None = None
    last_sign_in_at: datetime | None = None


class EndUserToken(SQLModel, table=True):
    """What an end user signs in with after the customer's backend asked: a session (with the
    app's session lifetime) or a one-time magic link. Only the SHA-256 is kept."""

    __tablename__ = "end_user_tokens"
    __table_args__ = EXTEND
    __not_secret__ = ("id", "end_user_id", "kind", "created_at", "expires_at", "used_at")

    id: int | None = Field(default=None, primary_key=True)
    end_user_id: int = Field(foreign_key="end_users.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)  # session or magic_link
    token_hash: str = secret_field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None  # a magic link works once


class OrganizationMember(SQLModel, table=True):
    __tablename__ = "organization_members"
    __table_args__ = (
        UniqueConstraint("organization_id", "end_user_id", name="uq_organization_members_pair"),
        EXTEND,
    )
    __not_secret__ = ("id", "organization_id", "end_user_id", "role", "created_at")

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organizations.id", ondelete="CASCADE")
    end_user_id: int = Field(foreign_key="end_users.id", index=True, ondelete="CASCADE")
    role: str = Field(default="member", max_length=16)  # admin or member
    created_at: datetime = Field(default_factory=utcnow)


class AppActivity(SQLModel, table=True):
    """Data-plane API calls and end-user sign-ins per app, environment, organization (or none)
    and day: counted in memory and flushed, never a write per request."""

    __tablename__ = "app_activity"
    __table_args__ = (
        # NULLs are distinct in a unique constraint; coalesce makes "no organization" one key.
        Index(
            "uq_app_activity_day",
            "app_id",
            "environment",
            "day",
            text("coalesce(organization_id, 0)"),
            unique=True,
        ),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "app_id",
        "environment",
        "organization_id",
        "day",
        "api_calls",
        "sign_ins",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="apps.id", ondelete="CASCADE")
    environment: str = Field(default=EnvironmentName.PROD, max_length=16)
    organization_id: int | None = Field(
        default=None, foreign_key="organizations.id", index=True, ondelete="CASCADE"
    )
    day: date
    api_calls: int = 0
    sign_ins: int = 0


class AppVisit(SQLModel, table=True):
    """When a person last opened or changed an app: the dashboard's Recent apps."""

    __tablename__ = "app_visits"
    __table_args__ = (Index("ix_app_visits_user_id_visited_at", "user_id", "visited_at"), EXTEND)
    __not_secret__ = ("user_id", "app_id", "visited_at")

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    app_id: int = Field(foreign_key="apps.id", primary_key=True, ondelete="CASCADE")
    visited_at: datetime = Field(default_factory=utcnow)


class WebhookEndpoint(SQLModel, table=True):
    """Where an app's events go: a URL in one environment, the categories it takes, and its
    signing secret (Standard Webhooks `whsec_...`), sealed at rest: Portal signs with it and
    shows it again to the app's administrators. Delivery itself is the webhooks issue's."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_app_id_id", "app_id", "id"), EXTEND)
    __not_secret__ = (
        "id",
        "app_id",
        "environment",
        "url",
        "description",
        "categories",
        "enabled",
        "disabled_reason",
        "secret_rotated_at",
        "created_at",
        "updated_at",
        "previous_secret_expires_at",
        "failing_since",
        "last_success_at",
        "disabled_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="apps.id", ondelete="CASCADE")
    environment: str = Field(default=EnvironmentName.PROD, max_length=16)
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=200)
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    signing_secret_sealed: str = secret_field(max_length=400)
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=300)
    secret_rotated_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # The secret a rotation replaced: deliveries carry its signature too until it expires, so
    # a receiver can switch to the new one without dropping a message.
    previous_secret_sealed: str | None = secret_field(default=None, max_length=400)
    previous_secret_expires_at: datetime | None = None
    # Delivery health the worker keeps: when the current run of failures began (None while
    # healthy), the last success, and when the worker (or a 410) disabled the endpoint.
    failing_since: datetime | None = None
    last_success_at: datetime | None = None
    disabled_at: datetime | None = None


class AppIdempotencyRecord(SQLModel, table=True):
    """The first response to a data-plane write sent with an Idempotency-Key, replayed for its
    repeats (per app key and key, 24 hours). Never kept for answers that hold a secret (a
    session token, a TOTP secret): those routes take no key."""

    __tablename__ = "app_idempotency_records"
    __table_args__ = (UniqueConstraint("app_key_id", "key"), EXTEND)
    __not_secret__ = (
        "id",
        "app_key_id",
        "key",
        "method",
        "path",
        "status_code",
        "response_body",
        "created_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_key_id: int = Field(foreign_key="app_api_keys.id", ondelete="CASCADE")
    key: str = Field(max_length=255)
    method: str = Field(max_length=8)
    path: str = Field(max_length=255)
    # An HMAC of the request, which may hold a password: never exported (secret).
    request_hash: str = secret_field(max_length=64)
    status_code: int
    response_body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, index=True)
