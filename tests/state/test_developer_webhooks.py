"""The developer app's Webhooks tab: a developer reveals the signing secret (in the toast only)
and rotates it (the old one signing 24 hours more), turns a disabled webhook back on, picks a
health window, reads the message log and sends again (replay, recover, test event); a viewer
sees the state and the messages and is refused the rest, changing nothing; someone off the
team reaches nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.domain.developer import TeamRole
from portal.domain.errors import NotFound
from portal.models import DeveloperApp, DeveloperAppMember, WebhookDelivery
from portal.models._base import utcnow
from portal.pages.developer.webhooks import SECRET_TOAST, DeveloperWebhooksState
from portal.services import developer_apps, developer_terms, developer_webhooks
from tests.state.support import database_snapshot, every_state, run, toasts
from tests.webhook_rows import developer_delivery, failure, hooked_developer_app


@pytest.fixture
def owner_app(db, person):
    """(owner token, app slug, app id): a new app, its creator its owner."""
    _user, token, actor = person(name="Olga Owner")
    developer_terms.accept(session=db, actor=actor, version=get_settings().developer_terms_version)
    app = developer_apps.create_app(session=db, actor=actor, name="Tide Sync")
    db.commit()
    return token, app.slug, app.id


def _page(browse, token: str, slug: str):
    client = browse(f"/developer/apps/{slug}/webhooks", token=token)
    return client, client.state(DeveloperWebhooksState)


def _secret_shown(events) -> str:
    shown = [
        str(event.payload["function"])
        for event in events
        if event.name == "_call_function" and SECRET_TOAST in str(event.payload.get("function"))
    ]
    assert len(shown) == 1, events
    match = re.search(r"whsec_[A-Za-z0-9+/=]{30,}", shown[0])
    assert match, shown[0]
    return match.group(0)


def _kept(client):
    """Every var of every state in the tab's tree (backend-only included), serialized, and the
    delta the browser receives."""
    for state in every_state(client):
        for name, value in state.__getstate__().items():
            yield f"{state.get_full_name()}.{name}", repr(value).encode()
        yield "serialized", state._serialize()
    yield "delta", repr(client.root.dict()).encode()


def _live(db, app_id: int) -> list[str]:
    db.expire_all()
    return developer_webhooks.signing_secrets(db, db.get(DeveloperApp, app_id))


def test_reveal_and_rotate_show_the_secret_once_and_keep_it_nowhere(db, browse, owner_app):
    token, slug, app_id = owner_app
    client, state = _page(browse, token, slug)
    run(state.load)
    assert (state.webhook_state, state.can_manage) == ("healthy", True)
    assert state.health_attempts == 0 and len(state.health_volume) == 24

    first = _secret_shown(run(state.reveal_secret))
    db.commit()
    assert _live(db, app_id) == [first]
    second = _secret_shown(run(state.rotate_secret))
    assert second != first
    assert _live(db, app_id) == [second, first]
    assert state.previous_secret_until.endswith("Z")

    for secret in (first, second):
        tail = secret[10:].encode()
        holding = [
            where for where, blob in _kept(client) if secret.encode() in blob or tail in blob
        ]
        assert holding == []


def test_a_disabled_webhook_is_turned_back_on(db, browse, owner_app):
    token, slug, app_id = owner_app
    row = db.get(DeveloperApp, app_id)
    row.webhook_disabled_at = utcnow()
    row.webhook_failing_since = utcnow()
    row.webhook_disabled_reason = "Failing for 5 days."
    db.add(row)
    db.commit()
    _client, state = _page(browse, token, slug)
    run(state.load)
    assert (state.webhook_state, state.disabled_reason) == ("disabled", "Failing for 5 days.")

    assert toasts(run(state.enable_webhook)) == [("success", "The webhook is on again.")]
    assert state.webhook_state == "healthy"


def test_the_health_window_is_one_of_three(db, browse, owner_app):
    token, slug, _app_id = owner_app
    _client, state = _page(browse, token, slug)
    run(state.load)
    run(state.set_window, "7d")
    assert (state.health_window, len(state.health_volume)) == ("7d", 7)
    run(state.set_window, "9999d")
    assert (state.health_window, len(state.health_causes)) == ("24h", 24)


def test_a_viewer_sees_the_state_and_is_refused_the_secret(db, browse, person, owner_app):
    _owner_token, slug, app_id = owner_app
    _user, token, actor = person(name="Vera Viewer")
    db.add(DeveloperAppMember(app_id=app_id, user_id=actor.user_id, role=TeamRole.VIEWER))
    db.commit()
    _client, state = _page(browse, token, slug)
    run(state.load)
    assert (state.webhook_state, state.can_manage) == ("healthy", False)

    before = {name: getattr(state, name) for name in type(state).base_vars}
    for handler in (state.reveal_secret, state.rotate_secret, state.enable_webhook):
        events = run(handler)
        [(level, message)] = toasts(events)
        assert level == "error" and "developer role" in message
        assert not any(SECRET_TOAST in str(e.payload.get("function", "")) for e in events)
    assert {name: getattr(state, name) for name in type(state).base_vars} == before
    db.expire_all()
    assert db.get(DeveloperApp, app_id).webhook_secret_sealed is None


# --- the message log ------------------------------------------------------------------------

MOVING = ("sessions", "app_visits", "workspace_picks", "users")


@pytest.fixture
def hooked(db, person):
    """The owner's token, the slug of their app installed in a customer's workspace with a
    webhook URL, and two of its messages: one failed two hours ago, one that succeeded."""
    _user, token, actor = person(name="Hana Hooks")
    developer_terms.accept(session=db, actor=actor, version=get_settings().developer_terms_version)
    _owner, app_id, installation_id = hooked_developer_app(db, actor)
    failed = developer_delivery(
        db,
        installation_id,
        status="failed",
        created_at=utcnow() - timedelta(hours=2),
        attempts=[failure("timeout", status_code=None), failure(response_body="down")],
    )
    developer_delivery(db, installation_id, created_at=utcnow() - timedelta(hours=1), attempts=[{}])
    db.commit()
    return {
        "token": token,
        "slug": db.get(DeveloperApp, app_id).slug,
        "app_id": app_id,
        "actor": actor,
        "failed": failed.id,
    }


def _pending(db) -> list[WebhookDelivery]:
    db.expire_all()
    return db.exec(select(WebhookDelivery).where(WebhookDelivery.status == "pending")).all()


def _since(hours_ago: int) -> dict:
    return {"since": (utcnow() - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_the_team_reads_filters_and_sends_messages_again(db, browse, hooked):
    _client, state = _page(browse, hooked["token"], hooked["slug"])
    run(state.load)
    assert [m.status for m in state.messages] == ["succeeded", "failed"]
    run(state.filter_status, "failed")
    assert [m.id for m in state.messages] == [hooked["failed"]]
    run(state.filter_type, "not.a.type")  # anything off the list is "all"
    assert state.type_filter == "all"
    run(state.show_attempts, hooked["failed"])
    assert state.attempts_open and [a.cause for a in state.attempts] == ["Timeout", "HTTP status"]

    events = run(state.ask_recover, _since(24))
    assert state.recover_open and state.recover_count == 1 and _pending(db) == []
    assert state.recover_when.endswith("Z") and toasts(events) == []
    run(state.recover)
    assert not state.recover_open and len(_pending(db)) == 1
    # Recovered once: a second ask finds nothing to send.
    assert any("nothing" in text for _, text in toasts(run(state.ask_recover, _since(24))))

    run(state.filter_status, "all")
    assert any("sent again" in text for _, text in toasts(run(state.replay, hooked["failed"])))
    run(state.send_test)
    assert len(_pending(db)) == 3 and state.messages[0].event_type == "webhook.test"
    assert {d.developer_app_id for d in _pending(db)} == {hooked["app_id"]}


def test_a_time_without_a_zone_is_refused_not_guessed(db, browse, hooked):
    _client, state = _page(browse, hooked["token"], hooked["slug"])
    run(state.load)
    for form in ({"since": "2020-01-01T00:00"}, {"since": "tomorrow"}, {}, "not a form"):
        run(state.ask_recover, form)
        assert state.recover_error == "Choose a date and time." and not state.recover_open


def test_a_viewer_reads_the_messages_and_sends_nothing(db, browse, person, hooked):
    _user, token, actor = person(name="Vic Viewer")
    db.add(DeveloperAppMember(app_id=hooked["app_id"], user_id=actor.user_id, role="viewer"))
    db.commit()
    _client, state = _page(browse, token, hooked["slug"])
    run(state.load)
    assert len(state.messages) == 2 and not state.can_manage
    before = database_snapshot(ignore=MOVING)
    for handler, args in (
        (state.replay, (hooked["failed"],)),
        (state.send_test, ()),
    ):
        [(level, message)] = toasts(run(handler, *args))
        assert level == "error" and "developer role" in message
    # The count is reading (viewers may), the recovery itself is not.
    run(state.ask_recover, _since(24))
    assert state.recover_open
    [(level, message)] = toasts(run(state.recover))
    assert level == "error" and "developer role" in message
    assert database_snapshot(ignore=MOVING) == before


def test_someone_off_the_team_reaches_no_message(db, browse, person, hooked):
    _user, token, _actor = person(name="Mallory", account_name="Elsewhere")
    _client, state = _page(browse, token, hooked["slug"])
    run(state.load)
    assert state.dev_app_found is False and state.messages == []
    before = database_snapshot(ignore=MOVING)
    # Called straight, as a forged client would: the app id is backend-only, so theirs is 0.
    for handler, args in (
        (state.replay, (hooked["failed"],)),
        (state.show_attempts, (hooked["failed"],)),
        (state.send_test, ()),
        (state.ask_recover, (_since(24),)),
    ):
        try:
            events = run(handler, *args)
        except NotFound as refused:
            said = refused.message
        else:
            # ask_recover says it beside the recover form; the others in a toast.
            said = " ".join(text for _, text in toasts(events)) or state.recover_error
        assert "not found" in said.lower()
    assert state.attempts == [] and not state.recover_open
    assert database_snapshot(ignore=MOVING) == before


def test_the_owners_other_app_cannot_replay_this_apps_message(db, browse, hooked):
    """The delivery id is the browser's; it is found only among the page's app's messages."""
    owner = hooked["actor"]
    other = developer_apps.create_app(session=db, actor=owner, name="Other Sync")
    db.commit()
    _client, state = _page(browse, hooked["token"], other.slug)
    run(state.load)
    before = database_snapshot(ignore=MOVING)
    [(level, message)] = toasts(run(state.replay, hooked["failed"]))
    assert level == "error" and "not found" in message.lower()
    assert database_snapshot(ignore=MOVING) == before
