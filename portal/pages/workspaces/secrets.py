"""Secrets: the picked workspace's secrets as a matrix (one row per name, one column per
environment), never their values; add, edit (a new version), versions with roll back, reveal,
copy to another environment, delete, and a pasted `.env` block previewed before it applies.

Built like the Process Log (process_log.py): typed rows, service calls through `self._call`,
the Pager (the matrix and a secret's versions), the data table, local dates. Writes and
reveal are shown to administrators only, disabled on a frozen workspace; the services refuse
them anyway.

A value never enters the state (Reflex keeps states on the server, on disk or in Redis, and
sends base vars to the browser): a revealed one travels once, inside the reveal event's
return (`rx.call_script`, portal/components/reveal.py), into an element React leaves empty, and
is removed from the page after REVEAL_SECONDS or at Hide. Typed values (add, edit, a pasted
block) reach a handler as its argument and are passed on to the service; only an HMAC of a
previewed block is kept, so Apply applies exactly what was previewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import reflex as rx

from portal import routes
from portal.components import reveal
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog, dialog_footer, form_dialog
from portal.components.empty_state import empty_state, no_workspace_to_open, workspace_not_found
from portal.components.forms import field_error, form_field, form_message, select
from portal.components.links import name_link
from portal.components.reveal import REVEAL_SECONDS
from portal.domain.errors import NotFound, PortalError
from portal.domain.secrets import (
    DotenvPreview,
    SecretChange,
    SecretPublic,
    SecretRow,
    SecretVersionPublic,
)
from portal.domain.workspaces import EnvironmentName, WorkspaceStatus
from portal.layout import page
from portal.services import workspace_secrets, workspaces
from portal.state.nav import NavState
from portal.state.pager import Pager
from portal.state.session import SessionState

ENVIRONMENTS = tuple(env.value for env in EnvironmentName)
MATRIX = "secrets"  # the paged lists on this page
VERSIONS = "versions"
TOAST = {"position": "top-center"}

# Where a revealed value is written (by portal/components/reveal.py's script, not by React).
REVEAL_BOX = "secret-reveal"


def hide_revealed() -> rx.event.EventSpec:
    """Remove a revealed value from the page (after a write, the value shown is stale)."""
    return reveal.hide_revealed(REVEAL_BOX)


# Typed rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellRow:
    """One environment's column of a matrix row: set there (its version, who and when) or not."""

    environment: str
    present: bool
    version: int
    updated_at: str  # ISO 8601 UTC, "" when not set
    updated_by: str


@dataclass(frozen=True)
class SecretMatrixRow:
    name: str
    cells: list[CellRow]  # one per environment, in ENVIRONMENTS order
    updated_at: str
    updated_by: str

    @classmethod
    def of(cls, row: SecretRow) -> SecretMatrixRow:
        present = {cell.environment: cell for cell in row.environments}
        cells = []
        for env in ENVIRONMENTS:
            cell = present.get(env)
            cells.append(
                CellRow(env, True, cell.version, iso_utc(cell.updated_at), cell.updated_by)
                if cell is not None
                else CellRow(env, False, 0, "", "")
            )
        return cls(
            name=row.name,
            cells=cells,
            updated_at=iso_utc(row.updated_at),
            updated_by=row.updated_by,
        )


@dataclass(frozen=True)
class VersionRow:
    version: int
    origin: str
    created_at: str
    created_by: str
    current: bool

    @classmethod
    def of(cls, version: SecretVersionPublic) -> VersionRow:
        return cls(
            version=version.version,
            origin=version.origin.value,
            created_at=iso_utc(version.created_at),
            created_by=version.created_by,
            current=version.current,
        )


@dataclass(frozen=True)
class PreviewRow:
    line: int
    name: str
    change: str


@dataclass(frozen=True)
class PreviewErrorRow:
    line: int
    message: str


@dataclass(frozen=True)
class SecretsHeader:
    id: str
    name: str
    can_administer: bool
    read_only: str  # why writes are refused ("" when they are not)


