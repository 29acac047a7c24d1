"""Outgoing mail: the dev outbox, or SMTP when a host is configured."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal.config import get_settings
from portal.domain.errors import Invalid, NotFound
from portal.domain.mail import MailStatus
from portal.domain.paging import InvalidCursor
from portal.models import SentEmail
from portal.services import mailer
from portal.workers import mail as mail_worker


class FakeSMTP:
    """Stands in for smtplib.SMTP and remembers what it was asked to do."""

    instances: list[FakeSMTP] = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port, self.timeout = host, port, timeout
        self.calls: list[str] = []
        self.login_args = None
        self.messages = []
        FakeSMTP.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append("quit")
        return False

    def starttls(self):
        self.calls.append("starttls")

    def login(self, username, password):
        self.calls.append("login")
        self.login_args = (username, password)

    def send_message(self, message):
        self.calls.append("send_message")
        self.messages.append(message)


@pytest.fixture
def smtp(monkeypatch, database):
    FakeSMTP.instances = []
    monkeypatch.setattr(mail_worker.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("PORTAL_MAIL_FROM", "Portal <portal@example.com>")
    get_settings.cache_clear()
    return FakeSMTP


def test_dev_outbox_keeps_mail_and_lists_newest_first(db):
    for n in range(3):
        mailer.send(session=db, to=f"person{n}@example.com", subject=f"Mail {n}", body=f"Body {n}")
    db.commit()

    page = mailer.list_outbox(session=db)
    outbox = page.items

    assert [m.subject for m in outbox] == ["Mail 2", "Mail 1", "Mail 0"]
    assert page.next_cursor is None
    assert outbox[0].to_address == "person2@example.com"
    assert outbox[0].body == "Body 2"
    assert outbox[0].sent_at.tzinfo is not None


def _subjects(db, **kwargs) -> tuple[list[str], str | None]:
    page = mailer.list_outbox(session=db, **kwargs)
    return [m.subject for m in page.items], page.next_cursor


def test_the_dev_outbox_pages_on_the_server_newest_first(db):
    for n in range(5):
        mailer.send(session=db, to=f"person{n}@example.com", subject=f"Mail {n}", body="Hi")
    db.commit()
    first, cursor = _subjects(db, limit=2)
    assert first == ["Mail 4", "Mail 3"] and cursor
    # Mail kept after the first page was read does not shift the pages after it.
    mailer.send(session=db, to="late@example.com", subject="Mail 5", body="Hi")
    db.commit()
    second, cursor = _subjects(db, limit=2, cursor=cursor)
    assert second == ["Mail 2", "Mail 1"] and cursor
    assert _subjects(db, limit=2, cursor=cursor) == (["Mail 0"], None)
    with pytest.raises(InvalidCursor):
        mailer.list_outbox(session=db, cursor="bm90LWEtY3Vyc29y")
    with pytest.raises(Invalid):
        mailer.list_outbox(session=db, limit=1000)


def test_the_dev_outbox_lists_only_kept_mail(db, monkeypatch):
    """sent_emails is also the SMTP outbox: mail queued, sent or failed while SMTP_HOST was
    set stays off the dev outbox when the server runs without SMTP again."""
    mailer.send(session=db, to="kept@example.com", subject="Kept before", body="Hi")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    get_settings.cache_clear()
    for subject in ("Queued", "Sent", "Failed"):
        mailer.send(session=db, to="smtp@example.com", subject=subject, body="token=abc")
    db.flush()
    for mail in db.exec(select(SentEmail).where(SentEmail.subject.in_(["Sent", "Failed"]))):
        mail.status = MailStatus(mail.subject.lower())
        mail.next_attempt_at = None
        db.add(mail)
    monkeypatch.delenv("SMTP_HOST")
    get_settings.cache_clear()
    mailer.send(session=db, to="kept@example.com", subject="Kept after", body="Hi")
    db.commit()
    statuses = sorted(db.exec(select(SentEmail.status)).all())
    assert statuses == ["failed", "kept", "kept", "queued", "sent"]
    assert _subjects(db) == (["Kept after", "Kept before"], None)
    assert _subjects(db, limit=1)[0] == ["Kept after"]


def test_smtp_is_used_when_a_host_is_set(db, smtp):
    mailer.send(session=db, to="ada@example.com", subject="Hello", body="Hello, Ada.")
    assert smtp.instances == []  # queued: the worker sends it after the commit
    db.commit()
    assert mail_worker.send_due_mail()["mail_sent"] == 1

    (server,) = smtp.instances
    assert (server.host, server.port, server.timeout) == ("smtp.example.com", 2525, 10)
    assert server.calls == ["starttls", "send_message", "quit"]
    (message,) = server.messages
    assert message["From"] == "Portal <portal@example.com>"
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Hello"
    assert message.get_content().strip() == "Hello, Ada."
    db.expire_all()
    assert db.exec(select(SentEmail.status)).all() == ["sent"]  # kept for the staff's list
    assert db.exec(select(func.count()).select_from(SentEmail)).one() == 1


def test_smtp_logs_in_when_credentials_are_set(db, smtp, monkeypatch):
    monkeypatch.setenv("SMTP_USERNAME", "portal")
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("SMTP_STARTTLS", "0")
    get_settings.cache_clear()

    mailer.send(session=db, to="ada@example.com", subject="Hello", body="Hello, Ada.")
    db.commit()
    mail_worker.send_due_mail()

    (server,) = smtp.instances
    assert server.calls == ["login", "send_message", "quit"]
    assert server.login_args == ("portal", "s3cret")


def test_the_outbox_is_refused_when_smtp_is_configured(db, smtp):
    with pytest.raises(NotFound) as caught:
        mailer.list_outbox(session=db)
    assert "SMTP" in caught.value.message


def test_production_keeps_mail_off_the_public_outbox(db, monkeypatch):
    """Under `reflex run --env prod` without SMTP, mail is kept but not published."""
    monkeypatch.setenv("REFLEX_ENV_MODE", "prod")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a key of this test")  # production needs one
    get_settings.cache_clear()
    mailer.send(session=db, to="a@example.com", subject="Reset", body="token=secret")
    db.commit()
    assert db.exec(select(SentEmail)).one().to_address == "a@example.com"
    with pytest.raises(NotFound, match="PORTAL_DEV_OUTBOX"):
        mailer.list_outbox(session=db)
    monkeypatch.setenv("PORTAL_DEV_OUTBOX", "1")
    get_settings.cache_clear()
    assert [m.subject for m in mailer.list_outbox(session=db).items] == ["Reset"]
