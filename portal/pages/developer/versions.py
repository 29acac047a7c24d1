"""A developer app's Versions tab: the draft manifest's editor (Validate, Save draft, Publish,
Discard draft), the draft against the newest published version as a unified diff, and the
published versions, newest first.

The editor's text lives in `draft_text` (sent as typed, on a pause and when the editor loses
focus); the handlers send it to the services, which check the team role on every call. Publish
publishes the saved draft: the button waits until the text in the editor is that draft and
valid, and the handler refuses otherwise too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import form_message
from portal.domain.developer import MANIFEST_MAX_CHARS
from portal.domain.errors import PortalError
from portal.layout import page
from portal.pages.developer.frame import developer_app_frame, section
from portal.services import developer_apps
from portal.services.developer_apps import Draft, VersionRow
from portal.state.open_developer_app import OpenDeveloperAppState
from portal.state.pager import Pager

TAB = "versions"
LIST = "versions"
PAGE_SIZE = 20


@dataclass(frozen=True)
class DiffLine:
    text: str
    css: str  # pt-diff-add, pt-diff-del, pt-diff-meta, pt-diff-ctx

    @classmethod
    def of(cls, line: str) -> DiffLine:
        if line.startswith(("+++", "---", "@@")):
            kind = "meta"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        return cls(text=line, css=f"pt-diff-{kind}")


@dataclass(frozen=True)
class VersionView:
    number: str  # "v3"
    published_at: str  # ISO 8601 UTC
    published_by: str
    scopes: str

    @classmethod
    def of(cls, row: VersionRow) -> VersionView:
        return cls(
            number=f"v{row.number}",
            published_at=iso_utc(row.published_at),
            published_by=row.published_by,
            scopes=", ".join(row.scopes) or "none",
        )


def _discard_and_reload(*, session, actor, app_id: int) -> Draft:
    """Discard the draft, then what the editor starts from now, in one transaction."""
    developer_apps.discard_draft(session=session, actor=actor, app_id=app_id)
    return developer_apps.get_draft(session=session, actor=actor, app_id=app_id)


def _publish_and_reload(*, session, actor, app_id: int) -> tuple[VersionRow, Draft]:
    """Publish the saved draft, then what the editor starts from next, in one transaction."""
    version = developer_apps.publish(session=session, actor=actor, app_id=app_id)
    return version, developer_apps.get_draft(session=session, actor=actor, app_id=app_id)


class DeveloperVersionsState(Pager, OpenDeveloperAppState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    draft_text: str = ""
    editor_key: int = 0  # bumped when the server replaces the editor's text
    has_draft: bool = False  # a draft is saved
    draft_saved: bool = False  # the editor holds the saved draft, unchanged
    draft_checked: bool = False  # the problems shown are those of the editor's text
    draft_valid: bool = False  # ... and there are none
    problems: list[str] = []
    diff_lines: list[DiffLine] = []
    latest_version: int = 0  # the newest published version's number, 0 for none
    versions_error: str = ""
    version_rows: list[VersionView] = []
    _saved_text: str = ""
    _checked_text: str = ""
    _checked_valid: bool = False

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            developer_apps.list_versions, app_id=self._dev_app_id, limit=PAGE_SIZE, cursor=cursor
        )
        self.version_rows = [VersionView.of(row) for row in listed.items]
        return listed.next_cursor

    def _show_draft(self, draft: Draft, *, replace: bool, has_draft: bool | None = None) -> None:
        """What the server checked; `replace` puts its text in the editor."""
        if has_draft is not None:
            self.has_draft = has_draft
            self._saved_text = draft.text if has_draft else ""
        if replace:
            self.draft_text = draft.text
            self.editor_key += 1
        self._checked_text = draft.text
        self._checked_valid = draft.valid
        current = draft.text == self.draft_text
        self.draft_checked = current
        self.draft_valid = current and draft.valid
        self.draft_saved = self.has_draft and self.draft_text == self._saved_text
        self.problems = list(draft.problems)
        self.diff_lines = [DiffLine.of(line) for line in draft.diff]
        self.latest_version = draft.latest_version or 0

    @rx.event
    async def load(self):
        self.versions_error = ""
        if await self._open_dev_app(TAB) is None:
            return
        draft = await self._call(developer_apps.get_draft, app_id=self._dev_app_id)
        self._show_draft(draft, replace=True, has_draft=draft.saved)
        await self._first_page(LIST)

    @rx.event
    def edit_draft(self, text: str):
        """The editor's text as typed: kept for Validate and Save; nothing is sent on."""
        text = str(text)[: MANIFEST_MAX_CHARS + 1]
        if text == self.draft_text:
            return
        self.draft_text = text
        self.draft_saved = self.has_draft and text == self._saved_text
        self.draft_checked = text == self._checked_text
        self.draft_valid = self.draft_checked and self._checked_valid

    @rx.event
    async def validate(self):
        try:
            draft = await self._call(
                developer_apps.check_draft, app_id=self._dev_app_id, text=self.draft_text
            )
        except PortalError as exc:
            return self._show_error(exc, banner="versions_error")
        self.versions_error = ""
        self._show_draft(draft, replace=False)
        if draft.valid:
            return rx.toast.success("The manifest is valid.", position="top-center")
        return None

    @rx.event
    async def save(self):
        try:
            draft = await self._call(
                developer_apps.save_draft, app_id=self._dev_app_id, text=self.draft_text
            )
        except PortalError as exc:
            return self._show_error(exc, banner="versions_error")
        self.versions_error = ""
        self._show_draft(draft, replace=False, has_draft=True)
        return rx.toast.success(
            "Draft saved."
            if draft.valid
            else "Draft saved, with problems to fix before publishing.",
            position="top-center",
        )

    @rx.event
    async def publish(self):
        if not self.draft_saved:
            await self._check_session()
            self.versions_error = "Save the draft before publishing: the editor has changes."
            return None
        try:
            version, draft = await self._call(_publish_and_reload, app_id=self._dev_app_id)
        except PortalError as exc:
            return self._show_error(exc, banner="versions_error")
        self.versions_error = ""
        self._show_draft(draft, replace=True, has_draft=draft.saved)
        await self._first_page(LIST)
        return rx.toast.success(f"Published version {version.number}.", position="top-center")

    @rx.event
    async def discard(self):
        try:
            draft = await self._call(_discard_and_reload, app_id=self._dev_app_id)
        except PortalError as exc:
            return self._show_error(exc, banner="versions_error")
        self.versions_error = ""
        self._show_draft(draft, replace=True, has_draft=draft.saved)
        return rx.toast.success("Draft discarded.", position="top-center")