def _header(*, session, actor, workspace_id: str) -> SecretsHeader:
    """The workspace the secrets belong to (read on it), remembered as the person's pick."""
    detail = workspaces.get_workspace_detail(
        session=session, actor=actor, workspace_id=workspace_id
    )
    workspaces.remember_workspace(session=session, actor=actor, workspace_id=detail.id)
    read_only = ""
    if detail.status == WorkspaceStatus.FROZEN:
        read_only = (
            f"{detail.name} is frozen: its secrets can be read and revealed, not changed, "
            "until an administrator unfreezes it."
        )
    elif detail.status == WorkspaceStatus.OFFBOARDING:
        read_only = f"{detail.name} is being offboarded: its secrets are read-only."
    return SecretsHeader(detail.id, detail.name, detail.can_administer, read_only)


def _secret_with_versions(
    *, session, actor, workspace_id: str, environment: str, name: str, cursor: str | None
) -> tuple[SecretPublic, Any]:
    """A secret's metadata and one page of its versions, in one transaction."""
    secret = workspace_secrets.get_secret(
        session=session, actor=actor, workspace_id=workspace_id, environment=environment, name=name
    )
    versions = workspace_secrets.list_versions(
        session=session,
        actor=actor,
        workspace_id=workspace_id,
        environment=environment,
        name=name,
        cursor=cursor,
    )
    return secret, versions


def _summary(preview: DotenvPreview) -> str:
    counts = [
        f"{preview.count(change)} {change.value}"
        for change in SecretChange
        if preview.count(change)
    ]
    return ", ".join(counts)


