"""The top bar: workspace picker and the app switcher slot."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.domain.errors import NotFound
from portal.services import workspaces
from portal.state.session import SessionState

_WORKSPACE_PAGES = ("/workspaces/[workspace_uuid]", "/workspaces/[workspace_uuid]/process-log")


class NavState(SessionState):
    workspaces: list[dict[str, str]] = []
    # The picked workspace's UUID. Kept on the server (the user's last pick), so it follows
    # the person across pages, browsers and sign-ins.
    selected_workspace_id: str = ""
    # Filled by the apps pages when an app is open; empty shows "No app open".
    current_app_name: str = ""

    @rx.var
    def selected_workspace_name(self) -> str:
        for workspace in self.workspaces:
            if workspace["id"] == self.selected_workspace_id:
                return workspace["name"]
        return ""

    @rx.event
    def load_workspaces(self):
        """The workspaces this person can read, and their last pick if still readable."""
        with self._acting() as (session, actor):
            listed = workspaces.list_for_picker(session=session, actor=actor)
            picked = workspaces.last_workspace(session=session, actor=actor)
        self.workspaces = [
            {"id": w.id, "name": w.name, "account_name": w.account_name, "status": w.status}
            for w in listed
        ]
        ids = {w.id for w in listed}
        self.selected_workspace_id = picked if picked in ids else (listed[0].id if listed else "")

    @rx.event
    def select_workspace(self, workspace_id: str):
        """Pick a workspace; the server checks read access, whatever the client sends.

        On a workspace page the page follows the pick: /workspaces/{uuid}/... keeps its tail.
        """
        try:
            with self._acting() as (session, actor):
                workspaces.remember_workspace(
                    session=session, actor=actor, workspace_id=workspace_id
                )
                picked = workspaces.get(session=session, actor=actor, workspace_id=workspace_id).id
        except NotFound:
            return rx.toast.error("Workspace not found.", position="top-center")
        self.selected_workspace_id = picked
        route = routes.page_key(self.router.route_id)
        if route in _WORKSPACE_PAGES:
            tail = route.removeprefix("/workspaces/[workspace_uuid]")
            return rx.redirect(routes.workspace_url(picked) + tail)
        return None
