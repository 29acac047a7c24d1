"""The rules of webhook delivery (portal/domain/webhooks.py), on a fake clock and a seeded
jitter: the published retry schedule, its jitter, Retry-After, what an attempt's result means
(2xx, 410, each kind of connection error), and when a failing endpoint is disabled."""

from __future__ import annotations

import random
import socket
import ssl
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from portal.domain import webhooks
from portal.domain.webhooks import (
    DISABLE_AFTER,
    JITTER,
    MAX_ATTEMPTS,
    RETRY_AFTER_MAX,
    SCHEDULE,
    AttemptResult,
    FailureCause,
    Outcome,
    classify,
    next_attempt_at,
    retry_after_delay,
    should_disable,
)

NOW = datetime(2026, 12, 2, 1, 0, 0, tzinfo=UTC)  # the fake clock
S, MIN, H = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1)


class Fixed:
    """A jitter source that always lands on one point of the range: -1, 0 or +1 of it."""

    def __init__(self, where: float) -> None:
        self.where = where

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * (self.where + 1) / 2


NO_JITTER = Fixed(0)


# --- the schedule --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "delay"),
    [(1, 0 * S), (2, 5 * S), (3, 5 * MIN), (4, 30 * MIN), (5, 2 * H), (6, 5 * H)]
    + [(7, 10 * H), (8, 10 * H)],
)
def test_every_step_of_the_published_schedule(attempt, delay):
    assert next_attempt_at(attempt, NOW, jitter=NO_JITTER) == NOW + delay


def test_after_the_last_attempt_the_message_has_failed():
    assert MAX_ATTEMPTS == 8
    assert next_attempt_at(MAX_ATTEMPTS + 1, NOW, jitter=NO_JITTER) is None
    assert next_attempt_at(100, NOW) is None


def test_a_whole_message_life_on_the_fake_clock():
    """Every attempt fails at the moment it is due: the last is due ~27.6 h after the first."""
    clock, due = NOW, []
    attempt = 1
    while (when := next_attempt_at(attempt, clock, jitter=NO_JITTER)) is not None:
        due.append(when)
        clock, attempt = when, attempt + 1
    assert len(due) == 8
    assert due[-1] - due[0] == sum(SCHEDULE, timedelta(0))
    assert due[-1] - NOW == timedelta(hours=27, minutes=35, seconds=5)


def test_attempts_are_numbered_from_one():
    with pytest.raises(ValueError, match="from 1"):
        next_attempt_at(0, NOW)


# --- jitter --------------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(1, MAX_ATTEMPTS + 1))
def test_jitter_stays_within_ten_percent_and_never_before_now(attempt):
    seeded = random.Random(attempt)
    base = SCHEDULE[attempt - 1]
    seen = [next_attempt_at(attempt, NOW, jitter=seeded) - NOW for _ in range(500)]
    assert all(base * (1 - JITTER) <= delay <= base * (1 + JITTER) for delay in seen)
    assert all(delay >= timedelta(0) for delay in seen)
    if base:  # it does move: the spread covers most of the allowed band
        assert max(seen) - min(seen) > base * JITTER * 1.5
    else:
        assert set(seen) == {timedelta(0)}  # "immediately" stays immediate


def test_jitter_at_its_edges():
    assert next_attempt_at(3, NOW, jitter=Fixed(-1)) == NOW + 270 * S
    assert next_attempt_at(3, NOW, jitter=Fixed(+1)) == NOW + 330 * S


def test_a_seeded_jitter_repeats():
    first = [next_attempt_at(n, NOW, jitter=random.Random(42)) for n in range(1, 9)]
    again = [next_attempt_at(n, NOW, jitter=random.Random(42)) for n in range(1, 9)]
    assert first == again


def test_the_default_jitter_works_too():
    assert NOW + 4.5 * S <= next_attempt_at(2, NOW) <= NOW + 5.5 * S


