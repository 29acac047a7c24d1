"""The provisioning saga end to end: create -> environments ready -> workspace active, and the
freeze / offboarding pause."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from portal.domain.workspaces import EnvironmentName, EnvironmentStatus, WorkspaceStatus
from portal.models import AuditEvent, Environment, Process, ProcessStep, Workspace
from portal.services import processes, provisioning, workspaces
from tests import factories
from tests.services.processes_support import Clock, run_all, run_round


def _environments(db, workspace_id) -> dict[str, Environment]:
    db.expire_all()
    rows = db.exec(select(Environment).where(Environment.workspace_id == workspace_id)).all()
    return {row.name: row for row in rows}


def _saga(db, workspace_id) -> Process:
    db.expire_all()
    return db.exec(
        select(Process).where(Process.workspace_id == workspace_id, Process.kind == "provision")
    ).one()


def _steps(db, process_id) -> list[ProcessStep]:
    return list(
        db.exec(
            select(ProcessStep)
            .where(ProcessStep.process_id == process_id)
            .order_by(col(ProcessStep.position))
        ).all()
    )


def test_create_workspace_records_a_pending_saga_with_its_steps(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id, "Acme Dev")
    db.commit()

    saga = _saga(db, workspace.id)
    assert (saga.status, saga.progress, saga.subject) == ("pending", 0, "Acme Dev")
    assert saga.account_id == account_id
    assert [s.name for s in _steps(db, saga.id)] == [
        "provision dev",
        "provision staging",
        "provision prod",
        "activate workspace",
    ]
    assert {env.status for env in _environments(db, workspace.id).values()} == {
        EnvironmentStatus.PROVISIONING
    }


def test_start_returns_the_process_id_in_the_callers_transaction(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.make_workspace(db, account_id, status=WorkspaceStatus.PROVISIONING)
    process_id = provisioning.start(db, workspace=workspace, actor=actor)
    assert db.get(Process, process_id).kind == "provision"
    db.rollback()
    assert db.get(Process, process_id) is None


def test_saga_provisions_every_environment_then_activates_the_workspace(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id)
    db.commit()
    clock = Clock()

    assert run_round(clock) is not None
    assert run_round(clock) is None  # nothing left to do

    environments = _environments(db, workspace.id)
    assert {name: env.status for name, env in environments.items()} == {
        "dev": EnvironmentStatus.READY,
        "staging": EnvironmentStatus.READY,
        "prod": EnvironmentStatus.READY,
    }
    assert all(env.ready_at == clock.now for env in environments.values())
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE
    saga = _saga(db, workspace.id)
    assert (saga.status, saga.progress, saga.error) == ("succeeded", 100, None)
    assert saga.started_at is not None and saga.finished_at is not None
    assert saga.claimed_until is None
    assert [(s.status, s.attempts) for s in _steps(db, saga.id)] == [("succeeded", 1)] * 4

    events = db.exec(
        select(AuditEvent)
        .where(AuditEvent.workspace_id == workspace.id, AuditEvent.actor_type == "system")
        .order_by(col(AuditEvent.id))
    ).all()
    assert [e.action for e in events] == ["environment.ready"] * 3 + ["workspace.activated"]
    assert [e.after["name"] for e in events[:3]] == [
        EnvironmentName.DEV,
        EnvironmentName.STAGING,
        EnvironmentName.PROD,
    ]


def test_steps_are_idempotent(db):
    """Running a finished step's function again changes nothing and audits nothing."""
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id)
    db.commit()
    clock = Clock()
    run_all(clock)
    saga = _saga(db, workspace.id)
    before = db.exec(select(AuditEvent.id)).all()

    for step in _steps(db, saga.id):
        function = processes.step_function("provision", step.name)
        function(processes.StepContext(session=db, process=saga, step=step, now=clock.now))
    db.commit()

    assert db.exec(select(AuditEvent.id)).all() == before
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE
    assert {env.ready_at for env in _environments(db, workspace.id).values()} == {clock.now}


def test_freeze_pauses_provisioning_until_unfrozen(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id)
    workspaces.freeze(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    clock = Clock()

    run_round(clock)

    saga = _saga(db, workspace.id)
    first = _steps(db, saga.id)[0]
    assert saga.status == "running"  # waiting, not failed
    assert first.status == "pending"
    assert first.attempts == 0  # waiting is not a failed try
    assert "frozen" in first.error
    assert first.next_attempt_at == clock.now + processes_pause()
    assert {env.status for env in _environments(db, workspace.id).values()} == {
        EnvironmentStatus.PROVISIONING
    }
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.FROZEN
    assert run_round(clock) is None  # not due again before the pause ends

    clock.advance(processes.PAUSE_SECONDS)
    run_round(clock)  # still frozen: waits again, still writes nothing
    assert {env.status for env in _environments(db, workspace.id).values()} == {
        EnvironmentStatus.PROVISIONING
    }
    assert _saga(db, workspace.id).status == "running"

    workspaces.unfreeze(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    clock.advance(processes.PAUSE_SECONDS)
    run_all(clock)

    assert {env.status for env in _environments(db, workspace.id).values()} == {
        EnvironmentStatus.READY
    }
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE
    assert _saga(db, workspace.id).status == "succeeded"
    assert all(step.error is None for step in _steps(db, saga.id))


def test_freeze_between_steps_stops_the_next_step(db, monkeypatch):
    """Frozen after dev was provisioned: staging waits; nothing overwrites the frozen status."""
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id)
    db.commit()
    clock = Clock()
    original = processes.step_function("provision", "provision dev")

    def dev_then_freeze(ctx):
        original(ctx)
        frozen = ctx.session.get(Workspace, ctx.process.workspace_id)
        frozen.status_before, frozen.status = frozen.status, WorkspaceStatus.FROZEN
        ctx.session.add(frozen)

    monkeypatch.setitem(processes.STEPS["provision"], "provision dev", dev_then_freeze)
    run_round(clock)

    environments = _environments(db, workspace.id)
    assert environments[EnvironmentName.DEV].status == EnvironmentStatus.READY
    assert environments[EnvironmentName.STAGING].status == EnvironmentStatus.PROVISIONING
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.FROZEN

    workspaces.unfreeze(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    clock.advance(processes.PAUSE_SECONDS)
    run_all(clock)
    db.expire_all()
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE


def test_activate_never_overwrites_a_frozen_or_offboarding_status(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id)
    db.commit()
    saga = _saga(db, workspace.id)
    step = _steps(db, saga.id)[3]
    row = db.get(Workspace, workspace.id)
    row.status, row.status_before = WorkspaceStatus.OFFBOARDING, WorkspaceStatus.PROVISIONING
    db.add(row)
    db.commit()

    with pytest.raises(processes.Paused, match="offboarded"):
        provisioning.activate_workspace(
            processes.StepContext(session=db, process=saga, step=step, now=Clock().now)
        )
    db.rollback()
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.OFFBOARDING


def test_offboarding_pauses_provisioning_and_restore_resumes_it(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id, "Short lived")
    workspaces.offboard(
        session=db, actor=actor, workspace_id=str(workspace.id), confirm_name="Short lived"
    )
    db.commit()
    clock = Clock()

    run_round(clock)
    assert {env.status for env in _environments(db, workspace.id).values()} == {
        EnvironmentStatus.PROVISIONING
    }
    assert "read-only" in _steps(db, _saga(db, workspace.id).id)[0].error

    workspaces.restore(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    clock.advance(processes.PAUSE_SECONDS)
    run_all(clock)
    db.expire_all()
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE


def processes_pause():
    from datetime import timedelta

    return timedelta(seconds=processes.PAUSE_SECONDS)
