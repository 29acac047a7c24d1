"""The developer app's Webhooks tab: a developer reveals the signing secret (in the toast only)
and rotates it (the old one signing 24 hours more), turns a disabled webhook back on, picks a
health window; a viewer sees the state and is refused the rest, changing nothing."""

from __future__ import annotations

import re

import pytest

from portal.config import get_settings
from portal.domain.developer import TeamRole
from portal.models import DeveloperApp, DeveloperAppMember
from portal.models._base import utcnow
from portal.pages.developer.webhooks import SECRET_TOAST, DeveloperWebhooksState
from portal.services import developer_apps, developer_terms, developer_webhooks
from tests.state.support import every_state, run, toasts


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