class SecretsState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (MATRIX, VERSIONS)

    found: bool = True
    workspace_name: str = ""
    workspace_href: str = ""
    can_administer: bool = False
    read_only: str = ""  # the frozen (offboarding) message; writes are disabled
    rows: list[SecretMatrixRow] = []
    error: str = ""

    # Add a secret (also: set a name in an environment that lacks it).
    add_open: bool = False
    add_name: str = ""
    add_environment: str = "dev"
    add_errors: dict[str, str] = {}

    # One secret in one environment: metadata, versions, edit, copy, delete, reveal.
    detail_open: bool = False
    detail_name: str = ""
    detail_environment: str = ""
    detail_version: int = 0
    detail_updated_at: str = ""
    detail_updated_by: str = ""
    copy_targets: list[str] = []
    versions: list[VersionRow] = []
    detail_errors: dict[str, str] = {}

    # Paste a .env block: preview, then apply.
    paste_open: bool = False
    paste_errors: dict[str, str] = {}
    preview_items: list[PreviewRow] = []
    preview_errors: list[PreviewErrorRow] = []
    preview_summary: str = ""
    preview_ready: bool = False  # the block shown previewed has changes and no errors
    # An HMAC (workspace_secrets.request_fingerprint) of the previewed environment and block:
    # Apply applies only what was previewed. Never the block itself.
    _preview_mark: str = ""

    def _workspace_id(self) -> str:
        return self.router._page.params.get("workspace_uuid", "")

    @rx.var
    def can_write(self) -> bool:
        return self.can_administer and self.read_only == ""

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        if name == VERSIONS:
            secret, listed = await self._call(
                _secret_with_versions,
                workspace_id=self._workspace_id(),
                environment=self.detail_environment,
                name=self.detail_name,
                cursor=cursor,
            )
            self.detail_version = secret.version
            self.detail_updated_at = iso_utc(secret.updated_at)
            self.detail_updated_by = secret.updated_by
            self.versions = [VersionRow.of(v) for v in listed.items]
            return listed.next_cursor
        listed = await self._call(
            workspace_secrets.list_secret_names, workspace_id=self._workspace_id(), cursor=cursor
        )
        self.rows = [SecretMatrixRow.of(row) for row in listed.items]
        return listed.next_cursor

    @rx.event
    async def load(self):
        self.error = ""
        self.add_open = self.detail_open = self.paste_open = False
        try:
            header = await self._call(_header, workspace_id=self._workspace_id())
        except NotFound:
            self.found = False
            self.rows = []
            return
        self.found = True
        self.workspace_name = header.name
        self.workspace_href = routes.workspace_url(header.id)
        self.can_administer = header.can_administer
        self.read_only = header.read_only
        await self._first_page(MATRIX)

    async def _after_write(self, message: str) -> list:
        """Reload the matrix (and the open secret) after a change; the toast says what."""
        await self._reload_page(MATRIX)
        if self.detail_open:
            try:
                await self._first_page(VERSIONS)
            except NotFound:  # deleted meanwhile
                self.detail_open = False
        return [hide_revealed(), rx.toast.success(message, **TOAST)]

    # Add ------------------------------------------------------------------------------------

    @rx.event
    def start_add(self, name: str, environment: str):
        """Open the Add dialog, with the name and environment of a matrix cell when given."""
        self.add_name = str(name)[:128]
        self.add_environment = environment if environment in ENVIRONMENTS else "dev"
        self.add_errors = {}
        self.add_open = True

    @rx.event
    def set_add_open(self, value: bool):
        self.add_open = bool(value)
        self.add_errors = {}

    @rx.event
    async def add_secret(self, form: dict):
        self.add_errors = {}
        name = str(form.get("name", "")).strip()
        environment = str(form.get("environment", ""))
        try:
            saved = await self._call(
                workspace_secrets.set_secret,
                workspace_id=self._workspace_id(),
                environment=environment,
                name=name,
                value=form.get("value", ""),
            )
        except PortalError as exc:
            return self._show_error(exc, fields="add_errors", field="name")
        self.add_open = False
        return await self._after_write(
            f"{saved.name} saved in {saved.environment} (version {saved.version})."
        )

    # One secret -----------------------------------------------------------------------------

    @rx.event
    async def open_secret(self, name: str, environment: str):
        """Show one secret in one environment: its metadata and versions (read on the
        workspace; the service checks the name and environment the client sent)."""
        self.detail_errors = {}
        try:
            await self._first_page(
                VERSIONS, detail_name=str(name)[:128], detail_environment=str(environment)[:16]
            )
        except PortalError as exc:
            return self._show_error(exc)
        self.copy_targets = [env for env in ENVIRONMENTS if env != self.detail_environment]
        self.detail_open = True

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = bool(value)
        self.detail_errors = {}

    @rx.event
    async def reveal(self):
        """The open secret's current value, to this browser once (administer; audited)."""
        try:
            value = await self._call(
                workspace_secrets.reveal_secret,
                workspace_id=self._workspace_id(),
                environment=self.detail_environment,
                name=self.detail_name,
            )
        except PortalError as exc:
            return self._show_error(exc)
        return rx.call_script(
            reveal.reveal_script(REVEAL_BOX, value, code_id="secret-revealed-value")
        )

    @rx.event
    async def save_value(self, form: dict):
        """A new value for the open secret: a new version (the earlier ones are kept)."""
        self.detail_errors = {}
        try:
            saved = await self._call(
                workspace_secrets.set_secret,
                workspace_id=self._workspace_id(),
                environment=self.detail_environment,
                name=self.detail_name,
                value=form.get("value", ""),
            )
        except PortalError as exc:
            return self._show_error(exc, fields="detail_errors", field="value")
        if saved.version == self.detail_version:
            self.detail_errors = {"value": "That is the current value already: nothing changed."}
            return None
        return await self._after_write(
            f"{saved.name} in {saved.environment}: version {saved.version}."
        )

    @rx.event
    async def rollback(self, version: int):
        try:
            number = int(version)
        except (TypeError, ValueError):
            number = 0  # NotFound from the service, like any unknown version
        try:
            saved = await self._call(
                workspace_secrets.rollback_secret,
                workspace_id=self._workspace_id(),
                environment=self.detail_environment,
                name=self.detail_name,
                version=number,
            )
        except PortalError as exc:
            return self._show_error(exc)
        return await self._after_write(
            f"{saved.name} in {saved.environment} rolled back to version {number}'s value "
            f"(now version {saved.version})."
        )

    @rx.event
    async def copy_secret(self, form: dict):
        self.detail_errors = {}
        try:
            copied = await self._call(
                workspace_secrets.copy_secret,
                workspace_id=self._workspace_id(),
                environment=self.detail_environment,
                name=self.detail_name,
                to_environment=str(form.get("to_environment", "")),
            )
        except PortalError as exc:
            return self._show_error(exc, fields="detail_errors", field="to_environment")
        return await self._after_write(
            f"{copied.name} copied to {copied.environment} (version {copied.version} there)."
        )

    @rx.event
    async def delete_secret(self):
        name, environment = self.detail_name, self.detail_environment
        try:
            await self._call(
                workspace_secrets.delete_secret,
                workspace_id=self._workspace_id(),
                environment=environment,
                name=name,
            )
        except PortalError as exc:
            return self._show_error(exc)
        self.detail_open = False
        return await self._after_write(f"{name} deleted from {environment}.")

    # Paste a .env block ---------------------------------------------------------------------

    def _clear_preview(self) -> None:
        self.preview_items = []
        self.preview_errors = []
        self.preview_summary = ""
        self.preview_ready = False
        self._preview_mark = ""

    @rx.event
    def set_paste_open(self, value: bool):
        self.paste_open = bool(value)
        self.paste_errors = {}
        self._clear_preview()

    @rx.event
    async def paste(self, form: dict):
        """Preview the block; submitted again unchanged after a preview with changes, apply
        it. A block or environment changed since its preview is previewed again instead."""
        self.paste_errors = {}
        text, environment = form.get("text", ""), str(form.get("environment", ""))
        if not isinstance(text, str):
            text = ""
        mark = workspace_secrets.request_fingerprint(f"{environment}\x00{text}")
        apply = self.preview_ready and mark == self._preview_mark
        service = workspace_secrets.import_dotenv if apply else workspace_secrets.preview_dotenv
        try:
            done = await self._call(
                service, workspace_id=self._workspace_id(), environment=environment, text=text
            )
        except PortalError as exc:
            self._clear_preview()
            return self._show_error(exc, fields="paste_errors", field="text")
        if apply:
            self.paste_open = False
            self._clear_preview()
            return await self._after_write(f"Applied to {done.environment}: {_summary(done)}.")
        self.preview_items = [PreviewRow(i.line, i.name, i.change.value) for i in done.items]
        self.preview_errors = [PreviewErrorRow(e.line, e.message) for e in done.errors]
        changes = any(i.change is not SecretChange.UNCHANGED for i in done.items)
        self.preview_ready = changes and not done.errors
        self._preview_mark = mark if self.preview_ready else ""
        if not done.items and not done.errors:
            self.preview_summary = "The block holds no NAME=value line."
        elif done.errors:
            self.preview_summary = "Fix the lines below, then preview again."
        elif not changes:
            self.preview_summary = f"Nothing to change: {_summary(done)}."
        else:
            self.preview_summary = f"Apply to {done.environment}: {_summary(done)}."
        return None


