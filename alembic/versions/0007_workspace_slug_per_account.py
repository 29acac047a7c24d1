"""A workspace slug is unique within its account, not across all accounts.

Replaces the unique index ``ix_workspaces_slug`` (slugs unique across every account, so a
second tenant creating "Acme Sandbox" got ``acme-sandbox-2`` and learnt that another tenant
had that name) with the unique constraint ``uq_workspaces_account_id_slug`` on
``(account_id, slug)``. Nothing looks a workspace up by slug alone: URLs and the API carry its
UUID. Slugs taken before stay as they are (a suffixed one is still unique in its account).

SQLite cannot add a constraint to an existing table: batch mode copies the table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_index("ix_workspaces_slug")
        batch_op.create_unique_constraint("uq_workspaces_account_id_slug", ["account_id", "slug"])


def downgrade() -> None:
    # Fails (a unique violation) if two accounts now hold the same slug: make those unique
    # first, e.g. by suffixing one of them.
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_constraint("uq_workspaces_account_id_slug", type_="unique")
        batch_op.create_index("ix_workspaces_slug", ["slug"], unique=True)
