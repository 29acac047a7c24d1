"""Indexes in the order the keyset lists walk, so a page stops after its rows.

- ``ix_workspaces_created_at_id`` on ``workspaces (created_at, id)``: the workspace list's
  default order (newest first, ties by id). With it, a page of the list scans the index
  backwards and stops after limit + 1 readable rows, instead of sorting every readable
  workspace (a temporary B-tree on SQLite, a sort on PostgreSQL) on every request.
- ``ix_audit_events_workspace_id_id`` and ``ix_audit_events_account_id_id`` replace the
  ``(workspace_id, created_at)`` and ``(account_id, created_at)`` indexes: the audit feeds are
  ordered by id (newest first), which the created_at indexes could not give without a sort of
  the whole feed; the new ones serve the feeds and the foreign-key look-ups alike.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.create_index("ix_workspaces_created_at_id", ["created_at", "id"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_workspace_id_id", ["workspace_id", "id"], unique=False
        )
        batch_op.create_index("ix_audit_events_account_id_id", ["account_id", "id"], unique=False)
        batch_op.drop_index("ix_audit_events_workspace_created")
        batch_op.drop_index("ix_audit_events_account_created")


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_account_created", ["account_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_workspace_created", ["workspace_id", "created_at"], unique=False
        )
        batch_op.drop_index("ix_audit_events_account_id_id")
        batch_op.drop_index("ix_audit_events_workspace_id_id")
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_index("ix_workspaces_created_at_id")
