"""An endpoint's message log: messages newest first, paged and filtered; each message's
attempts; replay, recover since a time and the test event, for administrators only, refused
on a frozen workspace, and another tenant's ids not found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.domain.errors import Frozen, Invalid, NotFound, PermissionDenied
from portal.domain.events import EventType, OutboxStatus
from portal.domain.paging import InvalidCursor
from portal.models import AuditEvent, OutboxEvent, WebhookDelivery
from portal.models._base import utcnow
from portal.services import webhook_endpoints, webhook_logs, workspaces
from portal.services.webhook_logs import EndpointRef
from tests.factories import actor_for, grant, make_user
from tests.webhook_rows import app_endpoint, delivery, failure


@pytest.fixture
def setup(db):
    return app_endpoint(db, "Other")


def _ids(actor, workspace, endpoint_id, slug="acme"):
    return {"actor": actor, "subscriber": EndpointRef(workspace, slug, endpoint_id)}


def test_messages_newest_first_with_event_and_last_status(db, setup):
    actor, workspace, endpoint_id = setup
    old = delivery(db, endpoint_id, attempts=[failure(), {}])
    new = delivery(
        db,
        endpoint_id,
        status="pending",
        event_type=EventType.END_USER_CREATED,
        attempts=[failure(status_code=503)],
        next_attempt_at=utcnow() + timedelta(minutes=5),
    )
    page = webhook_logs.list_messages(session=db, **_ids(actor, workspace, endpoint_id))
    assert [m.id for m in page.items] == [new.id, old.id]
    first = page.items[0]
    assert (first.event_type, first.status, first.attempts, first.last_status_code) == (
        "end_user.created",
        "pending",
        1,
        503,
    )
    assert first.next_attempt_at is not None
    event = db.get(OutboxEvent, new.event_id)
    assert first.message_id == event.message_id and first.message_id.startswith("msg_")


def test_messages_page_with_the_keyset_and_filter(db, setup):
    actor, workspace, endpoint_id = setup
    made = [
        delivery(db, endpoint_id, status="failed" if i % 3 == 0 else "succeeded") for i in range(7)
    ]
    delivery(db, endpoint_id, event_type=EventType.END_USER_DELETED)
    ids = _ids(actor, workspace, endpoint_id)
    seen, cursor = [], None
    while True:
        page = webhook_logs.list_messages(session=db, **ids, status="all", limit=3, cursor=cursor)
        seen += [m.id for m in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == 8 and seen == sorted(seen, reverse=True)
    failed = webhook_logs.list_messages(session=db, **ids, status="failed")
    assert [m.id for m in failed.items] == [made[6].id, made[3].id, made[0].id]
    typed = webhook_logs.list_messages(session=db, **ids, event_type="end_user.deleted")
    assert [m.event_type for m in typed.items] == ["end_user.deleted"]
    with pytest.raises(Invalid):
        webhook_logs.list_messages(session=db, **ids, status="lost")
    with pytest.raises(Invalid):
        webhook_logs.list_messages(session=db, **ids, event_type="drop table")
    with pytest.raises(InvalidCursor):
        webhook_logs.list_messages(session=db, **ids, cursor="bm90IGEgY3Vyc29y")


def test_attempts_of_a_message_in_order_with_the_answer(db, setup):
    actor, workspace, endpoint_id = setup
    row = delivery(
        db,
        endpoint_id,
        attempts=[
            failure("timeout", status_code=None, latency_ms=15000),
            failure(response_headers={"retry-after": "30"}, response_body="busy"),
            {},
        ],
    )
    attempts = webhook_logs.list_attempts(
        session=db, **_ids(actor, workspace, endpoint_id), delivery_id=row.id
    )
    assert [(a.attempt, a.outcome, a.status_code, a.cause) for a in attempts] == [
        (1, "failure", None, "timeout"),
        (2, "failure", 500, "http_status"),
        (3, "success", 200, None),
    ]
    assert attempts[0].latency_ms == 15000 and attempts[0].error == "timeout error"
    assert attempts[1].response_headers == {"retry-after": "30"}
    assert attempts[1].response_body == "busy"


def test_replay_queues_the_same_event_again_and_is_audited(db, setup):
    actor, workspace, endpoint_id = setup
    row = delivery(db, endpoint_id, status="failed", attempts=[failure()] * 8)
    again = webhook_logs.replay(
        session=db, **_ids(actor, workspace, endpoint_id), delivery_id=row.id
    )
    new = db.get(WebhookDelivery, again.id)
    assert (new.event_id, new.endpoint_id, new.status, new.attempts) == (
        row.event_id,
        endpoint_id,
        "pending",
        0,
    )
    assert new.next_attempt_at is not None and new.next_attempt_at <= utcnow()
    assert again.message_id == db.get(OutboxEvent, row.event_id).message_id
    listed = webhook_logs.list_messages(session=db, **_ids(actor, workspace, endpoint_id))
    assert [(m.id, m.status) for m in listed.items] == [(new.id, "pending"), (row.id, "failed")]
    audited = db.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert audited.action == "webhook_delivery.replayed"
    assert audited.after["message_id"] == again.message_id


def test_recover_sends_again_each_failed_message_since_once(db, setup):
    actor, workspace, endpoint_id = setup
    now = utcnow()
    before = delivery(db, endpoint_id, status="failed", created_at=now - timedelta(days=3))
    failed = [
        delivery(db, endpoint_id, status="failed", created_at=now - timedelta(hours=h))
        for h in (20, 10)
    ]
    delivery(db, endpoint_id, status="succeeded", created_at=now - timedelta(hours=5))
    ids = _ids(actor, workspace, endpoint_id)
    since = now - timedelta(days=1)
    counted = webhook_logs.count_failed_since(session=db, **ids, since=since)
    assert (counted.count, counted.capped) == (2, False)
    done = webhook_logs.recover_failed(session=db, **ids, since=since)
    assert done.count == 2
    pending = db.exec(
        select(WebhookDelivery).where(WebhookDelivery.status == "pending").order_by("id")
    ).all()
    assert [p.event_id for p in pending] == [f.event_id for f in failed]
    assert before.event_id not in {p.event_id for p in pending}
    # Already sent again: a second recovery finds nothing more.
    assert webhook_logs.count_failed_since(session=db, **ids, since=since).count == 0
    assert webhook_logs.recover_failed(session=db, **ids, since=since).count == 0
    actions = db.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["webhook_delivery.recovered", "webhook_delivery.recovered"]
    with pytest.raises(Invalid):
        webhook_logs.recover_failed(session=db, **ids, since=now + timedelta(hours=1))
    with pytest.raises(Invalid):
        webhook_logs.recover_failed(session=db, **ids, since="yesterday")


def test_recover_is_bounded(db, setup, monkeypatch):
    actor, workspace, endpoint_id = setup
    monkeypatch.setattr(webhook_logs, "RECOVER_MAX", 2)
    made = [delivery(db, endpoint_id, status="failed") for _ in range(3)]
    ids = _ids(actor, workspace, endpoint_id)
    since = utcnow() - timedelta(hours=1)
    counted = webhook_logs.count_failed_since(session=db, **ids, since=since)
    assert (counted.count, counted.capped) == (2, True)
    assert webhook_logs.recover_failed(session=db, **ids, since=since).count == 2
    # Oldest first: the newest is left for the next run.
    left = webhook_logs.count_failed_since(session=db, **ids, since=since)
    assert (left.count, left.capped) == (1, False)
    pending = db.exec(select(WebhookDelivery.event_id).where(WebhookDelivery.status == "pending"))
    assert set(pending.all()) == {made[0].event_id, made[1].event_id}


def test_a_test_event_goes_to_this_endpoint_alone(db, setup):
    actor, workspace, endpoint_id = setup
    sent = webhook_logs.send_test_event(session=db, **_ids(actor, workspace, endpoint_id))
    event = db.exec(select(OutboxEvent).where(OutboxEvent.message_id == sent.message_id)).one()
    assert event.type == "webhook.test" and event.status == OutboxStatus.DISPATCHED
    assert event.payload["type"] == "webhook.test"
    assert event.payload["data"]["endpoint_id"] == endpoint_id
    deliveries = db.exec(select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)).all()
    assert [(d.endpoint_id, d.status) for d in deliveries] == [(endpoint_id, "pending")]
    assert "whsec_" not in str(event.payload)


def test_a_disabled_endpoint_is_sent_nothing(db, setup):
    actor, workspace, endpoint_id = setup
    row = delivery(db, endpoint_id, status="failed")
    ids = _ids(actor, workspace, endpoint_id)
    webhook_endpoints.set_enabled(
        session=db,
        actor=actor,
        workspace_id=workspace,
        app_slug="acme",
        endpoint_id=endpoint_id,
        enabled=False,
    )
    with pytest.raises(Invalid, match="enable it"):
        webhook_logs.send_test_event(session=db, **ids)
    with pytest.raises(Invalid, match="enable it"):
        webhook_logs.replay(session=db, **ids, delivery_id=row.id)


def test_readers_read_but_send_nothing_and_strangers_find_nothing(db, setup):
    actor, workspace, endpoint_id = setup
    row = delivery(db, endpoint_id, status="failed", attempts=[failure()])
    reader = make_user(db)
    grant(db, reader.id, workspace_id=workspace, permission="read")
    reader_ids = _ids(actor_for(db, reader), workspace, endpoint_id)
    assert webhook_logs.list_messages(session=db, **reader_ids).items[0].id == row.id
    assert len(webhook_logs.list_attempts(session=db, **reader_ids, delivery_id=row.id)) == 1
    since = utcnow() - timedelta(hours=1)
    for call, extra in (
        (webhook_logs.replay, {"delivery_id": row.id}),
        (webhook_logs.recover_failed, {"since": since}),
        (webhook_logs.send_test_event, {}),
    ):
        with pytest.raises(PermissionDenied):
            call(session=db, **reader_ids, **extra)
    stranger_ids = _ids(actor_for(db, make_user(db)), workspace, endpoint_id)
    for call, extra in (
        (webhook_logs.list_messages, {}),
        (webhook_logs.list_attempts, {"delivery_id": row.id}),
        (webhook_logs.replay, {"delivery_id": row.id}),
        (webhook_logs.count_failed_since, {"since": since}),
    ):
        with pytest.raises(NotFound):
            call(session=db, **stranger_ids, **extra)


def test_another_apps_endpoint_or_message_is_not_found(db, setup):
    actor, workspace, endpoint_id = setup
    theirs = webhook_endpoints.create_endpoint(
        session=db,
        actor=actor,
        workspace_id=workspace,
        app_slug="other",
        url="https://hooks.other.example/x",
        categories=["sign_in"],
    ).endpoint.id
    their_message = delivery(db, theirs, status="failed")
    with pytest.raises(NotFound):
        webhook_logs.list_messages(session=db, **_ids(actor, workspace, theirs))
    for delivery_id in (their_message.id, True, 0, -1, 2**40):
        with pytest.raises(NotFound):
            webhook_logs.replay(
                session=db, **_ids(actor, workspace, endpoint_id), delivery_id=delivery_id
            )
        with pytest.raises(NotFound):
            webhook_logs.list_attempts(
                session=db, **_ids(actor, workspace, endpoint_id), delivery_id=delivery_id
            )


def test_a_frozen_workspace_refuses_sending(db, setup):
    actor, workspace, endpoint_id = setup
    row = delivery(db, endpoint_id, status="failed")
    workspaces.freeze(session=db, actor=actor, workspace_id=workspace, reason="audit")
    ids = _ids(actor, workspace, endpoint_id)
    assert webhook_logs.list_messages(session=db, **ids).items  # reading still works
    since = utcnow() - timedelta(hours=1)
    for call, extra in (
        (webhook_logs.replay, {"delivery_id": row.id}),
        (webhook_logs.recover_failed, {"since": since}),
        (webhook_logs.send_test_event, {}),
    ):
        with pytest.raises(Frozen):
            call(session=db, **ids, **extra)
