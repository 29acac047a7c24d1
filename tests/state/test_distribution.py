"""Distribution in the browser's states: the owner requests a public listing from the General
tab and withdraws it; platform staff decide on /platform/reviews; someone not on the staff
calling the staff handlers directly, and someone off the team calling the request handler,
are refused and change nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.domain.developer import DistributionState, Visibility
from portal.models import AuditEvent, DeveloperApp, DeveloperDistributionRequest
from portal.pages.developer.distribution import DeveloperDistributionState
from portal.pages.developer.general import DeveloperGeneralState
from portal.pages.platform.reviews import PlatformReviewsState
from portal.services import developer_apps, developer_terms, distribution
from tests.state.support import run, toasts


@pytest.fixture
def owner_app(db, person):
    """(owner token, owner actor, the app): version 1 published."""
    _user, token, actor = person(name="Olga Owner")
    developer_terms.accept(session=db, actor=actor, version=get_settings().developer_terms_version)
    app = developer_apps.create_app(session=db, actor=actor, name="Tide Sync")
    text = developer_apps.get_draft(session=db, actor=actor, app_id=app.id).text
    developer_apps.save_draft(session=db, actor=actor, app_id=app.id, text=text)
    developer_apps.publish(session=db, actor=actor, app_id=app.id)
    db.commit()
    return token, actor, app


def _general(browse, token, slug) -> DeveloperDistributionState:
    """The General tab as its page load leaves it: the tab's load, then the section's."""
    client = browse(f"/developer/apps/{slug}/general", token=token)
    run(client.state(DeveloperGeneralState).load)
    state = client.state(DeveloperDistributionState)
    run(state.load)
    return state


def _reviews(browse, token) -> PlatformReviewsState:
    return browse("/platform/reviews", token=token).state(PlatformReviewsState)


def _vars(state) -> dict:
    return {name: getattr(state, name) for name in type(state).base_vars}


def _rows(db) -> list[tuple]:
    db.expire_all()
    requests = db.exec(select(DeveloperDistributionRequest)).all()
    apps = db.exec(select(DeveloperApp.id, DeveloperApp.visibility)).all()
    events = db.exec(select(AuditEvent.action)).all()
    return [
        sorted((r.id, r.state, r.note, r.decided_by_user_id) for r in requests),
        sorted(apps),
        sorted(events),
    ]


def test_request_reject_request_again_approve(db, browse, person, owner_app):
    token, _owner, app = owner_app
    _, staff_token, _ = person(name="Pat Platform", platform_admin=True)
    mine = _general(browse, token, app.slug)
    assert (mine.dist_state, mine.dist_version, mine.dev_app_visibility) == ("", 1, "private")

    # A reason is required; the dialog stays open with the error beside the field.
    run(mine.set_request_open, True)
    run(mine.request_listing, {"reason": "  "})
    assert "reason" in mine.request_errors and mine.request_open
    events = run(mine.request_listing, {"reason": "For teams who audit."})
    assert (mine.dist_state, mine.dist_reason, mine.request_open) == (
        "pending",
        "For teams who audit.",
        False,
    )
    assert toasts(events)[0][0] == "success"

    staff = _reviews(browse, staff_token)
    run(staff.load)
    (row,) = staff.reviews
    assert (row.app_name, row.version, row.scopes, row.pending) == (
        "Tide Sync",
        "v1",
        "workspace:read",
        True,
    )
    # Reject needs a note: the dialog says so and nothing is decided.
    run(staff.open_decision, row.id, False)
    assert (staff.decision_open, staff.decision_approve, staff.decision_app) == (
        True,
        False,
        "Tide Sync",
    )
    run(staff.decide, {"note": ""})
    assert "note" in staff.decision_errors and staff.decision_open
    events = run(staff.decide, {"note": "Add a homepage."})
    assert toasts(events) == [("success", "Rejected: Tide Sync's team sees your note.")]
    assert (staff.decision_open, staff.reviews) == (False, [])
    run(staff.filter_view, "decided")
    assert [(r.state, r.note) for r in staff.reviews] == [("rejected", "Add a homepage.")]

    # The developer sees it rejected with the note, and asks again.
    mine = _general(browse, token, app.slug)
    assert (mine.dist_state, mine.dist_note, mine.dist_decided_by) == (
        "rejected",
        "Add a homepage.",
        "Pat Platform",
    )
    run(mine.request_listing, {"reason": "Homepage added."})
    assert mine.dist_state == "pending"

    run(staff.filter_view, "pending")
    (row,) = staff.reviews
    run(staff.open_decision, row.id, True)
    events = run(staff.decide, {"note": ""})  # a note is optional when approving
    assert toasts(events)[0] == (
        "success",
        "Approved: Tide Sync is listed in the app directory now.",
    )
    mine = _general(browse, token, app.slug)
    assert (mine.dist_state, mine.dev_app_visibility) == ("approved", "public")

    # Staff withdraw the listing: unlisted, with the note the team reads.
    run(staff.filter_view, "decided")
    approved = next(r for r in staff.reviews if r.state == "approved")
    assert approved.can_unlist
    run(staff.open_unlist, approved.id)
    run(staff.unlist, {"note": ""})
    assert "note" in staff.unlist_errors
    run(staff.unlist, {"note": "Support stopped answering."})
    mine = _general(browse, token, app.slug)
    assert (mine.dist_state, mine.dist_note, mine.dev_app_visibility) == (
        "unlisted",
        "Support stopped answering.",
        "unlisted",
    )


def test_the_owner_withdraws_a_pending_request(db, browse, owner_app):
    token, _owner, app = owner_app
    mine = _general(browse, token, app.slug)
    run(mine.request_listing, {"reason": "For teams who audit."})
    assert toasts(run(mine.withdraw_request)) == [("success", "Request withdrawn.")]
    assert mine.dist_state == DistributionState.WITHDRAWN.value
    assert toasts(run(mine.withdraw_request))[0][0] == "error"  # nothing waits now


def test_someone_not_on_the_staff_calling_the_staff_handlers_is_refused(
    db, browse, person, owner_app
):
    token, owner, app = owner_app
    asked = distribution.request_public(
        session=db, actor=owner, app_id=app.id, reason="For teams who audit."
    ).latest
    staff = person(name="Pat Platform", platform_admin=True)[2]
    other = developer_apps.create_app(session=db, actor=owner, name="Other")
    text = developer_apps.get_draft(session=db, actor=owner, app_id=other.id).text
    developer_apps.save_draft(session=db, actor=owner, app_id=other.id, text=text)
    developer_apps.publish(session=db, actor=owner, app_id=other.id)
    public = distribution.request_public(session=db, actor=owner, app_id=other.id, reason="Go.")
    distribution.decide(session=db, actor=staff, request_id=public.latest.id, approve=True)
    db.commit()

    for who in (token, person(name="Mallory")[1]):  # the app's owner, and a stranger
        state = _reviews(browse, who)
        before = _rows(db)
        with pytest.raises(Exception, match="Not found"):
            run(state.load)
        with pytest.raises(Exception, match="Not found"):
            run(state.filter_view, "decided")
        # The dialogs open only for rows the page loaded: none here.
        run(state.open_decision, asked.id, True)
        run(state.open_unlist, public.latest.id)
        assert (state.decision_open, state.unlist_open) == (False, False)
        # Even with the ids in place (as if the dialogs had opened), the services refuse.
        state._decision_id, state.decision_approve = asked.id, True
        state._unlist_app_id = other.id
        kept = _vars(state)
        for handler, form in ((state.decide, {"note": "ok"}), (state.unlist, {"note": "bye"})):
            [(level, message)] = toasts(run(handler, form))
            assert (level, message) == ("error", "Not found.")
        assert _vars(state) == kept
        assert _rows(db) == before
    db.expire_all()
    assert db.get(DeveloperApp, app.id).visibility == Visibility.PRIVATE
    assert db.get(DeveloperApp, other.id).visibility == Visibility.PUBLIC


def test_someone_off_the_team_calling_the_request_handler_is_refused(db, browse, person, owner_app):
    _token, _owner, app = owner_app
    _, token, _ = person(name="Mallory")
    state = _general(browse, token, app.slug)
    assert state.dev_app_found is False and state.dist_state == ""
    before = _rows(db)
    for app_id in (0, app.id):  # as the page left it, and as if the app's id had leaked
        state._dev_app_id = app_id
        kept = _vars(state)
        [(level, message)] = toasts(run(state.request_listing, {"reason": "Mine now."}))
        assert (level, message) == ("error", "App not found.")
        [(level, message)] = toasts(run(state.withdraw_request))
        assert level == "error"
        assert _vars(state) == kept
    assert _rows(db) == before