class PickedSecretsState(NavState):
    """/secrets: send the person to the picked workspace's Secrets."""

    @rx.event
    async def open_picked(self):
        picked = await self._call(workspaces.workspace_to_open)
        if picked:
            return rx.redirect(routes.workspace_secrets_url(picked), replace=True)
        return None


# The page -------------------------------------------------------------------------------------

_S = SecretsState


def _cell(row, index: int) -> rx.Component:
    cell = row.cells[index]
    env = ENVIRONMENTS[index]
    return rx.cond(
        cell.present,
        rx.button(
            rx.icon("circle-check", size=14, aria_hidden="true"),
            "v",
            cell.version.to_string(),
            size="1",
            variant="soft",
            color_scheme="green",
            on_click=_S.open_secret(row.name, env),
            aria_label=f"{env}: version " + cell.version.to_string() + " of " + row.name,
            class_name="secret-cell",
            custom_attrs={"data-environment": env},
        ),
        rx.cond(
            _S.can_write,
            rx.button(
                rx.icon("plus", size=14, aria_hidden="true"),
                "Add",
                size="1",
                variant="ghost",
                color_scheme="gray",
                on_click=_S.start_add(row.name, env),
                aria_label=f"Add {env} value of " + row.name,
            ),
            rx.text("not set", size="1", color_scheme="gray"),
        ),
    )