# --- Retry-After ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("120", 120 * S),
        (" 120 ", 120 * S),
        ("0", 0 * S),
        ("36000", 10 * H),
        ("36001", RETRY_AFTER_MAX),  # capped
        ("99999999999999999999999", RETRY_AFTER_MAX),
        ("Wed, 02 Dec 2026 01:30:00 GMT", 30 * MIN),  # IMF-fixdate
        ("Wednesday, 02-Dec-26 01:30:00 GMT", 30 * MIN),  # obsolete RFC 850
        ("Wed Dec  2 01:30:00 2026", 30 * MIN),  # obsolete asctime
        ("Wed, 02 Dec 2026 00:30:00 GMT", 0 * S),  # already past: no wait
        ("Fri, 04 Dec 2026 01:00:00 GMT", RETRY_AFTER_MAX),  # capped
    ],
)
def test_retry_after_forms(header, wait):
    assert retry_after_delay(header, NOW) == wait


@pytest.mark.parametrize(
    "header", [None, "", "  ", "-5", "+5", "1.5", "12abc", "soon", "Wed, 99 Foo 2026", "٣"]
)
def test_a_malformed_retry_after_is_ignored(header):
    assert retry_after_delay(header, NOW) is None
    assert next_attempt_at(3, NOW, retry_after=header, jitter=NO_JITTER) == NOW + 5 * MIN


def test_retry_after_longer_than_the_schedule_wins():
    assert next_attempt_at(2, NOW, retry_after="600", jitter=NO_JITTER) == NOW + 600 * S
    dated = "Wed, 02 Dec 2026 03:00:00 GMT"
    assert next_attempt_at(3, NOW, retry_after=dated, jitter=NO_JITTER) == NOW + 2 * H


def test_retry_after_shorter_than_the_schedule_does_not_hurry_it():
    assert next_attempt_at(4, NOW, retry_after="1", jitter=NO_JITTER) == NOW + 30 * MIN


def test_retry_after_is_capped_at_ten_hours():
    assert next_attempt_at(2, NOW, retry_after="864000", jitter=NO_JITTER) == NOW + 10 * H


@pytest.mark.parametrize("where", [-1.0, -0.5, 0.0, 0.5, 1.0])
def test_jitter_never_brings_a_message_back_before_retry_after_asked(where):
    due = next_attempt_at(2, NOW, retry_after="600", jitter=Fixed(where))
    assert NOW + 600 * S <= due <= NOW + 660 * S


def test_a_naive_clock_is_taken_as_utc():
    naive = NOW.replace(tzinfo=None)
    assert retry_after_delay("Wed, 02 Dec 2026 01:30:00 GMT", naive) == 30 * MIN
    assert next_attempt_at(2, naive, jitter=NO_JITTER) == naive + 5 * S


# --- what an attempt's result means --------------------------------------------------------


def _response(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("POST", "https://hooks.example.com/"))


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_2xx_is_success(status):
    result = classify(_response(status))
    assert result == AttemptResult(Outcome.SUCCESS, None, status)
    assert not result.disables_endpoint


def test_410_gone_disables_the_endpoint():
    result = classify(_response(410))
    assert result.outcome is Outcome.GONE
    assert result.cause is FailureCause.HTTP_STATUS and result.status_code == 410
    assert result.disables_endpoint


@pytest.mark.parametrize("status", [100, 301, 302, 304, 400, 401, 404, 409, 429, 500, 502, 503])
def test_any_other_status_is_a_failure_by_status(status):
    result = classify(_response(status))
    assert result == AttemptResult(Outcome.FAILURE, FailureCause.HTTP_STATUS, status)
    assert not result.disables_endpoint


def _wrapped(kind: type[httpx.TransportError], cause: BaseException) -> BaseException:
    """An httpx error as the transport raises it: httpx's, from httpcore's, from the socket's."""
    try:
        try:
            raise cause
        except BaseException as socket_error:
            raise RuntimeError("httpcore.ConnectError") from socket_error
    except RuntimeError as inner:
        outer = kind(str(cause))
        outer.__cause__ = inner
        return outer


