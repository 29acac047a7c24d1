"""The mail outbox: every message Portal sends, written in the transaction of the change that
sends it (services/mailer.py) and sent over SMTP by the worker after the commit, retried on
failure; kept for the dev outbox when no SMTP server is configured."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from portal.domain.mail import MailStatus
from portal.models._base import EXTEND, secret_field, utcnow


class SentEmail(SQLModel, table=True):
    __tablename__ = "sent_emails"
    __table_args__ = (
        # The worker's queue: due messages in order.
        Index("ix_sent_emails_status_next_attempt_at", "status", "next_attempt_at"),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "to_address",
        "from_address",
        "reply_to",
        "subject",
        "sent_at",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_owner",
        "lease_until",
        "last_error",
        "delivered_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=320, index=True)
    # Who it is from: an app's sender for an app's mail; None for Portal's own (MAIL_FROM).
    from_address: str | None = Field(default=None, max_length=420)
    subject: str = Field(max_length=255)
    body: str = secret_field()
    sent_at: datetime = Field(default_factory=utcnow, index=True)  # when Portal queued it
    reply_to: str | None = Field(default=None, max_length=320)
    status: str = Field(default=MailStatus.QUEUED, max_length=16)  # a MailStatus
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default_factory=utcnow)  # None once final
    # A worker's claim, as on webhook deliveries (models/webhook.py).
    lease_owner: str | None = Field(default=None, max_length=80)
    lease_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=300)  # why the last try failed
    delivered_at: datetime | None = None  # when the SMTP server accepted it
