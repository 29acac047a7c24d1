"""Outgoing email: SMTP when configured, else the dev outbox (a table the outbox page lists)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.domain.dto import EmailPublic
from portal.domain.errors import NotFound
from portal.models import SentEmail

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
    """Send one message: through SMTP when configured, else into the dev outbox. `sender`
    ("Acme <no-reply@acme.test>", an app's mail) replaces MAIL_FROM."""
    settings = get_settings()
    if not settings.smtp_host:
        # Kept in sent_emails; shown on /dev/outbox only where that page is enabled.
        session.add(SentEmail(to_address=to, from_address=sender, subject=subject, body=body))
        if not settings.dev_outbox_enabled:
            log.warning("No SMTP_HOST configured: mail to %s kept in sent_emails, not sent", to)
        return
    message = EmailMessage()
    message["From"] = sender or settings.mail_from
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            password = settings.smtp_password
            smtp.login(settings.smtp_username, password.get_secret_value() if password else "")
        smtp.send_message(message)


def list_outbox(*, session: Session, limit: int = 50) -> list[EmailPublic]:
    """The dev outbox, newest first. Refused when SMTP is configured or the page is off."""
    settings = get_settings()
    if settings.smtp_host:
        raise NotFound("The dev outbox is off: mail goes to the configured SMTP server.")
    if not settings.dev_outbox_enabled:
        raise NotFound("The dev outbox is off on this server (PORTAL_DEV_OUTBOX=0).")
    rows = session.exec(select(SentEmail).order_by(col(SentEmail.id).desc()).limit(limit)).all()
    return [EmailPublic.model_validate(row) for row in rows]
