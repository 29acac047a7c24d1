"""Sign-up requests: a sign-up waits for the code mailed to its email.

- ``sign_up_requests``: the name, account name and password hash someone signed up with, the
  SHA-256 of the code mailed to the email, how many codes were tried, and when it expires or
  was used. Entering the code creates the user and signs them in. A sign-up for an email that
  already has a user is stored too (``email_taken``; its code is never sent), so the browser
  sees the same next step either way.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_up_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("account_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("email_taken", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sign_up_requests"),
    )
    op.create_index("ix_sign_up_requests_email", "sign_up_requests", ["email"])


def downgrade() -> None:
    op.drop_index("ix_sign_up_requests_email", table_name="sign_up_requests")
    op.drop_table("sign_up_requests")
