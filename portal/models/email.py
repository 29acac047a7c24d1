"""Mail Portal sent: the dev outbox when no SMTP server is configured."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, utcnow


class SentEmail(SQLModel, table=True):
    __tablename__ = "sent_emails"
    __table_args__ = EXTEND

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=320, index=True)
    subject: str = Field(max_length=255)
    body: str
    sent_at: datetime = Field(default_factory=utcnow, index=True)
