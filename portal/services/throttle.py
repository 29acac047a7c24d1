"""Sign-in throttle: failures counted per account (email) and per client address."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.domain.errors import Throttled
from portal.models import SignInAttempt
from portal.models._base import utcnow

# The column's width. Sign-in takes any string as an email; one longer than the column would
# fail the insert on PostgreSQL (a 500 instead of "that email and password don't match").
_EMAIL_KEY_LENGTH = 320


def _email_key(email: str) -> str:
    return email[:_EMAIL_KEY_LENGTH]


def _wait_seconds(session: Session, *, column, value: str) -> int:
    """Seconds until the window holds fewer than the maximum failures for this key; 0 if now."""
    settings = get_settings()
    now = utcnow()
    window = timedelta(minutes=settings.throttle_window_minutes)
    failures = session.exec(
        select(SignInAttempt.attempted_at)
        .where(column == value, col(SignInAttempt.succeeded).is_(False))
        .where(SignInAttempt.attempted_at > now - window)
        .order_by(col(SignInAttempt.attempted_at).desc())
        .limit(settings.throttle_max_failures)
    ).all()
    if len(failures) < settings.throttle_max_failures:
        return 0
    # The oldest of the newest N failures must leave the window before another try.
    oldest = failures[-1]
    return max(1, int((oldest + window - now).total_seconds()) + 1)


def check(*, session: Session, email: str, ip_address: str) -> None:
    """Raise Throttled when either the email or the client has too many recent failures."""
    wait = _wait_seconds(session, column=SignInAttempt.email, value=_email_key(email))
    if ip_address:
        wait = max(wait, _wait_seconds(session, column=SignInAttempt.ip_address, value=ip_address))
    if wait:
        raise Throttled(wait)


def record(*, session: Session, email: str, ip_address: str, succeeded: bool) -> None:
    session.add(
        SignInAttempt(email=_email_key(email), ip_address=ip_address[:64], succeeded=succeeded)
    )


def purge_old(*, session: Session) -> int:
    """Drop attempts older than the window: they no longer count for anything."""
    cutoff = utcnow() - timedelta(minutes=get_settings().throttle_window_minutes)
    result = session.exec(delete(SignInAttempt).where(col(SignInAttempt.attempted_at) < cutoff))
    return result.rowcount or 0
