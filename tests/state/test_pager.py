"""The Pager mixin (portal/state/pager.py): a cursor stack per named list, Next and Previous,
two lists on one page moving independently, filters kept only when their page loads."""

from __future__ import annotations

from typing import ClassVar

import pytest
import reflex as rx

from portal.domain.errors import Invalid, Unauthenticated
from portal.services import workspaces
from portal.state.pager import Pager
from portal.state.session import SessionState
from tests.factories import account_of, make_workspace
from tests.state.support import drop_cookie, run, run_coroutine


class TwoListsState(Pager, SessionState):
    """Two paged lists of one page: the workspaces by name, A to Z and Z to A, 2 a page."""

    PAGED: ClassVar[tuple[str, ...]] = ("az", "za")
    az: list[str] = []
    za: list[str] = []
    status: str = ""
    loads: int = 0

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        page = await self._call(
            workspaces.list_workspaces,
            sort="name",
            direction="asc" if name == "az" else "desc",
            status=self.status or None,
            limit=2,
            cursor=cursor,
        )
        setattr(self, name, [row.name for row in page.items])
        self.loads += 1
        return page.next_cursor

    @rx.event
    async def load(self):
        await self._first_page("az")
        await self._first_page("za")

    @rx.event
    async def filter_status(self, value: str):
        await self._first_page("az", status=value)


@pytest.fixture
def state(db, person, browse):
    user, token, _ = person(account_name="Pager Co")
    for name in ("Ant", "Bee", "Cat", "Dog", "Eel"):
        make_workspace(db, account_of(db, user.id), name=name)
    db.commit()
    state = browse("/", token=token).state(TwoListsState)
    run(state.load)
    return state


def view(state, name):
    return getattr(state, name), state.pager_page[name], state.pager_has_next[name]


def test_first_pages(state):
    assert view(state, "az") == (["Ant", "Bee"], 1, True)
    assert view(state, "za") == (["Eel", "Dog"], 1, True)


def test_next_and_previous_walk_one_list_and_leave_the_other(state):
    run(state.next_page, "az")
    assert view(state, "az") == (["Cat", "Dog"], 2, True)
    run(state.next_page, "az")
    assert view(state, "az") == (["Eel"], 3, False)
    assert view(state, "za") == (["Eel", "Dog"], 1, True)  # untouched

    run(state.next_page, "za")
    assert view(state, "za") == (["Cat", "Bee"], 2, True)
    run(state.previous_page, "az")
    assert view(state, "az") == (["Cat", "Dog"], 2, True)
    run(state.previous_page, "az")
    assert view(state, "az") == (["Ant", "Bee"], 1, True)
    assert view(state, "za") == (["Cat", "Bee"], 2, True)


def test_next_on_the_last_page_and_previous_on_the_first_do_nothing(state):
    run(state.previous_page, "az")
    assert view(state, "az") == (["Ant", "Bee"], 1, True)
    for _ in range(3):
        run(state.next_page, "az")
    loads = state.loads
    run(state.next_page, "az")
    assert view(state, "az") == (["Eel"], 3, False)
    assert state.loads == loads  # nothing fetched


def test_a_list_the_state_does_not_page_is_ignored(state):
    loads = state.loads
    run(state.next_page, "rows")
    run(state.previous_page, "__class__")
    assert state.loads == loads
    assert "rows" not in state.pager_page


def test_reload_keeps_the_page_shown(state, db, person):
    run(state.next_page, "az")
    state.az = []
    run_coroutine(state._reload_page("az"))
    assert view(state, "az") == (["Cat", "Dog"], 2, True)


def test_a_filter_starts_again_from_the_first_page(state):
    run(state.next_page, "az")
    run(state.filter_status, "active")
    assert view(state, "az") == (["Ant", "Bee"], 1, True)
    assert state.status == "active"


def test_a_refused_filter_is_undone_and_the_page_stays(state):
    run(state.next_page, "az")
    with pytest.raises(Invalid):
        run(state.filter_status, "bogus")
    assert state.status == ""
    assert view(state, "az") == (["Cat", "Dog"], 2, True)


@pytest.mark.parametrize("handler", ["next_page", "previous_page"])
@pytest.mark.parametrize("name", ["az", "unknown"])
def test_without_a_session_nothing_moves(state, handler, name):
    run(state.next_page, "az")  # so that Previous has somewhere to go
    before = view(state, "az"), view(state, "za"), state.loads
    drop_cookie(state)
    with pytest.raises(Unauthenticated):
        run(getattr(state, handler), name)
    assert (view(state, "az"), view(state, "za"), state.loads) == before


def test_paged_must_not_become_a_state_var():
    with pytest.raises(TypeError, match="ClassVar"):

        class Careless(Pager, SessionState):  # noqa: F841 - the class statement is the test
            PAGED = ("rows",)