_S = DeveloperVersionsState
_NEXT = _S.latest_version + 1


def _state_badges() -> rx.Component:
    def badge(text, color: str, badge_id: str) -> rx.Component:
        return rx.el.span(
            text,
            class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-soft rt-high-contrast",
            custom_attrs={"data-accent-color": color, "data-radius": "full"},
            id=badge_id,
        )

    return rx.el.div(
        rx.cond(
            _S.draft_saved,
            badge("Saved", "green", "draft-saved"),
            rx.cond(
                _S.has_draft,
                badge("Unsaved changes", "amber", "draft-saved"),
                badge("Not saved yet", "gray", "draft-saved"),
            ),
        ),
        rx.cond(
            _S.draft_checked,
            rx.cond(
                _S.draft_valid,
                badge("Valid", "green", "draft-validity"),
                badge(
                    rx.el.span(_S.problems.length(), " to fix"),
                    "red",
                    "draft-validity",
                ),
            ),
            badge("Not checked", "gray", "draft-validity"),
        ),
        class_name="pt-inline pt-wrap-inline",
    )


def _problems() -> rx.Component:
    return rx.cond(
        _S.draft_checked & (_S.problems.length() > 0),
        rx.el.div(
            rx.text("Fix these before publishing:", size="2", weight="medium"),
            rx.el.ul(
                rx.foreach(_S.problems, lambda p: rx.el.li(p)),
                class_name="pt-problems",
            ),
            id="manifest-problems",
            role="alert",
            class_name="pt-stack-tight",
        ),
    )


def _publish_button() -> rx.Component:
    blocked = ~_S.draft_saved | ~_S.draft_checked | ~_S.draft_valid
    return confirm_dialog(
        rx.button(rx.icon("rocket", size=14), "Publish", disabled=blocked, id="publish"),
        title=("Publish version ", _NEXT.to_string(), "?"),
        description=(
            "It can't be changed after. Workspaces that install the app get what version ",
            _NEXT.to_string(),
            " declares: its scopes, event categories and data types.",
        ),
        confirm="Publish version",
        on_confirm=_S.publish,
    )


def _discard_button() -> rx.Component:
    return confirm_dialog(
        rx.button(
            "Discard draft",
            variant="soft",
            color_scheme="red",
            disabled=~_S.has_draft,
        ),
        title="Discard the draft?",
        description=(
            "The saved draft is deleted; the editor starts again from ",
            rx.cond(
                _S.latest_version > 0,
                rx.el.span("version ", _S.latest_version.to_string()),
                "the starter manifest",
            ),
            ". This cannot be undone.",
        ),
        confirm="Discard draft",
        on_confirm=_S.discard,
        destructive=True,
    )


