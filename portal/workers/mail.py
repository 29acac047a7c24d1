"""Mail loop: sends the mail outbox's queued messages over SMTP after the change that queued
them committed (services/mailer.py), retrying failures on services/mail_outbox.py's schedule.

Each message is claimed under a lease in its own short transaction, sent with no transaction
open (an SMTP server can take seconds), then its outcome recorded. This is the one place
Portal opens SMTP connections; everything here blocks: the Reflex app runs it in a thread.
Bodies hold reset links and codes: nothing here logs them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import smtplib
import socket
import threading
from datetime import datetime
from email.message import EmailMessage

from portal.config import Settings, get_settings
from portal.db import transaction
from portal.domain.mail import MailStatus
from portal.models._base import utcnow
from portal.services import mail_outbox

log = logging.getLogger("portal.worker")

DEFAULT_INTERVAL_SECONDS = 2.0
MAX_MESSAGES_PER_ROUND = 50
SMTP_TIMEOUT_SECONDS = 10

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"[:80]  # fits lease_owner


def send_over_smtp(message: EmailMessage, settings: Settings) -> None:
    """One message to the configured SMTP server (STARTTLS and login where configured)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            password = settings.smtp_password
            smtp.login(settings.smtp_username, password.get_secret_value() if password else "")
        smtp.send_message(message)


def send_due_mail(
    *,
    now: datetime | None = None,
    worker_id: str = WORKER_ID,
    limit: int = MAX_MESSAGES_PER_ROUND,
) -> dict[str, int]:
    """Claim and send due messages one after the other, up to `limit`; `now` fixes the
    clock (tests). Returns how many were sent, will be retried, or failed for good."""
    counts = {"mail_sent": 0, "mail_retrying": 0, "mail_failed": 0}
    settings = get_settings()
    if not settings.smtp_host:  # kept mail is never sent; queued mail waits for a server
        return counts
    for _ in range(limit):
        with transaction() as session:
            mail = mail_outbox.claim_next(session, now=now or utcnow(), worker_id=worker_id)
        if mail is None:
            break
        try:
            send_over_smtp(mail_outbox.build_message(mail, mail_from=settings.mail_from), settings)
        except Exception as error:  # every failure is recorded on the message, whatever it is
            with transaction() as session:
                status = mail_outbox.record_failure(
                    session, mail=mail, worker_id=worker_id, now=now or utcnow(), error=error
                )
            key = "mail_failed" if status is MailStatus.FAILED else "mail_retrying"
            counts[key] += 1
            log.warning(
                "mail %s: try %s failed, %s: %s",
                mail.id,
                mail.attempts,
                status or "lease lost",
                mail_outbox.describe(error),
            )
            continue
        with transaction() as session:
            recorded = mail_outbox.record_sent(
                session, mail_id=mail.id, worker_id=worker_id, now=now or utcnow()
            )
        counts["mail_sent"] += 1
        if not recorded:
            log.warning("mail %s: sent after its lease ran out (another worker may too)", mail.id)
    return counts


def run_once() -> dict[str, int]:
    counts = send_due_mail()
    if any(counts.values()):
        log.info("mail: %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def run_until(stop: threading.Event, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
    """Blocking loop for the standalone worker; returns once `stop` is set."""
    log.info("mail worker started: every %s s", interval)
    while not stop.is_set():
        try:
            run_once()
        except Exception:
            log.exception("mail round failed; retrying in %s s", interval)
        stop.wait(interval)
    log.info("mail worker stopped")


async def run_in_app(interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
    """Lifespan task of the Reflex app: the same loop, off the event loop's thread."""
    while True:
        try:
            await asyncio.to_thread(run_once)
        except Exception:
            log.exception("mail round failed; retrying in %s s", interval)
        await asyncio.sleep(interval)
