"""A developer app's message log: its deliveries to every workspace that installed it, newest
first, paged and filtered, with their attempts; replay, recover since a time and the test
event, for developers and owners of its team only (viewers read), audited in the app's
trail; someone off the team finds nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from portal.domain.developer import TeamRole
from portal.domain.errors import Invalid, NotFound, PermissionDenied
from portal.domain.events import EventType, OutboxStatus
from portal.models import (
    AuditEvent,
    DeveloperApp,
    DeveloperAppInstallation,
    DeveloperAppMember,
    OutboxEvent,
    WebhookDelivery,
)
from portal.models._base import utcnow
from portal.services import webhook_deliveries, webhook_logs
from portal.services.webhook_logs import DeveloperAppRef, EndpointRef
from tests.factories import actor_for, make_user
from tests.webhook_rows import (
    app_endpoint,
    delivery,
    developer_delivery,
    failure,
    hooked_developer_app,
)


@pytest.fixture
def hooked(db):
    """(owner, {"actor": owner, "subscriber": the app}, app id, installation id)"""
    owner, app_id, installation_id = hooked_developer_app(db)
    return owner, {"actor": owner, "subscriber": DeveloperAppRef(app_id)}, app_id, installation_id


def _audit(db, app_id: int) -> list[AuditEvent]:
    return list(
        db.exec(
            select(AuditEvent)
            .where(AuditEvent.target_type == "developer_app", AuditEvent.target_id == str(app_id))
            .order_by(col(AuditEvent.id))
        ).all()
    )


def _member(db, app_id: int, role: TeamRole):
    actor = actor_for(db, make_user(db))
    db.add(DeveloperAppMember(app_id=app_id, user_id=actor.user_id, role=role))
    db.flush()
    return actor


def test_messages_newest_first_paged_filtered_with_attempts(db, hooked):
    _owner, ids, _app_id, installation_id = hooked
    made = [
        developer_delivery(db, installation_id, status="failed" if i % 2 else "succeeded")
        for i in range(5)
    ]
    typed = developer_delivery(
        db,
        installation_id,
        event_type=EventType.INSTALLATION_CREATED,
        attempts=[failure("timeout", status_code=None), {}],
    )
    seen, cursor = [], None
    while True:
        page = webhook_logs.list_messages(session=db, **ids, limit=2, cursor=cursor)
        seen += [m.id for m in page.items]
        if not (cursor := page.next_cursor):
            break
    assert seen == [typed.id, *[m.id for m in reversed(made)]]
    failed = webhook_logs.list_messages(session=db, **ids, status="failed")
    assert [m.id for m in failed.items] == [made[3].id, made[1].id]
    only = webhook_logs.list_messages(session=db, **ids, event_type="app.updated")
    assert {m.event_type for m in only.items} == {"app.updated"} and len(only.items) == 5
    attempts = webhook_logs.list_attempts(session=db, **ids, delivery_id=typed.id)
    assert [(a.attempt, a.cause, a.status_code) for a in attempts] == [
        (1, "timeout", None),
        (2, None, 200),
    ]
    with pytest.raises(Invalid):
        webhook_logs.list_messages(session=db, **ids, status="lost")


def test_replay_goes_through_the_same_installation_with_the_same_webhook_id(db, hooked):
    _owner, ids, app_id, installation_id = hooked
    row = developer_delivery(db, installation_id, status="failed", attempts=[failure()] * 8)
    again = webhook_logs.replay(session=db, **ids, delivery_id=row.id)
    new = db.get(WebhookDelivery, again.id)
    assert (new.event_id, new.installation_id, new.developer_app_id, new.endpoint_id) == (
        row.event_id,
        installation_id,
        app_id,
        None,
    )
    assert (new.status, new.attempts) == ("pending", 0)
    # The worker takes it like any delivery: to the installed version's URL, same webhook-id.
    [job] = webhook_deliveries.claim_due(db, owner="test-worker")
    assert job.delivery_id == new.id and job.url == "https://hooks.tide.example/in"
    assert job.message_id == db.get(OutboxEvent, row.event_id).message_id == again.message_id
    [entry] = _audit(db, app_id)[-1:]
    assert entry.action == "webhook_delivery.replayed"
    assert entry.after["message_id"] == again.message_id


def test_recover_sends_each_failed_message_since_once_and_is_bounded(db, hooked, monkeypatch):
    _owner, ids, app_id, installation_id = hooked
    now = utcnow()
    developer_delivery(db, installation_id, status="failed", created_at=now - timedelta(days=3))
    failed = [
        developer_delivery(
            db, installation_id, status="failed", created_at=now - timedelta(hours=h)
        )
        for h in (20, 10, 5)
    ]
    developer_delivery(db, installation_id, created_at=now - timedelta(hours=4))
    since = now - timedelta(days=1)
    counted = webhook_logs.count_failed_since(session=db, **ids, since=since)
    assert (counted.count, counted.capped) == (3, False)
    monkeypatch.setattr(webhook_logs, "RECOVER_MAX", 2)
    first = webhook_logs.recover_failed(session=db, **ids, since=since)
    assert (first.count, first.capped) == (2, True)
    second = webhook_logs.recover_failed(session=db, **ids, since=since)
    assert (second.count, second.capped) == (1, False)
    assert webhook_logs.recover_failed(session=db, **ids, since=since).count == 0
    pending = db.exec(
        select(WebhookDelivery)
        .where(WebhookDelivery.status == "pending")
        .order_by(col(WebhookDelivery.id))
    ).all()
    assert [p.event_id for p in pending] == [f.event_id for f in failed]
    assert {(p.installation_id, p.developer_app_id) for p in pending} == {(installation_id, app_id)}
    actions = [e.action for e in _audit(db, app_id)]
    assert actions[-3:] == ["webhook_delivery.recovered"] * 3
    with pytest.raises(Invalid):
        webhook_logs.count_failed_since(session=db, **ids, since=now + timedelta(hours=1))


def test_a_test_event_goes_to_the_newest_installation_with_a_webhook_url(db, hooked):
    owner, ids, app_id, installation_id = hooked
    sent = webhook_logs.send_test_event(session=db, **ids)
    event = db.exec(select(OutboxEvent).where(OutboxEvent.message_id == sent.message_id)).one()
    assert event.type == "webhook.test" and event.status == OutboxStatus.DISPATCHED
    assert event.payload["data"]["developer_app_id"] == app_id
    [row] = db.exec(select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)).all()
    assert (row.installation_id, row.developer_app_id, row.status) == (
        installation_id,
        app_id,
        "pending",
    )
    assert _audit(db, app_id)[-1].action == "developer_app.webhook_test_sent"
    assert webhook_logs.list_messages(session=db, **ids).items[0].event_type == "webhook.test"


def test_a_test_event_needs_an_installation_and_a_webhook_that_is_on(db, hooked):
    owner, ids, app_id, _installation_id = hooked
    _same_owner, lonely_id, lonely_installation = hooked_developer_app(db, owner, "Lone Sync")
    db.delete(db.get(DeveloperAppInstallation, lonely_installation))
    db.flush()
    with pytest.raises(Invalid, match="install one"):
        webhook_logs.send_test_event(session=db, actor=owner, subscriber=DeveloperAppRef(lonely_id))
    app = db.get(DeveloperApp, app_id)
    app.webhook_disabled_at = utcnow()
    db.add(app)
    db.flush()
    for call, extra in (
        (webhook_logs.send_test_event, {}),
        (webhook_logs.recover_failed, {"since": utcnow() - timedelta(hours=1)}),
    ):
        with pytest.raises(Invalid, match="turn it back on"):
            call(session=db, **ids, **extra)


def test_viewers_read_but_send_nothing_and_strangers_find_nothing(db, hooked):
    _owner, ids, app_id, installation_id = hooked
    row = developer_delivery(db, installation_id, status="failed", attempts=[failure()])
    app = ids["subscriber"]
    since = utcnow() - timedelta(hours=1)
    viewer = _member(db, app_id, TeamRole.VIEWER)
    assert (
        webhook_logs.list_messages(session=db, actor=viewer, subscriber=app).items[0].id == row.id
    )
    assert webhook_logs.count_failed_since(session=db, actor=viewer, subscriber=app, since=since)
    before = len(_audit(db, app_id))
    sends = (
        (webhook_logs.replay, {"delivery_id": row.id}),
        (webhook_logs.recover_failed, {"since": since}),
        (webhook_logs.send_test_event, {}),
    )
    for call, extra in sends:
        with pytest.raises(PermissionDenied, match="developer role"):
            call(session=db, actor=viewer, subscriber=app, **extra)
    developer = _member(db, app_id, TeamRole.DEVELOPER)
    assert webhook_logs.replay(session=db, actor=developer, subscriber=app, delivery_id=row.id)
    assert len(_audit(db, app_id)) == before + 1
    stranger = actor_for(db, make_user(db))
    for call, extra in (
        (webhook_logs.list_messages, {}),
        (webhook_logs.list_attempts, {"delivery_id": row.id}),
        (webhook_logs.count_failed_since, {"since": since}),
        *sends,
    ):
        with pytest.raises(NotFound):
            call(session=db, actor=stranger, subscriber=app, **extra)


def test_one_subscribers_message_is_not_found_through_another(db, hooked):
    owner, ids, _app_id, installation_id = hooked
    _same, other_id, other_installation = hooked_developer_app(db, owner, "Other Sync")
    theirs = developer_delivery(db, other_installation, status="failed")
    # An endpoint of the owner's own customer app: not a developer app's message either.
    admin, workspace, endpoint_id = app_endpoint(db)
    endpoint_message = delivery(db, endpoint_id, status="failed")
    for delivery_id in (theirs.id, endpoint_message.id, True, 0, -1, 2**40):
        with pytest.raises(NotFound):
            webhook_logs.replay(session=db, **ids, delivery_id=delivery_id)
        with pytest.raises(NotFound):
            webhook_logs.list_attempts(session=db, **ids, delivery_id=delivery_id)
    mine = developer_delivery(db, installation_id, status="failed")
    endpoint = EndpointRef(workspace, "acme", endpoint_id)
    with pytest.raises(NotFound):
        webhook_logs.replay(session=db, actor=admin, subscriber=endpoint, delivery_id=mine.id)
    assert [m.id for m in webhook_logs.list_messages(session=db, **ids).items] == [mine.id]
    assert other_id != ids["subscriber"].app_id
    with pytest.raises(NotFound):
        webhook_logs.list_messages(session=db, actor=owner, subscriber="not a subscriber")
