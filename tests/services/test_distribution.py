"""Broader distribution: an owner asks for a public listing with a reason; platform staff
approve (the app becomes public) or reject it with a note the team reads; staff can withdraw
a listing; only the owner asks, only staff decide, and everything is audited."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlmodel import select

from portal.db import transaction
from portal.domain.developer import DistributionState, TeamRole, Visibility
from portal.domain.errors import Conflict, Invalid, NotFound, PermissionDenied
from portal.models import AuditEvent, DeveloperApp, DeveloperDistributionRequest
from portal.services import developer_apps, distribution
from tests.factories import actor_for, make_user
from tests.services.test_developer_apps import MANIFEST, NEXT_MANIFEST, create, developer, join

REASON = "Helps every workspace keep its audit log in a spreadsheet."


@pytest.fixture
def owner(db):
    return developer(db, "Olivia Owner")


@pytest.fixture
def staff(db):
    return actor_for(db, make_user(db, name="Pat Platform", platform_admin=True))


@pytest.fixture
def app(db, owner):
    """An app with version 1 published (what a request needs)."""
    created = create(db, owner, "Acme Sync")
    publish(db, owner, created)
    return created


def publish(db, actor, app, text=MANIFEST):
    developer_apps.save_draft(session=db, actor=actor, app_id=app.id, text=text)
    return developer_apps.publish(session=db, actor=actor, app_id=app.id)


def ask(db, actor, app, reason=REASON):
    return distribution.request_public(session=db, actor=actor, app_id=app.id, reason=reason)


def status(db, actor, app):
    return distribution.status(session=db, actor=actor, app_id=app.id)


def queue(db, actor, view="pending", **kwargs):
    return distribution.list_requests(session=db, actor=actor, view=view, **kwargs)


def decide(db, actor, request_id, approve, note=""):
    return distribution.decide(
        session=db, actor=actor, request_id=request_id, approve=approve, note=note
    )


def visibility(db, app) -> str:
    db.expire_all()
    return db.get(DeveloperApp, app.id).visibility


def requests(db, app) -> list[DeveloperDistributionRequest]:
    db.expire_all()
    return list(
        db.exec(
            select(DeveloperDistributionRequest)
            .where(DeveloperDistributionRequest.app_id == app.id)
            .order_by(DeveloperDistributionRequest.id)
        ).all()
    )


def audit_rows(db, action) -> list[AuditEvent]:
    return list(
        db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
    )


# Asking ---------------------------------------------------------------------------------------


def test_the_owner_asks_and_the_team_sees_it_pending(db, owner, app):
    asked = ask(db, owner, app, reason="  For every\nworkspace  that audits.  ")
    latest = asked.latest
    assert latest.state is DistributionState.PENDING
    assert latest.reason == "For every workspace that audits."  # line breaks and runs: spaces
    assert latest.requested_by == "Olivia Owner"
    assert (latest.note, latest.decided_at, latest.decided_by) == ("", None, "")
    assert (asked.visibility, asked.published_version) == (Visibility.PRIVATE, 1)
    assert visibility(db, app) == Visibility.PRIVATE  # nothing is public before staff decide

    viewer = developer(db, "Vic Viewer")
    join(db, app, viewer, TeamRole.VIEWER)
    assert status(db, viewer, app).latest.state is DistributionState.PENDING

    (event,) = audit_rows(db, "developer_app.distribution_requested")
    assert (event.target_type, event.target_id) == ("developer_app", str(app.id))
    assert event.after["reason"] == "For every workspace that audits."
    assert event.actor_id == str(owner.user_id)


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("", "Say why"),
        ("   \n ", "Say why"),
        ("x" * (distribution.REASON_MAX + 1), "at most"),
        ("tab\there", "no tabs"),
        (None, "Say why"),
        (42, "Say why"),
    ],
)
def test_a_request_needs_a_reason_of_bounded_length(db, owner, app, reason, says):
    with pytest.raises(Invalid, match=says) as refused:
        ask(db, owner, app, reason=reason)
    assert refused.value.field == "reason"
    assert requests(db, app) == []


def test_a_reason_of_exactly_the_maximum_length_is_kept(db, owner, app):
    assert len(ask(db, owner, app, reason="x" * distribution.REASON_MAX).latest.reason) == 1000


def test_a_request_needs_a_published_version(db, owner):
    fresh = create(db, owner, "Not Yet")
    with pytest.raises(Conflict, match="Publish a version first"):
        ask(db, owner, fresh)
    assert status(db, owner, fresh).published_version is None
    assert requests(db, fresh) == []


@pytest.mark.parametrize("role", [TeamRole.DEVELOPER, TeamRole.VIEWER])
def test_only_the_owner_asks(db, owner, app, role):
    member = developer(db, f"Member {role}")
    join(db, app, member, role)
    with pytest.raises(PermissionDenied, match="owner role"):
        ask(db, member, app)
    with pytest.raises(PermissionDenied, match="owner role"):
        distribution.withdraw(session=db, actor=member, app_id=app.id)
    assert requests(db, app) == []


def test_someone_off_the_team_finds_no_app(db, owner, app, staff):
    stranger = developer(db, "Sam Stranger")
    for actor in (stranger, staff):  # staff are no team members either
        with pytest.raises(NotFound):
            ask(db, actor, app)
        with pytest.raises(NotFound):
            status(db, actor, app)
        with pytest.raises(NotFound):
            distribution.withdraw(session=db, actor=actor, app_id=app.id)
    assert requests(db, app) == []


@pytest.mark.parametrize("forged", [0, -1, True, "1", 2**31, 2**63, None, 1.0])
def test_a_forged_app_id_is_not_found(db, owner, app, forged):
    with pytest.raises(NotFound):
        distribution.request_public(session=db, actor=owner, app_id=forged, reason=REASON)


def test_a_second_request_waits_for_the_first(db, owner, app):
    ask(db, owner, app)
    with pytest.raises(Conflict, match="waiting for platform staff"):
        ask(db, owner, app)
    assert len(requests(db, app)) == 1


def test_two_requests_at_once_make_one(db, owner, app):
    """The check and the insert race; the partial unique index keeps one pending request and
    the other caller gets a Conflict, not a database error."""
    db.commit()
    barrier = Barrier(2)

    def ask_now(_):
        barrier.wait()
        try:
            with transaction() as session:
                return ask(session, owner, app).latest.id
        except Conflict:
            return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(ask_now, range(2)))
    assert sorted(outcomes, key=str)[1] is None and outcomes.count(None) == 1
    assert [r.state for r in requests(db, app)] == [DistributionState.PENDING]


def test_a_request_that_lost_the_race_to_the_index_is_a_conflict(db, owner, app, monkeypatch):
    """The same race, made certain: the pending check sees nothing (as both callers can)."""
    ask(db, owner, app)
    monkeypatch.setattr(distribution, "_pending", lambda session, app_id: None)
    with pytest.raises(Conflict, match="waiting for platform staff"):
        ask(db, owner, app)
    assert len(requests(db, app)) == 1
    assert len(audit_rows(db, "developer_app.distribution_requested")) == 1


def test_the_owner_withdraws_a_pending_request_and_may_ask_again(db, owner, app):
    first = ask(db, owner, app).latest
    withdrawn = distribution.withdraw(session=db, actor=owner, app_id=app.id).latest
    assert (withdrawn.id, withdrawn.state) == (first.id, DistributionState.WITHDRAWN)
    assert withdrawn.decided_by == "Olivia Owner" and withdrawn.decided_at is not None
    with pytest.raises(Conflict, match="No request of this app is waiting"):
        distribution.withdraw(session=db, actor=owner, app_id=app.id)
    assert ask(db, owner, app).latest.state is DistributionState.PENDING
    assert len(audit_rows(db, "developer_app.distribution_withdrawn")) == 1


# Deciding ---------------------------------------------------------------------------------------


def test_staff_see_the_queue_with_what_the_app_asks_for(db, owner, app, staff):
    publish(db, owner, app, NEXT_MANIFEST)  # version 2 asks for another scope
    asked = ask(db, owner, app).latest
    page = queue(db, staff)
    (row,) = page.items
    assert (row.id, row.app_id, row.app_name, row.app_slug) == (
        asked.id,
        app.id,
        "Acme Sync",
        app.slug,
    )
    assert (row.requested_by, row.reason, row.state) == ("Olivia Owner", REASON, "pending")
    assert row.requested_by_email.endswith("@example.com")
    assert (row.version, row.scopes) == (2, [NEXT_MANIFEST.split("- ")[1].strip()])
    assert page.next_cursor is None
    assert queue(db, staff, "decided").items == []


def test_the_queue_is_oldest_first_and_pages_with_a_cursor(db, owner, staff):
    apps = []
    for n in range(3):
        made = create(db, owner, f"App {n}")
        publish(db, owner, made)
        ask(db, owner, made)
        apps.append(made)
    first = queue(db, staff, limit=2)
    assert [r.app_name for r in first.items] == ["App 0", "App 1"]
    second = queue(db, staff, limit=2, cursor=first.next_cursor)
    assert [r.app_name for r in second.items] == ["App 2"] and second.next_cursor is None
    # A cursor of one view means nothing in another.
    with pytest.raises(Invalid):
        queue(db, staff, "decided", limit=2, cursor=first.next_cursor)
    with pytest.raises(Invalid):
        queue(db, staff, "everything")


def test_staff_approve_and_the_app_becomes_public(db, owner, app, staff):
    asked = ask(db, owner, app).latest
    row = decide(db, staff, asked.id, True, "Welcome aboard.")
    assert (row.state, row.visibility, row.note) == ("approved", "public", "Welcome aboard.")
    assert row.decided_by == "Pat Platform"
    assert visibility(db, app) == Visibility.PUBLIC
    seen = status(db, owner, app)
    assert (seen.visibility, seen.latest.state, seen.latest.note) == (
        Visibility.PUBLIC,
        DistributionState.APPROVED,
        "Welcome aboard.",
    )
    assert seen.latest.decided_by == "Pat Platform"
    # Decided: out of the queue, into the decided list.
    assert queue(db, staff).items == []
    assert [r.id for r in queue(db, staff, "decided").items] == [asked.id]
    (event,) = audit_rows(db, "developer_app.distribution_approved")
    assert (event.target_id, event.actor_id) == (str(app.id), str(staff.user_id))
    assert (event.before, event.after["visibility"]) == ({"visibility": "private"}, "public")
    # Public now: no further request, and the owner cannot make it private or unlisted.
    with pytest.raises(Conflict, match="listed publicly already"):
        ask(db, owner, app)
    with pytest.raises(Conflict, match="ask platform staff"):
        developer_apps.set_visibility(session=db, actor=owner, app_id=app.id, visibility="private")


def test_an_approval_note_is_optional(db, owner, app, staff):
    asked = ask(db, owner, app).latest
    assert decide(db, staff, asked.id, True).note == ""


def test_staff_reject_with_a_note_and_the_visibility_stays(db, owner, app, staff):
    developer_apps.set_visibility(session=db, actor=owner, app_id=app.id, visibility="unlisted")
    asked = ask(db, owner, app).latest
    with pytest.raises(Invalid, match="Say why it is rejected") as refused:
        decide(db, staff, asked.id, False, "  ")
    assert refused.value.field == "note"
    assert requests(db, app)[0].state == DistributionState.PENDING  # nothing decided

    row = decide(db, staff, asked.id, False, "Add a privacy policy\nto the manifest.")
    assert (row.state, row.visibility) == ("rejected", "unlisted")
    assert visibility(db, app) == Visibility.UNLISTED
    seen = status(db, owner, app).latest
    assert (seen.state, seen.note) == (
        DistributionState.REJECTED,
        "Add a privacy policy to the manifest.",
    )
    (event,) = audit_rows(db, "developer_app.distribution_rejected")
    assert event.after["note"] == "Add a privacy policy to the manifest."
    assert event.actor_id == str(staff.user_id)
    # Rejected: the owner may ask again, and staff approve the new one.
    again = ask(db, owner, app).latest
    assert again.id != asked.id and again.state is DistributionState.PENDING
    decide(db, staff, again.id, True)
    assert visibility(db, app) == Visibility.PUBLIC


def test_a_decided_or_withdrawn_request_is_not_decided_again(db, owner, app, staff):
    asked = ask(db, owner, app).latest
    decide(db, staff, asked.id, False, "Not yet.")
    with pytest.raises(Conflict, match="rejected already"):
        decide(db, staff, asked.id, True)
    assert visibility(db, app) == Visibility.PRIVATE
    second = ask(db, owner, app).latest
    distribution.withdraw(session=db, actor=owner, app_id=app.id)
    with pytest.raises(Conflict, match="withdrawn already"):
        decide(db, staff, second.id, True)
    assert visibility(db, app) == Visibility.PRIVATE
    assert [r.id for r in queue(db, staff, "withdrawn").items] == [second.id]


def test_someone_not_on_the_platform_staff_cannot_list_or_decide(db, owner, app):
    asked = ask(db, owner, app).latest
    for actor in (owner, developer(db, "Sam Stranger")):
        with pytest.raises(NotFound):
            queue(db, actor)
        with pytest.raises(NotFound):
            decide(db, actor, asked.id, True)
        with pytest.raises(NotFound):
            decide(db, actor, asked.id, False, "No.")
        with pytest.raises(NotFound):
            distribution.unlist(session=db, actor=actor, app_id=app.id, note="No.")
    assert requests(db, app)[0].state == DistributionState.PENDING
    assert visibility(db, app) == Visibility.PRIVATE
    assert audit_rows(db, "developer_app.distribution_approved") == []


@pytest.mark.parametrize("forged", [0, -5, True, "1", 2**31, None])
def test_a_forged_request_id_is_not_found(db, staff, forged):
    with pytest.raises(NotFound):
        decide(db, staff, forged, True)


def test_set_visibility_still_refuses_public(db, owner, app):
    with pytest.raises(Invalid, match="Public listing needs a review by platform staff"):
        developer_apps.set_visibility(session=db, actor=owner, app_id=app.id, visibility="public")
    assert visibility(db, app) == Visibility.PRIVATE


# Withdrawing a listing --------------------------------------------------------------------------


def test_staff_unlist_a_public_app_with_a_note(db, owner, app, staff):
    asked = ask(db, owner, app).latest
    decide(db, staff, asked.id, True)
    with pytest.raises(Invalid, match="Say why the listing is withdrawn"):
        distribution.unlist(session=db, actor=staff, app_id=app.id, note="")
    assert visibility(db, app) == Visibility.PUBLIC

    done = distribution.unlist(session=db, actor=staff, app_id=app.id, note="Support stopped.")
    assert (done.app_id, done.visibility) == (app.id, Visibility.UNLISTED)
    assert visibility(db, app) == Visibility.UNLISTED
    seen = status(db, owner, app).latest
    assert (seen.id, seen.state, seen.note) == (
        asked.id,
        DistributionState.UNLISTED,
        "Support stopped.",
    )
    (event,) = audit_rows(db, "developer_app.distribution_unlisted")
    assert (event.before, event.after["visibility"]) == ({"visibility": "public"}, "unlisted")
    with pytest.raises(Conflict, match="not listed publicly"):
        distribution.unlist(session=db, actor=staff, app_id=app.id, note="Again.")
    # The owner may choose again, and ask again.
    developer_apps.set_visibility(session=db, actor=owner, app_id=app.id, visibility="private")
    assert ask(db, owner, app).latest.state is DistributionState.PENDING


def test_unlisting_an_app_that_does_not_exist_is_not_found(db, staff):
    with pytest.raises(NotFound):
        distribution.unlist(session=db, actor=staff, app_id=987654, note="Gone.")
