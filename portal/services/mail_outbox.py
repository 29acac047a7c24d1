"""The mail outbox's queue, as the mail worker (workers/mail.py) works it.

A message is claimed under a lease (`claim_next`): a compare-and-set UPDATE that takes a due,
queued row only while no live lease holds it, so two workers never send one message at once
(safe on SQLite and PostgreSQL alike). The worker sends it outside any transaction, then
records the outcome (`record_sent` / `record_failure`), again only while the lease is its own.
A worker that dies mid-send leaves its lease to expire and the message is claimed again: mail
is sent at least once. A try counts when it is claimed, so the tries shown include those.

Failures are retried on RETRY_DELAYS (with jitter, so a queue that failed together does not
retry together); a permanent refusal (an SMTP 5xx about this message) or the last try's
failure makes the message FAILED. `last_error` holds the exception's class and text, never
the body: bodies carry reset links and codes, so nothing here logs or stores them elsewhere.
"""

from __future__ import annotations

import logging
import random
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from portal.domain.mail import MailStatus
from portal.models import SentEmail

log = logging.getLogger("portal.mail")

# Longer than the slowest send: smtplib's 10 s timeout is per socket operation.
LEASE_SECONDS = 120
# After the first try, then the second, ...: 1 min, 5 min, 30 min, 2 h, 6 h.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1  # each delay is stretched or shrunk by up to a tenth
ERROR_MAX = 300


@dataclass(frozen=True)
class ClaimedMail:
    """A message the worker holds the lease of: what it needs to send it. The body is here
    and nowhere else outside the table; keep it out of logs and reprs."""

    id: int
    to_address: str
    from_address: str | None
    reply_to: str | None
    subject: str
    body: str
    attempts: int

    def __repr__(self) -> str:  # a traceback or log line never shows the body
        return f"ClaimedMail(id={self.id}, attempts={self.attempts})"


def _due(now: datetime):
    return (
        col(SentEmail.status) == MailStatus.QUEUED,
        col(SentEmail.next_attempt_at) <= now,
        or_(col(SentEmail.lease_until).is_(None), col(SentEmail.lease_until) < now),
    )


def claim_next(session: Session, *, now: datetime, worker_id: str) -> ClaimedMail | None:
    """Claim the oldest due message for LEASE_SECONDS and count the try; the caller commits.

    Due: queued, its next try's time reached, and no live lease (an expired one means its
    worker stopped). Each claim re-checks all of that in the UPDATE itself, so of two workers
    reaching for one row only one updates it; the other moves on to the next candidate.
    """
    # A message whose every try was claimed and never recorded (its worker died each time: a
    # message that crashes it, say) fails here instead of coming back forever.
    session.execute(
        update(SentEmail)
        .where(*_due(now), col(SentEmail.attempts) >= MAX_ATTEMPTS)
        .values(
            status=MailStatus.FAILED,
            next_attempt_at=None,
            lease_owner=None,
            lease_until=None,
            last_error=f"The worker stopped during each of its {MAX_ATTEMPTS} tries.",
        )
        .execution_options(synchronize_session=False)
    )
    candidates = session.exec(
        select(SentEmail.id).where(*_due(now)).order_by(col(SentEmail.id)).limit(10)
    ).all()
    for mail_id in candidates:
        claimed = session.execute(
            update(SentEmail)
            .where(col(SentEmail.id) == mail_id, *_due(now))
            .values(
                lease_owner=worker_id,
                lease_until=now + timedelta(seconds=LEASE_SECONDS),
                attempts=SentEmail.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            row = session.execute(
                select(
                    SentEmail.id,
                    SentEmail.to_address,
                    SentEmail.from_address,
                    SentEmail.reply_to,
                    SentEmail.subject,
                    SentEmail.body,
                    SentEmail.attempts,
                ).where(col(SentEmail.id) == mail_id)
            ).one()
            return ClaimedMail(*row)
    return None


def build_message(mail: ClaimedMail, *, mail_from: str) -> EmailMessage:
    """The message as SMTP carries it. `from_address` (an app's sender) replaces MAIL_FROM."""
    message = EmailMessage()
    message["From"] = mail.from_address or mail_from
    message["To"] = mail.to_address
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    return message


def is_permanent(error: BaseException) -> bool:
    """Whether trying again cannot help: the server refused this message for good (5xx), or
    the message cannot be built (a header with a line break). A server that is down, slow,
    busy (4xx) or refuses the login is worth another try."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return isinstance(error, ValueError)  # email.message's header checks


def describe(error: BaseException) -> str:
    """What `last_error` says: the exception's class and text, cut to ERROR_MAX."""
    text = str(error).strip()
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:ERROR_MAX]


def retry_delay(attempts: int) -> timedelta | None:
    """How long after try number `attempts` failed the next one starts, with jitter; None
    after the last try."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = RETRY_DELAYS[max(attempts, 1) - 1]
    return delay * random.uniform(1 - JITTER, 1 + JITTER)


def _held(mail_id: int, worker_id: str):
    return (
        col(SentEmail.id) == mail_id,
        col(SentEmail.status) == MailStatus.QUEUED,
        col(SentEmail.lease_owner) == worker_id,
    )


def record_sent(session: Session, *, mail_id: int, worker_id: str, now: datetime) -> bool:
    """The SMTP server accepted it: SENT (an earlier try's error no longer applies). False
    when the lease was no longer this worker's (it expired and another worker claimed it)."""
    done = session.execute(
        update(SentEmail)
        .where(*_held(mail_id, worker_id))
        .values(
            status=MailStatus.SENT,
            delivered_at=now,
            next_attempt_at=None,
            last_error=None,
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def record_failure(
    session: Session, *, mail: ClaimedMail, worker_id: str, now: datetime, error: BaseException
) -> MailStatus | None:
    """A try failed: QUEUED again after the schedule's delay, or FAILED after the last try or
    a permanent refusal. Returns the status, or None when the lease was no longer ours."""
    delay = None if is_permanent(error) else retry_delay(mail.attempts)
    status = MailStatus.FAILED if delay is None else MailStatus.QUEUED
    done = session.execute(
        update(SentEmail)
        .where(*_held(mail.id, worker_id))
        .values(
            status=status,
            next_attempt_at=None if delay is None else now + delay,
            last_error=describe(error),
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return status if done.rowcount == 1 else None
