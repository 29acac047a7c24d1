"""Secrets of a workspace's environments, their versions, and the workspace's data key.

Values are sealed with the workspace's data key (AES-256-GCM), which is itself wrapped by the
master key (portal/services/envelope.py): a database dump alone opens nothing. The sealed
value and the wrapped key are secret columns: no export or DTO ever carries them.
"""

import uuid
from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.domain.secrets import NAME_COLUMN
from portal.models._base import EXTEND, secret_field, utcnow


class WorkspaceDataKey(SQLModel, table=True):
    """The workspace's data key (32 random bytes), wrapped by the master key named by
    `master_key_id`; rotating the master key re-wraps it and leaves every secret as it is."""

    __tablename__ = "workspace_data_keys"
    __table_args__ = (UniqueConstraint("workspace_id"), EXTEND)
    __not_secret__ = ("id", "workspace_id", "master_key_id", "created_at", "rewrapped_at")

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    wrapped_key: str = secret_field(max_length=200)
    # Which master key wrapped it: a fingerprint of that key, never the key.
    master_key_id: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    rewrapped_at: datetime | None = None


class Secret(SQLModel, table=True):
    """A name set in one environment of a workspace; `version` is its current version."""

    __tablename__ = "secrets"
    __table_args__ = (
        UniqueConstraint("workspace_id", "environment", "name"),
        # The matrix: one row per name across the environments, in name order.
        Index("ix_secrets_workspace_id_name", "workspace_id", "name"),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "workspace_id",
        "environment",
        "name",
        "version",
        "created_at",
        "updated_at",
        "updated_by",
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    environment: str = Field(max_length=16)  # an EnvironmentName
    name: str = Field(max_length=NAME_COLUMN)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=320)  # the actor's label


class SecretVersion(SQLModel, table=True):
    """Every value a secret has had, sealed; a rollback adds a version with an old value."""

    __tablename__ = "secret_versions"
    __table_args__ = (UniqueConstraint("secret_id", "version"), EXTEND)
    __not_secret__ = ("id", "secret_id", "version", "origin", "created_at", "created_by")

    id: int | None = Field(default=None, primary_key=True)
    secret_id: int = Field(foreign_key="secrets.id", ondelete="CASCADE")
    version: int
    # "v1:" + base64(nonce + AES-256-GCM ciphertext), bound to workspace, environment, name
    # and version (associated data).
    value_sealed: str = secret_field(sa_type=Text)
    origin: str = Field(max_length=16)  # a SecretOrigin
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=320)
