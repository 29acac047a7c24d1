"""A developer app's Versions tab: the draft manifest's editor (Validate, Save draft, Publish,
Discard draft), the draft against the newest published version as a unified diff, and the
published versions, newest first, the install links (create one for a published version,
copy its URL, see its uses, revoke it), and where the app is installed (each installation's id
is what the app's backend names when it asks /v1/oauth/token for a token).

The editor's text lives in `draft_text` (sent as typed, on a pause and when the editor loses
focus); the handlers send it to the services, which check the team role on every call. Publish
publishes the saved draft: the button waits until the text in the editor is that draft and
valid, and the handler refuses otherwise too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx
from reflex.vars import Var

from portal import routes
from portal.components.badges import status_badge
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog, form_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, form_message
from portal.domain.developer import DATA_TYPES, EVENT_CATEGORIES, MANIFEST_MAX_CHARS, SCOPES
from portal.domain.errors import PortalError
from portal.layout import page
from portal.pages.developer.frame import developer_app_frame, section
from portal.services import developer_apps, installations
from portal.services.developer_apps import Draft, VersionRow
from portal.services.installations import MAX_EXPIRY_DAYS, AppInstallationRow, InstallLinkRow
from portal.state.open_developer_app import OpenDeveloperAppState
from portal.state.pager import Pager

TAB = "versions"
LIST = "versions"
LINKS = "links"
INSTALLS = "installations"
PAGE_SIZE = 20
VERSION_CHOICES = 50  # the newest versions the install link dialog offers


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


@dataclass(frozen=True)
class LinkView:
    id: int
    version: str  # "v3"
    url: str
    uses: int
    created_at: str  # ISO 8601 UTC
    expires_at: str  # ISO 8601 UTC, "" for never
    status: str  # active, expired, revoked

    @classmethod
    def of(cls, row: InstallLinkRow) -> LinkView:
        status = "revoked" if row.revoked else "expired" if row.expired else "active"
        return cls(
            id=row.id,
            version=f"v{row.version}",
            url=row.url,
            uses=row.use_count,
            created_at=iso_utc(row.created_at),
            expires_at=iso_utc(row.expires_at),
            status=status,
        )


@dataclass(frozen=True)
class InstallationView:
    id: int
    workspace: str
    account: str
    version: str  # "v3"
    installed_at: str  # ISO 8601 UTC

    @classmethod
    def of(cls, row: AppInstallationRow) -> InstallationView:
        return cls(
            id=row.id,
            # Names only where the installed version asks for the workspace profile.
            workspace=row.workspace_name or "Not shared",
            account=row.account_name or "Not shared",
            version=f"v{row.version}",
            installed_at=iso_utc(row.installed_at),
        )


def _whole_number(text: str) -> int | str | None:
    """A form's number as the service takes it: None when empty, an int, or the text (the
    service refuses it at its field)."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else text


def _discard_and_reload(*, session, actor, app_id: int) -> Draft:
    """Discard the draft, then what the editor starts from now, in one transaction."""
    developer_apps.discard_draft(session=session, actor=actor, app_id=app_id)
    return developer_apps.get_draft(session=session, actor=actor, app_id=app_id)


def _publish_and_reload(*, session, actor, app_id: int) -> tuple[VersionRow, Draft]:
    """Publish the saved draft, then what the editor starts from next, in one transaction."""
    version = developer_apps.publish(session=session, actor=actor, app_id=app_id)
    return version, developer_apps.get_draft(session=session, actor=actor, app_id=app_id)


