"""Offboarding: typed confirmation, a read-only hard-delete window, restore during it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.domain.errors import Invalid, NotFound, PermissionDenied
from portal.domain.workspaces import WorkspaceStatus
from portal.models import AuditEvent, Workspace
from portal.models._base import utcnow
from portal.services import workspaces
from tests.factories import account_of, actor_for, grant, make_user, make_workspace


@pytest.fixture
def owner(db):
    return make_user(db, email="owner@example.com", account_name="Acme")


@pytest.fixture
def account_id(db, owner):
    return account_of(db, owner.id)


@pytest.fixture
def actor(db, owner):
    return actor_for(db, owner)


@pytest.fixture
def workspace(db, account_id):
    return make_workspace(db, account_id, "Acme Prod", status=WorkspaceStatus.ACTIVE)


def offboard(db, actor, workspace, confirm_name="Acme Prod"):
    return workspaces.offboard(
        session=db, actor=actor, workspace_id=str(workspace.id), confirm_name=confirm_name
    )


def restore(db, actor, workspace):
    return workspaces.restore(session=db, actor=actor, workspace_id=str(workspace.id))


def test_offboard_starts_the_window(db, actor, workspace):
    before = utcnow()
    result = offboard(db, actor, workspace)
    assert result.status == WorkspaceStatus.OFFBOARDING
    assert result.offboarding_started_at >= before
    assert result.purge_after - result.offboarding_started_at == timedelta(days=30)
    assert db.get(Workspace, workspace.id).status_before == WorkspaceStatus.ACTIVE

    detail = workspaces.get_workspace_detail(
        session=db, actor=actor, workspace_id=str(workspace.id)
    )
    assert detail.purge_days_left == 30

    event = db.exec(
        select(AuditEvent).where(AuditEvent.action == "workspace.offboarding_started")
    ).one()
    assert event.before == {"status": WorkspaceStatus.ACTIVE}
    assert event.after["status"] == WorkspaceStatus.OFFBOARDING
    assert event.after["purge_after"] == result.purge_after.isoformat()


def test_the_window_is_configurable(db, actor, workspace, monkeypatch):
    from portal.config import get_settings

    monkeypatch.setenv("PORTAL_OFFBOARDING_DAYS", "7")
    get_settings.cache_clear()
    result = offboard(db, actor, workspace)
    assert result.purge_after - result.offboarding_started_at == timedelta(days=7)


def test_days_left_count_down(db, actor, workspace):
    offboard(db, actor, workspace)
    row = db.get(Workspace, workspace.id)
    row.purge_after = utcnow() + timedelta(days=2, hours=3)
    db.add(row)
    db.flush()
    detail = workspaces.get_workspace_detail(
        session=db, actor=actor, workspace_id=str(workspace.id)
    )
    assert detail.purge_days_left == 3


@pytest.mark.parametrize("typed", ["acme prod", "Acme Prod ", "", "Acme"])
def test_the_name_must_be_typed_exactly(db, actor, workspace, typed):
    with pytest.raises(Invalid) as error:
        offboard(db, actor, workspace, confirm_name=typed)
    assert error.value.field == "confirm_name"
    assert "Acme Prod" in error.value.message
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE


def test_offboard_needs_administer(db, account_id, workspace):
    reader = make_user(db)
    grant(db, reader.id, workspace_id=workspace.id, permission="read")
    with pytest.raises(PermissionDenied):
        offboard(db, actor_for(db, reader), workspace)
    with pytest.raises(NotFound):
        offboard(db, actor_for(db, make_user(db)), workspace)


def test_a_workspace_administrator_may_offboard(db, workspace):
    admin = make_user(db)
    grant(db, admin.id, workspace_id=workspace.id, permission="administer")
    assert offboard(db, actor_for(db, admin), workspace).status == WorkspaceStatus.OFFBOARDING


def test_offboarding_twice_is_refused(db, actor, workspace):
    offboard(db, actor, workspace)
    with pytest.raises(Invalid, match="already being offboarded"):
        offboard(db, actor, workspace)


def test_restore_during_the_window(db, actor, workspace):
    offboard(db, actor, workspace)
    result = restore(db, actor, workspace)
    assert result.status == WorkspaceStatus.ACTIVE
    assert result.offboarding_started_at is None
    assert result.purge_after is None
    row = db.get(Workspace, workspace.id)
    assert row.status_before is None
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "workspace.restored")).one()
    assert event.before["status"] == WorkspaceStatus.OFFBOARDING
    assert event.after == {"status": WorkspaceStatus.ACTIVE}
    # Writable again.
    workspaces.rename_workspace(
        session=db, actor=actor, workspace_id=str(workspace.id), name="Back"
    )


def test_restore_after_the_window_is_refused(db, actor, workspace):
    offboard(db, actor, workspace)
    row = db.get(Workspace, workspace.id)
    row.purge_after = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.flush()
    with pytest.raises(Invalid, match="window"):
        restore(db, actor, workspace)
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.OFFBOARDING


def test_restore_needs_offboarding_and_administer(db, actor, account_id, workspace):
    with pytest.raises(Invalid, match="not being offboarded"):
        restore(db, actor, workspace)
    offboard(db, actor, workspace)
    reader = make_user(db)
    grant(db, reader.id, account_id=account_id, permission="read")
    with pytest.raises(PermissionDenied):
        restore(db, actor_for(db, reader), workspace)


def test_a_frozen_workspace_offboarded_and_restored_comes_back_frozen(db, actor, workspace):
    workspaces.freeze(session=db, actor=actor, workspace_id=str(workspace.id))
    offboard(db, actor, workspace)
    assert restore(db, actor, workspace).status == WorkspaceStatus.FROZEN
    assert workspaces.unfreeze(session=db, actor=actor, workspace_id=str(workspace.id)).status == (
        WorkspaceStatus.ACTIVE
    )


def test_a_provisioning_workspace_restores_to_provisioning(db, actor, account_id):
    workspace = make_workspace(db, account_id, "Acme Prod", status=WorkspaceStatus.PROVISIONING)
    offboard(db, actor, workspace)
    assert restore(db, actor, workspace).status == WorkspaceStatus.PROVISIONING
