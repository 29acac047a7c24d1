"""The developer app's Security tab: an owner creates a client secret (shown once, in the toast
only), rotates it (two live, the older one ending) and ends the overlap; anyone else on the
team sees the owners-only sentence, and the handlers refuse them, changing nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.domain.developer import TeamRole
from portal.models import DeveloperAppMember, DeveloperClientSecret
from portal.pages.developer.security import (
    OWNERS_ONLY,
    SECRET_TOAST,
    DeveloperSecurityState,
)
from portal.pages.developer.team import DeveloperTeamState
from portal.services import developer_apps, developer_terms
from portal.services.tokens import token_hash
from tests.state.support import every_state, name_of, names, run, toasts


@pytest.fixture
def owner_app(db, person):
    """(owner token, app slug, app id): a new app, its creator its owner."""
    _user, token, actor = person(name="Olga Owner")
    developer_terms.accept(session=db, actor=actor, version=get_settings().developer_terms_version)
    app = developer_apps.create_app(session=db, actor=actor, name="Tide Sync")
    db.commit()
    return token, app.slug, app.id


def _page(browse, token: str, slug: str) -> tuple[object, DeveloperSecurityState]:
    client = browse(f"/developer/apps/{slug}/security", token=token)
    return client, client.state(DeveloperSecurityState)


def _secret_shown(events) -> str:
    """The secret the browser got: in the one toast the handler returned."""
    shown = [
        str(event.payload["function"])
        for event in events
        if event.name == "_call_function" and SECRET_TOAST in str(event.payload.get("function"))
    ]
    assert len(shown) == 1, events
    assert "Copy it now: Portal keeps only a hash" in shown[0]
    match = re.search(r"cs_[A-Za-z0-9_\-]{40,}", shown[0])
    assert match, shown[0]
    return match.group(0)


def _kept(client):
    """Every var's value of every state in this tab's tree (backend-only ones included), each
    state as the state manager serializes it, and the delta the browser receives."""
    for state in every_state(client):
        # Its own vars, backend-only ones included (what pickling it keeps), and computed ones.
        for name, value in state.__getstate__().items():
            yield f"{state.get_full_name()}.{name}", repr(value).encode()
        for name in type(state).computed_vars:
            yield f"{state.get_full_name()}.{name}", repr(getattr(state, name)).encode()
        yield "serialized", state._serialize()
    yield "delta", repr(client.root.dict()).encode()


def _live_hashes(db, app_id: int) -> list[str]:
    db.expire_all()
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = db.exec(
        select(DeveloperClientSecret).where(DeveloperClientSecret.app_id == app_id)
    ).all()
    return [
        row.secret_hash
        for row in rows
        if row.expires_at is None or row.expires_at.replace(tzinfo=None) > now
    ]


def test_an_owner_creates_rotates_and_ends_the_overlap(db, browse, owner_app):
    token, slug, app_id = owner_app
    client, state = _page(browse, token, slug)

    run(state.load)
    assert state.can_manage is True
    assert state.client_id and state.secret_rows == []

    first = _secret_shown(run(state.rotate))
    assert _live_hashes(db, app_id) == [token_hash(first)]
    [row] = state.secret_rows
    assert first.startswith(row.prefix.removesuffix("…"))
    assert row.ends_at == ""
    assert row.created_at.endswith("Z")

    second = _secret_shown(run(state.rotate))
    assert second != first
    assert sorted(_live_hashes(db, app_id)) == sorted([token_hash(first), token_hash(second)])
    newer, older = state.secret_rows
    assert second.startswith(newer.prefix.removesuffix("…")) and newer.ends_at == ""
    assert first.startswith(older.prefix.removesuffix("…"))
    ends = datetime.fromisoformat(older.ends_at.replace("Z", "+00:00"))
    assert timedelta(hours=23, minutes=59) < ends - datetime.now(UTC) <= timedelta(hours=24)

    # A third while two are live is refused, and changes nothing.
    assert toasts(run(state.rotate))[0][0] == "error"
    assert [r.id for r in state.secret_rows] == [newer.id, older.id]

    # The newest cannot be ended; the older one can.
    assert toasts(run(state.end_overlap, newer.id))[0][0] == "error"
    assert toasts(run(state.end_overlap, older.id)) == [
        ("success", "The older secret has stopped working.")
    ]
    assert [r.id for r in state.secret_rows] == [newer.id]
    assert _live_hashes(db, app_id) == [token_hash(second)]

    # A reload shows the same, and no secret again.
    events = run(state.load)
    assert not any(SECRET_TOAST in str(e.payload.get("function", "")) for e in events)
    assert [r.id for r in state.secret_rows] == [newer.id]


def test_the_secret_is_in_no_state_after_rotate(db, browse, owner_app):
    token, slug, _app_id = owner_app
    client, state = _page(browse, token, slug)
    run(state.load)

    for _ in range(2):  # the first secret, then a rotation
        secret = _secret_shown(run(state.rotate))
        tail = secret[9:].encode()  # without the prefix the table shows
        assert len(tail) >= 30
        holding = [
            where for where, blob in _kept(client) if secret.encode() in blob or tail in blob
        ]
        assert holding == []
    # The check sees what the tab keeps: the listing, and the backend-only app id.
    kept = dict(_kept(client))
    assert any(state.client_id.encode() in blob for blob in kept.values())
    assert any(where.endswith("._dev_app_id") for where in kept)


@pytest.mark.parametrize("role", [TeamRole.VIEWER, TeamRole.DEVELOPER])
def test_anyone_but_an_owner_sees_the_sentence_and_is_refused(db, browse, person, owner_app, role):
    owner_token, slug, app_id = owner_app
    _, owner_state = _page(browse, owner_token, slug)
    run(owner_state.load)
    _secret_shown(run(owner_state.rotate))
    _secret_shown(run(owner_state.rotate))
    older_id = owner_state.secret_rows[1].id
    hashes = sorted(_live_hashes(db, app_id))

    _user, token, actor = person(name="Vera Member")
    db.add(DeveloperAppMember(app_id=app_id, user_id=actor.user_id, role=role))
    db.commit()
    client, state = _page(browse, token, slug)

    run(state.load)
    assert state.dev_app_found is True and state.dev_app_role == role.value
    assert (state.can_manage, state.client_id, state.secret_rows) == (False, "", [])
    assert "Only the app's owners" in OWNERS_ONLY

    before = {name: getattr(state, name) for name in type(state).base_vars}
    for handler, args in ((state.rotate, ()), (state.end_overlap, (older_id,))):
        events = run(handler, *args)
        [(level, message)] = toasts(events)
        assert level == "error" and "owner" in message
        assert not any(SECRET_TOAST in str(e.payload.get("function", "")) for e in events)
    assert {name: getattr(state, name) for name in type(state).base_vars} == before
    assert sorted(_live_hashes(db, app_id)) == hashes


def test_an_owner_who_steps_down_in_the_team_loses_the_credentials_at_once(
    db, browse, person, owner_app
):
    token, slug, app_id = owner_app
    other, _token, _actor = person(name="Otto Owner")
    viewer, _token, _actor = person(name="Vic Viewer")
    db.add(DeveloperAppMember(app_id=app_id, user_id=other.id, role=TeamRole.OWNER))
    db.add(DeveloperAppMember(app_id=app_id, user_id=viewer.id, role=TeamRole.VIEWER))
    db.commit()
    client, state = _page(browse, token, slug)
    run(state.load)
    _secret_shown(run(state.rotate))
    team = client.state(DeveloperTeamState)
    run(team.load)
    assert state.can_manage is True and state.secret_rows

    # Someone else's role: the tab stays as it is.
    events = run(team.set_role, viewer.id, "developer")
    assert toasts(events) == [("success", "Role changed.")] and names(events) == []

    # Your own: the tab's state loads again, and the credentials go (the service decides).
    me = next(member.user_id for member in team.team_members if member.you)
    events = run(team.set_role, me, "developer")
    assert toasts(events) == [("success", "Role changed.")]
    assert names(events) == name_of(DeveloperSecurityState.load)
    assert (state.dev_app_role, team.team_can_manage) == ("developer", False)
    run(state.load)  # what the browser sends back
    assert (state.can_manage, state.client_id, state.secret_rows) == (False, "", [])
