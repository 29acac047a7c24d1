"""The icon section of a developer app's General tab: the icon (or the app's initials), Upload
icon for developers and owners (one PNG, JPEG or WebP of at most 256 KiB; its kind is read
from its bytes on the server, whatever its name says) and Remove icon, after a question.

The section's state derives from the open app's: the app's id is the one the tab's load found
from the URL (backend-only), and the icon shows in the frame's header too. The page runs
`DeveloperIconState.load` with its own, which clears the section's message. Every refusal
(the size, the kind, the role) comes from services/developer_icons.py and shows under the
upload box."""

from __future__ import annotations

import reflex as rx

from portal.components.app_icon import app_icon
from portal.components.dialogs import confirm_dialog
from portal.components.forms import form_message
from portal.domain.errors import PortalError
from portal.pages.developer.frame import section
from portal.services import developer_icons
from portal.services.developer_icons import ICON_MAX_BYTES
from portal.state.open_developer_app import OpenDeveloperAppState

UPLOAD_ID = "developer-app-icon"
ACCEPT = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]}


class DeveloperIconState(OpenDeveloperAppState):
    icon_error: str = ""

    @rx.event
    async def load(self):
        """On the General tab's load: the section starts clean, so a refusal shown for an
        earlier app in this tab does not stay under another app's upload box."""
        await self._check_session()  # touches no data, but refuses a signed-out browser
        self.icon_error = ""

    @rx.event
    async def upload_icon(self, files: list[rx.UploadFile]):
        """Store the one uploaded file as the app's icon (developer_icons.set_icon: EDIT_APP
        on the backend-only app id; the kind and the size are checked there)."""
        await self._check_session()  # before anything is read from the upload
        if len(files) != 1:
            self.icon_error = "Choose one image file: a PNG, JPEG or WebP."
            return None
        # One byte more than allowed is enough to refuse it: the rest is never read.
        data = await files[0].read(ICON_MAX_BYTES + 1)
        try:
            icon = await self._call(developer_icons.set_icon, app_id=self._dev_app_id, data=data)
        except PortalError as exc:
            return self._show_error(exc, banner="icon_error")
        self.icon_error = ""
        self._show_dev_app_icon(icon)
        return rx.toast.success("Icon saved.", position="top-center")

    @rx.event
    async def remove_icon(self):
        try:
            await self._call(developer_icons.remove_icon, app_id=self._dev_app_id)
        except PortalError as exc:
            return self._show_error(exc, banner="icon_error")
        self.icon_error = ""
        self._show_dev_app_icon(None)
        return rx.toast.success("Icon removed: the app's initials show instead.")

    @rx.event
    def refuse_files(self, rejected: list):
        """The browser's own check (type or size) refused what was dropped: say why. The
        server checks again whatever reaches it."""
        self.icon_error = (
            f"Choose one PNG, JPEG or WebP image of at most {ICON_MAX_BYTES // 1024} KiB."
            if rejected
            else ""
        )


_S = DeveloperIconState


def _name_file_input(component: rx.Component, label: str) -> rx.Component:
    """Give the dropzone's hidden file input a name for screen readers (rx.upload makes it
    with only its type, and `{...getInputProps()}`, which adds none)."""
    for child in component.children:
        if getattr(child, "tag", None) == "input":
            child.custom_attrs = {**child.custom_attrs, "aria-label": label}
        else:
            _name_file_input(child, label)
    return component


def _upload() -> rx.Component:
    return _name_file_input(_dropzone(), "Icon file (PNG, JPEG or WebP)")


def _dropzone() -> rx.Component:
    return rx.upload.root(
        rx.el.div(
            rx.icon("image-up", size=20),
            rx.text("Drop an image here, or ", rx.el.u("choose a file"), size="2"),
            rx.text(
                f"PNG, JPEG or WebP, at most {ICON_MAX_BYTES // 1024} KiB; square works best.",
                size="1",
                color_scheme="gray",
            ),
            class_name="pt-stack-tight",
            style={"align_items": "center", "text_align": "center"},
        ),
        id=UPLOAD_ID,
        accept=ACCEPT,
        max_files=1,
        max_size=ICON_MAX_BYTES,
        multiple=False,
        on_drop=_S.upload_icon(rx.upload_files(upload_id=UPLOAD_ID)),
        on_drop_rejected=_S.refuse_files,
        style={
            "border": "1px dashed var(--gray-a8)",
            "border_radius": "var(--radius-3)",
            "padding": "var(--space-4)",
            "cursor": "pointer",
            "width": "100%",
        },
    )


def _remove() -> rx.Component:
    return confirm_dialog(
        rx.button(rx.icon("trash-2", size=14), "Remove icon", variant="soft", color_scheme="red"),
        title="Remove the icon?",
        description=(
            "The directory, the consent page and your team's pages show the app's initials "
            "instead, until you upload another icon."
        ),
        confirm="Remove icon",
        on_confirm=_S.remove_icon,
        destructive=True,
    )


def icon_section() -> rx.Component:
    """The General tab's Icon card."""
    return section(
        "Icon",
        rx.el.div(
            app_icon(_S.dev_app_icon, _S.dev_app_initials, size=64),
            rx.text(
                rx.cond(
                    _S.dev_app_icon != "",
                    "Shown in the app directory, on the consent page and here.",
                    "No icon yet: the app's initials show in the directory and on the consent "
                    "page.",
                ),
                size="2",
                color_scheme="gray",
            ),
            class_name="pt-inline",
        ),
        rx.cond(
            _S.dev_app_can_edit,
            rx.el.div(
                _upload(),
                form_message(_S.icon_error),
                rx.cond(_S.dev_app_icon != "", rx.box(_remove())),
                class_name="pt-stack",
            ),
            rx.text(
                "Changing the icon needs the developer or owner role on this app's team.",
                size="2",
                color_scheme="gray",
            ),
        ),
        label="Icon",
    )
