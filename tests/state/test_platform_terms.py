"""PlatformTermsState: platform staff publish a new developer terms version; developers who
accepted an earlier one keep reading the portal and are asked to accept again, with what
changed."""

from __future__ import annotations

from portal.config import get_settings
from portal.pages.developer.portal_home import DeveloperHomeState
from portal.pages.developer.terms import DeveloperTermsState
from portal.pages.platform.terms import PlatformTermsState
from portal.services import developer_terms, terms_versions
from tests.state.support import redirect_path, run, toasts


def test_staff_publish_a_version_and_a_developer_is_asked_again(person, browse, db):
    _, staff_token, _ = person(platform_admin=True)
    _, dev_token, dev = person()
    developer_terms.accept(session=db, actor=dev, version=get_settings().developer_terms_version)
    db.commit()

    platform = browse("/platform/terms", token=staff_token)
    state = platform.state(PlatformTermsState)
    run(state.load)
    assert state.current_version == get_settings().developer_terms_version
    run(state.set_publish_open, True)
    run(state.publish, {"version": "2027 01", "changes": "Secrets rotate yearly."})
    assert "version" in state.errors and state.publish_open  # kept open with the error
    events = run(state.publish, {"version": "2027-01", "changes": "Secrets rotate yearly."})
    assert (state.current_version, state.publish_open, state.errors) == ("2027-01", False, {})
    assert any("2027-01" in text for _, text in toasts(events))
    db.expire_all()
    assert terms_versions.current(db).version == "2027-01"

    # The developer still opens the portal (the guard lets them in) ...
    client = browse("/developer", token=dev_token)
    assert redirect_path(run(client.session.guard)) is None
    # ... where a notice names the new version (creating waits for it: services tests) ...
    assert client.state(DeveloperHomeState).new_terms_version == "2027-01"
    # ... and the terms page says what changed and asks for the new version.
    terms = browse("/developer/terms", token=dev_token).state(DeveloperTermsState)
    run(terms.load)
    assert (terms.current_version, terms.changes) == ("2027-01", "Secrets rotate yearly.")


def test_someone_not_on_the_platform_staff_cannot_publish(person, browse, db):
    _, token, _ = person()
    state = browse("/platform/terms", token=token).state(PlatformTermsState)
    run(state.publish, {"version": "2099-01", "changes": "Mallory's terms"})
    db.expire_all()
    assert terms_versions.current(db).version == get_settings().developer_terms_version