MATRIX_COLUMNS = (
    Column(
        "Name",
        lambda r: rx.code(r.name, variant="ghost", size="2"),
        row_header=True,
    ),
    *(Column(env, lambda r, i=i: _cell(r, i)) for i, env in enumerate(ENVIRONMENTS)),
    Column(
        "Last changed",
        lambda r: rx.el.span(
            local_time(r.updated_at), rx.text(" by ", r.updated_by, as_="span", color_scheme="gray")
        ),
        nowrap=False,
    ),
)


def _rollback(row) -> rx.Component:
    return rx.cond(
        ~row.current & _S.can_write,
        confirm_dialog(
            rx.button(rx.icon("undo-2", size=14), "Roll back", size="1", variant="soft"),
            title=("Roll back ", _S.detail_name, " in ", _S.detail_environment, "?"),
            description=(
                "Version ",
                row.version.to_string(),
                "'s value becomes current again, as version ",
                (_S.detail_version + 1).to_string(),
                ". Every version is kept.",
            ),
            confirm="Roll back",
            on_confirm=_S.rollback(row.version),
        ),
    )


VERSION_COLUMNS = (
    Column(
        "Version",
        lambda r: rx.hstack(
            rx.text("v", r.version.to_string(), size="2", weight="medium"),
            rx.cond(r.current, rx.badge("current", color_scheme="green", size="1")),
            spacing="2",
            align="center",
        ),
        row_header=True,
    ),
    Column("How", lambda r: r.origin),
    Column("By", lambda r: r.created_by, nowrap=False),
    Column("When", lambda r: local_time(r.created_at)),
    Column("Actions", _rollback),
)


def _reveal_section() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.button(
                rx.icon("eye", size=14),
                "Reveal value",
                size="2",
                variant="soft",
                on_click=_S.reveal,
                id="reveal-secret",
            ),
            rx.text(
                f"Shown here for {REVEAL_SECONDS} s; each reveal is in the audit log.",
                size="1",
                color_scheme="gray",
            ),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        # Filled by the reveal's script only: React renders it empty and never touches it.
        reveal.reveal_box(REVEAL_BOX),
        spacing="2",
        width="100%",
    )


def _edit_section() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(
                rx.text("New value", size="2", weight="medium"), html_for="secret-new-value"
            ),
            rx.flex(
                rx.input(
                    id="secret-new-value",
                    name="value",
                    type="password",
                    auto_complete="new-password",
                    placeholder="A new version",
                    required=True,
                    flex="1",
                    min_width="0",
                ),
                rx.button("Save new version", type="submit", size="2"),
                spacing="2",
                width="100%",
                wrap="wrap",
            ),
            field_error(_S.detail_errors, "value"),
            spacing="1",
            width="100%",
        ),
        on_submit=_S.save_value,
        reset_on_submit=True,
        width="100%",
    )


def _copy_section() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Copy the current value to", size="2", weight="medium"),
            rx.flex(
                rx.select.root(
                    rx.select.trigger(aria_label="Copy to environment"),
                    rx.select.content(
                        rx.foreach(_S.copy_targets, lambda env: rx.select.item(env, value=env))
                    ),
                    name="to_environment",
                    default_value=_S.copy_targets[0],
                ),
                rx.button(rx.icon("copy", size=14), "Copy", type="submit", variant="soft"),
                spacing="2",
                wrap="wrap",
            ),
            rx.text(
                "Where the name is set already, the copy becomes a new version there.",
                size="1",
                color_scheme="gray",
            ),
            field_error(_S.detail_errors, "to_environment"),
            spacing="1",
            width="100%",
        ),
        on_submit=_S.copy_secret,
        width="100%",
    )


