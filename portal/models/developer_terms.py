"""Who accepted which version of the developer terms."""

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
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


class DeveloperTermsVersion(SQLModel, table=True):
    """A version of the developer terms platform staff published after the one Portal ships
    with (settings.developer_terms_version): the newest is the current one."""

    __tablename__ = "developer_terms_versions"
    __table_args__ = (
        UniqueConstraint("version", name="uq_developer_terms_versions_version"),
        EXTEND,
    )
    __not_secret__ = ("id", "version", "changes", "published_at", "published_by_user_id")

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=32)
    # What changed since the version before, in plain words: the notice asking developers to
    # accept again shows it.
    changes: str = Field(sa_column=Column(Text, nullable=False))
    published_at: datetime = Field(default_factory=utcnow)
    published_by_user_id: int | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
