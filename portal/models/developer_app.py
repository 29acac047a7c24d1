"""Developer apps (seed 001): an app's stable identity, its team, and its versions (one
editable draft, then immutable numbered published versions).

Everything an app owns is deleted with it (ON DELETE CASCADE).
"""

import secrets
import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from portal.domain.developer import (
    DistributionState,
    ManifestFormat,
    TeamRole,
    VersionState,
    Visibility,
)
from portal.models._base import EXTEND, secret_field, utcnow


class DeveloperApp(SQLModel, table=True):
    __tablename__ = "developer_apps"
    __table_args__ = (
        # The slug names the app in its URLs and install links: unique across Portal.
        UniqueConstraint("slug", name="uq_developer_apps_slug"),
        UniqueConstraint("client_id", name="uq_developer_apps_client_id"),
        {**EXTEND, "sqlite_autoincrement": True},
    )
    __not_secret__ = (
        "id",
        "name",
        "slug",
        "description",
        "visibility",
        "created_by_user_id",
        "created_at",
        "updated_at",
        "client_id",
        "webhook_previous_secret_expires_at",
        "webhook_failing_since",
        "webhook_last_success_at",
        "webhook_disabled_at",
        "webhook_disabled_reason",
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    slug: str = Field(max_length=64)
    description: str = Field(default="", max_length=500)
    visibility: str = Field(default=Visibility.PRIVATE, max_length=16)
    created_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # The OAuth client id (public): names the app in the client_credentials grant.
    client_id: str = Field(default_factory=lambda: f"ci_{secrets.token_hex(12)}", max_length=40)
    # Its webhook (the manifest's webhook_url, in every workspace that installed it): the
    # Standard Webhooks secret deliveries are signed with (whsec_..., sealed), the one a
    # rotation replaced while it overlaps, and the delivery health the worker keeps.
    webhook_secret_sealed: str | None = secret_field(default=None, max_length=400)
    webhook_previous_secret_sealed: str | None = secret_field(default=None, max_length=400)
    webhook_previous_secret_expires_at: datetime | None = None
    webhook_failing_since: datetime | None = None
    webhook_last_success_at: datetime | None = None
    webhook_disabled_at: datetime | None = None
    webhook_disabled_reason: str | None = Field(default=None, max_length=300)


class DeveloperAppMember(SQLModel, table=True):
    """A person on an app's team, with a role (owner, developer, viewer)."""

    __tablename__ = "developer_app_members"
    __table_args__ = (
        UniqueConstraint("app_id", "user_id", name="uq_developer_app_members_app_id_user_id"),
        # "My apps": every app a person is on, by name.
        Index("ix_developer_app_members_user_id_app_id", "user_id", "app_id"),
        EXTEND,
    )
    __not_secret__ = ("id", "app_id", "user_id", "role", "added_at")

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="developer_apps.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    role: str = Field(default=TeamRole.VIEWER, max_length=16)
    added_at: datetime = Field(default_factory=utcnow)


class DeveloperAppVersion(SQLModel, table=True):
    """A manifest: the app's one draft (number NULL) or a published version (numbered from 1,
    never changed again)."""

    __tablename__ = "developer_app_versions"
    __table_args__ = (
        UniqueConstraint("app_id", "number", name="uq_developer_app_versions_app_id_number"),
        # At most one draft per app, whoever saves at the same time.
        Index(
            "ix_developer_app_versions_one_draft",
            "app_id",
            unique=True,
            sqlite_where=text("state = 'draft'"),
            postgresql_where=text("state = 'draft'"),
        ),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "app_id",
        "number",
        "state",
        "manifest_format",
        "manifest_text",
        "manifest",
        "created_at",
        "updated_at",
        "published_at",
        "published_by_user_id",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="developer_apps.id", ondelete="CASCADE")
    number: int | None = Field(default=None)
    state: str = Field(default=VersionState.DRAFT, max_length=16)
    manifest_format: str = Field(default=ManifestFormat.YAML, max_length=8)
    # What the developer typed (kept as typed: comments, order) and, once published, what it
    # means (the parsed manifest the consent page and the token's scopes read).
    manifest_text: str = Field(sa_column=Column(Text, nullable=False))
    manifest: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
    published_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )


class DeveloperAppAllowlistEntry(SQLModel, table=True):
    """Who may install a private app: one workspace, or every workspace of one account."""

    __tablename__ = "developer_app_allowlist"
    __table_args__ = (
        UniqueConstraint(
            "app_id", "workspace_id", "account_id", name="uq_developer_app_allowlist_entry"
        ),
        EXTEND,
    )
    __not_secret__ = ("id", "app_id", "workspace_id", "account_id", "added_at")

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="developer_apps.id", ondelete="CASCADE", index=True)
    workspace_id: uuid.UUID | None = Field(
        default=None, foreign_key="workspaces.id", ondelete="CASCADE"
    )
    account_id: int | None = Field(default=None, foreign_key="accounts.id", ondelete="CASCADE")
    added_at: datetime = Field(default_factory=utcnow)


