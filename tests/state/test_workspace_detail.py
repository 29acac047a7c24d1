"""The workspace detail page state: typed rows loaded in the guard's one event, the activity
feed on the shared Pager, administrator actions through `_call` with refusals shown where the
person sees them, and live progress that reloads only when the change mark moved."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from portal.domain.workspaces import EnvironmentStatus, WorkspaceStatus
from portal.models import Environment, Workspace
from portal.pages.workspaces.detail import (
    ActivityRow,
    EnvironmentRow,
    WorkspaceDetailState,
    WorkspaceView,
)
from portal.services import workspaces
from portal.state.nav import NavState
from tests.conftest import from_snapshot
from tests.factories import account_of, create_workspace, grant, make_user, sign_in
from tests.state.support import name_of, names, redirect_path, run, toasts


@pytest.fixture
def site(db, person, browse):
    """An administrator's provisioning workspace renamed 12 times (13 audit events)."""
    made = from_snapshot(db, "detail-site", lambda: _site(db, person))
    return {"client": browse(f"/workspaces/{made['id']}", token=made["token"]), **made}


def _site(db, person) -> dict:
    user, token, actor = person(name="Ada", account_name="Ada Co")
    account_id = account_of(db, user.id)
    workspace = create_workspace(db, actor, account_id, name="Orbit")
    for n in range(12):
        workspaces.rename_workspace(
            session=db, actor=actor, workspace_id=str(workspace.id), name=f"Orbit {n}"
        )
    db.commit()
    return {"id": str(workspace.id), "account": account_id, "token": token}


def test_the_guard_loads_the_page_typed_in_one_event(site):
    client = site["client"]
    events = run(client.session.guard)
    state = client.state(WorkspaceDetailState)
    assert state.found
    assert isinstance(state.workspace, WorkspaceView)
    assert state.workspace.name == "Orbit 11"
    assert state.workspace.account_href == f"/accounts/{site['account']}"
    assert state.workspace.created_at.endswith("Z")
    assert len(state.environments) == 3
    assert all(isinstance(env, EnvironmentRow) for env in state.environments)
    assert all(env.provisioning for env in state.environments)
    assert state.can_administer is True
    assert isinstance(state.administrators, list) and state.administrators
    assert all(isinstance(row, ActivityRow) for row in state.activity)
    assert len(state.activity) == 10
    assert state.activity[0].action == "workspace.renamed"
    assert (state.pager_page["activity"], state.pager_has_next["activity"]) == (1, True)
    # Provisioning runs: the live-progress timer is asked for, nothing else chained.
    assert name_of(WorkspaceDetailState.watch_provisioning) == [
        n for n in names(events) if "watch" in n
    ]
    # The picker follows the workspace opened.
    assert client.state(NavState).selected_workspace_id == site["id"]


def test_activity_pages_newer_and_older(site):
    state = site["client"].state(WorkspaceDetailState)
    run(state.load)
    first = [row.id for row in state.activity]
    run(state.next_page, "activity")
    assert len(state.activity) == 3  # 13 events: 12 renames and the creation
    assert state.activity[-1].action == "workspace.created"
    assert not {row.id for row in state.activity} & set(first)
    assert (state.pager_page["activity"], state.pager_has_next["activity"]) == (2, False)
    run(state.previous_page, "activity")
    assert [row.id for row in state.activity] == first


def test_activity_filters_go_back_to_the_first_page(site):
    state = site["client"].state(WorkspaceDetailState)
    run(state.load)
    run(state.next_page, "activity")
    run(state.filter_activity_by_action, "workspace.created")
    assert [row.action for row in state.activity] == ["workspace.created"]
    assert state.pager_page["activity"] == 1
    # The words the feed shows filter as well as the code.
    run(state.filter_activity_by_action, "Workspace crea")
    assert [row.action_label for row in state.activity] == ["Workspace created"]
    run(state.filter_activity_by_actor, "nobody-like-this")
    assert state.activity == []
    assert state.activity_actor == "nobody-like-this"


def test_freeze_refuses_a_rename_beside_its_field_until_unfrozen(site):
    state = site["client"].state(WorkspaceDetailState)
    run(state.load)
    events = run(state.freeze)
    assert toasts(events) == [("success", "Workspace frozen: writes are refused.")]
    assert state.workspace.status == WorkspaceStatus.FROZEN
    assert state.workspace.frozen_at.endswith("Z")
    assert state.activity[0].action == "workspace.frozen"
    run(state.rename, {"name": "Glacier"})
    assert "frozen" in state.rename_errors["name"].lower()
    run(state.unfreeze)
    events = run(state.rename, {"name": "Glacier"})
    assert state.rename_errors == {}
    assert state.workspace.name == "Glacier"
    assert name_of(NavState.load_pick) == [n for n in names(events) if "load_pick" in n]


