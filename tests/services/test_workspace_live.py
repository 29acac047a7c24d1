"""workspaces.change_mark: the detail page's cheap check for live progress changes exactly
when something the page shows moved, and not otherwise."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.domain.errors import NotFound
from portal.models import Environment, Process
from portal.services import workspaces
from tests import factories
from tests.services.processes_support import Clock, run_all


def mark(db, actor, workspace) -> str:
    return workspaces.change_mark(session=db, actor=actor, workspace_id=str(workspace.id))


def test_the_mark_moves_with_each_change_the_page_shows_and_rests_otherwise(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id, "Live")
    process = db.exec(select(Process).where(Process.workspace_id == workspace.id)).one()
    dev = db.exec(
        select(Environment).where(
            Environment.workspace_id == workspace.id, Environment.name == "dev"
        )
    ).one()
    marks = [mark(db, actor, workspace)]
    assert mark(db, actor, workspace) == marks[0]  # nothing moved: the same mark

    def change(row, **values):
        for name, value in values.items():
            setattr(row, name, value)
        db.add(row)
        db.flush()
        marks.append(mark(db, actor, workspace))

    change(process, status="running")  # a worker took it, no step done yet
    change(process, progress=25)  # a step done
    change(dev, status="ready")  # an environment ready
    change(process, status="failed")  # the saga failed, progress unchanged
    change(process, status="running")  # retried
    change(process, status="succeeded", progress=100)
    change(workspace, status="active")
    # The page compares with the mark it last saw: each change differs from the one before.
    assert all(earlier != later for earlier, later in zip(marks, marks[1:], strict=False))
    assert marks[-1].startswith("active|")


def test_a_whole_saga_run_by_the_worker_moves_the_mark(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id, "Worked")
    db.commit()
    before = mark(db, actor, workspace)
    run_all(Clock())
    db.expire_all()  # the worker committed in its own transactions
    after = mark(db, actor, workspace)
    assert after != before
    assert after.startswith("active|")


def test_the_mark_moves_on_a_status_change_and_a_new_audit_event(db):
    actor, account_id = factories.admin_actor(db)
    workspace = factories.make_workspace(db, account_id, "Still")
    before = mark(db, actor, workspace)
    workspaces.freeze(session=db, actor=actor, workspace_id=str(workspace.id))
    after_freeze = mark(db, actor, workspace)
    assert after_freeze != before
    assert after_freeze.startswith("frozen|")


def test_the_mark_needs_read(db):
    actor, _ = factories.admin_actor(db)
    _, other_account = factories.admin_actor(db)
    theirs = factories.make_workspace(db, other_account, "Theirs")
    with pytest.raises(NotFound):
        mark(db, actor, theirs)
