"""Periodic clean-up the worker runs: ended sessions and stale sign-in attempts."""

from __future__ import annotations

from sqlmodel import Session

from portal.services import sessions, throttle


def run_once(*, session: Session) -> dict[str, int]:
    return {
        "sessions_purged": sessions.purge_stale(session=session),
        "sign_in_attempts_purged": throttle.purge_old(session=session),
    }