class DeveloperVersionsState(Pager, OpenDeveloperAppState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST, LINKS, INSTALLS)

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
    link_rows: list[LinkView] = []
    installation_rows: list[InstallationView] = []
    link_open: bool = False
    link_errors: dict[str, str] = {}
    _saved_text: str = ""
    _checked_text: str = ""
    _checked_valid: bool = False

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        if name == INSTALLS:
            installed = await self._call(
                installations.list_app_installations,
                app_id=self._dev_app_id,
                limit=PAGE_SIZE,
                cursor=cursor,
            )
            self.installation_rows = [InstallationView.of(row) for row in installed.items]
            return installed.next_cursor
        if name == LINKS:
            links = await self._call(
                installations.list_links, app_id=self._dev_app_id, limit=PAGE_SIZE, cursor=cursor
            )
            self.link_rows = [LinkView.of(row) for row in links.items]
            return links.next_cursor
        listed = await self._call(
            developer_apps.list_versions, app_id=self._dev_app_id, limit=PAGE_SIZE, cursor=cursor
        )
        self.version_rows = [VersionView.of(row) for row in listed.items]
        return listed.next_cursor

    @rx.var
    def version_choices(self) -> list[str]:
        """The published versions an install link may install, newest first."""
        newest = self.latest_version
        return [str(n) for n in range(newest, max(newest - VERSION_CHOICES, 0), -1)]

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
        self.link_open = False
        self.link_errors = {}
        if await self._open_dev_app(TAB) is None:
            return
        draft = await self._call(developer_apps.get_draft, app_id=self._dev_app_id)
        self._show_draft(draft, replace=True, has_draft=draft.saved)
        await self._first_page(LIST)
        await self._first_page(LINKS)
        await self._first_page(INSTALLS)

    @rx.event
    def set_link_open(self, value: bool):
        self.link_open = bool(value)
        self.link_errors = {}

    @rx.event
    async def create_link(self, form: dict):
        """An install link for the chosen published version (the newest when none is
        chosen), expiring after the days given (never when empty)."""
        try:
            await self._call(
                installations.create_link,
                app_id=self._dev_app_id,
                version=_whole_number(str(form.get("version", ""))[:20]),
                expires_in_days=_whole_number(str(form.get("expires_in_days", ""))[:20]),
            )
        except PortalError as exc:
            # Invalid names its field (version, expires_in_days); a refusal such as terms
            # not accepted shows at the top of the dialog.
            return self._show_error(exc, fields="link_errors", field="link")
        self.link_open = False
        self.link_errors = {}
        await self._first_page(LINKS)
        return rx.toast.success(
            "Install link created: copy it from the list and send it to a workspace administrator.",
            position="top-center",
        )

    @rx.event
    async def revoke_link(self, link_id: int):
        try:
            await self._call(
                installations.revoke_link,
                app_id=self._dev_app_id,
                link_id=link_id if type(link_id) is int and 0 < link_id < 2**31 else 0,
            )
        except PortalError as exc:
            return self._show_error(exc)
        await self._reload_page(LINKS)
        return rx.toast.success(
            "Install link revoked: it can't be used any more.", position="top-center"
        )

    @rx.event
    def edit_draft(self, text: str):
        """The editor's text as typed: kept for Validate and Save; nothing is sent on."""
        self._keep_text(text)

    async def _take_editor(self, text: object) -> None:
        """The editor's text as Validate or Save sent it with the click (None from an older
        page: the text edit_draft kept)."""
        if isinstance(text, str):
            await self._check_session()
            self._keep_text(text)

    def _keep_text(self, text: object) -> None:
        text = str(text)[: MANIFEST_MAX_CHARS + 1]
        if text == self.draft_text:
            return
        self.draft_text = text
        self.draft_saved = self.has_draft and text == self._saved_text
        self.draft_checked = text == self._checked_text
        self.draft_valid = self.draft_checked and self._checked_valid

    @rx.event
    async def validate(self, text: str | None = None):
        await self._take_editor(text)
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
    async def save(self, text: str | None = None):
        await self._take_editor(text)
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
        await self._first_page(LINKS)
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
# What the editor holds at the click: Validate and Save send it along, so an edit still inside
# the editor's 300 ms debounce is never left out (its blur event can reach the server after
# the click's).
_EDITOR_TEXT = Var(_js_expr="(document.getElementById('manifest')?.value ?? '')", _var_type=str)
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
                    on_click=_S.validate(_EDITOR_TEXT),
                ),
                rx.button(
                    rx.icon("save", size=14),
                    "Save draft",
                    variant="soft",
                    type="button",
                    on_click=_S.save(_EDITOR_TEXT),
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
        _catalog(),
        label="Draft manifest",
    )


