"""The versioned developer terms."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal.config import get_settings
from portal.domain.errors import Invalid
from portal.models import DeveloperTermsAcceptance
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
