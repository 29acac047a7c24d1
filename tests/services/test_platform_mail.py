"""The mail outbox for platform staff: newest first, paged, filtered by status, never a body;
Retry now queues a failed message again (audited). Anyone else gets NotFound."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.domain.errors import Conflict, Invalid, NotFound
from portal.domain.mail import MailStatus
from portal.models import AuditEvent, SentEmail
from portal.models._base import utcnow
from portal.services import platform_mail
from tests.factories import actor_for, make_user


@pytest.fixture
def smtp(database, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    get_settings.cache_clear()


def _staff(db):
    return actor_for(db, make_user(db, platform_admin=True))


def _mail(db, subject: str, status: MailStatus, **fields) -> int:
    row = SentEmail(
        to_address=f"{subject.lower()}@example.com",
        subject=subject,
        body="token=s3cret",
        status=status,
        **fields,
    )
    db.add(row)
    db.flush()
    return row.id


def test_someone_not_on_the_staff_gets_not_found(db, smtp):
    actor = actor_for(db, make_user(db))
    mail_id = _mail(db, "Failed", MailStatus.FAILED, attempts=6, last_error="OSError: down")
    with pytest.raises(NotFound):
        platform_mail.list_mail(session=db, actor=actor)
    with pytest.raises(NotFound):
        platform_mail.retry_now(session=db, actor=actor, mail_id=mail_id)
    assert db.get(SentEmail, mail_id).status == MailStatus.FAILED


def test_staff_list_newest_first_in_pages_and_by_status(db):
    staff = _staff(db)
    _mail(db, "First", MailStatus.SENT, attempts=1, delivered_at=utcnow())
    _mail(db, "Second", MailStatus.FAILED, attempts=1, last_error="SMTPRecipientsRefused: 550")
    _mail(db, "Third", MailStatus.QUEUED, next_attempt_at=utcnow() + timedelta(minutes=1))
    _mail(db, "Fourth", MailStatus.KEPT)

    first = platform_mail.list_mail(session=db, actor=staff, limit=3)
    assert [m.subject for m in first.items] == ["Fourth", "Third", "Second"]
    rest = platform_mail.list_mail(session=db, actor=staff, limit=3, cursor=first.next_cursor)
    assert [m.subject for m in rest.items] == ["First"] and rest.next_cursor is None

    failed = platform_mail.list_mail(session=db, actor=staff, status="failed")
    (row,) = failed.items
    assert (row.subject, row.status, row.attempts, row.last_error) == (
        "Second",
        MailStatus.FAILED,
        1,
        "SMTPRecipientsRefused: 550",
    )
    assert "body" not in row.model_dump()
    sent = platform_mail.list_mail(session=db, actor=staff, status="sent").items
    assert [(m.subject, m.delivered_at is not None) for m in sent] == [("First", True)]
    assert [
        m.subject for m in platform_mail.list_mail(session=db, actor=staff, status="kept").items
    ] == ["Fourth"]
    with pytest.raises(Invalid):
        platform_mail.list_mail(session=db, actor=staff, status="bounced")


def test_retry_now_queues_a_failed_message_again(db, smtp):
    staff = _staff(db)
    mail_id = _mail(db, "Failed", MailStatus.FAILED, attempts=6, last_error="OSError: down")

    row = platform_mail.retry_now(session=db, actor=staff, mail_id=mail_id)

    assert (row.status, row.attempts, row.last_error) == (MailStatus.QUEUED, 0, "OSError: down")
    assert row.next_attempt_at is not None and row.next_attempt_at <= utcnow()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "mail.retried")).one()
    assert (event.target_type, event.target_id) == ("mail", str(mail_id))
    assert event.before["status"] == "failed" and event.after["status"] == "queued"
    assert "s3cret" not in str(event.before) + str(event.after)
    # Only a failed message: this one is queued now.
    with pytest.raises(Conflict):
        platform_mail.retry_now(session=db, actor=staff, mail_id=mail_id)


@pytest.mark.parametrize("mail_id", [999, "1", True, None])
def test_retry_now_refuses_what_is_not_a_message(db, smtp, mail_id):
    staff = _staff(db)
    _mail(db, "Failed", MailStatus.FAILED)
    with pytest.raises(NotFound):
        platform_mail.retry_now(session=db, actor=staff, mail_id=mail_id)


def test_retry_now_is_refused_without_an_smtp_server(db):
    staff = _staff(db)
    mail_id = _mail(db, "Failed", MailStatus.FAILED)
    with pytest.raises(Conflict, match="SMTP_HOST"):
        platform_mail.retry_now(session=db, actor=staff, mail_id=mail_id)
