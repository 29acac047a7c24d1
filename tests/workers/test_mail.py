"""The mail outbox end to end: a service queues mail in its own transaction (a down SMTP server
fails nothing, a rollback sends nothing); the worker sends it to a real SMTP server on loopback
after the commit, retries on the schedule (on a fake clock), fails for good on a 550, and never
takes a message another worker's live lease holds."""

from __future__ import annotations

import logging
import smtplib
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.db import transaction
from portal.domain.mail import MailStatus
from portal.models import SentEmail
from portal.models._base import utcnow
from portal.services import auth, mail_outbox, mailer
from portal.workers import mail as worker
from tests.workers.smtp_server import SmtpServer

BODY = "Your code is 424242. Reset: https://portal.test/reset-password?token=s3cret"


def _configure(monkeypatch, port: int) -> None:
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_STARTTLS", "0")
    monkeypatch.setenv("PORTAL_MAIL_FROM", "Portal <portal@example.com>")
    get_settings.cache_clear()


@pytest.fixture
def server(database, monkeypatch):
    with SmtpServer() as running:
        _configure(monkeypatch, running.port)
        yield running


@pytest.fixture
def closed_port(database, monkeypatch) -> int:
    """SMTP configured at a loopback port where nothing listens: the server is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _configure(monkeypatch, port)
    return port


def _queue(subject: str = "Your code", to: str = "ada@example.com") -> int:
    with transaction() as session:
        mailer.send(session=session, to=to, subject=subject, body=BODY)
    with transaction() as session:
        return session.exec(select(SentEmail.id).where(SentEmail.subject == subject)).one()


def _mail(db, mail_id: int) -> SentEmail:
    db.expire_all()
    return db.get(SentEmail, mail_id)


def test_a_sign_up_commits_while_smtp_is_down_and_its_code_waits_in_the_queue(
    db, closed_port, monkeypatch
):
    def no_smtp_in_a_request(*args, **kwargs):
        raise AssertionError("a service opened an SMTP connection")

    monkeypatch.setattr(smtplib, "SMTP", no_smtp_in_a_request)
    with transaction() as session:
        request_id = auth.sign_up(
            session=session, email="ada@example.com", name="Ada", password="a long passphrase"
        )
    assert request_id

    mail = db.exec(select(SentEmail).where(SentEmail.to_address == "ada@example.com")).one()
    assert (mail.status, mail.attempts, mail.delivered_at) == (MailStatus.QUEUED, 0, None)
    assert mail.next_attempt_at is not None


def test_a_rolled_back_change_leaves_no_mail(db, server):
    with pytest.raises(RuntimeError), transaction() as session:
        mailer.send(session=session, to="ada@example.com", subject="Never", body=BODY)
        raise RuntimeError("the change failed after queueing its mail")

    assert db.exec(select(SentEmail)).all() == []
    assert worker.send_due_mail() == {"mail_sent": 0, "mail_retrying": 0, "mail_failed": 0}
    assert server.connections == 0


def test_the_worker_sends_queued_mail_after_the_commit(db, server):
    with transaction() as session:
        mailer.send(
            session=session,
            to="ada@example.com",
            subject="Welcome",
            body=BODY,
            sender="Acme <no-reply@acme.test>",
            reply_to="help@acme.test",
        )
    mail_id = db.exec(select(SentEmail.id)).one()

    assert worker.send_due_mail()["mail_sent"] == 1

    (message,) = server.messages
    assert (message["From"], message["To"], message["Reply-To"], message["Subject"]) == (
        "Acme <no-reply@acme.test>",
        "ada@example.com",
        "help@acme.test",
        "Welcome",
    )
    assert message.get_content().strip() == BODY
    mail = _mail(db, mail_id)
    assert (mail.status, mail.attempts, mail.lease_owner, mail.last_error) == (
        MailStatus.SENT,
        1,
        None,
        None,
    )
    assert mail.delivered_at is not None and mail.next_attempt_at is None
    assert worker.send_due_mail()["mail_sent"] == 0  # sent once


def _between(moment, start, delay) -> bool:
    low, high = 1 - mail_outbox.JITTER, 1 + mail_outbox.JITTER
    return start + delay * low <= moment <= start + delay * high


def test_failures_are_retried_on_the_schedule_then_sent(db, server, caplog):
    caplog.set_level(logging.DEBUG)
    server.script("451", "drop")
    mail_id = _queue()
    start = utcnow()

    # Try 1: 451 to MAIL FROM. Queued again about a minute later.
    assert worker.send_due_mail(now=start)["mail_retrying"] == 1
    mail = _mail(db, mail_id)
    assert (mail.status, mail.attempts) == (MailStatus.QUEUED, 1)
    assert mail.last_error.startswith("SMTPSenderRefused: (451")
    assert _between(mail.next_attempt_at, start, timedelta(minutes=1))
    assert mail.lease_owner is None

    # Not due yet: nothing is claimed, nothing connects.
    assert worker.send_due_mail(now=start + timedelta(seconds=50)) == {
        "mail_sent": 0,
        "mail_retrying": 0,
        "mail_failed": 0,
    }
    assert server.connections == 1

    # Try 2: the server hangs up. Next try about five minutes later.
    second = start + timedelta(minutes=1, seconds=7)
    assert worker.send_due_mail(now=second)["mail_retrying"] == 1
    mail = _mail(db, mail_id)
    assert (mail.status, mail.attempts) == (MailStatus.QUEUED, 2)
    assert mail.last_error.startswith("SMTPServerDisconnected")
    assert _between(mail.next_attempt_at, second, timedelta(minutes=5))

    # Try 3: sent.
    third = second + timedelta(minutes=5, seconds=31)
    assert worker.send_due_mail(now=third)["mail_sent"] == 1
    mail = _mail(db, mail_id)
    assert (mail.status, mail.attempts, mail.delivered_at) == (MailStatus.SENT, 3, third)
    assert [m["Subject"] for m in server.messages] == ["Your code"]
    # The body (a code, a reset link) reached the server and nowhere else.
    assert "424242" not in caplog.text and "s3cret" not in caplog.text


def test_a_550_fails_the_message_at_once(db, server):
    server.script("550")
    mail_id = _queue()

    assert worker.send_due_mail()["mail_failed"] == 1

    mail = _mail(db, mail_id)
    assert (mail.status, mail.attempts, mail.next_attempt_at) == (MailStatus.FAILED, 1, None)
    assert mail.last_error.startswith("SMTPRecipientsRefused")
    assert "550" in mail.last_error
    assert "424242" not in mail.last_error
    assert worker.send_due_mail()["mail_failed"] == 0  # not tried again


def test_the_last_try_fails_the_message(db, closed_port):
    mail_id = _queue()
    mail = _mail(db, mail_id)
    mail.attempts = mail_outbox.MAX_ATTEMPTS - 1
    db.add(mail)
    db.commit()

    assert worker.send_due_mail()["mail_failed"] == 1

    mail = _mail(db, mail_id)
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, mail_outbox.MAX_ATTEMPTS)
    assert mail.last_error.startswith("ConnectionRefusedError")


def test_the_schedule_is_the_published_one():
    delays = [mail_outbox.retry_delay(n) for n in range(1, mail_outbox.MAX_ATTEMPTS + 1)]
    expected = [60, 300, 1800, 7200, 21600]
    for delay, seconds in zip(delays, expected, strict=False):
        assert seconds * 0.9 <= delay.total_seconds() <= seconds * 1.1
    assert delays[-1] is None


def test_a_live_lease_is_not_taken_and_an_expired_one_is(db, server):
    mail_id = _queue()
    now = utcnow()
    with transaction() as session:
        held = mail_outbox.claim_next(session, now=now, worker_id="worker-a")
    assert held.id == mail_id and held.attempts == 1
    assert "424242" not in repr(held)

    # Worker B, while A's lease lives: nothing to claim, nothing sent.
    later = now + timedelta(seconds=mail_outbox.LEASE_SECONDS - 1)
    assert worker.send_due_mail(now=later, worker_id="worker-b")["mail_sent"] == 0
    assert server.connections == 0

    # A was killed mid-send: once its lease has expired, B claims the message and sends it.
    expired = now + timedelta(seconds=mail_outbox.LEASE_SECONDS + 1)
    assert worker.send_due_mail(now=expired, worker_id="worker-b")["mail_sent"] == 1
    mail = _mail(db, mail_id)
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 2)

    # A comes back: its lease is gone, so it records nothing over B's outcome.
    with transaction() as session:
        assert not mail_outbox.record_sent(session, mail_id=mail_id, worker_id="worker-a", now=now)
        assert (
            mail_outbox.record_failure(
                session, mail=held, worker_id="worker-a", now=now, error=OSError("late")
            )
            is None
        )
    assert _mail(db, mail_id).status == MailStatus.SENT


def test_workers_claiming_at_once_never_share_a_message(db, server):
    ids = {_queue(subject=f"Mail {n}") for n in range(12)}
    now = utcnow()

    def claim_all(worker_id: str) -> list[int]:
        claimed = []
        while True:
            with transaction() as session:
                mail = mail_outbox.claim_next(session, now=now, worker_id=worker_id)
            if mail is None:
                return claimed
            claimed.append(mail.id)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(claim_all, [f"worker-{n}" for n in range(4)]))

    claimed = [mail_id for result in results for mail_id in result]
    assert sorted(claimed) == sorted(ids)  # each message once, by one worker


def test_without_smtp_mail_is_kept_and_the_worker_leaves_it(db, caplog):
    caplog.set_level(logging.DEBUG)
    with transaction() as session:
        mailer.send(session=session, to="ada@example.com", subject="Kept", body=BODY)

    assert worker.send_due_mail() == {"mail_sent": 0, "mail_retrying": 0, "mail_failed": 0}
    mail = db.exec(select(SentEmail)).one()
    assert (mail.status, mail.next_attempt_at, mail.attempts) == (MailStatus.KEPT, None, 0)
    assert "424242" not in caplog.text


def test_run_once_logs_counts_not_bodies(db, server, caplog):
    caplog.set_level(logging.INFO, logger="portal.worker")
    server.script("550")
    _queue(subject="Refused")
    _queue(subject="Accepted")

    assert worker.run_once() == {"mail_sent": 1, "mail_retrying": 0, "mail_failed": 1}

    assert "mail_sent=1" in caplog.text and "mail_failed=1" in caplog.text
    assert "424242" not in caplog.text


def test_only_the_mail_worker_opens_smtp_connections():
    """Requests queue mail (services/mailer.py); the worker alone talks to the SMTP server."""
    from pathlib import Path

    import portal

    root = Path(portal.__file__).parent
    opening = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "smtplib.SMTP(" in path.read_text() or "SMTP_SSL(" in path.read_text()
    )
    assert opening == ["workers/mail.py"]


def test_a_message_whose_worker_dies_on_every_try_fails_instead_of_coming_back(db, server):
    mail_id = _queue()
    now = utcnow()
    for _ in range(mail_outbox.MAX_ATTEMPTS):  # claimed, then the worker dies: never recorded
        with transaction() as session:
            assert mail_outbox.claim_next(session, now=now, worker_id="doomed").id == mail_id
        now += timedelta(seconds=mail_outbox.LEASE_SECONDS + 1)
    with transaction() as session:
        assert mail_outbox.claim_next(session, now=now, worker_id="next") is None
    mail = _mail(db, mail_id)
    assert (mail.status, mail.next_attempt_at) == (MailStatus.FAILED, None)
    assert "stopped during each" in mail.last_error
    assert server.connections == 0
