"""A developer app's webhook: its signing secret (made on first need, sealed, revealed and
rotated by developers and owners, audited; a rotated-out secret keeps signing for 24 hours),
its state, and turning a disabled one back on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from portal.domain.delivery_health import EndpointState
from portal.domain.developer import TeamRole
from portal.domain.errors import NotFound, PermissionDenied
from portal.domain.webhooks import PREVIOUS_SECRET_OVERLAP
from portal.models import (
    AuditEvent,
    DeveloperApp,
    DeveloperAppInstallation,
    DeveloperAppVersion,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
)
from portal.models._base import utcnow
from portal.services import developer_apps, developer_webhooks, sealing
from portal.services.webhook_signing import SECRET_PREFIX, new_message_id
from tests.factories import account_of, make_user, make_workspace
from tests.services.test_developer_apps import developer, join, publish, save

HOOKED = (
    "display:\n  name: Acme Sync\nscopes:\n  - workspace:read\n"
    "webhook_url: https://hooks.example.com/acme\nevent_categories:\n  - apps\n"
)


@pytest.fixture
def owner(db):
    return developer(db, "Olivia Owner")


@pytest.fixture
def app(db, owner):
    return developer_apps.create_app(session=db, actor=owner, name="Acme Sync")


def row(db, app) -> DeveloperApp:
    found = db.get(DeveloperApp, app.id)
    db.refresh(found)
    return found


def actions(db, app) -> list[str]:
    return list(
        db.exec(
            select(AuditEvent.action)
            .where(AuditEvent.target_type == "developer_app", AuditEvent.target_id == str(app.id))
            .order_by(col(AuditEvent.id))
        ).all()
    )


def reveal(db, actor, app) -> str:
    return developer_webhooks.reveal_secret(session=db, actor=actor, app_id=app.id)


def rotate(db, actor, app, now=None) -> str:
    return developer_webhooks.rotate_secret(session=db, actor=actor, app_id=app.id, now=now)


def status(db, actor, app):
    return developer_webhooks.webhook_status(session=db, actor=actor, app_id=app.id)


def test_the_worker_gets_one_secret_made_on_first_need_and_sealed(db, app):
    assert row(db, app).webhook_secret_sealed is None
    [secret] = developer_webhooks.signing_secrets(db, row(db, app))
    assert secret.startswith(SECRET_PREFIX)
    sealed = row(db, app).webhook_secret_sealed
    assert secret not in sealed and sealing.unseal(sealed) == secret
    # Asked again, the same secret: it is made once.
    assert developer_webhooks.signing_secrets(db, row(db, app)) == [secret]


def test_a_reveal_shows_the_secret_the_worker_signs_with_and_is_audited(db, owner, app):
    secret = reveal(db, owner, app)
    assert developer_webhooks.signing_secrets(db, row(db, app)) == [secret]
    assert actions(db, app)[-1] == "developer_app.webhook_secret_revealed"
    event = db.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert secret not in str(event.after) and secret not in str(event.before)


@pytest.mark.parametrize("role", [TeamRole.DEVELOPER, TeamRole.OWNER])
def test_developers_and_owners_reveal_and_rotate(db, app, role):
    member = developer(db, "Maya Member")
    join(db, app, member, role)
    first = reveal(db, member, app)
    second = rotate(db, member, app)
    assert second != first and reveal(db, member, app) == second


def test_a_viewer_reads_the_state_but_not_the_secret(db, owner, app):
    viewer = developer(db, "Vera Viewer")
    join(db, app, viewer, TeamRole.VIEWER)
    before = actions(db, app)
    for attempt in (reveal, rotate):
        with pytest.raises(PermissionDenied, match="developer role .* to manage its webhook"):
            attempt(db, viewer, app)
    with pytest.raises(PermissionDenied):
        developer_webhooks.enable_webhook(session=db, actor=viewer, app_id=app.id)
    assert actions(db, app) == before
    seen = status(db, viewer, app)
    assert seen.state is EndpointState.HEALTHY and seen.can_manage is False
    assert status(db, owner, app).can_manage is True


def test_someone_off_the_team_is_told_not_found(db, app):
    stranger = developer(db, "Sam Stranger")
    for attempt in (reveal, rotate, status):
        with pytest.raises(NotFound):
            attempt(db, stranger, app)


def test_a_rotated_out_secret_keeps_signing_for_the_overlap_only(db, owner, app):
    old = reveal(db, owner, app)
    rotated_at = utcnow()
    new = rotate(db, owner, app, now=rotated_at)
    assert actions(db, app)[-1] == "developer_app.webhook_secret_rotated"
    assert row(db, app).webhook_previous_secret_expires_at == rotated_at + PREVIOUS_SECRET_OVERLAP

    within = rotated_at + PREVIOUS_SECRET_OVERLAP - timedelta(seconds=1)
    assert developer_webhooks.signing_secrets(db, row(db, app), now=within) == [new, old]
    after = rotated_at + PREVIOUS_SECRET_OVERLAP
    assert developer_webhooks.signing_secrets(db, row(db, app), now=after) == [new]


def test_rotating_again_within_the_overlap_ends_the_oldest(db, owner, app):
    first = reveal(db, owner, app)
    second = rotate(db, owner, app)
    third = rotate(db, owner, app)
    live = developer_webhooks.signing_secrets(db, row(db, app))
    assert live == [third, second] and first not in live


def test_the_first_rotation_of_an_app_without_a_secret_overlaps_nothing(db, owner, app):
    secret = rotate(db, owner, app)
    assert row(db, app).webhook_previous_secret_expires_at is None
    assert developer_webhooks.signing_secrets(db, row(db, app)) == [secret]
    assert status(db, owner, app).previous_secret_expires_at is None


def test_the_state_reads_the_declared_url_and_the_health_columns(db, owner, app):
    seen = status(db, owner, app)
    assert (seen.version, seen.webhook_url, seen.state) == (None, "", EndpointState.HEALTHY)

    save(db, owner, app, HOOKED)
    publish(db, owner, app)
    stored = row(db, app)
    stored.webhook_failing_since = utcnow() - timedelta(hours=3)
    db.add(stored)
    db.flush()
    seen = status(db, owner, app)
    assert (seen.version, seen.webhook_url) == (1, "https://hooks.example.com/acme")
    assert seen.state is EndpointState.FAILING and seen.failing_since is not None

    stored.webhook_disabled_at = utcnow()
    stored.webhook_disabled_reason = "Failing for 5 days."
    db.add(stored)
    db.flush()
    seen = status(db, owner, app)
    assert (seen.state, seen.disabled_reason) == (EndpointState.DISABLED, "Failing for 5 days.")


def test_turning_a_disabled_webhook_back_on_clears_its_failure_run(db, owner, app):
    stored = row(db, app)
    stored.webhook_failing_since = utcnow() - timedelta(days=5)
    stored.webhook_disabled_at = utcnow()
    stored.webhook_disabled_reason = "Failing for 5 days."
    db.add(stored)
    db.flush()

    seen = developer_webhooks.enable_webhook(session=db, actor=owner, app_id=app.id)
    assert seen.state is EndpointState.HEALTHY
    stored = row(db, app)
    assert (
        stored.webhook_disabled_at,
        stored.webhook_disabled_reason,
        stored.webhook_failing_since,
    ) == (None, None, None)
    assert actions(db, app)[-1] == "developer_app.webhook_enabled"

    # Already on: nothing more is recorded.
    count = len(actions(db, app))
    developer_webhooks.enable_webhook(session=db, actor=owner, app_id=app.id)
    assert len(actions(db, app)) == count


# Delivery health -------------------------------------------------------------------------


def attempts_to(db, owner, app, results: list[tuple[str, str | None, int]], now) -> None:
    """One delivery of the app, installed in a workspace, with an attempt per
    (outcome, cause, latency_ms), a minute apart before `now`."""
    save(db, owner, app, HOOKED)
    publish(db, owner, app)
    version = db.exec(
        select(DeveloperAppVersion).where(DeveloperAppVersion.app_id == app.id)
    ).first()
    admin = make_user(db, name="Ada Admin", account_name="Acme")
    workspace = make_workspace(db, account_of(db, admin.id), "Production")
    installation = DeveloperAppInstallation(
        app_id=app.id, workspace_id=workspace.id, version_id=version.id
    )
    event = OutboxEvent(
        message_id=new_message_id(now),
        type="app.updated",
        workspace_id=workspace.id,
        payload={},
    )
    db.add_all([installation, event])
    db.flush()
    delivery = WebhookDelivery(
        event_id=event.id,
        workspace_id=workspace.id,
        installation_id=installation.id,
        developer_app_id=app.id,
    )
    db.add(delivery)
    db.flush()
    for number, (outcome, cause, latency) in enumerate(results, start=1):
        db.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                developer_app_id=app.id,
                attempt=number,
                attempted_at=now - timedelta(minutes=len(results) - number + 1),
                outcome=outcome,
                cause=cause,
                latency_ms=latency,
            )
        )
    db.flush()


def test_the_teams_delivery_health_counts_the_apps_attempts(db, owner, app):
    now = utcnow().replace(hour=12, minute=30)  # the attempts all in today's bucket
    attempts_to(
        db,
        owner,
        app,
        [("failure", "timeout", 900), ("failure", "dns", 10), ("success", None, 100)],
        now,
    )
    viewer = developer(db, "Vera Viewer")
    join(db, app, viewer, TeamRole.VIEWER)
    health = developer_webhooks.health_for_developer_app(
        session=db, actor=viewer, app_id=app.id, window="7d", now=now
    )
    assert (health.window, health.attempts, health.succeeded) == ("7d", 3, 1)
    assert health.success_rate == pytest.approx(1 / 3)
    assert (health.p50_ms, health.p95_ms) == (100, 900)
    assert len(health.buckets) == 7
    assert health.buckets[-1].causes == {"timeout": 1, "dns": 1}

    # A window a browser made up is the day's.
    day = developer_webhooks.health_for_developer_app(
        session=db, actor=owner, app_id=app.id, window="1y", now=now
    )
    assert (day.window, len(day.buckets)) == ("24h", 24)
    with pytest.raises(NotFound):
        developer_webhooks.health_for_developer_app(
            session=db, actor=developer(db, "Sam Stranger"), app_id=app.id
        )


def test_an_app_without_deliveries_has_empty_health(db, owner, app):
    health = developer_webhooks.health_for_developer_app(session=db, actor=owner, app_id=app.id)
    assert (health.attempts, health.success_rate, health.p50_ms) == (0, None, None)