class DeveloperInstallLink(SQLModel, table=True):
    """A link that installs one published version: signed (its token is an HMAC of its id
    under Portal's secret key, so it can be shown again and not forged), optionally expiring,
    revocable, counted."""

    __tablename__ = "developer_install_links"
    __table_args__ = (EXTEND,)
    __not_secret__ = (
        "id",
        "app_id",
        "version_id",
        "created_by_user_id",
        "created_at",
        "expires_at",
        "revoked_at",
        "use_count",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="developer_apps.id", ondelete="CASCADE", index=True)
    version_id: int = Field(foreign_key="developer_app_versions.id", ondelete="CASCADE")
    created_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    use_count: int = 0


class DeveloperAppInstallation(SQLModel, table=True):
    """A developer app installed in a workspace, at one published version."""

    __tablename__ = "developer_installations"
    __table_args__ = (
        UniqueConstraint(
            "app_id", "workspace_id", name="uq_developer_installations_app_id_workspace_id"
        ),
        Index("ix_developer_installations_workspace_id_id", "workspace_id", "id"),
        # An app's installations, newest first (its team's Versions tab).
        Index("ix_developer_installations_app_id_id", "app_id", "id"),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "app_id",
        "workspace_id",
        "version_id",
        "installed_by_user_id",
        "installed_at",
        "updated_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="developer_apps.id", ondelete="CASCADE")
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    version_id: int = Field(foreign_key="developer_app_versions.id", ondelete="CASCADE")
    installed_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    installed_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DeveloperClientSecret(SQLModel, table=True):
    """A client secret (`cs_...`), stored as its SHA-256. Rotating sets the old one's
    `expires_at` to the end of the overlap window; at most two are live at once."""

    __tablename__ = "developer_client_secrets"
    __table_args__ = (EXTEND,)
    __not_secret__ = (
        "id",
        "app_id",
        "prefix",
        "created_by_user_id",
        "created_at",
        "expires_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="developer_apps.id", ondelete="CASCADE", index=True)
    secret_hash: str = secret_field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)  # "cs_ab12cd" to tell secrets apart
    created_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None  # None: live until rotated


class DeveloperAccessToken(SQLModel, table=True):
    """A short-lived token (`at_...`, stored as its SHA-256) an installation's app got from
    the client_credentials grant: its workspace and its version's scopes, nothing more."""

    __tablename__ = "developer_tokens"
    __table_args__ = (EXTEND,)
    __not_secret__ = ("id", "installation_id", "scopes", "created_at", "expires_at")

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = secret_field(max_length=64, unique=True)
    installation_id: int = Field(
        foreign_key="developer_installations.id", ondelete="CASCADE", index=True
    )
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class DeveloperAppIcon(SQLModel, table=True):
    """An app's icon (a small PNG, JPEG or WebP checked on upload), apart from the app's row
    so lists of apps never load the bytes. Served by /developer-icons/{app_id}?v={sha256}."""

    __tablename__ = "developer_app_icons"
    __table_args__ = (EXTEND,)
    __not_secret__ = ("app_id", "content_type", "data", "sha256", "updated_at")

    app_id: int = Field(foreign_key="developer_apps.id", ondelete="CASCADE", primary_key=True)
    content_type: str = Field(max_length=32)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


class DeveloperAppInvitation(SQLModel, table=True):
    """An invitation to an app's team, by email, with a role; answered from a mailed link
    by the signed-in user with that email."""

    __tablename__ = "developer_app_invitations"
    __table_args__ = (EXTEND,)
    __not_secret__ = (
        "id",
        "app_id",
        "email",
        "role",
        "invited_by_user_id",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="developer_apps.id", ondelete="CASCADE", index=True)
    email: str = Field(max_length=320, index=True)
    role: str = Field(default=TeamRole.DEVELOPER, max_length=16)
    token_hash: str = secret_field(max_length=64, unique=True)
    invited_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None


class DeveloperDistributionRequest(SQLModel, table=True):
    """A request to list an app publicly, with the developer's reason; platform staff approve
    or reject it with a note the developer sees. At most one pending per app."""

    __tablename__ = "developer_distribution_requests"
    __table_args__ = (
        Index(
            "ix_developer_distribution_requests_one_pending",
            "app_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        # The staff queue (pending first, oldest first) and an app's history, newest first.
        Index("ix_developer_distribution_requests_state_id", "state", "id"),
        Index("ix_developer_distribution_requests_app_id_id", "app_id", "id"),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "app_id",
        "visibility",
        "reason",
        "state",
        "requested_by_user_id",
        "requested_at",
        "decided_by_user_id",
        "decided_at",
        "note",
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="developer_apps.id", ondelete="CASCADE")
    visibility: str = Field(default=Visibility.PUBLIC, max_length=16)  # what is asked for
    reason: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default=DistributionState.PENDING, max_length=16)
    requested_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    requested_at: datetime = Field(default_factory=utcnow)
    decided_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    decided_at: datetime | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
