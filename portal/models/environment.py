"""The dev, staging and prod environments every workspace gets."""

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.domain.workspaces import EnvironmentStatus
from portal.models._base import EXTEND, utcnow


class Environment(SQLModel, table=True):
    __tablename__ = "environments"
    __table_args__ = (UniqueConstraint("workspace_id", "name"), EXTEND)
    __not_secret__ = ("id", "workspace_id", "name", "status", "error", "created_at", "ready_at")

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=16)  # an EnvironmentName
    status: str = Field(default=EnvironmentStatus.PROVISIONING, max_length=16)
    error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    ready_at: datetime | None = None
