"""A tab whose state expired on the server (unused past rxconfig's state expiry) while the
person's session is still live: its next click reloads the page it is on, it does not bounce
through sign-in to the dashboard.

Reflex starts the event on a fresh state, and the session cookie only reaches the server with
a page load's hydrate event, so the fresh state holds no token. `Browser(path)` without a token
is exactly that state.
"""

from __future__ import annotations

import pytest

from portal.db import transaction
from portal.domain.errors import Unauthenticated
from portal.pages.settings import SettingsState
from portal.services import sessions
from portal.state.calls import TabStateLost
from portal.state.errors import handle_backend_exception
from tests.state.support import redirect_path, run


def _click_after_expiry(browse, path: str, query: str = ""):
    """A click on `path` reaching a state that was dropped: what the browser is sent."""
    fresh = browse(path, query=query)  # no token: Reflex re-sends the cookie only on hydrate
    with pytest.raises(TabStateLost) as refused:
        run(fresh.state(SettingsState).revoke_other_sessions)
    return run(handle_backend_exception, refused.value)


def test_the_next_click_reloads_the_page_instead_of_signing_in(person, browse, db):
    user, token, actor = person(name="Ada")

    events = _click_after_expiry(browse, "/settings")

    assert redirect_path(events) == "/settings"  # the same page, not /sign-in
    assert events[0].payload["replace"] is True
    # Nothing was done without a session, and the session is untouched.
    with transaction() as session:
        assert sessions.resolve_actor(session=session, token=token) == actor

    # The reload hydrates with the cookie: the guard loads the page as usual.
    reloaded = browse("/settings", token=token)
    assert redirect_path(run(reloaded.session.guard)) is None
    assert reloaded.state(SettingsState).profile_name == "Ada"


def test_the_reload_keeps_the_query_string(person, browse):
    person()
    events = _click_after_expiry(browse, "/settings", query="tab=tokens")
    assert redirect_path(events) == "/settings?tab=tokens"


def test_without_a_live_cookie_the_reloaded_page_sends_to_sign_in_with_next(browse):
    events = _click_after_expiry(browse, "/settings")
    assert redirect_path(events) == "/settings"
    # The page load finds no cookie either: sign in, and come back here after.
    assert redirect_path(run(browse("/settings").session.guard)) == "/sign-in?next=%2Fsettings"


def test_a_state_holding_a_revoked_session_still_goes_to_sign_in(person, browse, db):
    _, token, actor = person()
    client = browse("/settings", token=token)
    with transaction() as session:
        sessions.revoke(session=session, actor=actor, session_id=actor.session_id)

    with pytest.raises(Unauthenticated) as refused:
        run(client.state(SettingsState).revoke_other_sessions)

    assert not isinstance(refused.value, TabStateLost)
    assert redirect_path(run(handle_backend_exception, refused.value)) == "/sign-in"
