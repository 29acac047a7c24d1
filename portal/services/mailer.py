"""Outgoing email: a row in the mail outbox (models/email.py), added to the caller's
transaction. The mail worker (workers/mail.py) sends queued rows over SMTP after the commit,
so a down SMTP server never fails the change and a rolled-back change sends nothing. With no
SMTP server configured, mail is kept for the dev outbox (a table the outbox page lists)."""

from __future__ import annotations

import logging

from sqlalchemy import null
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.domain.dto import EmailPublic
from portal.domain.errors import NotFound
from portal.domain.mail import MailStatus
from portal.models import SentEmail
from portal.models._base import utcnow

log = logging.getLogger("portal.mail")


def send(
    *,
    session: Session,
    to: str,
    subject: str,
    body: str,
    sender: str | None = None,
    reply_to: str | None = None,
) -> None:
    """Queue one message in the caller's transaction: the mail worker sends it over SMTP
    once the transaction commits; with no SMTP server configured it is kept for the dev
    outbox. `sender` ("Acme <no-reply@acme.test>", an app's mail) replaces MAIL_FROM."""
    settings = get_settings()
    queued = bool(settings.smtp_host)
    if not queued and not settings.dev_outbox_enabled:
        # Kept in sent_emails; shown on /dev/outbox only where that page is enabled.
        log.warning("No SMTP_HOST configured: mail to %s kept in sent_emails, not sent", to)
    session.add(
        SentEmail(
            to_address=to,
            from_address=sender,
            reply_to=reply_to,
            subject=subject,
            body=body,
            status=MailStatus.QUEUED if queued else MailStatus.KEPT,
            # Kept mail is never tried: NULL, not the column's default (None would be).
            next_attempt_at=utcnow() if queued else null(),
        )
    )


def list_outbox(*, session: Session, limit: int = 50) -> list[EmailPublic]:
    """The dev outbox, newest first. Refused when SMTP is configured or the page is off."""
    settings = get_settings()
    if settings.smtp_host:
        raise NotFound("The dev outbox is off: mail goes to the configured SMTP server.")
    if not settings.dev_outbox_enabled:
        raise NotFound("The dev outbox is off on this server (PORTAL_DEV_OUTBOX=0).")
    rows = session.exec(select(SentEmail).order_by(col(SentEmail.id).desc()).limit(limit)).all()
    return [EmailPublic.model_validate(row) for row in rows]
