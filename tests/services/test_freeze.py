"""Freeze: reads keep working, every write is refused, unfreeze restores the status."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.domain.access import Action
from portal.domain.errors import Frozen, Invalid, NotFound, PermissionDenied, ReadOnly
from portal.domain.workspaces import WorkspaceStatus
from portal.models import AuditEvent, Workspace
from portal.services import permissions, workspaces
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
    return make_workspace(db, account_id, "Production", status=WorkspaceStatus.ACTIVE)


def freeze(db, actor, workspace, **kwargs):
    return workspaces.freeze(session=db, actor=actor, workspace_id=str(workspace.id), **kwargs)


def test_freeze_keeps_the_status_and_records_it(db, actor, workspace):
    frozen = freeze(db, actor, workspace, reason="Unpaid invoice")
    assert frozen.status == WorkspaceStatus.FROZEN
    assert frozen.frozen_at is not None
    row = db.get(Workspace, workspace.id)
    assert row.status_before == WorkspaceStatus.ACTIVE

    event = db.exec(select(AuditEvent).where(AuditEvent.action == "workspace.frozen")).one()
    assert event.before == {"status": WorkspaceStatus.ACTIVE}
    assert event.after["status"] == WorkspaceStatus.FROZEN
    assert event.after["reason"] == "Unpaid invoice"
    assert event.workspace_id == workspace.id


def test_unfreeze_restores_the_status_before(db, actor, account_id):
    workspace = make_workspace(db, account_id, status=WorkspaceStatus.PROVISIONING)
    freeze(db, actor, workspace)
    back = workspaces.unfreeze(session=db, actor=actor, workspace_id=str(workspace.id))
    assert back.status == WorkspaceStatus.PROVISIONING
    assert back.frozen_at is None
    assert db.get(Workspace, workspace.id).status_before is None
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "workspace.unfrozen")).one()
    assert event.before["status"] == WorkspaceStatus.FROZEN
    assert event.after == {"status": WorkspaceStatus.PROVISIONING}


def test_freezing_twice_or_unfreezing_an_unfrozen_workspace_is_refused(db, actor, workspace):
    with pytest.raises(Invalid, match="is not frozen"):
        workspaces.unfreeze(session=db, actor=actor, workspace_id=str(workspace.id))
    freeze(db, actor, workspace)
    with pytest.raises(Invalid, match="already frozen"):
        freeze(db, actor, workspace)
    assert db.get(Workspace, workspace.id).status_before == WorkspaceStatus.ACTIVE


def test_an_offboarding_workspace_cannot_be_frozen(db, actor, workspace):
    workspaces.offboard(
        session=db, actor=actor, workspace_id=str(workspace.id), confirm_name="Production"
    )
    with pytest.raises(Invalid, match="offboarded"):
        freeze(db, actor, workspace)


def test_freeze_and_unfreeze_need_administer(db, actor, account_id, workspace):
    reader = make_user(db)
    grant(db, reader.id, account_id=account_id, permission="read")
    reader_actor = actor_for(db, reader)
    with pytest.raises(PermissionDenied, match="administer"):
        freeze(db, reader_actor, workspace)
    freeze(db, actor, workspace)
    with pytest.raises(PermissionDenied, match="owner@example.com"):
        workspaces.unfreeze(session=db, actor=reader_actor, workspace_id=str(workspace.id))
    stranger = actor_for(db, make_user(db))
    with pytest.raises(NotFound):
        workspaces.unfreeze(session=db, actor=stranger, workspace_id=str(workspace.id))
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.FROZEN


def test_a_frozen_workspace_refuses_writes_with_a_clear_message(db, actor, workspace):
    freeze(db, actor, workspace)
    with pytest.raises(Frozen) as error:
        workspaces.rename_workspace(
            session=db, actor=actor, workspace_id=str(workspace.id), name="Renamed"
        )
    assert error.value.message == (
        "Production is frozen: writes are refused until an administrator unfreezes it."
    )
    assert db.get(Workspace, workspace.id).name == "Production"
    with pytest.raises(Frozen):
        permissions.require(db, actor, Action.RENAME_WORKSPACE, workspace.id)


def test_a_frozen_workspace_still_reads(db, actor, workspace):
    freeze(db, actor, workspace)
    key = str(workspace.id)
    assert workspaces.get_workspace_detail(session=db, actor=actor, workspace_id=key).status == (
        WorkspaceStatus.FROZEN
    )
    assert workspaces.list_environments(session=db, actor=actor, workspace_id=key) == []
    assert workspaces.list_activity(session=db, actor=actor, workspace_id=key).items
    assert [r.id for r in workspaces.list_workspaces(session=db, actor=actor).items] == [key]
    workspaces.remember_workspace(session=db, actor=actor, workspace_id=key)  # a preference


def test_writes_work_again_after_unfreeze(db, actor, workspace):
    freeze(db, actor, workspace)
    workspaces.unfreeze(session=db, actor=actor, workspace_id=str(workspace.id))
    renamed = workspaces.rename_workspace(
        session=db, actor=actor, workspace_id=str(workspace.id), name="Renamed"
    )
    assert renamed.name == "Renamed"


def test_an_offboarding_workspace_is_read_only(db, actor, workspace):
    workspaces.offboard(
        session=db, actor=actor, workspace_id=str(workspace.id), confirm_name="Production"
    )
    with pytest.raises(ReadOnly, match="read-only"):
        workspaces.rename_workspace(
            session=db, actor=actor, workspace_id=str(workspace.id), name="Renamed"
        )


def test_require_writable_checks_permission_first(db, workspace):
    """Someone who cannot read a frozen workspace learns nothing, not even that it is frozen."""
    workspace.status = WorkspaceStatus.FROZEN
    db.add(workspace)
    db.flush()
    stranger = actor_for(db, make_user(db))
    with pytest.raises(NotFound):
        permissions.require(db, stranger, Action.RENAME_WORKSPACE, workspace.id)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (WorkspaceStatus.FROZEN, Frozen),
        (WorkspaceStatus.OFFBOARDING, ReadOnly),
        (WorkspaceStatus.ACTIVE, None),
    ],
)
def test_require_writable(status, error):
    workspace = Workspace(account_id=1, name="W", slug="w", status=status)
    if error is None:
        permissions.require_writable(workspace)
    else:
        with pytest.raises(error):
            permissions.require_writable(workspace)
