"""Invitations to an account (or one of its workspaces) by email."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, secret_field, utcnow


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"
    __table_args__ = EXTEND
    __not_secret__ = (
        "id",
        "account_id",
        "workspace_id",
        "email",
        "permission",
        "invited_by_user_id",
        "created_at",
        "expires_at",
        "accepted_at",
        "declined_at",
        "revoked_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    # Set for an invitation to one workspace; null for the whole account.
    workspace_id: uuid.UUID | None = Field(
        default=None, foreign_key="workspaces.id", index=True, ondelete="CASCADE"
    )
    email: str = Field(max_length=320, index=True)
    permission: str = Field(max_length=16)
    token_hash: str = secret_field(max_length=64, unique=True)
    invited_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    revoked_at: datetime | None = None
