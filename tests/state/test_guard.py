"""SessionState.guard, the on_load of every page: who may open which page, from routes.PAGES."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import routes
from portal.domain.access import Requirement
from portal.models import UserSession
from portal.models._base import utcnow
from portal.pages.auth.sign_in import SignInState
from portal.pages.settings import SettingsState
from portal.services import developer_terms
from portal.state.nav import NavState
from tests.factories import account_of, make_workspace
from tests.state.support import names, redirect_path, run


def _age_session(db, actor, minutes: int) -> None:
    row = db.get(UserSession, actor.session_id)
    row.last_seen_at = row.last_seen_at - timedelta(minutes=minutes)
    db.add(row)
    db.commit()


def test_no_cookie_on_a_signed_in_page_redirects_to_sign_in(browse):
    client = browse("/settings")
    events = run(client.session.guard)
    assert redirect_path(events) == "/sign-in?next=%2Fsettings"
    assert events[0].payload["replace"] is True
    assert names(events) == []  # the page's loaders do not run
    assert client.session.signed_in is False


def test_next_keeps_the_query_and_drops_the_trailing_slash(browse):
    client = browse("/settings/", query="tab=sessions")
    assert redirect_path(run(client.session.guard)) == "/sign-in?next=%2Fsettings%3Ftab%3Dsessions"


def test_an_unknown_path_shows_the_not_found_page_signed_out_too(browse):
    """Every path no page claims is Reflex's "404" page, public: a broken link says so
    instead of sending the visitor to sign in (and back to the same broken link)."""
    client = browse("/no-such-page")
    assert redirect_path(run(client.session.guard)) is None
    assert client.session.signed_in is False


def test_a_route_missing_from_pages_needs_a_session():
    """Authenticated by default: a route missing from routes.PAGES is not public."""
    assert routes.requirement_for("/not-declared") is Requirement.SIGNED_IN
    assert routes.requirement_for("404") is Requirement.PUBLIC


def test_public_page_without_cookie_runs_its_loaders_in_the_same_event(browse):
    client = browse("/sign-in", query="reason=expired")
    events = run(client.session.guard)
    assert redirect_path(events) is None
    assert names(events) == []  # nothing chained: one event loads the page
    assert "expired" in client.state(SignInState).notice


def test_expired_session_redirects_with_reason_and_forgets_the_identity(browse, person, db):
    _, token, actor = person(name="Ada")
    _age_session(db, actor, minutes=31)
    client = browse("/settings", token=token)
    # What the page last showed: the guard must forget it.
    client.session.signed_in = True
    client.session.user_name = "Ada"

    events = run(client.session.guard)

    assert redirect_path(events) == "/sign-in?next=%2Fsettings&reason=expired"
    assert client.session.signed_in is False
    assert client.session.user_name == ""


def test_revoked_session_redirects_without_expired_reason(browse, person, db):
    _, token, actor = person()
    row = db.get(UserSession, actor.session_id)
    row.revoked_at = utcnow()
    db.add(row)
    db.commit()
    client = browse("/settings", token=token)

    assert redirect_path(run(client.session.guard)) == "/sign-in?next=%2Fsettings"


def test_forged_cookie_is_not_a_session(browse):
    client = browse("/", token="forged-token-value")
    assert redirect_path(run(client.session.guard)) == "/sign-in?next=%2F"


def test_valid_session_sets_identity_and_loads_the_page_in_the_same_event(browse, person):
    user, token, _ = person(name="Ada Lovelace")
    client = browse("/settings", token=token)

    events = run(client.session.guard)

    assert redirect_path(events) is None
    # The page's loader and the picker's ran inside the guard: no event chained after it.
    assert names(events) == []
    assert client.state(SettingsState).profile_email == user.email
    assert client.state(NavState).selected_workspace_id == ""  # Ada has no workspace yet
    session = client.session
    assert (session.signed_in, session.user_name, session.user_email) == (
        True,
        "Ada Lovelace",
        user.email,
    )
    assert session.platform_admin is False
    assert session.terms_accepted is False
    assert client.token == token


def test_the_dashboard_loads_the_workspace_picker(browse, person, db):
    """Reflex's route id for "/" is "/index": the guard must still find the page's loaders."""
    user, token, _ = person(account_name="Ada Co")
    make_workspace(db, account_of(db, user.id), name="Orbit")
    db.commit()
    client = browse("/", token=token)
    assert names(run(client.session.guard)) == []
    nav = client.state(NavState)
    assert (nav.selected_workspace_name, nav.selected_account_name) == ("Orbit", "Ada Co")
    assert nav.picker_rows == []  # the list is searched only when the picker opens


@pytest.mark.parametrize("path", ["/sign-in", "/sign-up"])
def test_signed_in_visitor_on_a_signed_out_page_goes_to_the_dashboard(browse, person, path):
    _, token, _ = person()
    client = browse(path, token=token)
    assert redirect_path(run(client.session.guard)) == "/"
    assert client.session.signed_in is True


def test_signed_in_visitor_may_still_open_reset_password(browse, person):
    _, token, _ = person()
    client = browse("/reset-password", token=token)
    assert redirect_path(run(client.session.guard)) is None


def test_developer_page_without_accepted_terms_goes_to_the_terms(browse, person):
    _, token, _ = person()
    client = browse("/developer", token=token)
    assert redirect_path(run(client.session.guard)) == "/developer/terms?next=%2Fdeveloper"
    assert client.session.terms_accepted is False


def test_developer_page_with_accepted_terms_opens(browse, person, db):
    _, token, actor = person()
    developer_terms.accept(
        session=db,
        actor=actor,
        version=developer_terms.status(session=db, actor=actor).current_version,
    )
    db.commit()
    client = browse("/developer", token=token)
    events = run(client.session.guard)
    assert redirect_path(events) is None
    assert names(events) == []
    assert client.session.terms_accepted is True


def test_platform_admin_page_as_a_non_admin_goes_to_the_dashboard(browse, person):
    _, token, _ = person()
    client = browse("/platform/reviews", token=token)
    assert redirect_path(run(client.session.guard)) == "/"
    assert client.session.platform_admin is False


def test_platform_admin_page_as_an_admin_opens(browse, person):
    _, token, _ = person(platform_admin=True)
    client = browse("/platform/reviews", token=token)
    assert redirect_path(run(client.session.guard)) is None
    assert client.session.platform_admin is True


def test_guard_from_a_page_state_runs_on_the_session_state(browse, person):
    """An inherited handler binds to the state that defines it, as the server dispatches it."""
    _, token, _ = person(name="Grace")
    client = browse("/settings", token=token)
    run(client.state(SettingsState).guard)
    assert client.session.user_name == "Grace"
