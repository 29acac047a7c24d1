"""Outgoing email: a row in the mail outbox (models/email.py), added to the caller's
transaction. The mail worker (workers/mail.py) sends queued rows over SMTP after the commit,
so a down SMTP server never fails the change and a rolled-back change sends nothing. With no
SMTP server configured, mail is kept for the dev outbox (a table the outbox page lists)."""

from __future__ import annotations

import logging

from sqlalchemy import null, select
from sqlmodel import Session

from portal.config import get_settings
from portal.domain.dto import EmailPublic
from portal.domain.errors import NotFound
from portal.domain.mail import MailStatus
from portal.domain.paging import Page
from portal.models import SentEmail
from portal.models._base import utcnow
from portal.services import keyset
from portal.services.keyset import Key

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


_M = SentEmail.__table__.c
# Only mail kept for the dev outbox: sent_emails is also the SMTP outbox, and mail queued,
# sent or failed while SMTP_HOST was set belongs to the platform staff's mail page.
_KEPT = select(_M.id, _M.to_address, _M.subject, _M.body, _M.sent_at).where(
    _M.status == MailStatus.KEPT
)
_OUTBOX = keyset.Keyset("dev_outbox", sorts={"newest": None}, tiebreak=Key(_M.id, int))
EmailPage = Page[EmailPublic]


def list_outbox(
    *, session: Session, limit: int | None = None, cursor: str | None = None
) -> EmailPage:
    """The dev outbox, newest first, a page at a time. Refused when SMTP is configured or the
    page is off."""
    settings = get_settings()
    if settings.smtp_host:
        raise NotFound("The dev outbox is off: mail goes to the configured SMTP server.")
    if not settings.dev_outbox_enabled:
        raise NotFound("The dev outbox is off on this server (PORTAL_DEV_OUTBOX=0).")
    page = _OUTBOX.page(session, _KEPT, sort="newest", direction="desc", limit=limit, cursor=cursor)
    return EmailPage(
        items=[
            EmailPublic(
                id=row.id,
                to_address=row.to_address,
                subject=row.subject,
                body=row.body,
                sent_at=row.sent_at,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )
