"""The endpoint page's handlers: what an owner sees and sends, a reader sees but sends nothing,
another tenant sees nothing, and a frozen workspace refuses sending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.domain.errors import Frozen, NotFound, PermissionDenied
from portal.models import WebhookDelivery
from portal.models._base import utcnow
from portal.pages.apps.webhook_endpoint import WebhookEndpointState
from portal.services import webhook_endpoints, workspaces
from tests.factories import account_of, grant, make_app, make_workspace
from tests.state.support import database_snapshot, run, toasts
from tests.webhook_rows import delivery, failure

MOVING = ("sessions", "app_visits", "workspace_picks", "users")


@pytest.fixture
def world(db, person):
    owner, owner_token, actor = person(name="Olive")
    workspace = make_workspace(db, account_of(db, owner.id), name="Olive's")
    app = make_app(db, actor, workspace.id, "Nightjar")
    endpoint_id = webhook_endpoints.create_endpoint(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug=app.slug,
        url="https://olive.example/hook",
        categories=["sign_in"],
    ).endpoint.id
    failed = delivery(
        db,
        endpoint_id,
        status="failed",
        created_at=utcnow() - timedelta(hours=2),
        attempts=[failure("timeout", status_code=None), failure(response_body="down")],
    )
    delivery(db, endpoint_id, created_at=utcnow() - timedelta(hours=1), attempts=[{}])
    reader, reader_token, _ = person(name="Reggie")
    grant(db, reader.id, workspace_id=workspace.id, permission="read")
    _, stranger_token, _ = person(name="Bob", account_name="Account B")
    db.commit()
    return {
        "path": f"/workspaces/{workspace.id}/apps/{app.slug}/webhooks/{endpoint_id}",
        "workspace_id": str(workspace.id),
        "actor": actor,
        "failed": failed.id,
        "owner": owner_token,
        "reader": reader_token,
        "stranger": stranger_token,
    }


def _page(browse, world, who) -> WebhookEndpointState:
    state = browse(world["path"], token=world[who]).state(WebhookEndpointState)
    run(state.load)
    return state


def _pending(db) -> int:
    db.expire_all()
    return len(db.exec(select(WebhookDelivery).where(WebhookDelivery.status == "pending")).all())


def test_the_owner_sees_the_endpoint_its_health_and_messages(browse, world):
    state = _page(browse, world, "owner")
    assert state.endpoint_found and state.endpoint_url == "https://olive.example/hook"
    assert state.endpoint_state == "healthy" and state.endpoint_categories == "Sign-ins"
    assert state.attempts_total == 3 and state.success_rate == "33.3 %"
    assert len(state.volume) == 24 and sum(p.failed for p in state.volume) == 2
    assert sum(p.timeout + p.http_status for p in state.causes) == 2
    assert [m.status for m in state.messages] == ["succeeded", "failed"]
    run(state.set_window, "7d")
    assert state.window == "7d" and len(state.volume) == 7
    run(state.filter_status, "failed")
    assert [m.id for m in state.messages] == [world["failed"]]
    run(state.show_attempts, world["failed"])
    assert state.attempts_open and [a.cause for a in state.attempts] == ["Timeout", "HTTP status"]
    assert state.attempts[1].body == "down"


def test_replay_and_recover_queue_messages_again(db, browse, world):
    state = _page(browse, world, "owner")
    events = run(state.replay, world["failed"])
    assert any("sent again" in text for _, text in toasts(events))
    assert state.messages[0].status == "pending" and _pending(db) == 1
    # The replay is the event's newest delivery: recovery has nothing left to send.
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:00Z")
    events = run(state.ask_recover, {"since": since})
    assert not state.recover_open and any("nothing" in t for _, t in toasts(events))
    run(state.send_test)
    assert _pending(db) == 2 and state.messages[0].event_type == "webhook.test"


def test_recover_asks_with_the_count_first(db, browse, world):
    state = _page(browse, world, "owner")
    since = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:00Z")
    run(state.ask_recover, {"since": since})
    assert state.recover_open and state.recover_count == 1 and _pending(db) == 0
    run(state.recover)
    assert not state.recover_open and _pending(db) == 1
    run(state.ask_recover, {"since": "not a time"})
    assert state.recover_error == "Choose a date and time."
    # The browser sends UTC; a time without a zone is refused, never taken as UTC.
    run(state.ask_recover, {"since": since.removesuffix("Z")})
    assert state.recover_error == "Choose a date and time." and not state.recover_open


@pytest.mark.parametrize("who", ["reader", "stranger"])
def test_a_reader_or_stranger_sends_nothing(browse, world, who):
    state = browse(world["path"], token=world[who]).state(WebhookEndpointState)
    before = database_snapshot(ignore=MOVING)
    for handler, args in (
        (state.replay, (world["failed"],)),
        (state.send_test, ()),
    ):
        try:
            events = run(handler, *args)
        except (NotFound, PermissionDenied) as refused:
            said = refused.message
        else:
            said = " ".join(text for _, text in toasts(events))
        assert ("not found" if who == "stranger" else "administer") in said.lower()
    assert database_snapshot(ignore=MOVING) == before


def test_a_stranger_loads_nothing_of_the_endpoint(browse, world):
    state = _page(browse, world, "stranger")
    assert state.app_found is False
    assert state.endpoint_url == "" and state.messages == []


def test_a_frozen_workspace_refuses_sending(db, browse, world):
    workspaces.freeze(
        session=db, actor=world["actor"], workspace_id=world["workspace_id"], reason="audit"
    )
    db.commit()
    state = _page(browse, world, "owner")
    assert state.app_read_only != "" and state.messages  # reading still works
    before = database_snapshot(ignore=MOVING)
    try:
        events = run(state.replay, world["failed"])
    except Frozen as refused:
        said = refused.message
    else:
        said = " ".join(text for _, text in toasts(events))
    assert "frozen" in said.lower()
    assert database_snapshot(ignore=MOVING) == before
