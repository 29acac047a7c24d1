"""Developer apps (issue 10).

Creates:

- ``developer_apps``: an app's stable identity (name, globally unique slug, description,
  visibility);
- ``developer_app_members``: its team, each with a role (owner, developer, viewer);
- ``developer_app_versions``: its manifests: one draft per app (a partial unique index), then
  immutable published versions numbered per app;
- ``developer_terms_versions``: terms versions platform staff published after the shipped one,
  with what changed (the newest is current);
- ``developer_app_allowlist``: the workspaces and accounts that may install a private app;
- ``developer_install_links``: signed links to install a published version (expiry,
  revocation, a use count);
- ``developer_installations``: an app installed in a workspace at one version;
- ``developer_client_secrets``: an app's client secrets (hashed; two live during a rotation's
  overlap) and ``developer_tokens``: the short-lived tokens the client_credentials grant
  issues for one installation (hashed).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel.sql.sqltypes.AutoString, UTCDateTime

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "developer_terms_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["published_by_user_id"],
            ["users.id"],
            name=op.f("fk_developer_terms_versions_published_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_terms_versions")),
        sa.UniqueConstraint("version", name="uq_developer_terms_versions_version"),
    )
    op.create_table(
        "developer_apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_developer_apps_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_apps")),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.UniqueConstraint("slug", name="uq_developer_apps_slug"),
        sa.UniqueConstraint("client_id", name="uq_developer_apps_client_id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "developer_app_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["developer_apps.id"],
            name=op.f("fk_developer_app_members_app_id_developer_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_developer_app_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_app_members")),
        sa.UniqueConstraint("app_id", "user_id", name="uq_developer_app_members_app_id_user_id"),
    )
    with op.batch_alter_table("developer_app_members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_developer_app_members_user_id_app_id", ["user_id", "app_id"], unique=False
        )

    op.create_table(
        "developer_app_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("manifest_format", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("manifest_text", sa.Text(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("published_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["developer_apps.id"],
            name=op.f("fk_developer_app_versions_app_id_developer_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_user_id"],
            ["users.id"],
            name=op.f("fk_developer_app_versions_published_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_app_versions")),
        sa.UniqueConstraint("app_id", "number", name="uq_developer_app_versions_app_id_number"),
    )
    with op.batch_alter_table("developer_app_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_developer_app_versions_one_draft",
            ["app_id"],
            unique=True,
            sqlite_where=sa.text("state = 'draft'"),
            postgresql_where=sa.text("state = 'draft'"),
        )
    op.create_table(
        "developer_app_allowlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_developer_app_allowlist_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["developer_apps.id"],
            name=op.f("fk_developer_app_allowlist_app_id_developer_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_developer_app_allowlist_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_app_allowlist")),
        sa.UniqueConstraint(
            "app_id", "workspace_id", "account_id", name="uq_developer_app_allowlist_entry"
        ),
    )
    with op.batch_alter_table("developer_app_allowlist", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_developer_app_allowlist_app_id"), ["app_id"], unique=False
        )

    op.create_table(
        "developer_installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("installed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("installed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["developer_apps.id"],
            name=op.f("fk_developer_installations_app_id_developer_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["installed_by_user_id"],
            ["users.id"],
            name=op.f("fk_developer_installations_installed_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["developer_app_versions.id"],
            name=op.f("fk_developer_installations_version_id_developer_app_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_developer_installations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_installations")),
        sa.UniqueConstraint(
            "app_id", "workspace_id", name="uq_developer_installations_app_id_workspace_id"
        ),
    )
    with op.batch_alter_table("developer_installations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_developer_installations_workspace_id_id", ["workspace_id", "id"], unique=False
        )

    op.create_table(
        "developer_install_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("use_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["developer_apps.id"],
            name=op.f("fk_developer_install_links_app_id_developer_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_developer_install_links_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["developer_app_versions.id"],
            name=op.f("fk_developer_install_links_version_id_developer_app_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_install_links")),
    )
    with op.batch_alter_table("developer_install_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_developer_install_links_app_id"), ["app_id"], unique=False
        )
    op.create_table(
        "developer_client_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["developer_apps.id"],
            name=op.f("fk_developer_client_secrets_app_id_developer_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_developer_client_secrets_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_client_secrets")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_developer_client_secrets_secret_hash")),
    )
    with op.batch_alter_table("developer_client_secrets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_developer_client_secrets_app_id"), ["app_id"], unique=False
        )
    op.create_table(
        "developer_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["developer_installations.id"],
            name=op.f("fk_developer_tokens_installation_id_developer_installations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developer_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_developer_tokens_token_hash")),
    )
    with op.batch_alter_table("developer_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_developer_tokens_installation_id"), ["installation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("developer_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_developer_tokens_installation_id"))
    op.drop_table("developer_tokens")
    with op.batch_alter_table("developer_client_secrets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_developer_client_secrets_app_id"))
    op.drop_table("developer_client_secrets")
    with op.batch_alter_table("developer_install_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_developer_install_links_app_id"))

    op.drop_table("developer_install_links")
    with op.batch_alter_table("developer_installations", schema=None) as batch_op:
        batch_op.drop_index("ix_developer_installations_workspace_id_id")

    op.drop_table("developer_installations")
    with op.batch_alter_table("developer_app_allowlist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_developer_app_allowlist_app_id"))

    op.drop_table("developer_app_allowlist")
    with op.batch_alter_table("developer_app_versions", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_developer_app_versions_one_draft",
            sqlite_where=sa.text("state = 'draft'"),
            postgresql_where=sa.text("state = 'draft'"),
        )

    op.drop_table("developer_app_versions")
    with op.batch_alter_table("developer_app_members", schema=None) as batch_op:
        batch_op.drop_index("ix_developer_app_members_user_id_app_id")

    op.drop_table("developer_app_members")
    op.drop_table("developer_apps")
    op.drop_table("developer_terms_versions")
