"""Demo data for `make run`."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from portal.db import transaction
from portal.domain.workspaces import EnvironmentStatus, WorkspaceStatus
from portal.models import (
    Account,
    DeveloperApp,
    Environment,
    PermissionGrant,
    Secret,
    SecretVersion,
    User,
    Workspace,
)
from portal.services import (
    demo,
    demo_directory,
    directory,
    installations,
    workspace_secrets,
    workspaces,
)
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


def test_the_demo_workspace_has_secrets_with_history_and_an_old_database_gets_them(db):
    demo.seed_demo(session=db)
    db.commit()
    user = db.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
    actor = actor_for(db, user, password=demo.DEMO_PASSWORD)
    workspace = db.exec(select(Workspace).where(Workspace.slug == demo.APPS_WORKSPACE)).one()
    rows = workspace_secrets.list_secret_names(
        session=db, actor=actor, workspace_id=str(workspace.id)
    ).items
    assert {row.name: [c.environment for c in row.environments] for row in rows} == {
        "DATABASE_URL": ["dev", "staging", "prod"],
        "FEATURE_FLAGS": ["dev"],
        "SENTRY_DSN": ["staging", "prod"],
        "STRIPE_SECRET_KEY": ["dev", "prod"],
    }
    prod = next(row for row in rows if row.name == "DATABASE_URL").environments[-1]
    assert prod.version == 2  # the versions view has an earlier one to roll back to

    # A demo database made before secrets existed gets them on the next seed.
    for model in (SecretVersion, Secret):
        for row in db.exec(select(model)).all():
            db.delete(row)
    db.commit()
    with transaction() as session:
        assert demo.seed_demo(session=session) is True
    assert _count(db, Secret) == 8  # a name per environment it is set in


def test_the_demo_workspace_has_files_in_folders_and_an_old_database_gets_them(db):
    from portal.services import files

    demo.seed_demo(session=db)
    db.commit()
    user = db.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
    actor = actor_for(db, user, password=demo.DEMO_PASSWORD)
    wid = str(db.exec(select(Workspace).where(Workspace.slug == demo.APPS_WORKSPACE)).one().id)
    listed = files.list_files(session=db, actor=actor, workspace_id=wid).items
    assert {f.path: f.versions for f in listed} == {
        "README.md": 1,
        "contracts/acme-msa-2026.pdf": 1,
        "reports/2026/q1-usage.csv": 1,
        "runbooks/rotate-keys.md": 2,  # the versions view has an earlier one
    }
    assert files.list_folders(session=db, actor=actor, workspace_id=wid) == [
        "contracts/",
        "reports/",
        "runbooks/",
    ]
    for path in [f.path for f in listed]:
        files.delete_file(session=db, actor=actor, workspace_id=wid, path=path)
    db.commit()
    with transaction() as session:
        assert demo.seed_demo(session=session) is True
    assert len(files.list_files(session=db, actor=actor, workspace_id=wid).items) == 4


def test_the_demo_workspace_has_a_customers_vault_and_an_old_database_gets_it(db):
    from portal.services import vault

    demo.seed_demo(session=db)
    db.commit()
    user = db.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
    actor = actor_for(db, user, password=demo.DEMO_PASSWORD)
    wid = str(db.exec(select(Workspace).where(Workspace.slug == demo.APPS_WORKSPACE)).one().id)
    [customers] = vault.list_collections(session=db, caller=actor, workspace_id=wid).items
    assert customers.name == "customers" and customers.record_count == 3
    records = vault.list_records(
        session=db, caller=actor, workspace_id=wid, collection="customers"
    ).items
    jane = next(r for r in records if r.values["country"] == "US")
    assert jane.values["email"] == "j***@example.com"
    assert jane.values["phone"] == "**** 4242"
    assert jane.values["national_id"] == "••••••"
    found = vault.search_records(
        session=db,
        caller=actor,
        workspace_id=wid,
        collection="customers",
        field="email",
        value="Jane.Doe@example.com",
    ).items
    assert [r.token for r in found] == [jane.token]
    # A demo database made before the vault existed gets it on the next seed.
    vault.delete_collection(
        session=db, actor=actor, workspace_id=wid, collection="customers", force=True
    )
    db.commit()
    with transaction() as session:
        assert demo.seed_demo(session=session) is True
    assert (
        vault.list_collections(session=db, caller=actor, workspace_id=wid).items[0].record_count
        == 3
    )
