"""The audit trail: written in the change's transaction, append-only on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine, select

from portal import db as portal_db
from portal.domain.access import ActorKind
from portal.domain.errors import Invalid
from portal.domain.workspaces import WorkspaceStatus
from portal.models import AuditEvent, Environment, Process, Workspace
from portal.services import audit, workspaces
from tests.factories import account_of, actor_for, make_user, make_workspace


class Boom(Exception):
    pass


@pytest.fixture
def setup(db):
    """An owner, their account and one active workspace, committed."""
    owner = make_user(db, email="owner@example.com", account_name="Acme")
    account_id = account_of(db, owner.id)
    workspace = make_workspace(db, account_id, "Production")
    actor = actor_for(db, owner)
    db.commit()
    return actor, account_id, workspace.id


def audit_count() -> int:
    with portal_db.transaction() as session:
        return len(session.exec(select(AuditEvent)).all())


def test_a_rolled_back_create_leaves_nothing(setup):
    actor, account_id, _ = setup
    with pytest.raises(Boom), portal_db.transaction() as session:
        workspaces.create_workspace(session=session, actor=actor, account_id=account_id, name="X")
        raise Boom
    with portal_db.transaction() as session:
        assert session.exec(select(AuditEvent)).all() == []
        assert session.exec(select(Workspace).where(Workspace.name == "X")).all() == []
        assert session.exec(select(Environment)).all() == []
        assert session.exec(select(Process)).all() == []


def test_a_committed_create_has_its_audit_row(setup):
    actor, account_id, _ = setup
    with portal_db.transaction() as session:
        workspaces.create_workspace(session=session, actor=actor, account_id=account_id, name="X")
    with portal_db.transaction() as session:
        assert [e.action for e in session.exec(select(AuditEvent)).all()] == ["workspace.created"]
        assert len(session.exec(select(Environment)).all()) == 3


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        (workspaces.freeze, {}),
        (workspaces.rename_workspace, {"name": "Renamed"}),
        (workspaces.offboard, {"confirm_name": "Production"}),
    ],
)
def test_a_rolled_back_change_leaves_no_audit_row_and_no_change(setup, call, kwargs):
    actor, _, workspace_id = setup
    with pytest.raises(Boom), portal_db.transaction() as session:
        call(session=session, actor=actor, workspace_id=str(workspace_id), **kwargs)
        session.flush()
        assert len(session.exec(select(AuditEvent)).all()) == 1  # written, in the transaction
        raise Boom
    assert audit_count() == 0
    with portal_db.transaction() as session:
        row = session.get(Workspace, workspace_id)
        assert (row.name, row.status) == ("Production", WorkspaceStatus.ACTIVE)


def test_a_refused_change_writes_no_audit_row(setup):
    actor, _, workspace_id = setup
    with pytest.raises(Invalid) as refused, portal_db.transaction() as session:
        workspaces.offboard(
            session=session, actor=actor, workspace_id=str(workspace_id), confirm_name="nope"
        )
    assert refused.value.field == "confirm_name"  # refused for the typed name, not a crash
    assert audit_count() == 0
    with portal_db.transaction() as session:
        assert session.get(Workspace, workspace_id).status == "active"


def test_token_and_system_actors(setup):
    actor, account_id, workspace_id = setup
    from dataclasses import replace

    token_actor = replace(actor, kind=ActorKind.TOKEN, token_id=42, token_name="ci")
    with portal_db.transaction() as session:
        workspaces.freeze(session=session, actor=token_actor, workspace_id=str(workspace_id))
        audit.record(
            session,
            actor=None,
            action="workspace.provisioned",
            target_type="workspace",
            target_id=workspace_id,
            account_id=account_id,
            workspace_id=workspace_id,
        )
    with portal_db.transaction() as session:
        page = workspaces.list_activity(
            session=session, actor=actor, workspace_id=str(workspace_id)
        )
    system, token = page.items
    assert (system.actor_type, system.actor_label) == ("system", "Portal")
    assert (token.actor_type, token.actor_id) == ("token", "42")
    assert token.actor_label == "owner@example.com (ci)"


# PostgreSQL: the trigger from migration 0002 -----------------------------------------------


@pytest.fixture
def pg_engine(migrated_postgres_url):
    """A migrated PostgreSQL database with one audit row (skips when no server answers)."""
    engine = create_engine(migrated_postgres_url)
    with Session(engine) as session:
        session.add(
            AuditEvent(
                actor_type="system",
                action="test.recorded",
                target_type="test",
                target_id=str(uuid.uuid4()),
            )
        )
        session.commit()
    yield engine
    engine.dispose()


def test_postgresql_refuses_updating_audit_rows(pg_engine):
    with Session(pg_engine) as session:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("UPDATE audit_events SET action = 'edited'"))
        session.rollback()
        # The ORM path is refused the same way.
        row = session.exec(select(AuditEvent)).one()
        row.action = "edited"
        session.add(row)
        with pytest.raises(DBAPIError, match="append-only"):
            session.commit()


def test_postgresql_refuses_deleting_audit_rows(pg_engine):
    with Session(pg_engine) as session:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("DELETE FROM audit_events"))
        session.rollback()
        assert session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 1


def test_postgresql_lets_only_the_purge_delete_audit_rows(pg_engine):
    with Session(pg_engine) as session:
        session.execute(text("SET LOCAL portal.audit_purge = 'on'"))
        # Still no editing, even in a purge.
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("UPDATE audit_events SET action = 'edited'"))
        session.rollback()
    with Session(pg_engine) as session:
        session.execute(text("SET LOCAL portal.audit_purge = 'on'"))
        session.execute(text("DELETE FROM audit_events"))
        session.commit()
    with Session(pg_engine) as session:
        assert session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0
        # SET LOCAL ended with its transaction: the next one is refused again.
        session.add(AuditEvent(actor_type="system", action="x", target_type="test", target_id="1"))
        session.commit()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("DELETE FROM audit_events"))
