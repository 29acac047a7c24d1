"""A tab whose state expired on the server (unused past rxconfig's state expiry) while the
person's session is still live: its next click just works.

Reflex starts that event on a fresh state, but the session cookie is not state: it is read
from the websocket handshake's headers, which Reflex gives to every event (router.headers).
`Browser(path, token=...)` is exactly that fresh state on a connection that carries a cookie.
"""

from __future__ import annotations

import pytest

from portal.db import transaction
from portal.domain.errors import Unauthenticated
from portal.pages.settings import SettingsState
from portal.services import sessions
from portal.state.errors import handle_backend_exception
from tests.state.support import redirect_path, run, toasts


def test_the_next_click_on_a_fresh_state_acts_with_the_handshake_cookie(person, browse):
    user, token, actor = person(name="Ada")
    fresh = browse("/settings", token=token)  # no guard ran on this state: nothing loaded

    events = run(fresh.state(SettingsState).revoke_other_sessions)

    assert redirect_path(events) is None
    assert toasts(events) == [("success", "0 other session(s) signed out.")]
    with transaction() as session:
        assert sessions.resolve_actor(session=session, token=token) == actor


def test_without_a_cookie_the_click_sends_to_sign_in(browse):
    fresh = browse("/settings")
    with pytest.raises(Unauthenticated) as refused:
        run(fresh.state(SettingsState).revoke_other_sessions)
    assert redirect_path(run(handle_backend_exception, refused.value)) == "/sign-in"


def test_a_state_holding_a_revoked_session_still_goes_to_sign_in(person, browse, db):
    _, token, actor = person()
    client = browse("/settings", token=token)
    with transaction() as session:
        sessions.revoke(session=session, actor=actor, session_id=actor.session_id)

    with pytest.raises(Unauthenticated) as refused:
        run(client.state(SettingsState).revoke_other_sessions)

    assert redirect_path(run(handle_backend_exception, refused.value)) == "/sign-in"
