"""Workspace picks: each person's recent and pinned workspaces, offered first by the picker.

Creates ``workspace_picks`` (user, workspace, picked_at, pinned_at), one row per workspace a
person picked lately or pinned; it goes with the user or the workspace (ON DELETE CASCADE).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
# Other branches add revisions after 0002 too: whoever merges second re-chains this line.
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workspace_picks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("picked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_workspace_picks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_picks_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "workspace_id", name=op.f("pk_workspace_picks")),
    )
    with op.batch_alter_table("workspace_picks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workspace_picks_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("workspace_picks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workspace_picks_workspace_id"))
    op.drop_table("workspace_picks")
