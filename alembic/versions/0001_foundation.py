"""Foundation: people, accounts, workspaces, grants, sign-in state, dev outbox, terms.

Creates, in foreign-key order:

- ``users``: people who sign in (email unique, argon2id password hash, platform-admin flag);
- ``accounts``: the top tenant;
- ``workspaces``: UUID-keyed tenants under an account (unique slug, tenancy model, region,
  status);
- ``permission_grants``: ``read`` / ``administer`` for a user on exactly one account or one
  workspace (checked), at most one grant per user and target;
- ``sessions``: server-side sessions, keyed by the SHA-256 of the browser's token;
- ``sign_in_attempts``: what the sign-in throttle counts, per email and per client address;
- ``password_resets``: one-time reset links, stored as the SHA-256 of their token;
- ``developer_terms_acceptances``: who accepted which version of the developer terms;
- ``sent_emails``: the dev outbox, used when no SMTP server is configured.

Every child row is deleted with its user, account or workspace (ON DELETE CASCADE).
Timestamps are ``TIMESTAMP WITH TIME ZONE`` holding UTC (SQLModel's UTCDateTime); SQLite
stores them as UTC text. Constraint and index names follow the naming convention in
portal/models/_base.py.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_platform_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_index("ix_users_email", "users", ["email"], unique=True)

    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
    )

    op.create_table(
        "workspaces",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=140), nullable=False),
        sa.Column("tenancy_model", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspaces"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_workspaces_account_id_accounts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_workspaces_account_id", "workspaces", ["account_id"])
    op.create_index("ix_workspaces_slug", "workspaces", ["slug"], unique=True)

    op.create_table(
        "permission_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("workspace_id", sa.Uuid(), nullable=True),
        sa.Column("permission", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_permission_grants"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_permission_grants_user_id_users",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_permission_grants_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_permission_grants_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        # A grant targets an account or a workspace, never both, never neither.
        sa.CheckConstraint(
            "(account_id IS NULL) <> (workspace_id IS NULL)", name="ck_grant_one_target"
        ),
        sa.CheckConstraint("permission IN ('read', 'administer')", name="ck_grant_permission"),
        # NULLs never collide, so each constraint only bites on the target the row has.
        sa.UniqueConstraint("user_id", "account_id", name="uq_grant_user_account"),
        sa.UniqueConstraint("user_id", "workspace_id", name="uq_grant_user_workspace"),
    )
    op.create_index("ix_permission_grants_user_id", "permission_grants", ["user_id"])
    op.create_index("ix_permission_grants_account_id", "permission_grants", ["account_id"])
    op.create_index("ix_permission_grants_workspace_id", "permission_grants", ["workspace_id"])

    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_sessions_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_index("ix_sessions_token_hash", "sessions", ["token_hash"], unique=True)

    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_attempts"),
    )
    op.create_index("ix_sign_in_attempts_email", "sign_in_attempts", ["email"])
    op.create_index("ix_sign_in_attempts_ip_address", "sign_in_attempts", ["ip_address"])
    op.create_index("ix_sign_in_attempts_attempted_at", "sign_in_attempts", ["attempted_at"])

    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_password_resets"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_password_resets_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_password_resets_user_id", "password_resets", ["user_id"])
    op.create_index("ix_password_resets_token_hash", "password_resets", ["token_hash"], unique=True)

    op.create_table(
        "developer_terms_acceptances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("terms_version", sa.String(length=32), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_developer_terms_acceptances"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_developer_terms_acceptances_user_id_users",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("user_id", "terms_version", name="uq_terms_user_version"),
    )
    op.create_index(
        "ix_developer_terms_acceptances_user_id", "developer_terms_acceptances", ["user_id"]
    )

    op.create_table(
        "sent_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sent_emails"),
    )
    op.create_index("ix_sent_emails_to_address", "sent_emails", ["to_address"])
    op.create_index("ix_sent_emails_sent_at", "sent_emails", ["sent_at"])


def downgrade() -> None:
    # Children before parents; a table's indexes go with it.
    op.drop_table("sent_emails")
    op.drop_table("developer_terms_acceptances")
    op.drop_table("password_resets")
    op.drop_table("sign_in_attempts")
    op.drop_table("sessions")
    op.drop_table("permission_grants")
    op.drop_table("workspaces")
    op.drop_table("accounts")
    op.drop_table("users")