def _actions() -> rx.Component:
    return rx.cond(
        _S.dev_app_can_edit,
        rx.el.div(
            rx.el.div(
                rx.button(
                    rx.icon("list-checks", size=14),
                    "Validate",
                    variant="soft",
                    type="button",
                    on_click=_S.validate,
                ),
                rx.button(
                    rx.icon("save", size=14),
                    "Save draft",
                    variant="soft",
                    type="button",
                    on_click=_S.save,
                ),
                _publish_button(),
                rx.el.div(class_name="pt-grow"),
                _discard_button(),
                class_name="pt-toolbar",
            ),
            rx.cond(
                ~_S.draft_saved | ~_S.draft_checked | ~_S.draft_valid,
                rx.text(
                    "Publish opens once the draft is saved and valid.",
                    size="1",
                    color_scheme="gray",
                ),
            ),
            class_name="pt-stack-tight",
        ),
        rx.text(
            "You are a viewer on this app's team: you can read the draft; editing and "
            "publishing need the developer or owner role.",
            size="2",
            color_scheme="gray",
            id="read-only-hint",
        ),
    )


def _editor() -> rx.Component:
    invalid = _S.draft_checked & ~_S.draft_valid
    return section(
        "Draft manifest",
        rx.text(
            "YAML or JSON: display info, redirect URLs, the scopes it requests, a webhook URL, "
            "the event categories and data types it subscribes to. The schema is at ",
            rx.el.code("/v1/schemas/manifest.json", class_name="pt-slug"),
            ".",
            size="2",
            color_scheme="gray",
        ),
        _state_badges(),
        form_message(_S.versions_error),
        rx.el.label(
            "Manifest", html_for="manifest", class_name="rt-Text rt-r-size-2 rt-r-weight-medium"
        ),
        rx.text_area(
            id="manifest",
            name="manifest",
            default_value=_S.draft_text,
            key=_S.editor_key.to_string(),
            on_change=_S.edit_draft.debounce(300),
            on_blur=_S.edit_draft,
            read_only=~_S.dev_app_can_edit,
            rows="18",
            width="100%",
            spell_check=False,
            class_name="pt-manifest",
            custom_attrs={
                "aria-invalid": rx.cond(invalid, "true", "false"),
                "aria-describedby": "manifest-problems",
                "autoCapitalize": "off",
                "autoCorrect": "off",
            },
        ),
        _problems(),
        _actions(),
        label="Draft manifest",
    )


def _diff() -> rx.Component:
    return section(
        "Changes",
        rx.cond(
            _S.latest_version > 0,
            rx.cond(
                _S.diff_lines.length() > 0,
                rx.el.div(
                    rx.text(
                        "The editor's draft against version ",
                        _S.latest_version.to_string(),
                        ": added lines in green, removed in red.",
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.el.pre(
                        rx.foreach(
                            _S.diff_lines,
                            lambda line: rx.el.span(line.text, class_name=line.css),
                        ),
                        class_name="pt-diff",
                        id="draft-diff",
                        tab_index=0,
                        aria_label="Changes against the newest published version",
                    ),
                    class_name="pt-stack-tight",
                ),
                rx.text(
                    "No changes: the draft is the same as version ",
                    _S.latest_version.to_string(),
                    ".",
                    size="2",
                    color_scheme="gray",
                    id="draft-diff",
                ),
            ),
            rx.text(
                "Nothing is published yet: the first publish makes version 1.",
                size="2",
                color_scheme="gray",
                id="draft-diff",
            ),
        ),
        label="Changes against the newest published version",
    )


VERSION_COLUMNS = (
    Column("Version", lambda r: r.number, row_header=True),
    Column("Published", lambda r: local_time(r.published_at)),
    Column("By", lambda r: r.published_by),
    Column("Scopes", lambda r: r.scopes, nowrap=False),
)


def _history() -> rx.Component:
    return rx.el.section(
        rx.heading("Published versions", size="4", as_="h2"),
        data_table(
            _S.version_rows,
            VERSION_COLUMNS,
            label="Published versions",
            empty=empty_state(
                "history",
                "No published versions yet",
                "Validate and save the draft, then Publish: each publish makes the next "
                "numbered version, which never changes after.",
            ),
            footer=pager(**_S.pager_props(LIST), previous="Newer", next="Older"),
            row_class="version-row",
        ),
        class_name="pt-stack-tight",
        aria_label="Published versions",
    )


@page(routes.DEVELOPER_APP_VERSIONS, on_load=[DeveloperVersionsState.load])
def developer_app_versions() -> rx.Component:
    return developer_app_frame(
        rx.el.div(_editor(), _diff(), _history(), class_name="pt-stack"),
    )