def _catalog_list(entries: list[tuple[str, str]]) -> rx.Component:
    return rx.el.dl(
        *[
            rx.el.div(
                rx.el.dt(rx.el.code(name, class_name="pt-slug")),
                rx.el.dd(rx.text(says, size="2", color_scheme="gray")),
                class_name="pt-catalog-entry",
            )
            for name, says in entries
        ],
        class_name="pt-stack-tight",
    )


def _catalog() -> rx.Component:
    """What a manifest may declare, in words (the catalog is Portal's, fixed at build time;
    GET /v1/scopes serves the scopes as data)."""
    scopes = [
        (
            info.name,
            f"{info.says}. Opens "
            + ", ".join(f"{method} {path}" for method, path in info.routes)
            + ".",
        )
        for info in sorted(SCOPES.values(), key=lambda info: info.name)
    ]
    return rx.el.details(
        rx.el.summary(
            rx.text("What a manifest may declare", size="2", weight="medium", as_="span")
        ),
        rx.el.div(
            rx.heading("Scopes", size="2", as_="h3"),
            _catalog_list(scopes),
            rx.heading("Event categories", size="2", as_="h3"),
            _catalog_list(sorted(EVENT_CATEGORIES.items())),
            rx.link(
                "Every event type in each category, with an example payload",
                href=routes.DEVELOPER_EVENTS,
                size="2",
                underline="always",
            ),
            rx.heading("Data types", size="2", as_="h3"),
            _catalog_list(sorted(DATA_TYPES.items())),
            class_name="pt-stack-tight",
        ),
        id="manifest-catalog",
        class_name="pt-catalog",
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


def _copyable_url(row) -> rx.Component:
    return rx.el.div(
        rx.el.input(
            value=row.url,
            read_only=True,
            aria_label="Install link URL",
            class_name="install-link-url",
            on_focus=rx.call_script("document.activeElement.select()"),
        ),
        rx.icon_button(
            rx.icon("copy", size=14),
            size="1",
            variant="ghost",
            type="button",
            aria_label="Copy install link",
            class_name="copy-install-link",
            on_click=[
                rx.set_clipboard(row.url),
                rx.toast.info("Install link copied", duration=1500),
            ],
        ),
        class_name="pt-link-url",
    )


def _link_state(row) -> rx.Component:
    return rx.cond(
        row.status == "active",
        rx.cond(row.expires_at != "", local_time(row.expires_at), "Never"),
        status_badge(rx.cond(row.status == "revoked", "Revoked", "Expired")),
    )


def _revoke_link(row) -> rx.Component:
    return rx.cond(
        _S.dev_app_can_edit & (row.status != "revoked"),
        confirm_dialog(
            rx.button("Revoke", size="1", variant="soft", color_scheme="red"),
            title=("Revoke the install link for ", row.version, "?"),
            description=(
                "Anyone who opens it from now on is told it can't be used. Workspaces that "
                "installed the app with it keep the app. This cannot be undone.",
            ),
            confirm="Revoke link",
            on_confirm=_S.revoke_link(row.id),
            destructive=True,
        ),
    )


LINK_COLUMNS = (
    Column("Version", lambda r: r.version, row_header=True),
    Column("Install link", _copyable_url),
    Column("Uses", lambda r: r.uses, align="right"),
    Column("Expires", _link_state),
    Column("Created", lambda r: local_time(r.created_at)),
    Column("", _revoke_link),
)


def _create_link_dialog() -> rx.Component:
    return form_dialog(
        field_error(_S.link_errors, "link"),
        rx.el.label(rx.text("Version", size="2", weight="medium")),
        rx.select.root(
            rx.select.trigger(aria_label="Version", width="100%"),
            rx.select.content(
                rx.foreach(
                    _S.version_choices,
                    lambda number: rx.select.item("Version " + number, value=number),
                )
            ),
            name="version",
            default_value=_S.latest_version.to_string(),
        ),
        rx.text(
            "Workspaces get what this version declares. The newest is chosen for you.",
            size="1",
            color_scheme="gray",
        ),
        field_error(_S.link_errors, "version"),
        rx.el.label(
            rx.text("Expires after (days, optional)", size="2", weight="medium"),
            html_for="expires_in_days",
        ),
        rx.input(
            id="expires_in_days",
            name="expires_in_days",
            type="number",
            min=1,
            max=MAX_EXPIRY_DAYS,
            placeholder="Never",
            width="100%",
        ),
        rx.text(
            f"Empty: it works until you revoke it. At most {MAX_EXPIRY_DAYS} days.",
            size="1",
            color_scheme="gray",
        ),
        field_error(_S.link_errors, "expires_in_days"),
        title="Create install link",
        description="The link opens a consent page: a workspace administrator reviews what the "
        "version asks for, chooses a workspace and approves.",
        confirm="Create link",
        on_submit=_S.create_link,
        open=_S.link_open,
        on_open_change=_S.set_link_open,
        trigger=rx.button(
            rx.icon("link", size=14),
            "Create install link",
            disabled=_S.latest_version == 0,
            id="create-install-link",
        ),
    )


def _links() -> rx.Component:
    return rx.el.section(
        rx.el.div(
            rx.heading("Install links", size="4", as_="h2"),
            rx.el.div(class_name="pt-grow"),
            rx.cond(_S.dev_app_can_edit, _create_link_dialog()),
            class_name="pt-toolbar",
        ),
        rx.cond(
            _S.dev_app_can_edit & (_S.latest_version == 0),
            rx.text(
                "Publish a version first: an install link installs a published version.",
                size="2",
                color_scheme="gray",
                id="install-links-hint",
            ),
        ),
        data_table(
            _S.link_rows,
            LINK_COLUMNS,
            label="Install links",
            empty=empty_state(
                "link",
                "No install links yet",
                rx.cond(
                    _S.latest_version == 0,
                    "Publish version 1, then create an install link for it and send the link "
                    "to a workspace administrator.",
                    "Create an install link and send it to a workspace administrator: it "
                    "opens a consent page where they choose a workspace and approve.",
                ),
            ),
            footer=pager(**_S.pager_props(LINKS), previous="Newer", next="Older"),
            row_class="install-link-row",
            stack_on_phone=True,
        ),
        class_name="pt-stack-tight",
        aria_label="Install links",
        id="install-links",
    )


INSTALLATION_COLUMNS = (
    Column("Workspace", lambda r: r.workspace, row_header=True),
    Column("Account", lambda r: r.account),
    Column("Version", lambda r: r.version),
    Column("Installation ID", lambda r: rx.code(r.id)),
    Column("Installed", lambda r: local_time(r.installed_at)),
)


def _installations() -> rx.Component:
    return rx.el.section(
        rx.heading("Installations", size="4", as_="h2"),
        rx.text(
            "Your app's backend names the installation ID when it asks /v1/oauth/token for a "
            "token: the token reads only that workspace. Workspace and account names show "
            "where the installed version declares the workspace_profile data type.",
            size="2",
            color_scheme="gray",
        ),
        data_table(
            _S.installation_rows,
            INSTALLATION_COLUMNS,
            label="Installations",
            empty=empty_state(
                "package-check",
                "Not installed anywhere yet",
                "Send an install link to a workspace administrator: once they approve, the "
                "workspace shows here with its installation ID.",
            ),
            footer=pager(**_S.pager_props(INSTALLS), previous="Newer", next="Older"),
            row_class="installation-row",
        ),
        class_name="pt-stack-tight",
        aria_label="Installations",
        id="installations",
    )


@page(routes.DEVELOPER_APP_VERSIONS, on_load=[DeveloperVersionsState.load])
def developer_app_versions() -> rx.Component:
    return developer_app_frame(
        rx.el.div(
            _editor(), _diff(), _history(), _links(), _installations(), class_name="pt-stack"
        ),
    )
