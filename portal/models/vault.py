"""The Data Vault: collections (a declared schema), their records (sealed) and the blind index.

A record's values are one JSON document sealed with the record's own key, which is itself
sealed with the workspace's data key (portal/services/envelope.py); both are bound to the
workspace, the collection and the record's token. The blind index holds, per searchable field
of a record, an HMAC of the normalised value: the database never holds a value in clear.
Sealed values, wrapped keys and digests are secret columns: no export or DTO carries them.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.domain.vault import NAME_MAX
from portal.models._base import EXTEND, secret_field, utcnow


class VaultCollection(SQLModel, table=True):
    """A named set of records of one schema in a workspace."""

    __tablename__ = "vault_collections"
    __table_args__ = (UniqueConstraint("workspace_id", "name"), EXTEND)
    __not_secret__ = (
        "id",
        "workspace_id",
        "name",
        "fields",
        "created_at",
        "updated_at",
        "updated_by",
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    name: str = Field(max_length=NAME_MAX)
    # The schema: [{name, type, sensitivity, searchable}], as domain.vault.VaultField dumps it.
    fields: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=320)


class VaultRecord(SQLModel, table=True):
    """One record: its token (what the customer's product keeps instead of the values) and
    its values, sealed."""

    __tablename__ = "vault_records"
    __table_args__ = (
        UniqueConstraint("token"),
        # A collection's records, newest first (keyset by id).
        Index("ix_vault_records_collection_id_id", "collection_id", "id"),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "workspace_id",
        "collection_id",
        "token",
        "created_at",
        "updated_at",
        "updated_by",
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    collection_id: int = Field(foreign_key="vault_collections.id", ondelete="CASCADE")
    token: str = Field(max_length=40)  # "tok_" + 32 base64url characters
    # The record's own key, sealed with the workspace's data key: deleting the row destroys it.
    wrapped_key: str = secret_field(max_length=200)
    # "v1:" + base64(nonce + AES-256-GCM ciphertext) of the values as JSON.
    values_sealed: str = secret_field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=320)


class VaultBlindIndex(SQLModel, table=True):
    """An HMAC-SHA256 of one searchable field's normalised value, under a key derived from
    the workspace's data key: an exact search looks the digest up, never a value."""

    __tablename__ = "vault_blind_indexes"
    __table_args__ = (
        Index("ix_vault_blind_indexes_lookup", "collection_id", "field", "digest"),
        EXTEND,
    )
    __not_secret__ = ("id", "record_id", "collection_id", "field")

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="vault_records.id", ondelete="CASCADE", index=True)
    collection_id: int = Field(foreign_key="vault_collections.id", ondelete="CASCADE")
    field: str = Field(max_length=NAME_MAX)
    digest: str = secret_field(max_length=64)  # hex
