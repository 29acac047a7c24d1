"""The Process Log page state: typed rows with their steps, the shared Pager, the kind filter,
retry refusals in the banner, and live progress that reloads only when the change mark moved."""

from __future__ import annotations

import pytest

from portal.pages.workspaces.process_log import PickedProcessLogState, ProcessLogState, ProcessRow
from portal.services import exports, provisioning, workspaces
from tests.factories import account_of, create_workspace
from tests.state.support import name_of, names, redirect_path, run


@pytest.fixture
def site(db, person, browse):
    """An administrator's workspace: its pending provisioning saga and 26 more (27 in all)."""
    user, token, actor = person(name="Pia", account_name="Pia Co")
    workspace = create_workspace(db, actor, account_of(db, user.id), name="Forge")
    for _ in range(26):
        provisioning.start(db, workspace=workspace, actor=None)
    db.commit()
    wid = str(workspace.id)
    return {
        "client": browse(f"/workspaces/{wid}/process-log", token=token),
        "id": wid,
        "actor": actor,
        "token": token,
    }


def test_the_guard_loads_typed_rows_with_their_steps(site):
    client = site["client"]
    events = run(client.session.guard)
    state = client.state(ProcessLogState)
    assert state.found and state.workspace_name == "Forge"
    assert state.workspace_href == f"/workspaces/{site['id']}"
    assert state.can_administer is True
    assert len(state.rows) == 25
    row = state.rows[0]
    assert isinstance(row, ProcessRow)
    assert row.kind == "provision" and row.running and not row.can_retry
    assert row.steps and isinstance(row.steps[0].attempts, int)
    assert row.created_at.endswith("Z") and row.steps[0].started_at == ""
    assert (state.pager_page["processes"], state.pager_has_next["processes"]) == (1, True)
    # Something runs: the timer is asked for.
    assert name_of(ProcessLogState.watch)[0] in names(events)


def test_pages_and_the_kind_filter(site):
    state = site["client"].state(ProcessLogState)
    run(state.load)
    first = [row.id for row in state.rows]
    run(state.next_page, "processes")
    assert len(state.rows) == 2 and not {row.id for row in state.rows} & set(first)
    run(state.filter_by_kind, "export")
    assert state.rows == [] and state.pager_page["processes"] == 1
    run(state.filter_by_kind, "bogus")
    assert state.kind_filter == "all" and len(state.rows) == 25


def test_retrying_a_process_that_did_not_fail_shows_why_in_the_banner(site):
    state = site["client"].state(ProcessLogState)
    run(state.load)
    events = run(state.retry, state.rows[0].id)
    assert state.error != ""
    assert redirect_path(events) is None
    run(state.retry, "not a number")
    assert "not found" in state.error.lower()


def test_poll_reloads_only_when_the_change_mark_moved(db, site):
    state = site["client"].state(ProcessLogState)
    run(state.load)
    state.polling = True
    run(state.poll_once)  # records the mark
    state.rows = []
    run(state.poll_once)
    assert state.rows == []  # nothing moved
    exports.start_export(session=db, actor=site["actor"], workspace_id=site["id"])
    db.commit()
    run(state.poll_once)
    assert state.rows[0].kind == "export"
    assert state.polling


def test_the_picked_process_log_opens_a_readable_workspace_before_anything_is_picked(
    db, site, browse
):
    """Someone who has not picked a workspace yet (a new sign-in) gets the first they can
    read, not "You have no workspace yet"."""
    state = browse("/process-log", token=site["token"]).state(PickedProcessLogState)
    assert redirect_path(run(state.open_picked)) == f"/workspaces/{site['id']}/process-log"


def test_the_picked_process_log_redirects_to_the_pick(db, site, browse):
    workspaces.remember_workspace(session=db, actor=site["actor"], workspace_id=site["id"])
    db.commit()
    state = browse("/process-log", token=site["token"]).state(PickedProcessLogState)
    assert redirect_path(run(state.open_picked)) == f"/workspaces/{site['id']}/process-log"
