"""The audit trail: append-only rows written in the same transaction as each change."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (
        # The feeds walk these newest first (keyset by id); see alembic revision 0004.
        Index("ix_audit_events_workspace_id_id", "workspace_id", "id"),
        Index("ix_audit_events_account_id_id", "account_id", "id"),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "account_id",
        "workspace_id",
        "actor_type",
        "actor_id",
        "actor_label",
        "action",
        "target_type",
        "target_id",
        "before",
        "after",
        "ip_address",
        "user_agent",
        "created_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(default=None, foreign_key="accounts.id", ondelete="CASCADE")
    workspace_id: uuid.UUID | None = Field(
        default=None, foreign_key="workspaces.id", ondelete="CASCADE"
    )
    actor_type: str = Field(max_length=16)  # user, token, system
    actor_id: str = Field(default="", max_length=64)
    actor_label: str = Field(default="", max_length=320)  # email or token name, as it was
    action: str = Field(max_length=64, index=True)  # e.g. workspace.created
    target_type: str = Field(max_length=32)
    target_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    ip_address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=512)
    created_at: datetime = Field(default_factory=utcnow)
