"""One pager for every cursor-paged list in a page state (services return
portal.domain.paging.Page with `next_cursor`).

A page state mixes in `Pager`, names its lists in `PAGED`, and implements one method,
`_load_page(name, cursor)`: fetch that page through a service, store its rows, return the
page's `next_cursor`. The mixin keeps, per list, the stack of cursors shown so far (backend
only), the page number and whether a next page exists, and provides the `next_page(name)` /
`previous_page(name)` handlers. Several lists on one page each get a name:

    class AccountDetailState(Pager, SessionState):
        PAGED: ClassVar[tuple[str, ...]] = ("members", "activity")  # ClassVar: not a state var
        members: list[MemberRow] = []
        activity: list[ActivityRow] = []
        activity_action: str = ""

        async def _load_page(self, name: str, cursor: str | None) -> str | None:
            if name == "members":
                page = await self._call(accounts.list_members, account_id=..., cursor=cursor)
                self.members = [MemberRow.of(m) for m in page.items]
            else:
                page = await self._call(
                    workspaces.list_account_activity, account_id=..., cursor=cursor,
                    action_filter=self.activity_action or None,
                )
                self.activity = [ActivityRow.of(e) for e in page.items]
            return page.next_cursor

        @rx.event
        async def load(self):
            await self._first_page("members")
            await self._first_page("activity")

        @rx.event
        async def filter_activity(self, value: str):
            # The filter is kept only if the first page with it loads (else restored).
            await self._first_page("activity", activity_action=value[:64])

and in the page, the data table's footer (portal/components/data_table.py):

    pager(**AccountDetailState.pager_props("activity"))

Handlers check the session through `_load_page`'s service call before changing any var, so a
browser without a live session changes nothing. The client only ever sends a list's name; the
cursors stay on the server.
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx


class Pager(rx.State, mixin=True):
    """Cursor paging for the lists named in PAGED (see the module docstring)."""

    # The lists this state pages; handlers ignore any other name a client sends. Annotate it
    # ClassVar in the page state too: Reflex makes any other class attribute a state var.
    PAGED: ClassVar[tuple[str, ...]] = ()

    # Per list: the page shown (1 = first) and whether there is a next one.
    pager_page: dict[str, int] = {}
    pager_has_next: dict[str, bool] = {}
    # Per list: the cursor of each page shown so far ("" = the first page), and the next one.
    _pager_cursors: dict[str, list[str]] = {}
    _pager_next: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Checked before Reflex registers the class: a refused class joins no state tree.
        if "PAGED" in cls.__dict__.get("__own_fields__", {}):
            raise TypeError(
                f"{cls.__name__}.PAGED would become a state var: annotate it "
                "`PAGED: ClassVar[tuple[str, ...]] = (...)`"
            )
        super().__init_subclass__(**kwargs)

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        """Fetch page `cursor` (None = first) of list `name`, store its rows, return the page's
        next_cursor. Implemented by the page state."""
        raise NotImplementedError(f"{type(self).__name__} must implement _load_page")

    async def _show_page(self, name: str, cursors: list[str]) -> None:
        """Load the last page of `cursors`; record the stack only once it loaded."""
        next_cursor = await self._load_page(name, cursors[-1] or None)
        self._pager_cursors = {**self._pager_cursors, name: cursors}
        self._pager_next = {**self._pager_next, name: next_cursor or ""}
        self.pager_page = {**self.pager_page, name: len(cursors)}
        self.pager_has_next = {**self.pager_has_next, name: bool(next_cursor)}

    async def _first_page(self, name: str, **changes: Any) -> None:
        """Show the first page of `name`, after setting `changes` (filters, sort) on the state.

        If the page cannot load (no session, a refused filter), the changes are undone and the
        error propagates: the state shows what it showed before.
        """
        before = {var: getattr(self, var) for var in changes}
        for var, value in changes.items():
            setattr(self, var, value)
        try:
            await self._show_page(name, [""])
        except BaseException:
            for var, value in before.items():
                setattr(self, var, value)
            raise

    async def _reload_page(self, name: str) -> None:
        """Load the page of `name` shown now again (after an action changed its rows)."""
        await self._show_page(name, self._pager_cursors.get(name) or [""])

    @rx.event
    async def next_page(self, name: str):
        cursors = self._pager_cursors.get(name) or [""]
        if name not in self.PAGED or not self._pager_next.get(name):
            await self._check_session()  # nothing to load, but refuse a signed-out browser
            return
        await self._show_page(name, [*cursors, self._pager_next[name]])

    @rx.event
    async def previous_page(self, name: str):
        cursors = self._pager_cursors.get(name) or [""]
        if name not in self.PAGED or len(cursors) < 2:
            await self._check_session()
            return
        await self._show_page(name, cursors[:-1])

    @classmethod
    def pager_props(cls, name: str) -> dict[str, Any]:
        """The Vars and events portal.components.data_table.pager takes, for list `name`."""
        if name not in cls.PAGED:
            raise ValueError(f"{cls.__name__}.PAGED does not name {name!r}")
        return {
            "page": cls.pager_page[name].to(int),
            "has_next": cls.pager_has_next[name].to(bool),
            "on_previous": cls.previous_page(name),
            "on_next": cls.next_page(name),
        }
