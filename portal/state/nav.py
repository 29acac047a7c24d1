"""The top bar: the workspace picker and the app switcher slot.

The picker holds only the current pick eagerly (its id, name and account: loaded by the guard
with every signed-in page, in the same event). The list is searched on the server when the
picker opens and as the person types: at most workspaces.PICKER_LIMIT rows, pinned and recent
first, whatever the number of workspaces the person can read.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.domain.dto import PickerResults, WorkspaceChoice
from portal.domain.errors import Invalid, NotFound
from portal.services import workspaces
from portal.state.session import SessionState

_WORKSPACE_PAGES = (
    "/workspaces/[workspace_uuid]",
    "/workspaces/[workspace_uuid]/process-log",
    routes.WORKSPACE_SECRETS,
    routes.WORKSPACE_FILES,
    routes.WORKSPACE_VAULT,
)
# Pages that show the picked workspace's data: they load again when the pick changes.
_PICK_PAGES = (routes.DASHBOARD, routes.APPS)
QUERY_MAX = 120


def _pick(*, session, actor, workspace_id: str) -> WorkspaceChoice | None:
    """Remember the pick and read it back, in one transaction."""
    workspaces.remember_workspace(session=session, actor=actor, workspace_id=workspace_id)
    return workspaces.current_choice(session=session, actor=actor)


def _pin_and_search(*, session, actor, workspace_id: str, pin: bool, query: str):
    """Pin or unpin, then search again with the same term, in one transaction."""
    service = workspaces.pin_workspace if pin else workspaces.unpin_workspace
    service(session=session, actor=actor, workspace_id=workspace_id)
    return workspaces.search_for_picker(session=session, actor=actor, query=query)


@dataclass(frozen=True)
class PickerRow:
    """One workspace the picker offers. A typed row: components read `row.name`, `row.pinned`.

    Build rows from service DTOs with `of`, never from dicts: a flag is a bool, not "yes"/"".
    """

    id: str
    name: str
    account_name: str
    status: str
    slug: str = ""
    pinned: bool = False
    recent: bool = False

    @classmethod
    def of(cls, choice: WorkspaceChoice) -> PickerRow:
        return cls(
            id=choice.id,
            name=choice.name,
            account_name=choice.account_name,
            status=choice.status,
            slug=choice.slug,
            pinned=choice.pinned,
            recent=choice.recent,
        )


@dataclass(frozen=True)
class AppSwitchRow:
    """An app the top bar's switcher offers: the same page of that app."""

    name: str
    slug: str
    href: str
    current: bool = False


@dataclass(frozen=True)
class AppPageLink:
    """One page of the open app, for the sidebar's app section."""

    label: str
    href: str
    current: bool = False


class NavState(SessionState):
    # The picked workspace, kept on the server (the user's last pick), so it follows the
    # person across pages, browsers and sign-ins. Empty id: the person can read no workspace.
    selected_workspace_id: str = ""
    selected_workspace_name: str = ""
    selected_account_name: str = ""
    # The open picker: what was typed and what the server found for it.
    picker_query: str = ""
    picker_rows: list[PickerRow] = []
    picker_more: bool = False  # more workspaces match than are shown: type to narrow
    picker_searched: bool = False  # False until the first results arrive (a spinner)
    # Filled by the app pages (portal/state/open_app.py) when an app is open; empty shows
    # "No app open". Cleared by load_pick on every other page.
    current_app_name: str = ""
    current_app_page: str = ""  # the open app page (an AppPage value)
    app_switch_rows: list[AppSwitchRow] = []
    app_page_links: list[AppPageLink] = []

    def _show_pick(self, choice: WorkspaceChoice | None) -> None:
        self.selected_workspace_id = choice.id if choice else ""
        self.selected_workspace_name = choice.name if choice else ""
        self.selected_account_name = choice.account_name if choice else ""

    def _show_results(self, query: str, found: PickerResults) -> None:
        self.picker_query = query
        self.picker_rows = [PickerRow.of(choice) for choice in found.items]
        self.picker_more = found.more
        self.picker_searched = True

    async def _search(self, query: str) -> None:
        self._show_results(query, await self._call(workspaces.search_for_picker, query=query))

    @rx.event
    async def load_pick(self):
        """The current pick only (a guard loader on every signed-in page): one small read."""
        choice = await self._call(workspaces.current_choice)
        self._show_pick(choice)
        if routes.page_key(self.router.route_id) not in routes.APP_PAGES:
            self.current_app_name = ""
            self.current_app_page = ""
            self.app_switch_rows = []
            self.app_page_links = []
        # A list searched on another page is stale here; the picker searches when opened.
        self.picker_query = ""
        self.picker_rows = []
        self.picker_searched = False

    @rx.event
    async def open_picker(self, value: bool):
        """The picker opened (value True): search with an empty term, pinned and recent first.
        Closing needs nothing from the server."""
        if value:
            await self._search("")

    @rx.event
    async def search_picker(self, query: str):
        try:
            await self._search(str(query)[:QUERY_MAX])
        except Invalid as exc:  # a control character typed or pasted: say so, keep the list
            return self._show_error(exc)
        return None

    @rx.event
    async def select_workspace(self, workspace_id: str):
        """Pick a workspace; the server checks read access, whatever the client sends.

        On a workspace page the page follows the pick: /workspaces/{uuid}/... keeps its tail.
        """
        try:
            choice = await self._call(_pick, workspace_id=str(workspace_id))
        except NotFound:
            return rx.toast.error("Workspace not found.", position="top-center")
        self._show_pick(choice)
        route = routes.page_key(self.router.route_id)
        if choice is None:
            return None
        if route in _WORKSPACE_PAGES:
            tail = route.removeprefix("/workspaces/[workspace_uuid]")
            return rx.redirect(routes.workspace_url(choice.id) + tail)
        if route in routes.APP_PAGES:
            # An app belongs to one workspace: another workspace opens on its portfolio.
            return rx.redirect(routes.APPS)
        if route in _PICK_PAGES:
            return rx.redirect(self._current_path())  # the page loads for the new pick
        return None

    @rx.event
    async def toggle_pin(self, workspace_id: str):
        """Pin or unpin a workspace offered in the picker (read access checked by the service)."""
        row = next((r for r in self.picker_rows if r.id == workspace_id), None)
        try:
            found = await self._call(
                _pin_and_search,
                workspace_id=str(workspace_id),
                pin=not (row and row.pinned),
                query=self.picker_query,
            )
        except NotFound:
            return rx.toast.error("Workspace not found.", position="top-center")
        self._show_results(self.picker_query, found)
        return None
