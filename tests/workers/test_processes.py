"""The process worker: a round runs due sagas and exports and purges ended windows; the
standalone loop and the app's lifespan task run the same round off the event loop."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import select

from portal import cli
from portal.domain.workspaces import WorkspaceStatus
from portal.models import AuditEvent, Process, Workspace
from portal.models._base import utcnow
from portal.services import workspaces
from portal.workers import processes as worker
from tests import factories


def test_a_round_provisions_a_new_workspace(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id)
    db.commit()

    assert worker.run_once() == {"processes_run": 1, "workspaces_purged": 0}
    assert worker.run_once() == {"processes_run": 0, "workspaces_purged": 0}
    db.expire_all()
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE


def test_a_round_purges_workspaces_whose_window_ended(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id, "Gone")
    workspaces.offboard(
        session=db, actor=actor, workspace_id=str(workspace.id), confirm_name="Gone"
    )
    db.commit()
    row = db.get(Workspace, workspace.id)
    row.purge_after = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()

    workspace_id = workspace.id
    counts = worker.run_once()

    assert counts["workspaces_purged"] == 1
    db.expire_all()
    assert db.get(Workspace, workspace_id) is None
    assert db.exec(select(Process).where(Process.kind == "purge")).one()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "workspace.purged")).one()


def test_run_until_returns_once_stopped(db, monkeypatch):
    rounds: list[int] = []
    stop = threading.Event()

    def fake_round():
        rounds.append(1)
        if len(rounds) == 2:
            raise RuntimeError("database hiccup")  # logged; the loop goes on
        if len(rounds) == 3:
            stop.set()
        return {}

    monkeypatch.setattr(worker, "run_once", fake_round)
    loop = threading.Thread(target=worker.run_until, args=(stop,), kwargs={"interval": 0.01})
    loop.start()
    loop.join(timeout=10)
    stopped = not loop.is_alive()
    stop.set()  # a loop that did not stop by itself is ended before failing
    loop.join(timeout=10)
    assert stopped, f"run_until still running after {len(rounds)} rounds"
    assert len(rounds) == 3


def test_the_lifespan_task_runs_rounds_in_a_thread(monkeypatch):
    threads: list[str] = []

    def fake_round():
        threads.append(threading.current_thread().name)
        return {}

    monkeypatch.setattr(worker, "run_once", fake_round)

    async def main():
        task = asyncio.create_task(worker.run_in_app(interval=0.01))
        try:
            async with asyncio.timeout(10):
                while len(threads) < 2:
                    await asyncio.sleep(0.01)
        finally:
            task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return threading.current_thread().name

    # A thread of its own: pytest-playwright keeps an event loop running on the main one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        loop_thread = pool.submit(asyncio.run, main()).result(timeout=30)
    assert threads and loop_thread not in threads


def test_cli_worker_once_runs_processes_too(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id)
    db.commit()
    assert cli.main(["worker", "--once"]) == 0
    db.expire_all()
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.ACTIVE


@pytest.mark.parametrize("interval", ["0", "soon"])
def test_cli_process_interval_must_be_positive(capsys, interval):
    with pytest.raises(SystemExit):
        cli.main(["worker", "--process-interval", interval])
    assert "--process-interval" in capsys.readouterr().err