def _all_attempts_failed() -> BaseException:
    """anyio's happy eyeballs: "All connection attempts failed", the refusal as its context."""
    last = OSError("All connection attempts failed")
    last.__context__ = ConnectionRefusedError(111, "Connect call failed ('203.0.113.7', 443)")
    return _wrapped(httpx.ConnectError, last)


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (httpx.ConnectTimeout("timed out"), FailureCause.TIMEOUT),
        (httpx.ReadTimeout("timed out"), FailureCause.TIMEOUT),
        (httpx.WriteTimeout("timed out"), FailureCause.TIMEOUT),
        (httpx.PoolTimeout("timed out"), FailureCause.TIMEOUT),
        (TimeoutError(), FailureCause.TIMEOUT),  # asyncio.wait_for around the whole attempt
        (
            _wrapped(httpx.ConnectError, socket.gaierror(-2, "Name or service not known")),
            FailureCause.DNS,
        ),
        (
            _wrapped(httpx.ConnectError, socket.gaierror(-3, "Temporary failure in resolution")),
            FailureCause.DNS,
        ),
        (
            _wrapped(httpx.ConnectError, ssl.SSLCertVerificationError(1, "certificate expired")),
            FailureCause.TLS,
        ),
        (
            _wrapped(httpx.ConnectError, ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER]")),
            FailureCause.TLS,
        ),
        (
            _wrapped(httpx.ConnectError, ConnectionRefusedError(111, "Connection refused")),
            FailureCause.CONNECTION_REFUSED,
        ),
        (_all_attempts_failed(), FailureCause.CONNECTION_REFUSED),
        (httpx.ConnectError("no cause behind it"), FailureCause.OTHER),
        (
            _wrapped(httpx.ConnectError, ExceptionGroup("all", [ConnectionRefusedError(111)])),
            FailureCause.CONNECTION_REFUSED,
        ),
        (_wrapped(httpx.ConnectError, OSError(101, "Network is unreachable")), FailureCause.OTHER),
        (httpx.RemoteProtocolError("Server disconnected"), FailureCause.OTHER),
        (httpx.ReadError("Connection reset by peer"), FailureCause.OTHER),
        (ValueError(), FailureCause.OTHER),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_each_kind_of_error_is_a_failure_with_its_cause(error, cause):
    result = classify(error)
    assert result.outcome is Outcome.FAILURE
    assert result.cause is cause
    assert result.status_code is None
    assert result.error.startswith(type(error).__name__)
    assert not result.disables_endpoint


def test_real_errors_from_httpx_are_classified():
    """No fakes: a refused port and a name that cannot resolve (.invalid never does), through
    a real client on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: refused
    with httpx.Client(timeout=5) as client:
        for url, cause in [
            (f"http://127.0.0.1:{port}/", FailureCause.CONNECTION_REFUSED),
            ("https://portal-test.invalid/", FailureCause.DNS),
        ]:
            with pytest.raises(httpx.ConnectError) as raised:
                client.post(url, content=b"{}")
            assert classify(raised.value).cause is cause, url


def test_the_logged_error_text_is_bounded():
    result = classify(httpx.ReadError("x" * 5000))
    assert len(result.error) == webhooks.ERROR_MAX
    assert classify(ValueError()).error == "ValueError"


def test_outcomes_and_causes_are_the_words_stored_and_charted():
    assert [o.value for o in Outcome] == ["success", "failure", "gone"]
    assert [c.value for c in FailureCause] == [
        "http_status",
        "timeout",
        "dns",
        "tls",
        "connection_refused",
        "blocked",
        "other",
    ]


# --- auto-disable --------------------------------------------------------------------------


def test_disabled_after_five_days_of_failing_without_a_success():
    started = NOW - DISABLE_AFTER
    assert timedelta(days=5) == DISABLE_AFTER
    assert should_disable(started, None, NOW)  # exactly five days: disabled
    assert not should_disable(started + timedelta(microseconds=1), None, NOW)
    assert should_disable(started - timedelta(days=30), NOW - timedelta(days=40), NOW)


def test_not_failing_is_never_disabled():
    assert not should_disable(None, None, NOW)
    assert not should_disable(None, NOW - timedelta(days=90), NOW)


def test_a_success_resets_the_clock():
    first_failure = NOW - timedelta(days=6)
    assert should_disable(first_failure, first_failure - S, NOW)  # success before: still on
    assert not should_disable(first_failure, first_failure, NOW)
    assert not should_disable(first_failure, first_failure + S, NOW)  # stale run: broken


def test_the_window_is_configurable():
    two_hours = timedelta(hours=2)
    assert should_disable(NOW - two_hours, None, NOW, window=two_hours)
    assert not should_disable(NOW - two_hours + S, None, NOW, window=two_hours)
    with pytest.raises(ValueError, match="positive"):
        should_disable(NOW - H, None, NOW, window=timedelta(0))


def test_auto_disable_takes_naive_moments_as_utc():
    naive = (NOW - DISABLE_AFTER).replace(tzinfo=None)
    assert should_disable(naive, None, NOW)
