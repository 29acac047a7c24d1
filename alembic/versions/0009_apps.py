"""Apps and what each owns (issue 9).

Creates:

- ``apps``: a product boundary in a workspace, with its auth and email settings; its slug is
  unique within the workspace; indexes for the portfolio's two orders (by ``lower(name)``,
  newest first);
- ``app_api_keys``: ``sk_<env>_...`` secret keys, stored as SHA-256 with a display prefix;
- ``organizations``, ``end_users`` and ``organization_members``: an app environment's
  customers and their people; ``end_user_tokens``: their sessions and magic links (hashed);
- ``app_activity``: API calls and sign-ins per app, environment, organization and day (one
  row per key: a unique index over ``coalesce(organization_id, 0)``);
- ``app_visits``: when each person last opened or changed each app (Recent apps);
- ``webhook_endpoints``: an app environment's endpoints, their signing secrets sealed at rest;
- ``app_idempotency_records``: the first response to a data-plane write per key and
  Idempotency-Key, replayed for its repeats;

and adds ``sent_emails.from_address`` (an app's mail is sent from its own sender).

Everything cascades from its app, and apps from their workspace.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel.sql.sqltypes.AutoString, UTCDateTime

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sent_emails", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("from_address", sqlmodel.sql.sqltypes.AutoString(length=420), nullable=True)
        )
    op.create_table(
        "apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("password_enabled", sa.Boolean(), nullable=False),
        sa.Column("magic_link_enabled", sa.Boolean(), nullable=False),
        sa.Column("google_enabled", sa.Boolean(), nullable=False),
        sa.Column("github_enabled", sa.Boolean(), nullable=False),
        sa.Column("password_min_length", sa.Integer(), nullable=False),
        sa.Column("password_require_uppercase", sa.Boolean(), nullable=False),
        sa.Column("password_require_lowercase", sa.Boolean(), nullable=False),
        sa.Column("password_require_digit", sa.Boolean(), nullable=False),
        sa.Column("password_require_symbol", sa.Boolean(), nullable=False),
        sa.Column("session_lifetime_minutes", sa.Integer(), nullable=False),
        sa.Column("mfa_required", sa.Boolean(), nullable=False),
        sa.Column("redirect_urls", sa.JSON(), nullable=False),
        sa.Column("google_client_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "google_client_secret_sealed",
            sqlmodel.sql.sqltypes.AutoString(length=400),
            nullable=True,
        ),
        sa.Column("github_client_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "github_client_secret_sealed",
            sqlmodel.sql.sqltypes.AutoString(length=400),
            nullable=True,
        ),
        sa.Column("email_sender_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column(
            "email_sender_address", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True
        ),
        sa.Column("email_reply_to", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("last_active_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_apps_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apps")),
        sa.UniqueConstraint("workspace_id", "slug", name="uq_apps_workspace_id_slug"),
        sqlite_autoincrement=True,  # ids never reused: audit and activity name rows by id
    )
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.create_index(
            "ix_apps_workspace_id_created_at_id", ["workspace_id", "created_at", "id"], unique=False
        )
    op.create_index(
        "ix_apps_workspace_id_lower_name_id",
        "apps",
        ["workspace_id", sa.text("lower(name)"), "id"],
        unique=False,
    )

    op.create_table(
        "app_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("environment", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_prefix", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_app_api_keys_app_id_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_app_api_keys_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_app_api_keys_key_hash")),
    )
    with op.batch_alter_table("app_api_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_app_api_keys_app_id_created_at", ["app_id", "created_at"], unique=False
        )

    op.create_table(
        "app_visits",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("visited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_app_visits_app_id_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_app_visits_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "app_id", name=op.f("pk_app_visits")),
    )
    with op.batch_alter_table("app_visits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_app_visits_user_id_visited_at", ["user_id", "visited_at"], unique=False
        )

    op.create_table(
        "end_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("environment", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("disabled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_sign_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_end_users_app_id_apps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_end_users")),
        sa.UniqueConstraint("app_id", "environment", "email", name="uq_end_users_app_env_email"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "app_idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_key_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_key_id"],
            ["app_api_keys.id"],
            name=op.f("fk_app_idempotency_records_app_key_id_app_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_idempotency_records")),
        sa.UniqueConstraint(
            "app_key_id", "key", name=op.f("uq_app_idempotency_records_app_key_id")
        ),
    )
    with op.batch_alter_table("app_idempotency_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_app_idempotency_records_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("environment", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column(
            "signing_secret_sealed", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "disabled_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True
        ),
        sa.Column("secret_rotated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["apps.id"],
            name=op.f("fk_webhook_endpoints_app_id_apps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_endpoints_app_id_id", ["app_id", "id"], unique=False)

    op.create_table(
        "end_user_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("end_user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["end_user_id"],
            ["end_users.id"],
            name=op.f("fk_end_user_tokens_end_user_id_end_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_end_user_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_end_user_tokens_token_hash")),
    )
    with op.batch_alter_table("end_user_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_end_user_tokens_end_user_id"), ["end_user_id"], unique=False
        )

    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("environment", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_active_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_organizations_app_id_apps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_organizations_app_id_environment_lower_name_id",
        "organizations",
        ["app_id", "environment", sa.text("lower(name)"), "id"],
        unique=False,
    )
    op.create_table(
        "app_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("environment", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("sign_ins", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_app_activity_app_id_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_app_activity_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_activity")),
    )
    with op.batch_alter_table("app_activity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_app_activity_organization_id"), ["organization_id"], unique=False
        )
    op.create_index(
        "uq_app_activity_day",
        "app_activity",
        ["app_id", "environment", "day", sa.text("coalesce(organization_id, 0)")],
        unique=True,
    )

    op.create_table(
        "organization_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("end_user_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["end_user_id"],
            ["end_users.id"],
            name=op.f("fk_organization_members_end_user_id_end_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_members_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_members")),
        sa.UniqueConstraint("organization_id", "end_user_id", name="uq_organization_members_pair"),
    )
    with op.batch_alter_table("organization_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_members_end_user_id"), ["end_user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("organization_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_members_end_user_id"))

    op.drop_table("organization_members")
    with op.batch_alter_table("app_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_activity_organization_id"))

    op.drop_index("uq_app_activity_day", table_name="app_activity")
    op.drop_table("app_activity")
    op.drop_index("ix_organizations_app_id_environment_lower_name_id", table_name="organizations")
    op.drop_table("organizations")
    with op.batch_alter_table("app_idempotency_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_idempotency_records_created_at"))

    op.drop_table("app_idempotency_records")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_endpoints_app_id_id")

    op.drop_table("webhook_endpoints")
    with op.batch_alter_table("end_user_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_end_user_tokens_end_user_id"))

    op.drop_table("end_user_tokens")
    op.drop_table("end_users")
    with op.batch_alter_table("app_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_app_visits_user_id_visited_at")

    op.drop_table("app_visits")
    with op.batch_alter_table("app_api_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_app_api_keys_app_id_created_at")

    op.drop_table("app_api_keys")
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.drop_index("ix_apps_workspace_id_created_at_id")

    op.drop_index("ix_apps_workspace_id_lower_name_id", table_name="apps")
    op.drop_table("apps")
    with op.batch_alter_table("sent_emails", schema=None) as batch_op:
        batch_op.drop_column("from_address")