def test_a_reader_sees_the_refusal_in_the_banner_and_nothing_changes(db, site, browse):
    reader = make_user(db, name="Rita")
    grant(db, reader.id, account_id=site["account"], permission="read")
    token, _ = sign_in(db, reader)
    db.commit()
    state = browse(f"/workspaces/{site['id']}", token=token).state(WorkspaceDetailState)
    run(state.load)
    assert state.can_administer is False
    events = run(state.freeze)
    assert state.action_error != ""
    assert toasts(events) == []
    assert state.workspace.status != WorkspaceStatus.FROZEN
    run(state.offboard, {"confirm_name": "Orbit 11"})
    assert state.offboard_errors["confirm_name"]


def test_offboard_needs_the_typed_name_then_restore(site):
    state = site["client"].state(WorkspaceDetailState)
    run(state.load)
    run(state.set_offboard_open, True)
    run(state.offboard, {"confirm_name": "orbit 11"})
    assert state.offboard_open and state.offboard_errors["confirm_name"]
    run(state.offboard, {"confirm_name": "Orbit 11"})
    assert not state.offboard_open
    assert state.workspace.status == WorkspaceStatus.OFFBOARDING
    assert state.workspace.days_left > 0
    run(state.restore)
    assert state.workspace.status != WorkspaceStatus.OFFBOARDING


def test_export_goes_to_the_process_log(site):
    state = site["client"].state(WorkspaceDetailState)
    run(state.load)
    events = run(state.export)
    assert state.action_error == ""
    assert redirect_path(events) == f"/workspaces/{site['id']}/process-log"
    assert ("success", "Export started: follow it in the Process Log.") in toasts(events)


def test_poll_reloads_only_when_the_change_mark_moved(site):
    state = site["client"].state(WorkspaceDetailState)
    run(state.load)
    state.polling = True
    run(state.poll_once)  # the first tick records the mark (and reloads)
    assert state.polling  # still provisioning: the timer goes on
    state.activity = []  # what a reload would refill
    run(state.poll_once)
    assert state.activity == []  # nothing moved: no reload
    run(state.freeze)  # a new audit event and a status change move the mark
    state.activity = []
    run(state.poll_once)
    assert state.activity[0].action == "workspace.frozen"


def test_poll_stops_off_the_page(site):
    client = site["client"]
    state = client.state(WorkspaceDetailState)
    run(state.load)
    state.polling = True
    client.visit("/workspaces")
    run(state.poll_once)
    assert state.polling is False


def test_an_unknown_workspace_shows_not_found(person, browse):
    _, token, _ = person(name="Nia")
    state = browse("/workspaces/00000000-0000-4000-8000-000000000000", token=token).state(
        WorkspaceDetailState
    )
    assert run(state.load) == []
    assert state.found is False
    assert state.workspace == WorkspaceView()


def test_a_status_change_asks_first_and_runs_only_what_it_named(site):
    state = site["client"].state(WorkspaceDetailState)
    run(state.load)
    run(state.ask, "freeze")
    assert state.confirming == "freeze"
    assert state.workspace.status != WorkspaceStatus.FROZEN  # asking changes nothing
    run(state.set_confirming_open, False)
    assert state.confirming == ""
    run(state.ask, "offboard")  # not one of the confirmed status changes
    assert state.confirming == ""
    assert run(state.confirm, "purge") == []
    assert state.workspace.status != WorkspaceStatus.FROZEN
    run(state.ask, "freeze")
    events = run(state.confirm, "freeze")
    assert state.confirming == ""
    assert state.workspace.status == WorkspaceStatus.FROZEN
    assert toasts(events) == [("success", "Workspace frozen: writes are refused.")]


def test_the_offboard_button_waits_for_the_typed_name(site):
    state = site["client"].state(WorkspaceDetailState)
    run(state.load)
    run(state.set_offboard_open, True)
    run(state.type_offboard_name, "Orbit 1")
    assert state.offboard_typed == "Orbit 1" != state.workspace.name
    run(state.set_offboard_open, False)
    assert state.offboard_typed == ""  # a new dialog starts empty


def test_poll_follows_the_saga_until_the_workspace_is_active(site, db):
    """The environments turn ready before the saga's last step activates the workspace: the
    timer goes on until the workspace itself is active (CI once saw it stop one step early
    and leave the page on "provisioning")."""
    state = site["client"].state(WorkspaceDetailState)
    run(state.load)
    state.polling = True
    workspace = db.get(Workspace, uuid.UUID(site["id"]))
    for environment in db.exec(
        select(Environment).where(Environment.workspace_id == workspace.id)
    ).all():
        environment.status = EnvironmentStatus.READY
        db.add(environment)
    db.commit()
    run(state.poll_once)
    assert not any(env.provisioning for env in state.environments)
    assert state.workspace.status == WorkspaceStatus.PROVISIONING
    assert state.polling  # the activation is still to come

    workspace.status = WorkspaceStatus.ACTIVE
    db.add(workspace)
    db.commit()
    run(state.poll_once)
    assert state.workspace.status == WorkspaceStatus.ACTIVE
    assert state.polling is False
