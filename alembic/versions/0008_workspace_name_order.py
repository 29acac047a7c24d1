"""An index in the order of workspace names, so "by name" stops after the rows it needs.

``ix_workspaces_lower_name_id`` on ``workspaces (lower(name), id)``: names compare
case-insensitively in the workspace list's Name sort (ties by id) and in the picker's fallback
pick (the first readable workspace by name, taken on every signed-in page load for a person
who has picked none). Without it both sorted every readable workspace on each request.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_workspaces_lower_name_id", "workspaces", [sa.text("lower(name)"), "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_workspaces_lower_name_id", table_name="workspaces")
