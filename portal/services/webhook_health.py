"""Delivery health (issue 11, item 7): over a window of 24 hours, 7 or 30 days, the attempts
made to a subscriber, as figures (success rate, p50 and p95 latency), as volume per bucket
(hours for a day, days for longer) split succeeded and failed, and as failures by cause per
bucket; with the next retry due and, for an app's endpoint, its state (healthy, failing
since, disabled).

Counts are SQL aggregates (one grouped query over the attempts' (subscriber, attempted_at)
index). Percentiles are taken in Python over the window's newest LATENCY_SAMPLE_MAX latencies
(domain/delivery_health.py): PostgreSQL's percentile_disc has no SQLite twin.

`_health` takes the subscriber as a condition on a table's columns (attempts and deliveries
both carry `endpoint_id` and `developer_app_id`), so a developer app's health reuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from portal.domain.access import Action, Actor
from portal.domain.delivery_health import (
    LATENCY_SAMPLE_MAX,
    EndpointState,
    HealthWindow,
    bucket_starts,
    percentile,
    window_of,
)
from portal.domain.dto import DeliveryHealth, EndpointHealth, HealthBucket
from portal.domain.webhooks import DeliveryStatus, Outcome
from portal.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.models._base import utcnow
from portal.services.webhook_endpoints import find_endpoint, public

_A: Table = WebhookAttempt.__table__
_D: Table = WebhookDelivery.__table__

# Whose attempts: a condition on a table holding endpoint_id and developer_app_id.
Condition = Callable[[Table], ColumnElement[bool]]


@dataclass(frozen=True)
class _Subscriber:
    column: str  # "endpoint_id" or "developer_app_id"
    id: int

    def __call__(self, table: Table) -> ColumnElement[bool]:
        return table.c[self.column] == self.id


def endpoint_condition(endpoint_id: int) -> Condition:
    return _Subscriber("endpoint_id", endpoint_id)


def developer_app_condition(developer_app_id: int) -> Condition:
    return _Subscriber("developer_app_id", developer_app_id)


def _bucket(session: Session, column: Any, window: HealthWindow) -> ColumnElement[str]:
    """The UTC bucket of `column` as text ("2026-05-01 13" for an hour, "2026-05-01" for a
    day), the same on both databases: SQLite stores UTC text, PostgreSQL a timestamptz."""
    hourly = window is HealthWindow.DAY
    if session.get_bind().dialect.name == "postgresql":
        pattern = "YYYY-MM-DD HH24" if hourly else "YYYY-MM-DD"
        return func.to_char(func.timezone("UTC", column), pattern, type_=String)
    return func.substr(column, 1, 13 if hourly else 10, type_=String)


def _parse_bucket(text: str, window: HealthWindow) -> str:
    # Normalised to the key bucket_starts() uses: an ISO date, with the hour for a day's window.
    return text[:13].replace("T", " ") if window is HealthWindow.DAY else text[:10]


def _key(start: datetime, window: HealthWindow) -> str:
    return start.strftime("%Y-%m-%d %H" if window is HealthWindow.DAY else "%Y-%m-%d")


def _health(
    session: Session, condition: Condition, window: HealthWindow, now: datetime | None = None
) -> DeliveryHealth:
    """The attempts `condition` selects, over the buckets of `window` ending now."""
    now = now or utcnow()
    starts = bucket_starts(window, now)
    since = starts[0]
    bucket = _bucket(session, _A.c.attempted_at, window)
    in_window = (condition(_A), _A.c.attempted_at >= since)
    grouped = session.execute(
        select(bucket, _A.c.outcome, _A.c.cause, func.count())
        .where(*in_window)
        .group_by(bucket, _A.c.outcome, _A.c.cause)
    ).all()
    counts: dict[str, dict[str, Any]] = {
        _key(s, window): {"succeeded": 0, "failed": 0, "causes": {}} for s in starts
    }
    for text, outcome, cause, count in grouped:
        slot = counts.get(_parse_bucket(str(text), window))
        if slot is None:  # an attempt stamped ahead of this clock
            continue
        if outcome == Outcome.SUCCESS:
            slot["succeeded"] += count
        else:
            slot["failed"] += count
            name = cause or "other"
            slot["causes"][name] = slot["causes"].get(name, 0) + count
    latencies = sorted(
        session.execute(
            select(_A.c.latency_ms)
            .where(*in_window, _A.c.latency_ms.is_not(None))
            .order_by(_A.c.attempted_at.desc())
            .limit(LATENCY_SAMPLE_MAX)
        ).scalars()
    )
    next_retry = session.execute(
        select(func.min(_D.c.next_attempt_at)).where(
            condition(_D), _D.c.status == DeliveryStatus.PENDING.value
        )
    ).scalar_one()
    buckets = [HealthBucket(start=s, **counts[_key(s, window)]) for s in starts]
    succeeded = sum(b.succeeded for b in buckets)
    attempts = succeeded + sum(b.failed for b in buckets)
    return DeliveryHealth(
        window=window.value,
        attempts=attempts,
        succeeded=succeeded,
        success_rate=succeeded / attempts if attempts else None,
        p50_ms=percentile(latencies, 0.50),
        p95_ms=percentile(latencies, 0.95),
        buckets=buckets,
        next_retry_at=next_retry,
    )


def _state(endpoint: WebhookEndpoint) -> EndpointState:
    if not endpoint.enabled:
        return EndpointState.DISABLED
    if endpoint.failing_since is not None:
        return EndpointState.FAILING
    return EndpointState.HEALTHY


def health_for_endpoint(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    endpoint_id: int,
    window: str = HealthWindow.DAY.value,
    now: datetime | None = None,
) -> EndpointHealth:
    """An app endpoint's health over `window` ("24h", "7d", "30d"), with the endpoint."""
    _, _, endpoint = find_endpoint(
        session, actor, Action.VIEW_WORKSPACE, workspace_id, app_slug, endpoint_id
    )
    state = _state(endpoint)
    return EndpointHealth(
        endpoint=public(endpoint),
        state=state.value,
        failing_since=endpoint.failing_since if state is EndpointState.FAILING else None,
        disabled_at=endpoint.disabled_at,
        disabled_reason=endpoint.disabled_reason,
        health=_health(session, endpoint_condition(endpoint.id), window_of(window), now),
    )
