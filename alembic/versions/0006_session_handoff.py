"""Sessions handed to the browser through a one-time handoff (issue 8, item 5).

The session cookie is HttpOnly and set by a backend route, not by page JavaScript: sign-in
creates the session with ``handoff_expires_at`` set and gives the browser a one-time handoff
(whose hash is the row's ``token_hash`` meanwhile); the browser posts it to
``/auth/session``, which rotates the row to a fresh token, clears ``handoff_expires_at`` and
sets the cookie. A session whose handoff is pending signs nothing in.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handoff_expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("handoff_expires_at")
