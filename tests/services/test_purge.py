"""The purge at the end of the offboarding window: nothing that references the workspace is
left in any table; the account's audit feed records it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, text
from sqlmodel import SQLModel, col, select

from portal.domain.errors import NotFound
from portal.domain.workspaces import WorkspaceStatus
from portal.models import (
    AuditEvent,
    Process,
    ProcessStep,
    SecretVersion,
    User,
    VaultBlindIndex,
    VaultRecord,
    Workspace,
)
from portal.models._base import utcnow
from portal.services import exports, processes, purge, vault, workspace_secrets, workspaces
from tests import factories
from tests.conftest import from_snapshot
from tests.services.processes_support import Clock, run_all, use_data_dir


def references(db, workspace_id: uuid.UUID) -> dict[str, int]:
    """Rows in ANY table whose column points at the workspace (every foreign key to
    workspaces.id, workspaces.id itself and users.last_workspace_id)."""
    found: dict[str, int] = {}
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            points_here = any(fk.column.table.name == "workspaces" for fk in column.foreign_keys)
            if points_here or (table.name == "workspaces" and column.name == "id"):
                count = db.execute(
                    select(func.count()).select_from(table).where(column == workspace_id)
                ).scalar_one()
                if count:
                    found[f"{table.name}.{column.name}"] = count
    return found


def test_the_reference_check_sees_every_workspace_foreign_key():
    columns = {
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "workspaces" for fk in column.foreign_keys)
    }
    assert "users.last_workspace_id" in columns
    assert {"environments.workspace_id", "processes.workspace_id"} <= columns


@pytest.fixture
def doomed(db, tmp_path, monkeypatch):
    """An offboarded workspace holding one of everything, its window ended; and a neighbour."""
    use_data_dir(monkeypatch, tmp_path / "data")
    actor, account_id, workspace_id, neighbour_id, member_id, export_id = from_snapshot(
        db, "purge-doomed", lambda: _doomed(db)
    )
    return (
        actor,
        account_id,
        db.get(Workspace, workspace_id),
        db.get(Workspace, neighbour_id),
        db.get(User, member_id),
        export_id,
    )


def _doomed(db):
    """What `doomed` holds, committed, with ids for rows (from_snapshot keeps no rows)."""
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id, "Doomed")
    neighbour = factories.create_workspace(db, actor, account_id, "Neighbour")
    member = factories.make_user(db)
    factories.grant(db, member.id, workspace_id=workspace.id, permission="administer")
    workspaces.remember_workspace(
        session=db, actor=factories.actor_for(db, member), workspace_id=str(workspace.id)
    )
    workspace_secrets.set_secret(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        environment="dev",
        name="DOOMED_SECRET",
        value="purged-with-its-workspace",
    )
    vault.create_collection(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        name="doomed",
        fields=[{"name": "email", "type": "email", "searchable": True}],
    )
    vault.create_record(
        session=db,
        caller=actor,
        workspace_id=str(workspace.id),
        collection="doomed",
        values={"email": "purged@example.com"},
    )
    db.commit()
    run_all(Clock())
    db.expire_all()  # the worker changed rows this session holds
    export_id = exports.start_export(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    run_all(Clock())
    assert exports.archive_path(export_id).is_file()
    workspaces.offboard(
        session=db, actor=actor, workspace_id=str(workspace.id), confirm_name="Doomed"
    )
    db.commit()
    row = db.get(Workspace, workspace.id)
    row.purge_after = utcnow() - timedelta(minutes=1)
    db.add(row)
    db.commit()
    return actor, account_id, workspace.id, neighbour.id, member.id, export_id


def test_purge_leaves_nothing_that_references_the_workspace(doomed, db):
    actor, account_id, workspace, neighbour, member, export_id = doomed
    workspace_id, name, slug = workspace.id, workspace.name, workspace.slug
    before = references(db, workspace_id)
    assert before["audit_events.workspace_id"] > 0
    assert before["users.last_workspace_id"] == 1
    neighbour_before = references(db, neighbour.id)
    steps_before = db.execute(select(func.count()).select_from(ProcessStep)).scalar_one()

    now = utcnow()
    assert purge.purge_due(session=db, now=now) == [str(workspace_id)]
    db.commit()
    db.expire_all()

    assert references(db, workspace_id) == {}
    assert references(db, neighbour.id) == neighbour_before  # nothing else touched
    assert db.get(User, member.id).last_workspace_id is None  # the user stays
    assert not exports.archive_path(export_id).exists()
    # The steps of the workspace's processes went with them (one purge step was added).
    steps_after = db.execute(select(func.count()).select_from(ProcessStep)).scalar_one()
    assert steps_after < steps_before

    record = db.exec(select(Process).where(Process.kind == "purge")).one()
    assert (record.workspace_id, record.account_id, record.status) == (
        None,
        account_id,
        "succeeded",
    )
    assert record.subject == f"{name} ({slug})"
    assert record.result["counts"]["environments"] == 3
    # The secrets, their versions and the data key that opened them went too.
    assert {
        name: record.result["counts"][name]
        for name in ("secrets", "secret_versions", "workspace_data_keys")
    } == {"secrets": 1, "secret_versions": 1, "workspace_data_keys": 1}
    assert db.exec(select(func.count()).select_from(SecretVersion)).one() == 0
    # The vault's collections, records and digests, and with the data key the index key.
    assert {
        name: record.result["counts"][name]
        for name in ("vault_collections", "vault_records", "vault_blind_indexes")
    } == {"vault_collections": 1, "vault_records": 1, "vault_blind_indexes": 1}
    for model in (VaultRecord, VaultBlindIndex):
        assert db.exec(select(func.count()).select_from(model)).one() == 0
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "workspace.purged")).one()
    assert (event.workspace_id, event.account_id, event.actor_type) == (
        None,
        account_id,
        "system",
    )
    assert event.after == {"id": str(workspace_id), "name": name, "slug": slug}
    assert purge.purge_due(session=db, now=now) == []  # nothing left to do


def test_only_offboarding_workspaces_past_their_window_are_purged(doomed, db):
    actor, _account, workspace, neighbour, *_ = doomed
    row = db.get(Workspace, workspace.id)
    row.purge_after = utcnow() + timedelta(days=1)
    db.add(row)
    db.commit()
    assert purge.purge_due(session=db, now=utcnow()) == []

    row.purge_after = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    later = utcnow()
    # An active workspace whose purge_after is somehow set is never purged.
    other = db.get(Workspace, neighbour.id)
    other.purge_after = later - timedelta(days=1)
    db.add(other)
    db.commit()
    assert purge.purge_due(session=db, now=later) == [str(workspace.id)]
    db.commit()
    assert db.get(Workspace, neighbour.id) is not None


def test_a_restored_workspace_is_not_purged(doomed, db):
    actor, _account, workspace, *_ = doomed
    row = db.get(Workspace, workspace.id)
    row.purge_after = utcnow() + timedelta(days=1)
    db.add(row)
    db.commit()
    workspaces.restore(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    assert purge.purge_due(session=db, now=utcnow() + timedelta(days=2)) == []
    db.expire_all()
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE
    assert references(db, workspace.id)["environments.workspace_id"] == 3


def test_audit_rows_stay_append_only_after_a_purge_on_postgresql(doomed, db):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    _actor, _account, _workspace, neighbour, *_ = doomed
    purge.purge_due(session=db, now=utcnow())
    # Same transaction, after the purge: the trigger refuses again.
    with pytest.raises(Exception, match="append-only"):
        db.execute(text("DELETE FROM audit_events WHERE workspace_id = :id"), {"id": neighbour.id})
    db.rollback()
    assert db.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(col(AuditEvent.workspace_id) == neighbour.id)
    ).scalar_one()


def test_the_account_lists_its_purge_runs_for_readers_only(doomed, db):
    actor, account_id, workspace, _, member, _ = doomed
    purge.purge_due(session=db, now=utcnow())
    db.commit()

    purges = processes.list_purges(session=db, actor=actor, account_id=account_id)
    assert [(p.kind, p.status, p.subject) for p in purges] == [
        ("purge", "succeeded", "Doomed (doomed)")
    ]
    assert purges[0].steps  # with its steps, as the Process Log shows them
    stranger = factories.actor_for(db, factories.make_user(db))
    with pytest.raises(NotFound):
        processes.list_purges(session=db, actor=stranger, account_id=account_id)
