"""Mail Portal sent: the dev outbox when no SMTP server is configured."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, secret_field, utcnow


class SentEmail(SQLModel, table=True):
    __tablename__ = "sent_emails"
    __table_args__ = EXTEND
    __not_secret__ = ("id", "to_address", "from_address", "subject", "sent_at")

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=320, index=True)
    # Who it is from: an app's sender for an app's mail; None for Portal's own (MAIL_FROM).
    from_address: str | None = Field(default=None, max_length=420)
    subject: str = Field(max_length=255)
    body: str = secret_field()
    sent_at: datetime = Field(default_factory=utcnow, index=True)
