"""Accounts and the permission grants that decide who may read or administer what."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, utcnow


class Account(SQLModel, table=True):
    __tablename__ = "accounts"
    __table_args__ = EXTEND
    __not_secret__ = ("id", "name", "created_at")

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


class PermissionGrant(SQLModel, table=True):
    """`read` or `administer` for a user on an account (inherited by its workspaces) or on
    exactly one workspace."""

    __tablename__ = "permission_grants"
    __table_args__ = (
        CheckConstraint(
            "(account_id IS NULL) <> (workspace_id IS NULL)", name="ck_grant_one_target"
        ),
        CheckConstraint("permission IN ('read', 'administer')", name="ck_grant_permission"),
        # One grant per user and target. NULLs never collide in a unique constraint, so a
        # single (user_id, account_id, workspace_id) constraint would enforce nothing here.
        UniqueConstraint("user_id", "account_id", name="uq_grant_user_account"),
        UniqueConstraint("user_id", "workspace_id", name="uq_grant_user_workspace"),
        EXTEND,
    )
    __not_secret__ = ("id", "user_id", "account_id", "workspace_id", "permission", "created_at")

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    account_id: int | None = Field(
        default=None, foreign_key="accounts.id", index=True, ondelete="CASCADE"
    )
    workspace_id: uuid.UUID | None = Field(
        default=None, foreign_key="workspaces.id", index=True, ondelete="CASCADE"
    )
    permission: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
