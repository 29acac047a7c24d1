"""The top bar: workspace picker and the app switcher slot."""

from __future__ import annotations

import reflex as rx

from portal.domain.errors import NotFound
from portal.services import workspaces
from portal.state.session import SessionState


class NavState(SessionState):
    workspaces: list[dict[str, str]] = []
    # The picked workspace's UUID; kept in the browser so it survives a reload.
    selected_workspace_id: str = rx.LocalStorage("", name="portal_workspace", sync=True)
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
        """The workspaces this person can read; a stale or foreign selection is dropped."""
        with self._acting() as (session, actor):
            listed = workspaces.list_for_picker(session=session, actor=actor)
        self.workspaces = [
            {"id": w.id, "name": w.name, "account_name": w.account_name, "status": w.status}
            for w in listed
        ]
        if self.selected_workspace_id not in {w.id for w in listed}:
            self.selected_workspace_id = listed[0].id if listed else ""

    @rx.event
    def select_workspace(self, workspace_id: str):
        """Pick a workspace; the server checks read access, whatever the client sends."""
        try:
            with self._acting() as (session, actor):
                picked = workspaces.get(session=session, actor=actor, workspace_id=workspace_id)
        except NotFound:
            return rx.toast.error("Workspace not found.", position="top-center")
        self.selected_workspace_id = picked.id
        return None
