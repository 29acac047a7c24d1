"""The sign-in throttle: failures per email and per client address within a window.

Each attempt runs in its own transaction, as the app runs it: a failed sign-in rolls back the
caller's transaction, and the throttle must still see the failure.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from portal.db import transaction
from portal.domain.access import ClientInfo
from portal.domain.errors import AuthenticationFailed, Throttled
from portal.models import SignInAttempt
from portal.services import auth, housekeeping, throttle
from tests.factories import PASSWORD, make_user

IP = "198.51.100.1"
OTHER_IP = "198.51.100.2"


@pytest.fixture
def user(db):
    user = make_user(db, email="ada@example.com")
    db.commit()
    return user


def attempt(email: str, password: str, ip: str = IP):
    with transaction() as session:
        return auth.sign_in(
            session=session, email=email, password=password, client=ClientInfo(ip_address=ip)
        )


def fail(times: int, email: str = "ada@example.com", ip: str = IP) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            attempt(email, "wrong password!", ip)


def attempts(db) -> int:
    return db.exec(select(func.count()).select_from(SignInAttempt)).one()


def backdate(db, delta: timedelta, *, where=None) -> None:
    statement = select(SignInAttempt)
    if where is not None:
        statement = statement.where(where)
    for row in db.exec(statement).all():
        row.attempted_at = row.attempted_at - delta
        db.add(row)
    db.commit()


def minutes_in(message: str) -> int:
    match = re.search(r"Try again in (\d+) minutes?\b", message)
    assert match, message
    return int(match.group(1))


def test_failures_are_recorded_even_though_the_caller_rolls_back(db, user):
    fail(3)
    assert attempts(db) == 3
    assert db.exec(select(col(SignInAttempt.succeeded))).all() == [False, False, False]


def test_nine_failures_still_let_the_right_password_in(db, user):
    fail(9)
    assert attempt("ada@example.com", PASSWORD).user.id == user.id


def test_ten_failures_throttle_the_eleventh_attempt_even_with_the_right_password(db, user):
    fail(10)

    with pytest.raises(Throttled) as caught:
        attempt("ada@example.com", PASSWORD)

    wait = caught.value.retry_after_seconds
    assert 0 < wait <= 15 * 60 + 1
    assert wait > 14 * 60  # the failures just happened: most of the window is left
    assert minutes_in(caught.value.message) == math.ceil(wait / 60)
    assert "reset your password" in caught.value.message
    # A refused attempt is not another failure: waiting out the window is enough.
    assert attempts(db) == 10


def test_the_throttle_is_per_email_across_addresses(db, user):
    fail(10, ip=IP)
    with pytest.raises(Throttled):
        attempt("ADA@example.com", PASSWORD, ip=OTHER_IP)


def test_a_throttled_unknown_email_looks_like_a_known_one(db, user):
    answers = {}
    for email in ("ada@example.com", "nobody@example.com"):
        with pytest.raises(AuthenticationFailed) as wrong:
            attempt(email, "wrong password!", ip="")
        fail(9, email=email, ip="")
        with pytest.raises(Throttled) as throttled:
            attempt(email, PASSWORD, ip="")
        answers[email] = (wrong.value.message, throttled.value.message)
    assert answers["nobody@example.com"] == answers["ada@example.com"]
    assert "Too many failed sign-ins" in answers["ada@example.com"][1]


def test_ten_failures_from_one_address_throttle_new_emails_from_it_only(db, user):
    for n in range(10):
        fail(1, email=f"guess{n}@example.com", ip=IP)

    with pytest.raises(Throttled) as caught:
        attempt("ada@example.com", PASSWORD, ip=IP)
    assert caught.value.retry_after_seconds > 0
    assert attempt("ada@example.com", PASSWORD, ip=OTHER_IP).user.id == user.id


def test_failures_older_than_the_window_do_not_count(db, user):
    fail(10)
    backdate(db, timedelta(minutes=15, seconds=1))
    assert attempt("ada@example.com", PASSWORD).user.id == user.id


def test_retry_after_counts_down_to_when_the_oldest_failure_leaves_the_window(db, user):
    fail(10)
    oldest = db.exec(select(func.min(SignInAttempt.id))).one()
    backdate(db, timedelta(minutes=13, seconds=30), where=col(SignInAttempt.id) == oldest)

    with pytest.raises(Throttled) as caught:
        attempt("ada@example.com", PASSWORD)

    assert 85 <= caught.value.retry_after_seconds <= 92
    assert "Try again in 2 minutes" in caught.value.message


def test_the_message_says_one_minute_in_the_singular():
    assert "Try again in 1 minute," in Throttled(30).message
    assert "Try again in 1 minute," in Throttled(60).message
    assert "Try again in 2 minutes," in Throttled(61).message


def test_successes_do_not_count_towards_the_throttle(db, user):
    for _ in range(12):
        attempt("ada@example.com", PASSWORD)
    fail(9)
    attempt("ada@example.com", PASSWORD)


def test_check_passes_and_record_stores_a_truncated_address(db):
    throttle.check(session=db, email="ada@example.com", ip_address=IP)
    throttle.record(session=db, email="ada@example.com", ip_address="x" * 100, succeeded=True)
    db.commit()
    assert db.exec(select(SignInAttempt.ip_address)).one() == "x" * 64


def test_purge_old_drops_attempts_outside_the_window(db, user):
    fail(2)
    backdate(db, timedelta(minutes=16))
    fail(1)

    counts = housekeeping.run_once(session=db)
    assert counts["sign_in_attempts_purged"] == 2
    assert counts["sessions_purged"] == 0
    db.commit()
    assert attempts(db) == 1


def test_an_overlong_email_fails_like_any_other_and_still_counts(db, user):
    email = "a" * 400 + "@example.com"
    fail(10, email=email, ip="")
    stored = db.exec(select(SignInAttempt.email)).all()
    assert len(stored) == 10
    assert all(len(value) == 320 for value in stored)
    with pytest.raises(Throttled):
        attempt(email, PASSWORD, ip="")
