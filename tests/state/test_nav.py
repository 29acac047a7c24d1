"""NavState: the workspace picker holds the current pick eagerly and searches on the server
only when opened; it offers and selects only workspaces the person can read."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from portal.db import transaction
from portal.domain.workspaces import WorkspaceStatus
from portal.models import User
from portal.services import workspaces
from portal.state.nav import NavState, PickerRow
from tests.factories import account_of, grant, make_user, make_workspace
from tests.state.support import redirect_path, run, toasts


@pytest.fixture
def world(db, person, browse):
    """Ada's own workspaces, one shared with her, one deleted, and a stranger's."""
    user, token, _ = person(name="Ada", account_name="Ada Co")
    mine = make_workspace(db, account_of(db, user.id), name="Alpha")
    gone = make_workspace(db, account_of(db, user.id), name="Old", status=WorkspaceStatus.DELETED)
    stranger = make_user(db, account_name="Stranger Co")
    foreign = make_workspace(db, account_of(db, stranger.id), name="Foreign")
    shared = make_workspace(db, account_of(db, stranger.id), name="Shared", status="frozen")
    grant(db, user.id, workspace_id=shared.id, permission="read")
    db.commit()
    client = browse("/", token=token)
    return {
        "client": client,
        "nav": client.state(NavState),
        "user_id": user.id,
        "mine": str(mine.id),
        "gone": str(gone.id),
        "foreign": str(foreign.id),
        "shared": str(shared.id),
        "slugs": {"mine": mine.slug, "shared": shared.slug},
    }


def test_load_pick_loads_only_the_current_pick(world):
    nav = world["nav"]
    run(nav.load_pick)
    assert (nav.selected_workspace_id, nav.selected_workspace_name) == (world["mine"], "Alpha")
    assert nav.selected_account_name == "Ada Co"
    assert nav.picker_rows == []  # searched only when the picker opens


def test_opening_the_picker_offers_only_readable_workspaces_with_account_and_status(world):
    nav = world["nav"]
    run(nav.open_picker, True)
    slugs = world["slugs"]
    assert nav.picker_rows == [
        PickerRow(
            id=world["mine"],
            name="Alpha",
            account_name="Ada Co",
            status="active",
            slug=slugs["mine"],
        ),
        PickerRow(
            id=world["shared"],
            name="Shared",
            account_name="Stranger Co",
            status="frozen",
            slug=slugs["shared"],
        ),
    ]
    assert nav.picker_searched is True
    assert nav.picker_more is False


def test_closing_the_picker_reads_nothing(world):
    nav = world["nav"]
    run(nav.open_picker, False)
    assert nav.picker_rows == []


def test_typing_searches_on_the_server(world):
    nav = world["nav"]
    run(nav.open_picker, True)
    run(nav.search_picker, "stranger")  # an account name finds its workspaces
    assert [row.name for row in nav.picker_rows] == ["Shared"]
    assert nav.picker_query == "stranger"
    run(nav.search_picker, "foreign")  # a workspace one cannot read is never found
    assert nav.picker_rows == []
    run(nav.search_picker, "x" * 500)  # a long term is cut, not refused
    assert len(nav.picker_query) == 120


def test_the_picker_list_is_bounded_whatever_the_number_of_workspaces(db, person, browse):
    user, token, _ = person(account_name="Big Co")
    for n in range(60):
        make_workspace(db, account_of(db, user.id), name=f"Shop {n:02d}")
    db.commit()
    nav = browse("/", token=token).state(NavState)
    run(nav.open_picker, True)
    assert len(nav.picker_rows) == workspaces.PICKER_LIMIT
    assert nav.picker_more is True
    run(nav.search_picker, "shop 5")
    assert [row.name for row in nav.picker_rows] == [f"Shop 5{n}" for n in range(10)]
    assert nav.picker_more is False


def test_load_pick_ignores_a_selection_the_person_can_no_longer_read(world, db):
    """The pick is kept on the server; a workspace read access was lost to is not offered."""
    nav = world["nav"]
    user = db.exec(select(User).where(User.name == "Ada")).one()
    user.last_workspace_id = uuid.UUID(world["foreign"])
    db.add(user)
    db.commit()
    run(nav.load_pick)
    assert nav.selected_workspace_id == world["mine"]


def test_the_pick_is_kept_on_the_server_for_the_next_browser(world, browse):
    nav = world["nav"]
    run(nav.select_workspace, world["shared"])
    other = browse("/", token=world["client"].token).state(NavState)
    run(other.load_pick)
    assert other.selected_workspace_id == world["shared"]
    assert other.selected_workspace_name == "Shared"
    # And it is offered first among the recent picks.
    run(other.open_picker, True)
    assert (other.picker_rows[0].name, other.picker_rows[0].recent) == ("Shared", True)


@pytest.mark.parametrize("target", ["foreign", "unknown", "garbage", "gone"])
def test_selecting_a_workspace_one_cannot_read_is_refused(world, target):
    nav = world["nav"]
    run(nav.load_pick)
    before = nav.selected_workspace_id
    workspace_id = {
        "foreign": world["foreign"],
        "unknown": str(uuid.uuid4()),
        "garbage": "'; drop table workspaces; --",
        "gone": world["gone"],
    }[target]

    events = run(nav.select_workspace, workspace_id)

    assert toasts(events) == [("error", "Workspace not found.")]
    assert nav.selected_workspace_id == before


@pytest.mark.parametrize("target", ["mine", "shared"])
def test_selecting_a_readable_workspace(world, target):
    nav = world["nav"]
    events = run(nav.select_workspace, world[target])
    assert toasts(events) == []
    # On the dashboard (a page of the picked workspace's data) the page loads again for it.
    assert redirect_path(events) == "/"
    assert nav.selected_workspace_id == world[target]


def test_a_pick_elsewhere_stays_on_the_page(world, browse, person):
    _, token, _ = person(name="Bea")
    client = browse("/settings", token=token)
    nav = client.state(NavState)
    with transaction() as session:
        user = session.exec(select(User).where(User.name == "Bea")).one()
        workspace = make_workspace(session, account_of(session, user.id), name="Bea's")
        workspace_id = str(workspace.id)
    events = run(nav.select_workspace, workspace_id)
    assert redirect_path(events) is None
    assert nav.selected_workspace_id == workspace_id


def test_on_an_app_page_another_workspace_opens_its_portfolio(world, browse, person):
    _, token, _ = person(name="Cy")
    with transaction() as session:
        user = session.exec(select(User).where(User.name == "Cy")).one()
        workspace_id = str(make_workspace(session, account_of(session, user.id), name="Cy's").id)
    client = browse(f"/workspaces/{workspace_id}/apps/some-app/email", token=token)
    events = run(client.state(NavState).select_workspace, workspace_id)
    assert redirect_path(events) == "/apps"


def test_on_a_workspace_page_the_page_follows_the_pick(world):
    client = world["client"]
    client.visit(f"/workspaces/{world['mine']}/process-log")
    events = run(client.state(NavState).select_workspace, world["shared"])
    assert redirect_path(events) == f"/workspaces/{world['shared']}/process-log"


def test_pinning_from_the_picker_keeps_a_workspace_on_top(world, browse):
    nav = world["nav"]
    run(nav.open_picker, True)
    assert [row.name for row in nav.picker_rows] == ["Alpha", "Shared"]

    run(nav.toggle_pin, world["shared"])
    assert [(row.name, row.pinned) for row in nav.picker_rows] == [
        ("Shared", True),
        ("Alpha", False),
    ]
    # Kept on the server: another browser of the same person sees it pinned.
    other = browse("/", token=world["client"].token).state(NavState)
    run(other.open_picker, True)
    assert other.picker_rows[0].pinned is True

    run(nav.toggle_pin, world["shared"])
    assert [(row.name, row.pinned) for row in nav.picker_rows] == [
        ("Alpha", False),
        ("Shared", False),
    ]


def test_pinning_keeps_the_typed_term(world):
    nav = world["nav"]
    run(nav.open_picker, True)
    run(nav.search_picker, "sha")
    run(nav.toggle_pin, world["shared"])
    assert [(row.name, row.pinned) for row in nav.picker_rows] == [("Shared", True)]


@pytest.mark.parametrize("target", ["foreign", "unknown"])
def test_pinning_a_workspace_one_cannot_read_is_refused(world, target):
    nav = world["nav"]
    run(nav.open_picker, True)
    before = list(nav.picker_rows)
    workspace_id = world["foreign"] if target == "foreign" else str(uuid.uuid4())
    events = run(nav.toggle_pin, workspace_id)
    assert toasts(events) == [("error", "Workspace not found.")]
    assert nav.picker_rows == before


def test_a_search_with_a_control_character_says_why_and_keeps_the_list(world):
    nav = world["nav"]
    run(nav.open_picker, True)
    before = list(nav.picker_rows)
    events = run(nav.search_picker, "alpha\x1b")
    assert [kind for kind, _ in toasts(events)] == ["error"]
    assert "control characters" in toasts(events)[0][1]
    assert nav.picker_rows == before
