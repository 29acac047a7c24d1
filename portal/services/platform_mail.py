"""The mail outbox as platform staff see it (/platform/mail): every message Portal sent or
tries to send, newest first, with its status, tries and why the last one failed; a failed
message can be queued again. Platform staff only (require_platform_admin: NotFound for anyone
else). Bodies hold reset links and codes: no query here selects one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from portal.config import get_settings
from portal.domain.access import Actor
from portal.domain.dto import DTO
from portal.domain.errors import Conflict, Invalid, NotFound
from portal.domain.mail import MailStatus
from portal.domain.paging import Page
from portal.models import SentEmail
from portal.models._base import utcnow
from portal.services import audit, keyset, permissions
from portal.services.keyset import Key

ALL = "all"
# The filter's words: every message, or those of one status.
FILTERS = (ALL, *(status.value for status in MailStatus))


class OutboxMailRow(DTO):
    """A message in the staff list: never its body."""

    id: int
    to_address: str
    subject: str
    status: MailStatus
    attempts: int
    last_error: str
    queued_at: datetime
    next_attempt_at: datetime | None  # while queued
    delivered_at: datetime | None  # once sent


OutboxMailPage = Page[OutboxMailRow]

_M = SentEmail.__table__.c
_ROWS = select(
    _M.id,
    _M.to_address,
    _M.subject,
    _M.status,
    _M.attempts,
    _M.last_error,
    _M.sent_at,
    _M.next_attempt_at,
    _M.delivered_at,
)
# Per filter: its keyset and its query, built once (keyset caches the prepared statement).
_LISTS = {
    name: (
        keyset.Keyset(f"mail_outbox_{name}", sorts={"queued": None}, tiebreak=Key(_M.id, int)),
        _ROWS if name == ALL else _ROWS.where(_M.status == name),
    )
    for name in FILTERS
}


def _row(row) -> OutboxMailRow:
    return OutboxMailRow(
        id=row.id,
        to_address=row.to_address,
        subject=row.subject,
        status=MailStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error or "",
        queued_at=row.sent_at,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
    )


def list_mail(
    *,
    session: Session,
    actor: Actor,
    status: str = ALL,
    limit: int | None = None,
    cursor: str | None = None,
) -> OutboxMailPage:
    """Messages of `status` (or all), newest first."""
    permissions.require_platform_admin(actor)
    if status not in _LISTS:
        raise Invalid(f"status must be one of: {', '.join(FILTERS)}.", field="status")
    keys, query = _LISTS[status]
    page = keys.page(session, query, sort="queued", direction="desc", limit=limit, cursor=cursor)
    return OutboxMailPage(items=[_row(row) for row in page.rows], next_cursor=page.next_cursor)


def _id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def retry_now(*, session: Session, actor: Actor, mail_id: int) -> OutboxMailRow:
    """Queue a failed message again, due now, with a fresh schedule of tries."""
    permissions.require_platform_admin(actor)
    mail = session.get(SentEmail, _id(mail_id)) if _id(mail_id) else None
    if mail is None:
        raise NotFound("Message not found.")
    if not get_settings().smtp_host:
        raise Conflict("No SMTP server is configured (SMTP_HOST): Portal keeps mail, never sends.")
    before = {"status": mail.status, "attempts": mail.attempts, "last_error": mail.last_error}
    queued = session.execute(
        update(SentEmail)
        .where(col(SentEmail.id) == mail.id, col(SentEmail.status) == MailStatus.FAILED)
        .values(
            status=MailStatus.QUEUED,
            attempts=0,
            next_attempt_at=utcnow(),
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    if queued.rowcount != 1:
        raise Conflict(f"This message is {mail.status} now, not failed: reload to see it.")
    audit.record(
        session,
        actor=actor,
        action="mail.retried",
        target_type="mail",
        target_id=mail.id,
        account_id=None,
        before=before,
        after={"status": MailStatus.QUEUED.value, "to": mail.to_address},
    )
    return _row(session.execute(_ROWS.where(_M.id == mail.id)).one())
