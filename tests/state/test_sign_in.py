"""SignInState.sign_in and SessionState.sign_out, with the routes that set and clear the
HttpOnly cookie (/auth/session, /auth/sign-out) they hand the browser to."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlmodel import select

from portal.db import transaction
from portal.domain.errors import AuthenticationFailed, Unauthenticated
from portal.models import UserSession
from portal.pages.auth.sign_in import SignInState
from portal.services import sessions
from tests.factories import PASSWORD, make_user
from tests.state.support import (
    CLIENT_IP,
    USER_AGENT,
    backend_posts,
    follow_handoff,
    run,
)

NO_MATCH = AuthenticationFailed().message


@pytest.fixture
def user(db):
    created = make_user(db, name="Ada")
    db.commit()
    return created


def _sign_in(client, email: str, password: str):
    return run(client.state(SignInState).sign_in, {"email": email, "password": password})


def test_wrong_password_says_no_match_and_issues_no_token(browse, user, db):
    client = browse("/sign-in")
    events = _sign_in(client, user.email, "not the password")
    state = client.state(SignInState)
    assert state.error == NO_MATCH
    assert client.token == ""
    assert events == []
    assert db.exec(select(UserSession)).all() == []


def test_unknown_email_gets_the_same_message(browse, database):
    client = browse("/sign-in")
    _sign_in(client, "nobody@example.com", PASSWORD)
    assert client.state(SignInState).error == NO_MATCH
    assert client.token == ""


def test_right_password_sets_the_cookie_and_goes_to_the_dashboard(browse, user):
    client = browse("/sign-in")
    events = _sign_in(client, user.email, PASSWORD)
    assert client.state(SignInState).error == ""
    # The handler sets no cookie and keeps no token: it hands a one-time handoff to the
    # backend route, which sets the HttpOnly cookie.
    assert client.token == ""
    [(path, fields)] = backend_posts(events)
    assert (path, set(fields)) == ("/auth/session", {"handoff", "next"})
    assert follow_handoff(client, events) == "/"
    assert client.token not in ("", fields["handoff"])
    with transaction() as db:
        actor = sessions.resolve_actor(session=db, token=client.token)
        row = db.get(UserSession, actor.session_id)
    assert actor.user_id == user.id
    # The session records where the browser is, as the server saw it.
    assert (row.ip_address, row.user_agent) == (CLIENT_IP, USER_AGENT)


def test_a_safe_next_is_honoured(browse, user):
    client = browse("/sign-in", query="next=%2Fsettings%3Ftab%3Dsessions")
    events = _sign_in(client, user.email, PASSWORD)
    assert follow_handoff(client, events) == "/settings?tab=sessions"


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "evil.example", "/sign-in"],
)
def test_an_unsafe_next_goes_to_the_dashboard(browse, user, target):
    client = browse("/sign-in", query=f"next={quote(target, safe='')}")
    events = _sign_in(client, user.email, PASSWORD)
    assert backend_posts(events)[0][1]["next"] == "/"
    assert follow_handoff(client, events) == "/"


def test_signing_in_again_ends_the_session_this_browser_held(browse, person):
    user, old_token, _ = person()
    client = browse("/sign-in", token=old_token)
    follow_handoff(client, _sign_in(client, user.email, PASSWORD))
    assert client.token not in ("", old_token)
    with transaction() as db, pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=db, token=old_token)


def test_a_failed_attempt_after_success_does_not_keep_the_old_error(browse, user):
    client = browse("/sign-in")
    _sign_in(client, user.email, "wrong password")
    _sign_in(client, user.email, PASSWORD)
    assert client.state(SignInState).error == ""


def test_sign_out_revokes_the_server_session(browse, person):
    _, token, actor = person()
    client = browse("/settings", token=token)
    client.session.signed_in = True

    events = run(client.session.sign_out)

    assert client.session.signed_in is False
    # Ended at once; then the browser posts to /auth/sign-out, which clears the cookie.
    with transaction() as db, pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=db, token=token)
    assert backend_posts(events) == [("/auth/sign-out", {})]
    assert follow_handoff(client, events) == "/sign-in"
    assert client.token == ""
    with transaction() as db, pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=db, token=token)


def test_sign_out_touches_only_its_own_session(browse, person, db):
    _, token, _ = person()
    _, other_token, other = person()
    run(browse("/", token=token).session.sign_out)
    db.expire_all()
    assert db.get(UserSession, other.session_id).revoked_at is None
