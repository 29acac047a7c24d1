"""NavState: the workspace picker lists and selects only workspaces the person can read."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from portal.domain.workspaces import WorkspaceStatus
from portal.models import User
from portal.state.nav import NavState
from tests.factories import account_of, grant, make_user, make_workspace
from tests.state.support import run, toasts


@pytest.fixture
def world(db, person, browse):
    """Ada's own workspaces, one shared with her, one deleted, and a stranger's."""
    user, token, _ = person(name="Ada", account_name="Ada Co")
    mine = make_workspace(db, account_of(db, user.id), name="Alpha")
    gone = make_workspace(db, account_of(db, user.id), name="Old", status=WorkspaceStatus.DELETED)
    stranger = make_user(db, account_name="Stranger Co")
    foreign = make_workspace(db, account_of(db, stranger.id), name="Foreign")
    shared = make_workspace(db, account_of(db, stranger.id), name="Shared")
    grant(db, user.id, workspace_id=shared.id, permission="read")
    db.commit()
    client = browse("/", token=token)
    return {
        "client": client,
        "nav": client.state(NavState),
        "mine": str(mine.id),
        "gone": str(gone.id),
        "foreign": str(foreign.id),
        "shared": str(shared.id),
    }


def test_load_workspaces_lists_only_readable_ones(world):
    nav = world["nav"]
    run(nav.load_workspaces)
    listed = {w["id"]: w["name"] for w in nav.workspaces}
    assert listed == {world["mine"]: "Alpha", world["shared"]: "Shared"}
    assert world["foreign"] not in listed
    assert world["gone"] not in listed


def test_load_workspaces_ignores_a_selection_the_person_can_no_longer_read(world, db):
    """The pick is kept on the server; a workspace read access was lost to is not offered."""
    nav = world["nav"]
    user = db.exec(select(User).where(User.name == "Ada")).one()
    user.last_workspace_id = uuid.UUID(world["foreign"])
    db.add(user)
    db.commit()
    run(nav.load_workspaces)
    assert nav.selected_workspace_id == nav.workspaces[0]["id"]
    assert nav.selected_workspace_id != world["foreign"]


def test_the_pick_is_kept_on_the_server_for_the_next_browser(world, browse):
    nav = world["nav"]
    run(nav.select_workspace, world["shared"])
    other = browse("/", token=world["client"].token).state(NavState)
    run(other.load_workspaces)
    assert other.selected_workspace_id == world["shared"]
    assert other.selected_workspace_name == "Shared"


@pytest.mark.parametrize("target", ["foreign", "unknown", "garbage"])
def test_selecting_a_workspace_one_cannot_read_is_refused(world, target):
    nav = world["nav"]
    run(nav.load_workspaces)
    before = nav.selected_workspace_id
    workspace_id = {
        "foreign": world["foreign"],
        "unknown": str(uuid.uuid4()),
        "garbage": "'; drop table workspaces; --",
    }[target]

    events = run(nav.select_workspace, workspace_id)

    assert toasts(events) == [("error", "Workspace not found.")]
    assert nav.selected_workspace_id == before


@pytest.mark.parametrize("target", ["mine", "shared"])
def test_selecting_a_readable_workspace(world, target):
    nav = world["nav"]
    events = run(nav.select_workspace, world[target])
    assert toasts(events) == []
    assert nav.selected_workspace_id == world[target]
