"""Who accepted which version of the developer terms."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, utcnow


class DeveloperTermsAcceptance(SQLModel, table=True):
    __tablename__ = "developer_terms_acceptances"
    __table_args__ = (
        UniqueConstraint("user_id", "terms_version", name="uq_terms_user_version"),
        EXTEND,
    )
    __not_secret__ = ("id", "user_id", "terms_version", "accepted_at")

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    terms_version: str = Field(max_length=32)
    accepted_at: datetime = Field(default_factory=utcnow)
