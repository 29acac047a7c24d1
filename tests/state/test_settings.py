"""SettingsState: profile, password and sessions, for the signed-in person only."""

from __future__ import annotations

import re

import pytest

from portal.db import transaction
from portal.domain.access import ClientInfo
from portal.domain.errors import Unauthenticated
from portal.models import PersonalAccessToken, User, UserSession
from portal.pages.settings import TOAST_ID, SettingsState
from portal.services import api_tokens, passwords, sessions
from tests.factories import PASSWORD, sign_in
from tests.state.support import backend_posts, redirect_path, run, toasts

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def me(person, browse):
    """(user, actor, settings state) for a signed-in person on /settings."""
    user, token, actor = person(name="Ada")
    client = browse("/settings", token=token)
    return user, actor, client


def _revoked(db, session_id: int) -> bool:
    db.expire_all()
    return db.get(UserSession, session_id).revoked_at is not None


def test_load_lists_only_my_sessions(me, person, db):
    user, actor, client = me
    other_token, other_actor = sign_in(db, user)  # my second browser
    db.commit()
    person()  # someone else, signed in too
    state = client.state(SettingsState)

    run(state.load)

    assert {row.id for row in state.sessions} == {actor.session_id, other_actor.session_id}
    current = [row.id for row in state.sessions if row.current]
    assert current == [actor.session_id]
    assert all(row.created_at.endswith("Z") for row in state.sessions)  # UTC, shown local
    assert (state.profile_name, state.profile_email) == ("Ada", user.email)


def test_revoking_another_users_session_is_refused(me, person, db):
    _, _, client = me
    _, victim_token, victim = person()

    events = run(client.state(SettingsState).revoke_session, victim.session_id)

    assert toasts(events) == [("error", "That session is not active.")]
    assert redirect_path(events) is None
    assert not _revoked(db, victim.session_id)
    with transaction() as session:
        assert sessions.resolve_actor(session=session, token=victim_token) == victim


def test_revoking_my_other_session(me, db):
    user, actor, client = me
    _, second = sign_in(db, user)
    db.commit()
    state = client.state(SettingsState)

    events = run(state.revoke_session, second.session_id)

    assert toasts(events) == [("success", "Session revoked.")]
    assert _revoked(db, second.session_id)
    assert not _revoked(db, actor.session_id)
    assert [row.id for row in state.sessions] == [actor.session_id]


def test_revoking_the_current_session_signs_this_browser_out(me, db):
    _, actor, client = me
    client.session.signed_in = True
    events = run(client.state(SettingsState).revoke_session, actor.session_id)
    # Then /auth/sign-out clears the HttpOnly cookie and lands on sign-in.
    assert backend_posts(events) == [("/auth/sign-out", {})]
    assert client.session.signed_in is False
    assert _revoked(db, actor.session_id)


@pytest.mark.parametrize("session_id", ["not-a-number", None, 10**9])
def test_revoking_a_malformed_or_unknown_id_is_refused(me, session_id):
    _, _, client = me
    events = run(client.state(SettingsState).revoke_session, session_id)
    assert toasts(events) == [("error", "That session is not active.")]


def test_revoke_other_sessions_keeps_mine_and_spares_other_users(me, person, db):
    user, actor, client = me
    _, second = sign_in(db, user)
    db.commit()
    _, _, stranger = person()

    events = run(client.state(SettingsState).revoke_other_sessions)

    assert toasts(events) == [("success", "1 other session(s) signed out.")]
    assert _revoked(db, second.session_id)
    assert not _revoked(db, actor.session_id)
    assert not _revoked(db, stranger.session_id)


def test_save_profile_with_a_blank_name_is_a_field_error(me, db):
    user, _, client = me
    state = client.state(SettingsState)
    run(state.save_profile, {"name": "   "})
    assert state.profile_errors == {"name": "Enter your name."}
    assert state.profile_saved == ""
    db.expire_all()
    assert db.get(User, user.id).name == "Ada"


def test_save_profile_updates_the_name_everywhere(me, db):
    user, _, client = me
    state = client.state(SettingsState)
    state.profile_errors = {"name": "left over"}
    run(state.save_profile, {"name": "  Ada King "})
    assert state.profile_errors == {}
    assert (state.profile_name, client.session.user_name) == ("Ada King", "Ada King")
    assert state.profile_saved == "Profile saved."
    db.expire_all()
    assert db.get(User, user.id).name == "Ada King"


