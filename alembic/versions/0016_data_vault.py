"""Data Vault (issue 12, part 3).

Creates ``vault_collections`` (a workspace's collections and their declared schema, as JSON),
``vault_records`` (each record's token, its own key sealed with the workspace's data key, and
its values sealed with that key) and ``vault_blind_indexes`` (an HMAC per searchable field of
a record, for exact-match search). All go with their workspace (ON DELETE CASCADE; the purge
deletes them explicitly too).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel.sql.sqltypes.AutoString, UTCDateTime

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vault_collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_vault_collections_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_collections")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_vault_collections_workspace_id")),
    )
    op.create_table(
        "vault_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("wrapped_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("values_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["vault_collections.id"],
            name=op.f("fk_vault_records_collection_id_vault_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_vault_records_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_records")),
        sa.UniqueConstraint("token", name=op.f("uq_vault_records_token")),
    )
    op.create_index("ix_vault_records_collection_id_id", "vault_records", ["collection_id", "id"])
    op.create_table(
        "vault_blind_indexes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["vault_collections.id"],
            name=op.f("fk_vault_blind_indexes_collection_id_vault_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["vault_records.id"],
            name=op.f("fk_vault_blind_indexes_record_id_vault_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_blind_indexes")),
    )
    op.create_index(
        "ix_vault_blind_indexes_lookup",
        "vault_blind_indexes",
        ["collection_id", "field", "digest"],
    )
    op.create_index(op.f("ix_vault_blind_indexes_record_id"), "vault_blind_indexes", ["record_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_vault_blind_indexes_record_id"), table_name="vault_blind_indexes")
    op.drop_index("ix_vault_blind_indexes_lookup", table_name="vault_blind_indexes")
    op.drop_table("vault_blind_indexes")
    op.drop_index("ix_vault_records_collection_id_id", table_name="vault_records")
    op.drop_table("vault_records")
    op.drop_table("vault_collections")
