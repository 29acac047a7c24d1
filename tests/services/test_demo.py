"""Demo data for `make run`."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from portal.db import transaction
from portal.domain.workspaces import EnvironmentStatus, WorkspaceStatus
from portal.models import Account, DeveloperApp, Environment, PermissionGrant, User, Workspace
from portal.services import demo, demo_directory, directory, installations, workspaces
from tests.factories import actor_for


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_seed_demo_is_idempotent(db):
    with transaction() as session:
        assert demo.seed_demo(session=session) is True
    with transaction() as session:
        assert demo.seed_demo(session=session) is False

    # The demo person and the demo publisher of the directory's apps, each with an account.
    assert _count(db, User) == 2
    assert _count(db, Account) == 2
    assert _count(db, Workspace) == 3
    assert _count(db, PermissionGrant) == 2
    assert _count(db, DeveloperApp) == len(demo_directory.DIRECTORY_APPS)


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


def test_the_demo_person_finds_the_publishers_apps_in_the_directory_and_installs_one(db):
    demo.seed_demo(session=db)
    db.commit()
    user = db.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
    actor = actor_for(db, user, password=demo.DEMO_PASSWORD)

    listed = directory.list_directory(session=db, actor=actor)
    names = sorted(row.name for row in listed.items)
    assert names == sorted(name for name, *_ in demo_directory.DIRECTORY_APPS)

    chosen = listed.items[0]
    consent = installations.consent(session=db, actor=actor, app_slug=chosen.slug)
    workspace_id = consent.workspaces[0].id
    installations.install(
        session=db,
        actor=actor,
        app_slug=chosen.slug,
        workspace_id=str(workspace_id),
        version=consent.version,
    )