def test_save_profile_ignores_fields_it_does_not_own(me, db):
    """Any client can add fields to the form payload; only `name` is read."""
    user, _, client = me
    run(
        client.state(SettingsState).save_profile,
        {"name": "Ada", "email": "x@evil.example", "is_platform_admin": True},
    )
    db.expire_all()
    row = db.get(User, user.id)
    assert (row.email, row.is_platform_admin) == (user.email, False)


def _password_form(current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return {
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    }


def _password_is(db, user, password: str) -> bool:
    db.expire_all()
    return passwords.verify(password, db.get(User, user.id).password_hash)[0]


def test_change_password_confirmation_mismatch(me, db):
    user, _, client = me
    state = client.state(SettingsState)
    run(state.change_password, _password_form(confirm="something else entirely"))
    assert state.password_errors == {"confirm_password": "The two new passwords don't match."}
    assert _password_is(db, user, PASSWORD)


def test_change_password_needs_the_current_password(me, db):
    user, _, client = me
    state = client.state(SettingsState)
    run(state.change_password, _password_form(current="not my password"))
    assert state.password_errors == {"current_password": "That is not your current password."}
    assert _password_is(db, user, PASSWORD)


def test_change_password_applies_the_policy(me, db):
    user, _, client = me
    state = client.state(SettingsState)
    run(state.change_password, _password_form(new="short"))
    assert list(state.password_errors) == ["new_password"]
    assert _password_is(db, user, PASSWORD)


def test_change_password_signs_out_the_other_sessions(me, db):
    user, actor, client = me
    second_token, second = sign_in(db, user)
    db.commit()
    state = client.state(SettingsState)

    run(state.change_password, _password_form())

    assert state.password_errors == {}
    assert state.password_saved == "Password changed. 1 other session(s) signed out."
    assert _password_is(db, user, NEW_PASSWORD)
    assert _revoked(db, second.session_id)
    with transaction() as session:
        assert sessions.resolve_actor(session=session, token=client.token).session_id == (
            actor.session_id
        )
        with pytest.raises(Unauthenticated):
            sessions.resolve_actor(session=session, token=second_token)


def _secret_shown(events) -> str:
    """The secret the browser got: the description of the toast a create returned."""
    shown = [
        event.payload["function"]
        for event in events
        if event.name == "_call_function" and TOAST_ID in str(event.payload.get("function"))
    ]
    assert len(shown) == 1, events
    match = re.search(r"pat_[A-Za-z0-9_\-]+", str(shown[0]))
    assert match, shown[0]
    return match.group(0)


def _persisted(client) -> bytes:
    """Every byte Reflex would keep for this tab: each state of the tree as the state manager
    serializes it (Redis, .states/), plus the delta the browser receives."""
    states = [client.root, *client.root.substates.values()]
    while states:
        state = states.pop()
        states.extend(state.substates.values())
        yield state._serialize()
    yield repr(client.root.dict()).encode()


def test_a_token_secret_goes_to_the_browser_once_and_is_kept_in_no_state(me, db):
    client = me[2]
    state = client.state(SettingsState)

    events = run(state.create_token, {"token_name": "deploys", "expires_in_days": "30"})

    secret = _secret_shown(events)
    with transaction() as session:  # the secret shown is a working token
        who = api_tokens.resolve_token(session=session, secret=secret, client=ClientInfo())
        assert who.user_id == me[1].user_id
    assert [t.name for t in state.tokens] == ["deploys"]
    assert state.tokens[0].prefix in secret
    for blob in _persisted(client):
        assert secret.encode() not in blob
        assert secret[len(state.tokens[0].prefix) :].encode() not in blob
    assert not _secret_shown_in(run(state.load))  # never shown again

    run(state.revoke_token, state.tokens[0].id)
    assert (state.tokens[0].state, state.tokens[0].active) == ("revoked", False)


def _secret_shown_in(events) -> bool:
    return any(TOAST_ID in str(event.payload.get("function", "")) for event in events)


def test_a_token_needs_a_name(me):
    state = me[2].state(SettingsState)
    events = run(state.create_token, {"token_name": "  ", "expires_in_days": "never"})
    assert "token_name" in state.token_errors
    assert not _secret_shown_in(events)
    assert state.tokens == []


def test_revoking_another_users_token_is_refused(me, db, person):
    _, _, other_actor = person(name="Other")
    theirs = api_tokens.create_token(
        session=db, actor=other_actor, name="theirs", expires_in_days=None
    )
    db.commit()
    events = run(me[2].state(SettingsState).revoke_token, theirs.token.id)
    assert toasts(events)[0][0] == "error"
    db.expire_all()
    assert not db.get(PersonalAccessToken, theirs.token.id).revoked_at
