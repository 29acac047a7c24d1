"""Recorded background processes (provisioning sagas, exports, purges) and their steps."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, utcnow


class Process(SQLModel, table=True):
    __tablename__ = "processes"
    __table_args__ = EXTEND
    __not_secret__ = (
        "id",
        "account_id",
        "workspace_id",
        "kind",
        "status",
        "subject",
        "progress",
        "error",
        "result",
        "created_at",
        "started_at",
        "finished_at",
        "claimed_until",
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    # Null for a purge: its record outlives the workspace it deleted.
    workspace_id: uuid.UUID | None = Field(
        default=None, foreign_key="workspaces.id", index=True, ondelete="CASCADE"
    )
    kind: str = Field(max_length=16)  # provision, export, purge
    status: str = Field(default="pending", max_length=16)  # pending, running, succeeded, failed
    subject: str = Field(default="", max_length=200)  # what it works on, for people to read
    progress: int = 0  # percent
    error: str | None = Field(default=None, max_length=2000)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # Set while a worker holds the process; a stale claim is resumed after a restart.
    claimed_until: datetime | None = None


class ProcessStep(SQLModel, table=True):
    __tablename__ = "process_steps"
    __table_args__ = (UniqueConstraint("process_id", "position"), EXTEND)
    __not_secret__ = (
        "id",
        "process_id",
        "position",
        "name",
        "status",
        "attempts",
        "next_attempt_at",
        "started_at",
        "finished_at",
        "error",
    )

    id: int | None = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="processes.id", index=True, ondelete="CASCADE")
    position: int
    name: str = Field(max_length=80)
    status: str = Field(default="pending", max_length=16)  # pending, running, succeeded, failed
    attempts: int = 0
    next_attempt_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = Field(default=None, max_length=2000)
