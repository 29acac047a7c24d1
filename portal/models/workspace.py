"""Workspaces: the tenant boundary under an account."""

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from portal.domain.workspaces import TenancyModel, WorkspaceStatus
from portal.models._base import EXTEND, utcnow


class Workspace(SQLModel, table=True):
    __tablename__ = "workspaces"
    __table_args__ = (
        # The list's default keyset order (newest first, ties by id); see alembic revision 0004.
        Index("ix_workspaces_created_at_id", "created_at", "id"),
        # Names in case-insensitive order: the list's Name sort and the picker's fallback
        # pick walk it instead of sorting every readable workspace; alembic revision 0008.
        Index("ix_workspaces_lower_name_id", text("lower(name)"), "id"),
        # A slug is unique within its account only: it says nothing about other tenants (a
        # workspace's URLs carry its UUID); see alembic revision 0005.
        UniqueConstraint("account_id", "slug", name="uq_workspaces_account_id_slug"),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "account_id",
        "name",
        "slug",
        "tenancy_model",
        "region",
        "status",
        "created_at",
        "status_before",
        "frozen_at",
        "offboarding_started_at",
        "purge_after",
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    slug: str = Field(max_length=140)
    tenancy_model: str = Field(default=TenancyModel.SHARED, max_length=16)
    region: str = Field(default="eu-central", max_length=32)
    status: str = Field(default=WorkspaceStatus.PROVISIONING, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    # Where unfreeze and restore return to (frozen and offboarding interrupt another status).
    status_before: str | None = Field(default=None, max_length=16)
    frozen_at: datetime | None = None
    offboarding_started_at: datetime | None = None
    purge_after: datetime | None = None  # end of the hard-delete window
