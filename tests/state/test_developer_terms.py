"""DeveloperTermsState: accept the current developer terms, deliberately and knowingly."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.models import DeveloperTermsAcceptance
from portal.pages.developer.terms import DeveloperTermsState
from tests.state.support import name_of, names, redirect_path, run


@pytest.fixture
def terms(person, browse):
    """(user, client, state) on /developer/terms, loaded, as the redirect from /developer."""
    user, token, _ = person()
    client = browse("/developer/terms", query="next=%2Fdeveloper", token=token)
    state = client.state(DeveloperTermsState)
    run(state.load)
    return user, client, state


def _accepted(db, user) -> list[str]:
    db.expire_all()
    return list(
        db.exec(
            select(DeveloperTermsAcceptance.terms_version).where(
                DeveloperTermsAcceptance.user_id == user.id
            )
        )
    )


def test_load_shows_the_current_version_not_accepted(terms):
    _, _, state = terms
    assert state.current_version == get_settings().developer_terms_version
    assert (state.accepted_version, state.agreed) == ("", False)


def test_accept_without_ticking_the_box_is_an_error(terms, db):
    user, client, state = terms
    events = run(state.accept, {"version": state.current_version})
    assert state.error == "Tick the box to confirm you have read the terms."
    assert events == []
    assert client.session.terms_accepted is False
    assert _accepted(db, user) == []


def test_ticking_the_box_clears_the_error(terms):
    _, _, state = terms
    run(state.accept, {"version": state.current_version})
    run(state.set_agreed, True)
    assert (state.agreed, state.error) == (True, "")


def test_accepting_a_stale_version_is_an_error(terms, db):
    user, client, state = terms
    run(state.set_agreed, True)
    events = run(state.accept, {"version": "2020-01"})
    assert state.error.startswith("The developer terms changed while you were reading.")
    assert names(events) == name_of(DeveloperTermsState.load)  # shows the new version
    assert client.session.terms_accepted is False
    assert _accepted(db, user) == []


def test_accepting_the_current_version(terms, db):
    user, client, state = terms
    run(state.set_agreed, True)
    events = run(state.accept, {"version": state.current_version})
    assert state.error == ""
    assert client.session.terms_accepted is True
    assert state.accepted_version == state.current_version
    assert redirect_path(events) == "/developer"
    assert _accepted(db, user) == [state.current_version]


def test_accepting_twice_records_one_acceptance(terms, db):
    user, _, state = terms
    run(state.set_agreed, True)
    run(state.accept, {"version": state.current_version})
    run(state.accept, {"version": state.current_version})
    assert _accepted(db, user) == [state.current_version]


def test_an_external_next_after_accepting_goes_to_the_developer_portal(person, browse):
    _, token, _ = person()
    client = browse("/developer/terms", query="next=%2F%2Fevil.example", token=token)
    state = client.state(DeveloperTermsState)
    run(state.load)
    run(state.set_agreed, True)
    assert redirect_path(run(state.accept, {"version": state.current_version})) == "/developer"


def test_accepted_terms_open_the_developer_portal(terms):
    """Accepting, then the guard on /developer: the gate the redirect leads to lets one in."""
    _, client, state = terms
    run(state.set_agreed, True)
    run(state.accept, {"version": state.current_version})
    client.visit("/developer")
    assert redirect_path(run(client.session.guard)) is None
