"""The rules of webhook delivery (PRODUCT.md, Webhooks), as plain functions the delivery worker
applies: when the next attempt of a message is due, what an attempt's result means, and when
an endpoint that keeps failing is disabled.

- **Schedule.** A message's attempts are due immediately, then 5 s, 5 min, 30 min, 2 h, 5 h,
  10 h and 10 h after the failure before each; a failure of the last attempt fails the message
  (about 28 hours in all). The schedule is published, so it is a constant, not a setting.
- **Jitter.** Each delay moves by up to ±10 %, so the messages of an endpoint that failed
  together do not all come back in the same second.
- **Retry-After.** A receiver that says when to come back (delta-seconds or an HTTP-date) is
  not called before then, capped at 10 h so one header cannot park a message for days; the
  schedule's delay still applies when it is longer. A malformed value is ignored.
- **Outcome.** 2xx is success. 410 Gone means the receiver asks for no more: the endpoint is
  disabled. Anything else (another status, a timeout, a connection error) is a failure, kept
  with its cause for delivery health's "failures by cause".
- **Auto-disable.** An endpoint failing without a success for 5 days (configurable) is
  disabled and its owners are told; a success resets the clock.
"""

from __future__ import annotations

import random
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Protocol

import httpx

# Delay before attempt n (1-based) is SCHEDULE[n - 1], counted from the failure of attempt n-1.
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(SCHEDULE)
JITTER = 0.10  # each delay is moved by a random fraction in [-JITTER, +JITTER]
RETRY_AFTER_MAX = timedelta(hours=10)
DISABLE_AFTER = timedelta(days=5)  # the default; the worker passes the operator's setting
ERROR_MAX = 200  # characters of an exception's text kept in the attempt log
RESPONSE_MAX = 4096  # bytes of a receiver's body (and of its headers) kept in the attempt log
PREVIOUS_SECRET_OVERLAP = timedelta(hours=24)  # a rotated-out secret still signs this long


class Outcome(StrEnum):
    SUCCESS = "success"  # 2xx
    FAILURE = "failure"  # retried on the schedule
    GONE = "gone"  # 410: no retry; the endpoint is disabled


class FailureCause(StrEnum):
    HTTP_STATUS = "http_status"  # an answer other than 2xx
    TIMEOUT = "timeout"
    DNS = "dns"  # the name did not resolve
    TLS = "tls"  # handshake or certificate
    CONNECTION_REFUSED = "connection_refused"
    BLOCKED = "blocked"  # the name resolved to an address deliveries may not reach (SSRF)
    OTHER = "other"


class DeliveryStatus(StrEnum):
    """Where one message to one subscriber stands."""

    PENDING = "pending"  # an attempt is due (now or at next_attempt_at)
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # every scheduled attempt failed, or the endpoint answered 410


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt came to: the worker logs it and decides from `outcome`."""

    outcome: Outcome
    cause: FailureCause | None = None  # None on success
    status_code: int | None = None  # None when no answer came
    error: str | None = None  # the exception's class and text, for the attempt log

    @property
    def disables_endpoint(self) -> bool:
        return self.outcome is Outcome.GONE


class JitterSource(Protocol):
    """Anything with `random.Random.uniform`: a seeded Random in tests."""

    def uniform(self, a: float, b: float) -> float: ...


_JITTER = random.Random()  # jitter spreads load; it guards nothing, so no CSPRNG


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def retry_after_delay(value: str | None, now: datetime) -> timedelta | None:
    """How long a `Retry-After` header asks to wait, capped at RETRY_AFTER_MAX; None when
    absent or malformed. A date already past asks for no wait (zero)."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():  # delta-seconds: 1*DIGIT, no sign, no fraction
        seconds = int(text)
        return RETRY_AFTER_MAX if seconds >= RETRY_AFTER_MAX.total_seconds() else _s(seconds)
    if text[0].isdigit() or text[0] in "+-.":
        return None  # a signed or fractional number: not delta-seconds, not a date
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    wait = _aware(when) - _aware(now)
    return max(timedelta(0), min(wait, RETRY_AFTER_MAX))


def next_attempt_at(
    attempt_number: int,
    now: datetime,
    *,
    retry_after: str | None = None,
    jitter: JitterSource = _JITTER,
) -> datetime | None:
    """When attempt `attempt_number` (1-based) of a message is due, `now` being when the
    previous one failed (or, for the first, when the message was made); None once the
    schedule is spent: the message has failed.

    After attempt n fails, the worker asks for attempt n + 1 and passes the response's
    `Retry-After`, if any. The result is never before `now`.
    """
    if attempt_number < 1:
        raise ValueError("Attempts are numbered from 1.")
    if attempt_number > MAX_ATTEMPTS:
        return None
    base = SCHEDULE[attempt_number - 1].total_seconds()
    spread = jitter.uniform(-JITTER, JITTER)
    delay = base * (1 + spread)
    asked = retry_after_delay(retry_after, now)
    if asked is not None:
        # Upward only: jitter never brings a message back before the receiver asked.
        delay = max(delay, asked.total_seconds() * (1 + abs(spread)))
    return now + _s(max(0.0, delay))


def classify_status(status_code: int) -> AttemptResult:
    if 200 <= status_code < 300:
        return AttemptResult(Outcome.SUCCESS, status_code=status_code)
    if status_code == 410:
        return AttemptResult(Outcome.GONE, FailureCause.HTTP_STATUS, status_code)
    # Redirects included: deliveries never follow one (the URL was checked, not its target).
    return AttemptResult(Outcome.FAILURE, FailureCause.HTTP_STATUS, status_code)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything behind it (causes, contexts, exception groups): httpx wraps
    httpcore's error, which wraps the socket's (the DNS, TLS or refused one we name)."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__]
        if isinstance(current, BaseExceptionGroup):
            pending += list(current.exceptions)


def _cause(error: BaseException) -> FailureCause:
    if isinstance(error, httpx.TimeoutException):
        return FailureCause.TIMEOUT
    for link in _chain(error):
        named = getattr(link, "failure_cause", None)  # the connect-time guard names its own
        if isinstance(named, FailureCause):
            return named
        if isinstance(link, socket.gaierror):
            return FailureCause.DNS
        if isinstance(link, ssl.SSLError):  # certificate errors included
            return FailureCause.TLS
        if isinstance(link, ConnectionRefusedError):
            return FailureCause.CONNECTION_REFUSED
        if isinstance(link, TimeoutError | httpx.TimeoutException):
            return FailureCause.TIMEOUT
    return FailureCause.OTHER


def classify_error(error: BaseException) -> AttemptResult:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return AttemptResult(Outcome.FAILURE, _cause(error), error=text[:ERROR_MAX])


def classify(result: httpx.Response | BaseException) -> AttemptResult:
    """An attempt's response, or the exception raised instead of one, as an AttemptResult."""
    if isinstance(result, BaseException):
        return classify_error(result)
    return classify_status(result.status_code)


def should_disable(
    first_failure_at: datetime | None,
    last_success_at: datetime | None,
    now: datetime,
    window: timedelta = DISABLE_AFTER,
) -> bool:
    """Whether an endpoint has been failing, with no success, for at least `window`.

    `first_failure_at` is when the current run of failures began: the worker clears it on a
    success. A success since then (a stale value) means the run was broken: not disabled.
    """
    if window <= timedelta(0):
        raise ValueError("The auto-disable window is positive.")
    if first_failure_at is None:
        return False
    first = _aware(first_failure_at)
    if last_success_at is not None and _aware(last_success_at) >= first:
        return False
    return _aware(now) - first >= window
