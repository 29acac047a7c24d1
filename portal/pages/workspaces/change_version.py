"""Change version: the dialog on a workspace's installed developer apps that moves an
installation to another published version (administrators only; installations.move decides).

The dialog lists the app's published versions (installations.move_choices). A version that
asks for scopes the installed one does not shows them in plain words and waits for an
explicit consent checkbox (move(consented=True)); one asking for fewer or the same moves at
once. The installation's id stays in a backend-only var; the workspace is the URL's."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from portal.components.dialogs import form_dialog
from portal.components.forms import form_message
from portal.domain.errors import PortalError
from portal.services import installations
from portal.services.installations import MoveChoices
from portal.state.session import SessionState


@dataclass(frozen=True)
class AddedScope:
    name: str = ""
    says: str = ""


@dataclass(frozen=True)
class VersionChoice:
    value: str = ""  # the version's number, as the radio group holds it
    label: str = ""  # "Version 3", "Version 1 (installed)"
    current: bool = False
    added: list[AddedScope] = field(default_factory=list)
    removed: str = ""  # "audit:read, environments:read" or ""


def _choices(found: MoveChoices) -> list[VersionChoice]:
    return [
        VersionChoice(
            value=str(v.number),
            label=f"Version {v.number}" + (" (installed)" if v.current else ""),
            current=v.current,
            added=[AddedScope(a.name, a.says) for a in v.added],
            removed=", ".join(v.removed),
        )
        for v in found.versions
    ]


class ChangeVersionState(SessionState):
    change_open: bool = False
    change_app: str = ""
    change_current: str = ""
    change_options: list[VersionChoice] = []
    change_chosen: str = ""
    change_added: list[AddedScope] = []
    change_removed: str = ""
    change_consent: bool = False
    change_error: str = ""
    _installation_id: int = 0

    def _workspace_id(self) -> str:
        return self.router._page.params.get("workspace_uuid", "")

    @rx.event
    async def open_change(self, installation_id: int):
        """Read the versions the installation may move to (move_choices: INSTALL_APPS on the
        URL's workspace, the installation its own); open the dialog only if that worked."""
        chosen = installation_id if type(installation_id) is int else 0
        try:
            found = await self._call(
                installations.move_choices,
                workspace_id=self._workspace_id(),
                installation_id=chosen,
            )
        except PortalError as exc:
            return self._show_error(exc)
        self._installation_id = chosen
        self.change_app = found.app_name
        self.change_current = str(found.current)
        self.change_options = _choices(found)
        self.change_error = ""
        self._pick(self.change_current)
        self.change_open = True
        return None

    def _pick(self, value: str) -> None:
        option = next((o for o in self.change_options if o.value == value), None)
        self.change_chosen = option.value if option else ""
        self.change_added = list(option.added) if option else []
        self.change_removed = option.removed if option else ""
        self.change_consent = False

    @rx.event
    def set_change_open(self, value: bool):
        self.change_open = bool(value)
        if not self.change_open:
            self._installation_id = 0

    @rx.event
    def choose_version(self, value: str):
        # Only a version the server offered; move() checks it again anyway.
        self._pick(str(value)[:12])
        self.change_error = ""

    @rx.event
    def set_change_consent(self, value: bool):
        self.change_consent = value is True

    @rx.event
    async def move_version(self, form: dict):
        """installations.move to the chosen version; consented only when this dialog showed
        added scopes and the box was ticked."""
        await self._check_session()
        if not self.change_chosen or self.change_chosen == self.change_current:
            self.change_error = "Choose a version other than the installed one."
            return None
        if self.change_added and not self.change_consent:
            self.change_error = "Tick the box to allow what this version adds."
            return None
        try:
            moved = await self._call(
                installations.move,
                workspace_id=self._workspace_id(),
                installation_id=self._installation_id,
                version=int(self.change_chosen),
                consented=bool(self.change_added) and self.change_consent,
            )
        except PortalError as exc:
            return self._show_error(exc, banner="change_error")
        self.change_open = False
        self._installation_id = 0
        # The workspace page's list and activity show the move (imported here: that page
        # imports this dialog).
        from portal.pages.workspaces.detail import INSTALLED, WorkspaceDetailState

        detail = await self.get_state(WorkspaceDetailState)
        await detail._reload()
        await detail._reload_page(INSTALLED)
        return rx.toast.success(
            f"{moved.app_name} moved to version {moved.version}.", position="top-center"
        )


_S = ChangeVersionState


def _option(option) -> rx.Component:
    return rx.el.label(
        rx.radio_group.item(value=option.value),
        rx.text(option.label, size="2"),
        class_name="pt-inline",
    )


def _added() -> rx.Component:
    return rx.cond(
        _S.change_added.length() > 0,
        rx.el.div(
            rx.text("This version asks for more. It will also be able to:", weight="bold"),
            rx.el.ul(
                rx.foreach(
                    _S.change_added,
                    lambda scope: rx.el.li(
                        rx.text(scope.says, size="2"),
                        rx.el.code(scope.name, class_name="pt-slug"),
                        class_name="pt-stack-tight",
                    ),
                ),
                class_name="pt-plain-list",
                id="change-version-added",
            ),
            rx.el.label(
                rx.checkbox(
                    checked=_S.change_consent,
                    on_change=_S.set_change_consent,
                ),
                rx.text(
                    "I allow ",
                    _S.change_app,
                    " to do this in this workspace.",
                    size="2",
                ),
                class_name="pt-inline",
            ),
            class_name="pt-stack-tight",
        ),
        rx.cond(
            (_S.change_chosen != "") & (_S.change_chosen != _S.change_current),
            rx.text(
                "It asks for nothing new: it moves at once.",
                rx.cond(
                    _S.change_removed != "",
                    rx.el.span(" It no longer gets: ", _S.change_removed, "."),
                ),
                size="2",
                color_scheme="gray",
            ),
        ),
    )


def change_version_dialog() -> rx.Component:
    """One dialog for the whole list, opened by each row's Change version button."""
    return form_dialog(
        rx.radio_group.root(
            rx.el.div(rx.foreach(_S.change_options, _option), class_name="pt-stack-tight"),
            value=_S.change_chosen,
            on_change=_S.choose_version,
            aria_label="Version",
        ),
        _added(),
        form_message(_S.change_error),
        title=("Change the version of ", _S.change_app),
        description=(
            "Version ",
            _S.change_current,
            " is installed. The app's tokens get the scopes of the version you choose.",
        ),
        confirm="Change version",
        on_submit=_S.move_version,
        open=_S.change_open,
        on_open_change=_S.set_change_open,
        disabled=(_S.change_chosen == "")
        | (_S.change_chosen == _S.change_current)
        | ((_S.change_added.length() > 0) & ~_S.change_consent),
        spacing="3",
    )


def change_version_button(installation_id) -> rx.Component:
    return rx.button(
        "Change version",
        size="1",
        variant="soft",
        type="button",
        on_click=_S.open_change(installation_id),
    )
