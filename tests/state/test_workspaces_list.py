"""The /workspaces page state: typed rows, paged, sorted and filtered on the server, and
Create workspace with each refusal shown where the person can fix it."""

from __future__ import annotations

import pytest

from portal.pages.workspaces.list_page import WorkspaceListRow, WorkspacesState
from portal.state.nav import NavState
from tests.factories import account_of, grant, make_user, make_workspace
from tests.state.support import names, redirect_path, run


@pytest.fixture
def listing(db, person, browse):
    user, token, _ = person(name="Lena", account_name="Lena Co")
    account_id = account_of(db, user.id)
    for n in range(30):
        make_workspace(db, account_id, name=f"Shop {n:02d}", status="frozen" if n < 3 else "active")
    db.commit()
    client = browse("/workspaces", token=token)
    return client, account_id


def test_the_guard_loads_the_list_and_the_pick_in_one_event(listing):
    client, _ = listing
    events = run(client.session.guard)
    assert names(events) == []  # nothing chained after the guard
    state = client.state(WorkspacesState)
    assert len(state.rows) == 25
    assert state.total == 30
    assert (state.pager_page["workspaces"], state.pager_has_next["workspaces"]) == (1, True)
    assert [a.name for a in state.administered_accounts] == ["Lena Co"]
    assert client.state(NavState).selected_workspace_name.startswith("Shop")


def test_rows_are_typed_with_a_utc_date_for_the_local_time_component(listing):
    client, account_id = listing
    state = client.state(WorkspacesState)
    run(state.load)
    row = state.rows[0]
    assert isinstance(row, WorkspaceListRow)
    assert row.account == "Lena Co"
    assert row.href == f"/workspaces/{row.id}"
    assert row.created_at.endswith("Z") and row.created_at[10] == "T"


def test_next_and_previous_pages(listing):
    client, _ = listing
    state = client.state(WorkspacesState)
    run(state.load)
    first = [row.name for row in state.rows]
    run(state.next_page, "workspaces")
    assert len(state.rows) == 5
    assert not {row.name for row in state.rows} & set(first)
    assert (state.pager_page["workspaces"], state.pager_has_next["workspaces"]) == (2, False)
    assert state.total == 30
    run(state.previous_page, "workspaces")
    assert [row.name for row in state.rows] == first


def test_sorting_by_a_header_and_again_reverses(listing):
    client, _ = listing
    state = client.state(WorkspacesState)
    run(state.load)
    run(state.sort_by, "name")
    assert (state.sort, state.direction) == ("name", "asc")
    assert state.rows[0].name == "Shop 00"
    run(state.sort_by, "name")
    assert state.direction == "desc"
    assert state.rows[0].name == "Shop 29"
    run(state.sort_by, "no_such_column")
    assert (state.sort, state.direction) == ("name", "desc")


def test_a_sort_or_filter_starts_from_the_first_page(listing):
    client, _ = listing
    state = client.state(WorkspacesState)
    run(state.load)
    run(state.next_page, "workspaces")
    run(state.sort_by, "status")
    assert state.pager_page["workspaces"] == 1


def test_filters_by_name_and_status(listing):
    client, _ = listing
    state = client.state(WorkspacesState)
    run(state.load)
    run(state.filter_by_name, "shop 1")
    assert sorted(row.name for row in state.rows) == [f"Shop 1{n}" for n in range(10)]
    assert state.total == 10
    run(state.filter_by_name, "")
    run(state.filter_by_status, "frozen")
    assert {row.status for row in state.rows} == {"frozen"}
    assert state.total == 3
    run(state.filter_by_status, "not-a-status")
    assert state.status_filter == "all"
    assert state.total == 30


def test_create_redirects_to_the_new_workspace(listing):
    client, account_id = listing
    state = client.state(WorkspacesState)
    run(state.load)
    events = run(state.create, {"name": "Fresh", "account_id": str(account_id)})
    assert redirect_path(events).startswith("/workspaces/")
    assert state.create_errors == {}


@pytest.mark.parametrize(
    ("form", "field", "says"),
    [
        ({"name": "   "}, "name", "Enter a name"),
        ({"name": "Ok", "tenancy_model": "solo"}, "tenancy_model", "shared or dedicated"),
        ({"name": "Ok", "region": "moon-1"}, "region", "Choose a region"),
        ({"name": "Ok", "account_id": "999999"}, "account_id", "not found"),
        ({"name": "Ok", "account_id": "x"}, "account_id", "not found"),
    ],
)
def test_create_shows_each_refusal_beside_its_field(listing, form, field, says):
    client, account_id = listing
    state = client.state(WorkspacesState)
    run(state.load)
    state.create_open = True
    events = run(state.create, {"account_id": str(account_id), **form})
    assert redirect_path(events) is None
    assert list(state.create_errors) == [field]
    assert says.lower() in state.create_errors[field].lower()
    assert state.create_open is True  # the dialog stays open with what was typed


def test_a_reader_cannot_create_and_the_refusal_names_the_account(db, listing, person, browse):
    _, account_id = listing
    reader, token, _ = person(name="Rita")
    grant(db, reader.id, account_id=account_id, permission="read")
    db.commit()
    state = browse("/workspaces", token=token).state(WorkspacesState)
    run(state.load)
    assert "Lena Co" not in [a.name for a in state.administered_accounts]
    # Who to ask for administer, by name.
    [row] = [row for row in state.cannot_create if row.account == "Lena Co"]
    assert "You can't create workspaces in Lena Co" in row.message
    assert "Ask an administrator (" in row.message
    events = run(state.create, {"name": "Sneaky", "account_id": str(account_id)})
    assert redirect_path(events) is None
    assert "administer" in state.create_errors["account_id"]


def test_a_person_in_no_account_sees_no_list_and_cannot_create(db, person, browse):
    stranger = make_user(db, account_name="Elsewhere")
    make_workspace(db, account_of(db, stranger.id), name="Not Yours")
    _, token, _ = person(name="Nobody")
    db.commit()
    state = browse("/workspaces", token=token).state(WorkspacesState)
    run(state.load)
    assert (state.rows, state.total) == ([], 0)
    assert state.pager_has_next["workspaces"] is False
