"""PlatformMailState: platform staff read the mail outbox (newest first, by status) and queue a
failed message again; someone not on the staff calling the handlers is refused and changes
nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.domain.mail import MailStatus
from portal.models import AuditEvent, SentEmail
from portal.pages.platform.mail import PlatformMailState
from tests.state.support import run, toasts


@pytest.fixture
def outbox(db, monkeypatch):
    """SMTP configured; a sent message, then a failed one (ids 1 and 2)."""
    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    get_settings.cache_clear()
    for subject, status, error in (
        ("Welcome", MailStatus.SENT, None),
        ("Your code", MailStatus.FAILED, "SMTPRecipientsRefused: 550 No such mailbox"),
    ):
        db.add(
            SentEmail(
                to_address="ada@example.com",
                subject=subject,
                body="code 424242",
                status=status,
                attempts=1,
                last_error=error,
                next_attempt_at=None,
            )
        )
    db.commit()
    return db.exec(select(SentEmail.id).order_by(SentEmail.id)).all()


def test_staff_filter_and_retry_a_failed_message(db, browse, person, outbox):
    _, token, _ = person(platform_admin=True)
    state = browse("/platform/mail", token=token).state(PlatformMailState)
    run(state.load)
    assert [(m.subject, m.status, m.failed) for m in state.messages] == [
        ("Your code", "failed", True),
        ("Welcome", "sent", False),
    ]
    assert state.pager_page["mail"] == 1 and state.pager_has_next["mail"] is False

    run(state.filter_status, "failed")
    (row,) = state.messages
    assert (state.status_filter, row.last_error) == (
        "failed",
        "SMTPRecipientsRefused: 550 No such mailbox",
    )
    run(state.filter_status, "bounced")  # not a status: all mail
    assert state.status_filter == "all" and len(state.messages) == 2

    events = run(state.retry, row.id)
    assert toasts(events)[0][0] == "success"
    assert [(m.subject, m.status, m.next_attempt_at != "") for m in state.messages] == [
        ("Your code", "queued", True),
        ("Welcome", "sent", False),
    ]
    [(level, message)] = toasts(run(state.retry, row.id))  # queued now: nothing to retry
    assert level == "error" and "not failed" in message


def test_someone_not_on_the_staff_is_refused(db, browse, person, outbox):
    _, token, _ = person()
    state = browse("/platform/mail", token=token).state(PlatformMailState)
    with pytest.raises(Exception, match="Not found"):
        run(state.load)
    with pytest.raises(Exception, match="Not found"):
        run(state.filter_status, "failed")
    assert state.messages == []
    [(level, message)] = toasts(run(state.retry, outbox[1]))
    assert (level, message) == ("error", "Not found.")
    db.expire_all()
    assert db.get(SentEmail, outbox[1]).status == MailStatus.FAILED
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "mail.retried")).all() == []