def _delete_button() -> rx.Component:
    return confirm_dialog(
        rx.button(rx.icon("trash-2", size=14), "Delete", color_scheme="red", variant="soft"),
        title=("Delete ", _S.detail_name, " from ", _S.detail_environment, "?"),
        description=(
            "This deletes ",
            _S.detail_name,
            " in ",
            _S.detail_environment,
            " with all ",
            _S.detail_version.to_string(),
            " of its versions; other environments keep theirs. Apps reading it there stop "
            "getting it. This cannot be undone.",
        ),
        confirm="Delete secret",
        on_confirm=_S.delete_secret,
        destructive=True,
    )


def _detail_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.code(_S.detail_name, variant="ghost"), " in ", _S.detail_environment
            ),
            rx.dialog.description(
                "Version ",
                _S.detail_version.to_string(),
                ", changed by ",
                _S.detail_updated_by,
                " at ",
                local_time(_S.detail_updated_at),
                ".",
                size="2",
            ),
            rx.vstack(
                rx.cond(_S.can_administer, _reveal_section()),
                rx.cond(
                    _S.can_write,
                    rx.vstack(
                        rx.separator(size="4"),
                        _edit_section(),
                        _copy_section(),
                        width="100%",
                        spacing="3",
                    ),
                ),
                rx.heading("Versions", size="3", as_="h3"),
                data_table(
                    _S.versions,
                    VERSION_COLUMNS,
                    label="Versions",
                    empty=rx.text("No versions.", size="2", color_scheme="gray"),
                    footer=pager(**_S.pager_props(VERSIONS), previous="Newer", next="Older"),
                    size="1",
                    stack_on_phone=True,
                    row_class="version-row",
                ),
                rx.hstack(
                    rx.cond(_S.can_write, _delete_button()),
                    rx.spacer(),
                    rx.dialog.close(
                        rx.button("Close", variant="soft", color_scheme="gray", type="button")
                    ),
                    width="100%",
                ),
                spacing="3",
                width="100%",
                margin_top="var(--space-3)",
            ),
            max_width="720px",
            id="secret-detail",
        ),
        open=_S.detail_open,
        on_open_change=_S.set_detail_open,
    )


def _environment_select(errors, value) -> rx.Component:
    return rx.vstack(
        rx.text("Environment", size="2", weight="medium", as_="div"),
        select(list(ENVIRONMENTS), label="Environment", name="environment", default_value=value),
        field_error(errors, "environment"),
        spacing="1",
        width="100%",
    )


def _add_dialog() -> rx.Component:
    return form_dialog(
        form_field(
            "Name",
            "name",
            _S.add_errors,
            placeholder="DATABASE_URL",
            hint="Capital letters, digits and underscores, not starting with a digit.",
            default_value=_S.add_name,
            auto_focus=True,
        ),
        form_field(
            "Value",
            "value",
            _S.add_errors,
            type="password",
            autocomplete="new-password",
            hint="Stored encrypted; never shown in a list.",
        ),
        _environment_select(_S.add_errors, _S.add_environment),
        title="Add a secret",
        description="Saving a name the environment has already adds a version of it.",
        confirm="Save secret",
        on_submit=_S.add_secret,
        open=_S.add_open,
        on_open_change=_S.set_add_open,
    )


_CHANGE_COLORS = {"created": "green", "updated": "amber", "unchanged": "gray"}


def _preview() -> rx.Component:
    item = lambda row: rx.el.li(  # noqa: E731 - a one-line row renderer
        rx.text("line ", row.line.to_string(), size="1", color_scheme="gray", as_="span"),
        rx.code(row.name, variant="ghost"),
        rx.match(
            row.change,
            *[
                (c, rx.badge(c, color_scheme=color, size="1"))
                for c, color in _CHANGE_COLORS.items()
            ],
            rx.badge(row.change, size="1"),
        ),
        class_name="preview-item pt-inline",
    )
    error = lambda row: rx.el.li(  # noqa: E731
        rx.text("Line ", row.line.to_string(), ": ", row.message, size="2", color_scheme="red"),
        class_name="preview-error",
    )
    return rx.cond(
        _S.preview_summary != "",
        rx.vstack(
            rx.text(_S.preview_summary, size="2", weight="medium", id="preview-summary"),
            rx.cond(
                _S.preview_errors.length() > 0,
                rx.el.ul(rx.foreach(_S.preview_errors, error), class_name="pt-plain-list"),
            ),
            rx.cond(
                _S.preview_items.length() > 0,
                rx.el.ul(
                    rx.foreach(_S.preview_items, item),
                    class_name="pt-plain-list",
                    aria_label="What will change",
                ),
            ),
            spacing="2",
            width="100%",
            max_height="240px",
            overflow_y="auto",
            id="dotenv-preview",
        ),
    )


