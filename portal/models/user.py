"""People who sign in to Portal."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, secret_field, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = EXTEND
    __not_secret__ = (
        "id",
        "email",
        "name",
        "is_platform_admin",
        "created_at",
        "password_changed_at",
        "last_workspace_id",
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)  # stored lowercased
    name: str = Field(max_length=120)
    password_hash: str = secret_field(max_length=255)
    is_platform_admin: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime = Field(default_factory=utcnow)
    # The workspace picker's choice, kept across pages and sign-ins.
    last_workspace_id: uuid.UUID | None = Field(
        default=None, foreign_key="workspaces.id", ondelete="SET NULL"
    )
