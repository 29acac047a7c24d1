"""Periodic clean-up the worker runs: ended sessions, stale sign-in attempts, sign-up
requests past their code, and Idempotency-Key records past their 24 hours."""

from __future__ import annotations

from sqlmodel import Session

from portal.services import api_tokens, app_idempotency, auth, sessions, throttle


def run_once(*, session: Session) -> dict[str, int]:
    return {
        "sessions_purged": sessions.purge_stale(session=session),
        "sign_in_attempts_purged": throttle.purge_old(session=session),
        "sign_up_requests_purged": auth.purge_sign_up_requests(session=session),
        "idempotency_records_purged": api_tokens.purge_idempotency_records(session=session),
        "app_idempotency_records_purged": app_idempotency.purge(session=session),
    }
