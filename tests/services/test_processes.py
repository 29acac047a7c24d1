"""The saga engine: claiming, retries with backoff, permanent failure and Retry, resuming after
a restart, and the Process Log listing."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from portal.db import get_engine, transaction
from portal.domain.errors import Invalid, NotFound, PermissionDenied
from portal.domain.workspaces import EnvironmentName, EnvironmentStatus, WorkspaceStatus
from portal.models import AuditEvent, Environment, Process, ProcessStep, Workspace
from portal.services import processes, workspaces
from tests import factories
from tests.services.processes_support import (
    Clock,
    Crash,
    counting,
    failing,
    run_all,
    run_round,
    use_data_dir,
)


def _process(db, process_id) -> Process:
    db.expire_all()
    return db.get(Process, process_id)


def _steps(db, process_id) -> list[ProcessStep]:
    db.expire_all()
    return list(
        db.exec(
            select(ProcessStep)
            .where(ProcessStep.process_id == process_id)
            .order_by(col(ProcessStep.position))
        ).all()
    )


def _saga_of(db, workspace) -> int:
    return db.exec(
        select(Process.id).where(Process.workspace_id == workspace.id, Process.kind == "provision")
    ).one()


@pytest.fixture
def setup(db):
    """An administrator, their account and a freshly created (provisioning) workspace."""
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id)
    db.commit()
    return actor, account_id, workspace


def _inject(monkeypatch, step_name: str, times: int, error=None):
    original = processes.step_function("provision", step_name)
    step, calls = failing(original, times, error)
    monkeypatch.setitem(processes.STEPS["provision"], step_name, step)
    return calls


# --- claiming -----------------------------------------------------------------------------------


def test_a_claimed_process_is_not_claimed_again_until_its_lease_ends(setup, db):
    clock = Clock()
    with transaction() as first:
        claimed = processes.claim_next(first, now=clock(), worker_id="a")
    assert claimed is not None
    assert _process(db, claimed).claimed_until == clock.now + timedelta(
        seconds=processes.LEASE_SECONDS
    )
    with transaction() as second:
        assert processes.claim_next(second, now=clock(), worker_id="b") is None

    clock.advance(processes.LEASE_SECONDS + 1)  # its worker died: the lease went stale
    with transaction() as third:
        assert processes.claim_next(third, now=clock(), worker_id="c") == claimed


def test_concurrent_workers_claim_a_process_exactly_once(setup, db):
    clock = Clock()
    barrier = threading.Barrier(6)
    results: list[int | None] = []
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction() as session:
                results.append(processes.claim_next(session, now=clock(), worker_id=name))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(r for r in results if r is not None) == [_saga_of(db, setup[2])]
    assert results.count(None) == 5


def test_finished_and_failed_processes_are_never_claimed(setup, db):
    clock = Clock()
    run_all(clock)
    with transaction() as session:
        assert processes.claim_next(session, now=clock(), worker_id="a") is None


# --- retries ------------------------------------------------------------------------------------


def test_a_failing_step_is_retried_with_exponential_backoff(setup, db, monkeypatch):
    _actor, _account, workspace = setup
    calls = _inject(monkeypatch, "provision staging", times=2)
    clock = Clock()
    saga = _saga_of(db, workspace)

    run_round(clock)
    staging = _steps(db, saga)[1]
    assert (staging.status, staging.attempts) == ("pending", 1)
    assert staging.error == "injected failure 1"
    assert staging.next_attempt_at == clock.now + timedelta(seconds=2)
    assert _process(db, saga).status == "running"
    assert _process(db, saga).progress == 25  # dev done
    assert _process(db, saga).claimed_until is None  # released for whoever comes next

    assert run_round(clock) is None  # not due yet
    clock.advance(2)
    run_round(clock)
    staging = _steps(db, saga)[1]
    assert (staging.attempts, staging.error) == (2, "injected failure 2")
    assert staging.next_attempt_at == clock.now + timedelta(seconds=4)

    clock.advance(3)
    assert run_round(clock) is None
    clock.advance(1)
    run_round(clock)

    assert len(calls) == 3
    assert _process(db, saga).status == "succeeded"
    staging = _steps(db, saga)[1]
    assert (staging.status, staging.attempts, staging.error) == ("succeeded", 3, None)


def test_backoff_doubles_and_is_capped(monkeypatch):
    monkeypatch.setattr(processes, "BACKOFF_BASE_SECONDS", 2.0)
    monkeypatch.setattr(processes, "BACKOFF_CAP_SECONDS", 20.0)
    assert [processes.backoff_seconds(n) for n in range(1, 7)] == [2, 4, 8, 16, 20, 20]


def test_a_step_that_keeps_failing_fails_its_environment_and_retry_resumes_it(
    setup, db, monkeypatch
):
    actor, _account, workspace = setup
    monkeypatch.setattr(processes, "MAX_ATTEMPTS", 3)
    monkeypatch.setattr(processes, "BACKOFF_BASE_SECONDS", 0.0)
    calls = _inject(monkeypatch, "provision prod", times=3, error=RuntimeError("quota exceeded"))
    clock = Clock()
    saga = _saga_of(db, workspace)

    run_all(clock)

    process = _process(db, saga)
    assert process.status == "failed"
    assert process.error == "provision prod: quota exceeded"
    assert process.progress == 50
    assert process.finished_at == clock.now
    prod = _steps(db, saga)[2]
    assert (prod.status, prod.attempts, prod.error) == ("failed", 3, "quota exceeded")
    assert _steps(db, saga)[3].status == "pending"  # activation never ran
    environments = {
        e.name: e
        for e in db.exec(select(Environment).where(Environment.workspace_id == workspace.id))
    }
    assert environments[EnvironmentName.PROD].status == EnvironmentStatus.FAILED
    assert environments[EnvironmentName.PROD].error == "quota exceeded"
    assert environments[EnvironmentName.DEV].status == EnvironmentStatus.READY
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.PROVISIONING
    failed_event = db.exec(
        select(AuditEvent).where(AuditEvent.action == "environment.failed")
    ).one()
    assert (failed_event.actor_type, failed_event.workspace_id) == ("system", workspace.id)
    assert failed_event.after["error"] == "quota exceeded"
    public = processes.get_process(session=db, actor=actor, process_id=saga)
    assert public.can_retry and public.status == "failed"
    assert len(calls) == 3

    # Retry: the failed step starts over; the steps that succeeded are not rerun.
    dev_calls = _count_calls(monkeypatch, "provision dev")
    retried = processes.retry(session=db, actor=actor, process_id=saga)
    db.commit()
    assert retried.status == "pending" and not retried.can_retry
    db.expire_all()
    prod_env = db.get(Environment, environments[EnvironmentName.PROD].id)
    assert (prod_env.status, prod_env.error) == (EnvironmentStatus.PROVISIONING, None)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "process.retried")).one()
    assert (event.actor_type, event.target_id, event.workspace_id) == (
        "user",
        str(saga),
        workspace.id,
    )

    run_all(clock)
    assert _process(db, saga).status == "succeeded"
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE
    assert dev_calls == []
    assert [s.attempts for s in _steps(db, saga)] == [1, 1, 1, 1]


def _count_calls(monkeypatch, step_name: str) -> list[int]:
    step, calls = counting(processes.step_function("provision", step_name))
    monkeypatch.setitem(processes.STEPS["provision"], step_name, step)
    return calls


def test_retry_needs_administer_and_a_failed_process(setup, db, monkeypatch):
    actor, account_id, workspace = setup
    saga = _saga_of(db, workspace)
    with pytest.raises(Invalid, match="Only a failed process"):
        processes.retry(session=db, actor=actor, process_id=saga)

    monkeypatch.setattr(processes, "MAX_ATTEMPTS", 1)
    _inject(monkeypatch, "provision dev", times=1)
    run_all(Clock())

    reader = factories.make_user(db)
    factories.grant(db, reader.id, workspace_id=workspace.id, permission="read")
    reader_actor = factories.actor_for(db, reader)
    outsider = factories.actor_for(db, factories.make_user(db))
    with pytest.raises(PermissionDenied, match="administer"):
        processes.retry(session=db, actor=reader_actor, process_id=saga)
    for bad in (saga, 999_999, "nonsense"):
        with pytest.raises(NotFound):
            processes.retry(session=db, actor=outsider, process_id=bad)

    workspaces.freeze(session=db, actor=actor, workspace_id=str(workspace.id))
    with pytest.raises(Exception, match="frozen"):
        processes.retry(session=db, actor=actor, process_id=saga)


# --- restart ------------------------------------------------------------------------------------


def test_a_saga_interrupted_by_a_restart_resumes_from_its_unfinished_step(setup, db, monkeypatch):
    _actor, _account, workspace = setup
    saga = _saga_of(db, workspace)
    dev_calls = _count_calls(monkeypatch, "provision dev")
    staging = processes.step_function("provision", "provision staging")
    crashing, staging_calls = failing(staging, 1, Crash("worker killed"))
    monkeypatch.setitem(processes.STEPS["provision"], "provision staging", crashing)
    clock = Clock()

    # Worker 1 claims the saga, finishes dev, and dies in the middle of staging.
    with pytest.raises(Crash):
        run_round(clock, worker_id="worker-1")

    steps = _steps(db, saga)
    assert [s.status for s in steps] == ["succeeded", "running", "pending", "pending"]
    process = _process(db, saga)
    assert process.status == "running" and process.claimed_until > clock.now
    assert (
        db.exec(
            select(Environment.status).where(
                Environment.workspace_id == workspace.id,
                Environment.name == EnvironmentName.STAGING,
            )
        ).one()
        == EnvironmentStatus.PROVISIONING
    )  # the interrupted step's transaction was rolled back

    # A new worker after the restart: nothing until the dead worker's lease runs out ...
    assert run_round(clock, worker_id="worker-2") is None
    clock.advance(processes.LEASE_SECONDS + 1)
    # ... then it resumes at staging; dev is not run again.
    assert run_round(clock, worker_id="worker-2") == saga

    assert _process(db, saga).status == "succeeded"
    assert len(dev_calls) == 1
    assert len(staging_calls) == 2
    assert [s.attempts for s in _steps(db, saga)] == [1, 2, 1, 1]
    db.expire_all()
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE


def test_a_process_purged_while_queued_is_skipped(setup, db):
    _actor, _account, workspace = setup
    saga = _saga_of(db, workspace)
    db.delete(db.get(Process, saga))
    db.commit()
    assert processes.run_claimed(saga) is None
    assert run_round(Clock()) is None


# --- the Process Log ----------------------------------------------------------------------------


def test_process_log_lists_newest_first_with_steps_and_pages(setup, db, tmp_path, monkeypatch):
    actor, account_id, workspace = setup
    use_data_dir(monkeypatch, tmp_path)
    from portal.services import exports

    export_id = exports.start_export(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    run_all(Clock())
    saga = _saga_of(db, workspace)

    page = processes.list_processes(session=db, actor=actor, workspace_id=str(workspace.id))
    assert [p.id for p in page.items] == [export_id, saga]
    assert page.next_cursor is None
    provision = page.items[1]
    assert (provision.kind, provision.status, provision.progress) == ("provision", "succeeded", 100)
    assert provision.workspace_id == str(workspace.id)
    assert [s.name for s in provision.steps][:1] == ["provision dev"]
    assert all(s.duration_seconds is not None for s in provision.steps)
    assert provision.duration_seconds is not None
    assert page.items[0].downloadable and page.items[0].counts["environments"] == 3

    first = processes.list_processes(
        session=db, actor=actor, workspace_id=str(workspace.id), limit=1
    )
    assert [p.id for p in first.items] == [export_id]
    second = processes.list_processes(
        session=db, actor=actor, workspace_id=str(workspace.id), limit=1, cursor=first.next_cursor
    )
    assert [p.id for p in second.items] == [saga] and second.next_cursor is None

    only = processes.list_processes(
        session=db, actor=actor, workspace_id=str(workspace.id), kind="provision"
    )
    assert [p.id for p in only.items] == [saga]
    none = processes.list_processes(
        session=db, actor=actor, workspace_id=str(workspace.id), status="failed"
    )
    assert none.items == []
    with pytest.raises(Invalid):
        processes.list_processes(
            session=db, actor=actor, workspace_id=str(workspace.id), kind="nonsense"
        )
    with pytest.raises(Invalid):
        processes.list_processes(session=db, actor=actor, workspace_id=str(workspace.id), limit=101)

    latest = processes.latest_for_workspace(
        session=db, actor=actor, workspace_id=str(workspace.id), kind="provision"
    )
    assert latest.id == saga


def test_process_log_is_invisible_across_tenants(setup, db):
    actor, account_id, workspace = setup
    saga = _saga_of(db, workspace)
    other_actor, other_account = factories.admin_actor(db)
    other_workspace = factories.create_workspace(db, other_actor, other_account, "Theirs")
    db.commit()

    with pytest.raises(NotFound):
        processes.list_processes(session=db, actor=other_actor, workspace_id=str(workspace.id))
    with pytest.raises(NotFound):
        processes.get_process(session=db, actor=other_actor, process_id=saga)
    with pytest.raises(NotFound):
        processes.list_processes(session=db, actor=actor, workspace_id=str(uuid.uuid4()))
    theirs = processes.list_processes(
        session=db, actor=other_actor, workspace_id=str(other_workspace.id)
    )
    assert saga not in [p.id for p in theirs.items]

    reader = factories.make_user(db)
    factories.grant(db, reader.id, workspace_id=workspace.id, permission="read")
    reader_actor = factories.actor_for(db, reader)
    assert processes.get_process(session=db, actor=reader_actor, process_id=saga).id == saga


def test_a_purge_record_is_not_in_any_workspace_process_log(setup, db):
    actor, account_id, _workspace = setup
    purge = Process(account_id=account_id, workspace_id=None, kind="purge", status="succeeded")
    db.add(purge)
    db.commit()
    with pytest.raises(NotFound):
        processes.get_process(session=db, actor=actor, process_id=purge.id)


def test_claims_from_another_connection_see_committed_state_only(setup, db):
    """The claim is committed by the caller: an uncommitted claim holds nothing."""
    clock = Clock()
    with Session(get_engine()) as session:
        claimed = processes.claim_next(session, now=clock(), worker_id="a")
        assert claimed is not None
        session.rollback()
    with transaction() as session:
        assert processes.claim_next(session, now=clock(), worker_id="b") == claimed
