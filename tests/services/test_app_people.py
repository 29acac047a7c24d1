"""Organizations and end users through the console's door (app_scope.for_console): readers
read, administrators write, and an email names an end user of this app environment only."""

from __future__ import annotations

import pytest

from portal.domain.errors import Invalid, NotFound, PermissionDenied
from portal.services import app_scope, end_users, organizations
from tests.factories import actor_for, admin_actor, grant, make_app, make_user, make_workspace


@pytest.fixture
def world(db):
    actor, account = admin_actor(db)
    workspace = str(make_workspace(db, account).id)
    make_app(db, actor, workspace, "Acme")
    make_app(db, actor, workspace, "Other")
    return actor, workspace


def _scope(db, actor, workspace, slug="acme", environment="prod", write=True):
    return app_scope.for_console(
        db, actor, workspace_id=workspace, app_slug=slug, environment=environment, write=write
    )


def test_an_email_names_an_end_user_of_this_app_environment_only(db, world):
    actor, workspace = world
    scope = _scope(db, actor, workspace)
    org = organizations.create_organization(session=db, scope=scope, name="Globex")
    end_users.create_end_user(
        session=db, scope=_scope(db, actor, workspace, slug="other"), email="ana@globex.example"
    )
    end_users.create_end_user(
        session=db,
        scope=_scope(db, actor, workspace, environment="dev"),
        email="ana@globex.example",
    )
    with pytest.raises(Invalid) as refused:
        organizations.set_member_by_email(
            session=db,
            scope=scope,
            organization_id=org.id,
            email="ana@globex.example",
            role="admin",
        )
    assert refused.value.field == "email" and "End users first" in refused.value.message
    ana = end_users.create_end_user(session=db, scope=scope, email="Ana@Globex.example")
    member = organizations.set_member_by_email(
        session=db,
        scope=scope,
        organization_id=org.id,
        email=" ANA@globex.example ",
        role="admin",
    )
    assert (member.end_user_id, member.role) == (ana.id, "admin")
    assert (
        organizations.get_organization(session=db, scope=scope, organization_id=org.id).admins == 1
    )


def test_readers_read_and_administrators_write(db, world):
    actor, workspace = world
    org = organizations.create_organization(
        session=db, scope=_scope(db, actor, workspace), name="Globex"
    )
    reader = make_user(db)
    grant(db, reader.id, workspace_id=workspace, permission="read")
    reader_actor = actor_for(db, reader)
    listed = organizations.list_organizations(
        session=db, scope=_scope(db, reader_actor, workspace, write=False)
    )
    assert [o.name for o in listed.items] == ["Globex"]
    with pytest.raises(PermissionDenied):
        _scope(db, reader_actor, workspace, write=True)
    stranger = actor_for(db, make_user(db))
    with pytest.raises(NotFound):
        _scope(db, stranger, workspace, write=False)
    # Another app's scope cannot reach this organization.
    with pytest.raises(NotFound):
        organizations.get_organization(
            session=db, scope=_scope(db, actor, workspace, slug="other"), organization_id=org.id
        )


def test_a_failure_after_creating_an_end_user_leaves_no_end_user(db, world):
    """The savepoint around the insert must not commit it on SQLite (pysqlite sends no BEGIN
    before a SAVEPOINT): the invitation that fails afterwards takes the end user with it."""
    from sqlmodel import select

    from portal.db import transaction
    from portal.models import EndUser

    actor, workspace = world
    db.commit()
    with pytest.raises(PermissionDenied), transaction() as session:
        scope = _scope(session, actor, workspace)
        created = end_users.create_end_user(session=session, scope=scope, email="bo@globex.io")
        end_users.sign_in(session=session, scope=scope, end_user_id=created.id, method="magic_link")
    with transaction() as session:
        assert session.exec(select(EndUser).where(EndUser.email == "bo@globex.io")).all() == []
