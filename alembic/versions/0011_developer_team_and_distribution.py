"""Developer apps' icons, team invitations and distribution reviews (issue 10).

Creates:

- ``developer_app_icons``: an app's uploaded icon, one row per app, apart from the app's row
  so app lists never load the bytes;
- ``developer_app_invitations``: invitations to an app's team by email, with a role (hashed
  token, expiry, accepted or revoked);
- ``developer_distribution_requests``: requests to list an app publicly, with the
  developer's reason and platform staff's decision and note (at most one pending per app);

and an index for an app's installations, newest first.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel.sql.sqltypes.AutoString, UTCDateTime

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("developer_installations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_developer_installations_app_id_id", ["app_id", "id"], unique=False
        )
    op.create_table(
        "developer_app_icons",
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["developer_apps.id"],
            name=op.f("fk_developer_app_icons_app_id_developer_apps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_developer_app_icons")),
    )
    op.create_table(
        "developer_app_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("invited_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("accepted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["developer_apps.id"],
            name=op.f("fk_developer_app_invitations_app_id_developer_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_user_id"],
            ["users.id"],
            name=op.f("fk_developer_app_invitations_invited_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_app_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_developer_app_invitations_token_hash")),
    )
    with op.batch_alter_table("developer_app_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_developer_app_invitations_app_id"), ["app_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_developer_app_invitations_email"), ["email"], unique=False
        )

    op.create_table(
        "developer_distribution_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["developer_apps.id"],
            name=op.f("fk_developer_distribution_requests_app_id_developer_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["users.id"],
            name=op.f("fk_developer_distribution_requests_decided_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_developer_distribution_requests_requested_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_distribution_requests")),
    )
    with op.batch_alter_table("developer_distribution_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_developer_distribution_requests_app_id_id", ["app_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_developer_distribution_requests_one_pending",
            ["app_id"],
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )
        batch_op.create_index(
            "ix_developer_distribution_requests_state_id", ["state", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("developer_distribution_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_developer_distribution_requests_state_id")
        batch_op.drop_index(
            "ix_developer_distribution_requests_one_pending",
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )
        batch_op.drop_index("ix_developer_distribution_requests_app_id_id")

    op.drop_table("developer_distribution_requests")
    with op.batch_alter_table("developer_app_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_developer_app_invitations_email"))
        batch_op.drop_index(batch_op.f("ix_developer_app_invitations_app_id"))

    op.drop_table("developer_app_invitations")
    op.drop_table("developer_app_icons")
    with op.batch_alter_table("developer_installations", schema=None) as batch_op:
        batch_op.drop_index("ix_developer_installations_app_id_id")
