"""Delivery health of an app's endpoint over hand-made attempts: exact percentiles, hourly and
daily buckets split succeeded/failed, failures by cause, the next retry and the state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.delivery_health import HealthWindow, bucket_starts, percentile, window_of
from portal.domain.errors import NotFound
from portal.models import WebhookEndpoint
from portal.services import webhook_health
from tests.factories import actor_for, grant, make_user
from tests.webhook_rows import app_endpoint, delivery, failure

NOW = datetime(2026, 5, 10, 15, 40, tzinfo=UTC)


@pytest.fixture
def setup(db):
    return app_endpoint(db)


def _health(db, actor, workspace, endpoint_id, window="24h"):
    return webhook_health.health_for_endpoint(
        session=db,
        actor=actor,
        workspace_id=workspace,
        app_slug="acme",
        endpoint_id=endpoint_id,
        window=window,
        now=NOW,
    )


def test_percentiles_are_nearest_rank():
    values = list(range(10, 210, 10))  # 10..200, twenty values
    assert percentile(values, 0.5) == 100 and percentile(values, 0.95) == 190
    assert percentile([7], 0.95) == 7 and percentile([], 0.5) is None


def test_windows_have_hour_or_day_buckets_ending_now():
    hours = bucket_starts(HealthWindow.DAY, NOW)
    assert len(hours) == 24 and hours[-1] == datetime(2026, 5, 10, 15, tzinfo=UTC)
    assert hours[0] == datetime(2026, 5, 9, 16, tzinfo=UTC)
    days = bucket_starts(HealthWindow.WEEK, NOW)
    assert len(days) == 7 and days[-1] == datetime(2026, 5, 10, tzinfo=UTC)
    assert len(bucket_starts(HealthWindow.MONTH, NOW)) == 30
    assert window_of("7d") is HealthWindow.WEEK and window_of("<script>") is HealthWindow.DAY


def test_health_over_a_day(db, setup):
    actor, workspace, endpoint_id = setup
    at = NOW.replace(minute=5)  # 15:05, in the last bucket
    # 20 attempts in the last hour: 16 successes, 4 failures; latencies 10..200 ms.
    latencies = iter(range(10, 210, 10))
    successes = [{"latency_ms": next(latencies)} for _ in range(16)]
    delivery(db, endpoint_id, created_at=at, attempts=successes)
    delivery(
        db,
        endpoint_id,
        status="failed",
        created_at=at,
        attempts=[
            failure("timeout", status_code=None, latency_ms=next(latencies)),
            failure("timeout", status_code=None, latency_ms=next(latencies)),
            failure("http_status", latency_ms=next(latencies)),
            failure("dns", status_code=None, latency_ms=next(latencies)),
        ],
    )
    # Three hours earlier: one failure with no latency measured.
    delivery(
        db,
        endpoint_id,
        status="pending",
        created_at=at - timedelta(hours=3),
        attempts=[failure("connection_refused", status_code=None, latency_ms=None)],
        next_attempt_at=NOW + timedelta(minutes=30),
    )
    # Outside the window: not counted.
    delivery(db, endpoint_id, created_at=NOW - timedelta(days=2), attempts=[failure()])
    health = _health(db, actor, workspace, endpoint_id).health
    assert (health.attempts, health.succeeded) == (21, 16)
    assert health.success_rate == pytest.approx(16 / 21)
    assert (health.p50_ms, health.p95_ms) == (100, 190)
    assert len(health.buckets) == 24
    last, three_ago = health.buckets[-1], health.buckets[-4]
    assert last.start == datetime(2026, 5, 10, 15, tzinfo=UTC)
    assert (last.succeeded, last.failed) == (16, 4)
    assert last.causes == {"timeout": 2, "http_status": 1, "dns": 1}
    assert (three_ago.succeeded, three_ago.failed, three_ago.causes) == (
        0,
        1,
        {"connection_refused": 1},
    )
    assert sum(b.failed for b in health.buckets) == 5
    assert health.next_retry_at.astimezone(UTC) == NOW + timedelta(minutes=30)


def test_health_over_a_week_buckets_by_day(db, setup):
    actor, workspace, endpoint_id = setup
    for days_ago, attempts in ((0, [{}]), (2, [failure(), {}]), (6, [failure("tls")])):
        delivery(
            db, endpoint_id, created_at=NOW - timedelta(days=days_ago, hours=1), attempts=attempts
        )
    health = _health(db, actor, workspace, endpoint_id, "7d").health
    assert [(b.succeeded, b.failed) for b in health.buckets] == [
        (0, 1),
        (0, 0),
        (0, 0),
        (0, 0),
        (1, 1),
        (0, 0),
        (1, 0),
    ]
    assert health.buckets[0].causes == {"tls": 1}
    assert health.window == "7d" and health.next_retry_at is None


def test_no_attempts_reads_as_no_figures(db, setup):
    actor, workspace, endpoint_id = setup
    shown = _health(db, actor, workspace, endpoint_id)
    assert shown.state == "healthy"
    assert shown.health.attempts == 0 and shown.health.success_rate is None
    assert shown.health.p50_ms is None and len(shown.health.buckets) == 24


def test_state_failing_since_and_disabled_with_reason(db, setup):
    actor, workspace, endpoint_id = setup
    row = db.get(WebhookEndpoint, endpoint_id)
    row.failing_since = NOW - timedelta(days=1)
    db.add(row)
    db.flush()
    failing = _health(db, actor, workspace, endpoint_id)
    assert failing.state == "failing"
    assert failing.failing_since.astimezone(UTC) == NOW - timedelta(days=1)
    row.enabled, row.disabled_reason = False, "Failing for 5 days without a success."
    db.add(row)
    db.flush()
    disabled = _health(db, actor, workspace, endpoint_id)
    assert disabled.state == "disabled"
    assert disabled.disabled_reason == "Failing for 5 days without a success."


def test_a_reader_sees_health_a_stranger_does_not(db, setup):
    actor, workspace, endpoint_id = setup
    reader = make_user(db)
    grant(db, reader.id, workspace_id=workspace, permission="read")
    assert _health(db, actor_for(db, reader), workspace, endpoint_id).state == "healthy"
    with pytest.raises(NotFound):
        _health(db, actor_for(db, make_user(db)), workspace, endpoint_id)


def test_the_core_reads_a_developer_apps_attempts_alike(db, setup):
    """The shared core selects by any subscriber column: the endpoint's rows are not a
    developer app's."""
    _, _, endpoint_id = setup
    delivery(db, endpoint_id, created_at=NOW - timedelta(minutes=10), attempts=[{}])
    by_endpoint = webhook_health._health(
        db, webhook_health.endpoint_condition(endpoint_id), HealthWindow.DAY, NOW
    )
    by_app = webhook_health._health(
        db, webhook_health.developer_app_condition(endpoint_id), HealthWindow.DAY, NOW
    )
    assert (by_endpoint.attempts, by_app.attempts) == (1, 0)
