"""A signed-in member of account B, on account A's workspace pages, calling every workspace
handler with A's ids: not found every time, nothing of A's in B's state, nothing changed."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.domain.errors import NotFound
from portal.models import User
from portal.pages.workspaces.detail import WorkspaceDetailState
from portal.pages.workspaces.list_page import WorkspacesState
from portal.pages.workspaces.process_log import ProcessLogState
from portal.services import provisioning
from tests.factories import account_of, grant, make_workspace
from tests.state.support import database_snapshot, run, toasts

SECRET = "Secret Project Aurora"


@pytest.fixture
def tenants(db, person):
    alice, _, _ = person(name="Alice", account_name="Account A")
    workspace = make_workspace(db, account_of(db, alice.id), name=SECRET)
    process_id = provisioning.start(db, workspace=workspace, actor=None)
    _, bob_token, _ = person(name="Bob", account_name="Account B")
    db.commit()
    return {
        "workspace_id": str(workspace.id),
        "account_id": account_of(db, alice.id),
        "process_id": process_id,
        "bob": bob_token,
    }


DETAIL = [
    ("load", ()),
    ("poll_once", ()),
    ("load_runners", ()),
    ("filter_activity_by_actor", ("Alice",)),
    ("filter_activity_by_action", ("workspace.",)),
    ("next_page", ("activity",)),
    ("freeze", ()),
    ("unfreeze", ()),
    ("export", ()),
    ("rename", ({"name": "Pwned"},)),
    ("offboard", ({"confirm_name": SECRET},)),
    ("restore", ()),
    ("retry_provisioning", ("process_id",)),
]
SILENT = {
    "poll_once",
    "filter_activity_by_actor",
    "filter_activity_by_action",
    "next_page",
}
PROCESS_LOG = [
    ("load", ()),
    ("refresh", ()),
    ("poll_once", ()),
    ("next_page", ("processes",)),
    ("filter_by_kind", ("provision",)),
    ("retry", ("process_id",)),
]


def _args(args, tenants):
    return tuple(tenants[a] if a == "process_id" else a for a in args)


def _call(state, name, args):
    try:
        return run(getattr(state, name), *args), None
    except NotFound as refused:
        return [], refused


def _assert_nothing_leaked(state, events, refused, handler_says_not_found=True):
    shown = repr({name: getattr(state, name) for name in type(state).base_vars})
    assert SECRET not in shown
    assert all(SECRET not in message for _, message in toasts(events))
    said = " ".join(
        [shown, *(m for _, m in toasts(events)), refused.message if refused else ""]
    ).lower()
    # Handlers that act or load say "not found"; a timer tick or a filter may show nothing.
    if handler_says_not_found:
        assert "not found" in said or getattr(state, "found", True) is False


@pytest.mark.parametrize(("handler", "args"), DETAIL, ids=[h for h, _ in DETAIL])
def test_detail_handlers_on_another_accounts_workspace(browse, tenants, handler, args):
    state = browse(f"/workspaces/{tenants['workspace_id']}", token=tenants["bob"]).state(
        WorkspaceDetailState
    )
    before = database_snapshot(ignore=("sessions",))
    events, refused = _call(state, handler, _args(args, tenants))
    assert database_snapshot(ignore=("sessions",)) == before
    _assert_nothing_leaked(state, events, refused, handler not in SILENT)


@pytest.mark.parametrize(("handler", "args"), PROCESS_LOG, ids=[h for h, _ in PROCESS_LOG])
def test_process_log_handlers_on_another_accounts_workspace(browse, tenants, handler, args):
    path = f"/workspaces/{tenants['workspace_id']}/process-log"
    state = browse(path, token=tenants["bob"]).state(ProcessLogState)
    before = database_snapshot(ignore=("sessions",))
    events, refused = _call(state, handler, _args(args, tenants))
    assert database_snapshot(ignore=("sessions",)) == before
    _assert_nothing_leaked(state, events, refused, handler not in SILENT)


def test_creating_a_workspace_in_another_account_is_refused(browse, tenants):
    state = browse("/workspaces", token=tenants["bob"]).state(WorkspacesState)
    before = database_snapshot(ignore=("sessions",))
    events, refused = _call(
        state, "create", ({"account_id": str(tenants["account_id"]), "name": "Intruder"},)
    )
    assert database_snapshot(ignore=("sessions",)) == before
    assert refused is not None or state.create_errors


def test_the_list_never_shows_another_accounts_workspace(browse, tenants):
    state = browse("/workspaces", token=tenants["bob"]).state(WorkspacesState)
    run(state.load)
    run(state.filter_by_name, "Aurora")
    assert state.rows == []
    assert state.total == 0


def test_a_reader_is_told_who_can_grant_administer(browse, db, person, tenants):
    """Seed 002, troubleshooting: 'Cannot create workspace' names who holds administer."""
    reader, token, _ = person(name="Reggie")
    grant(db, reader.id, account_id=tenants["account_id"], permission="read")
    db.commit()
    state = browse("/workspaces", token=token).state(WorkspacesState)
    run(state.load)
    owner_email = db.exec(select(User.email).where(User.name == "Alice")).one()
    [row] = [row for row in state.cannot_create if row.account == "Account A"]
    assert f"Ask an administrator ({owner_email})" in row.message
    assert all(a.name != "Account A" for a in state.administered_accounts)
