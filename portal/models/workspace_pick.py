"""A person's recent and pinned workspaces: what the top-bar picker offers first.

One row per (user, workspace) the person picked or pinned; a preference, not workspace data
(not exported, not audited). It goes with the user or the workspace (ON DELETE CASCADE).
"""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND


class WorkspacePick(SQLModel, table=True):
    __tablename__ = "workspace_picks"
    __table_args__ = EXTEND
    __not_secret__ = ("user_id", "workspace_id", "picked_at", "pinned_at")

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    workspace_id: uuid.UUID = Field(
        foreign_key="workspaces.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    picked_at: datetime | None = None  # the last time the person picked it (recent)
    pinned_at: datetime | None = None  # set while pinned
