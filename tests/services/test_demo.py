"""Demo data for `make run`."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from portal.db import transaction
from portal.domain.workspaces import EnvironmentStatus, WorkspaceStatus
from portal.models import Account, Environment, PermissionGrant, User, Workspace
from portal.services import demo, workspaces
from tests.factories import actor_for


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_seed_demo_is_idempotent(db):
    with transaction() as session:
        assert demo.seed_demo(session=session) is True
    with transaction() as session:
        assert demo.seed_demo(session=session) is False

    assert _count(db, User) == 1
    assert _count(db, Account) == 1
    assert _count(db, Workspace) == 3
    assert _count(db, PermissionGrant) == 1


def test_the_demo_person_can_sign_in_and_sees_the_demo_workspaces(db):
    demo.seed_demo(session=db)
    db.commit()
    user = db.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()

    actor = actor_for(db, user, password=demo.DEMO_PASSWORD)

    listed = workspaces.list_for_picker(session=db, actor=actor)
    assert sorted(w.slug for w in listed) == sorted(slug for _, slug, _, _ in demo.DEMO_WORKSPACES)
    assert {w.status for w in listed} == {WorkspaceStatus.ACTIVE}
    assert {w.account_name for w in listed} == {"Acme Inc."}


def test_demo_workspaces_arrive_provisioned(db):
    demo.seed_demo(session=db)
    db.commit()
    environments = db.exec(select(Environment)).all()
    assert len(environments) == 9
    assert {e.status for e in environments} == {EnvironmentStatus.READY}
