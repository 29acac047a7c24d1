"""The versioned developer terms."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal.config import get_settings
from portal.domain.access import Requirement
from portal.domain.errors import Conflict, Invalid, NotFound, PermissionDenied
from portal.models import AuditEvent, DeveloperTermsAcceptance
from portal.services import developer_terms, permissions
from tests.factories import actor_for, make_user

CURRENT = "2026-11"


def _acceptances(db) -> int:
    return db.exec(select(func.count()).select_from(DeveloperTermsAcceptance)).one()


@pytest.fixture
def actor(db):
    return actor_for(db, make_user(db))


def test_nothing_accepted_yet(db, actor):
    status = developer_terms.status(session=db, actor=actor)
    assert status.current_version == CURRENT
    assert status.accepted_version is None
    assert status.accepted_at is None
    assert not status.accepted


def test_accept_the_current_version(db, actor):
    status = developer_terms.accept(session=db, actor=actor, version=CURRENT)
    db.commit()

    assert status.accepted
    assert status.accepted_version == CURRENT
    assert status.accepted_at is not None and status.accepted_at.tzinfo is not None
    assert permissions.has_accepted_developer_terms(db, actor)


def test_a_stale_version_is_refused_and_nothing_recorded(db, actor):
    with pytest.raises(Invalid) as caught:
        developer_terms.accept(session=db, actor=actor, version="2025-01")
    assert "changed" in caught.value.message
    assert _acceptances(db) == 0
    assert not developer_terms.status(session=db, actor=actor).accepted


def test_accepting_twice_is_idempotent(db, actor):
    first = developer_terms.accept(session=db, actor=actor, version=CURRENT)
    db.commit()
    second = developer_terms.accept(session=db, actor=actor, version=CURRENT)
    db.commit()

    assert second == first
    assert _acceptances(db) == 1


def test_new_terms_need_a_new_acceptance(db, actor, monkeypatch):
    developer_terms.accept(session=db, actor=actor, version=CURRENT)
    db.commit()
    monkeypatch.setenv("PORTAL_DEVELOPER_TERMS_VERSION", "2027-03")
    get_settings.cache_clear()

    status = developer_terms.status(session=db, actor=actor)
    assert (status.current_version, status.accepted_version) == ("2027-03", CURRENT)
    assert not status.accepted
    assert not permissions.has_accepted_developer_terms(db, actor)
    with pytest.raises(Invalid):
        developer_terms.accept(session=db, actor=actor, version=CURRENT)

    status = developer_terms.accept(session=db, actor=actor, version="2027-03")
    assert status.accepted
    assert _acceptances(db) == 2


def test_acceptance_is_per_person(db, actor):
    developer_terms.accept(session=db, actor=actor, version=CURRENT)
    other = actor_for(db, make_user(db))
    assert not developer_terms.status(session=db, actor=other).accepted


# Versions platform staff publish ------------------------------------------------------------


@pytest.fixture
def staff(db):
    return actor_for(db, make_user(db, platform_admin=True))


def test_only_platform_staff_publish_a_version(db, actor):
    with pytest.raises(NotFound):
        developer_terms.publish_version(session=db, actor=actor, version="2027-01", changes="x")
    with pytest.raises(NotFound):
        developer_terms.current_for_staff(session=db, actor=actor)
    assert developer_terms.status(session=db, actor=actor).current_version == CURRENT


def test_a_published_version_becomes_current_with_what_changed(db, staff):
    developer_terms.publish_version(
        session=db, actor=staff, version="2027-01", changes="Secrets rotate yearly."
    )
    terms = developer_terms.current_for_staff(session=db, actor=staff)
    assert (terms.version, terms.changes) == ("2027-01", "Secrets rotate yearly.")
    assert terms.published_at is not None
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "developer_terms.published"))
    assert event.actor_id == str(staff.user_id)


@pytest.mark.parametrize(
    ("version", "changes", "field"),
    [
        ("", "Something changed.", "version"),
        ("2027 01", "Something changed.", "version"),
        ("x" * 33, "Something changed.", "version"),
        ("2027-01", "", "changes"),
        ("2027-01", "   ", "changes"),
    ],
)
def test_a_new_version_needs_a_name_and_what_changed(db, staff, version, changes, field):
    with pytest.raises(Invalid) as refused:
        developer_terms.publish_version(session=db, actor=staff, version=version, changes=changes)
    assert refused.value.field == field
    assert developer_terms.current_for_staff(session=db, actor=staff).version == CURRENT


@pytest.mark.parametrize("version", [CURRENT, "2027-01"])
def test_a_version_name_is_used_once(db, staff, version):
    developer_terms.publish_version(session=db, actor=staff, version="2027-01", changes="A.")
    with pytest.raises(Conflict) as refused:
        developer_terms.publish_version(session=db, actor=staff, version=version, changes="B.")
    assert refused.value.field == "version"


def test_after_a_new_version_developers_read_but_must_accept_before_acting(db, actor, staff):
    developer_terms.accept(session=db, actor=actor, version=CURRENT)
    developer_terms.publish_version(
        session=db, actor=staff, version="2027-01", changes="Secrets rotate yearly."
    )
    # Reading: the route guard still lets them in.
    assert permissions.meets(db, actor, Requirement.DEVELOPER_TERMS)
    # Acting: refused until the new version is accepted, with what changed to read.
    with pytest.raises(PermissionDenied):
        permissions.require_developer_terms(db, actor)
    status = developer_terms.status(session=db, actor=actor)
    assert status.needs_reacceptance and status.changes == "Secrets rotate yearly."
    with pytest.raises(Invalid):  # the page they read before the change
        developer_terms.accept(session=db, actor=actor, version=CURRENT)
    developer_terms.accept(session=db, actor=actor, version="2027-01")
    permissions.require_developer_terms(db, actor)
    assert not developer_terms.status(session=db, actor=actor).needs_reacceptance


def test_someone_who_never_accepted_is_kept_out_of_the_portal(db, actor, staff):
    developer_terms.publish_version(session=db, actor=staff, version="2027-01", changes="A.")
    assert not permissions.meets(db, actor, Requirement.DEVELOPER_TERMS)
    assert developer_terms.status(session=db, actor=actor).needs_reacceptance is False