def _paste_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Paste a .env block"),
            rx.dialog.description(
                "NAME=value lines; # comments, export and quotes are understood. Preview what "
                "will be created or updated, then apply: all or nothing.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.form(
                rx.vstack(
                    _environment_select(_S.paste_errors, "dev"),
                    rx.el.label(
                        rx.text(".env block", size="2", weight="medium"), html_for="dotenv-text"
                    ),
                    rx.text_area(
                        id="dotenv-text",
                        name="text",
                        rows="8",
                        placeholder="DATABASE_URL=postgres://…\nexport STRIPE_KEY=sk_live_…",
                        required=True,
                        width="100%",
                        spell_check=False,
                        font_family="var(--code-font-family)",
                    ),
                    field_error(_S.paste_errors, "text"),
                    _preview(),
                    dialog_footer(
                        rx.cond(_S.preview_ready, "Apply changes", "Preview changes"),
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=_S.paste,
            ),
            max_width="560px",
        ),
        open=_S.paste_open,
        on_open_change=_S.set_paste_open,
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.text(
            "Secrets of ",
            name_link(_S.workspace_name, _S.workspace_href),
            ", per environment. Values are encrypted and never listed.",
            size="2",
            color_scheme="gray",
        ),
        rx.spacer(),
        rx.cond(
            _S.can_administer,
            rx.hstack(
                rx.button(
                    rx.icon("clipboard-paste", size=14),
                    "Paste .env",
                    variant="soft",
                    on_click=_S.set_paste_open(True),
                    disabled=~_S.can_write,
                ),
                rx.button(
                    rx.icon("plus", size=14),
                    "Add secret",
                    on_click=_S.start_add("", "dev"),
                    disabled=~_S.can_write,
                ),
                spacing="2",
            ),
        ),
        width="100%",
        align="center",
        spacing="3",
        wrap="wrap",
    )


def _empty() -> rx.Component:
    return rx.cond(
        _S.can_write,
        empty_state(
            "key-round",
            "No secrets yet",
            "Add one with Add secret, or paste a .env file with Paste .env. Each is set per "
            "environment: dev, staging and prod.",
        ),
        empty_state(
            "key-round",
            "No secrets yet",
            "An administrator of this workspace adds them; they appear here by name.",
        ),
    )


@page(routes.WORKSPACE_SECRETS, on_load=[SecretsState.load])
def workspace_secrets_page() -> rx.Component:
    return rx.cond(
        _S.found,
        rx.vstack(
            _toolbar(),
            form_message(_S.read_only, color="amber", icon="snowflake"),
            rx.cond(
                ~_S.can_administer,
                rx.callout(
                    "You can see which secrets exist. Revealing and changing them needs "
                    "administer on this workspace.",
                    icon="info",
                    color_scheme="gray",
                    size="1",
                    width="100%",
                ),
            ),
            form_message(_S.error),
            data_table(
                _S.rows,
                MATRIX_COLUMNS,
                label="Secrets",
                empty=_empty(),
                footer=pager(**_S.pager_props(MATRIX)),
                row_class="secret-row",
                stack_on_phone=True,
            ),
            _add_dialog(),
            _detail_dialog(),
            _paste_dialog(),
            width="100%",
            spacing="3",
        ),
        workspace_not_found(),
    )


@page(routes.SECRETS, on_load=[PickedSecretsState.open_picked])
def picked_secrets() -> rx.Component:
    return no_workspace_to_open("Secrets belong to one workspace.")
