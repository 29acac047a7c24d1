"""Data Vault: the picked workspace's collections and their records, values masked; pick a
collection, create one with its schema, delete one (with its records, confirmed); records
paged newest first, exact-match search on a searchable field, reveal one field of one record,
add, edit and delete records (delete erases the record's key).

Built like the Secrets page (secrets.py): typed rows, service calls through `self._call`, the
Pager, the data table, confirm dialogs. Writes and reveal are shown to administrators only,
writes disabled on a frozen workspace (reveal reads: services/vault.py allows it); the service
refuses them anyway.

A value never enters the state: a revealed one travels once in the reveal event's return
(portal/components/reveal.py) and leaves the page at Hide or after REVEAL_SECONDS; typed
values (add, edit, search) reach a handler as its argument and go on to the service. To page
a search's results the state keeps its blind index (vault.search_digest: an HMAC under the
workspace's key, backend-only), never the value; clearing the search or changing the
collection forgets it.
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
from portal.domain.errors import Invalid, NotFound, PortalError
from portal.domain.paging import MAX_LIMIT
from portal.domain.vault import (
    FIELDS_MAX,
    NAME_MAX,
    FieldType,
    Sensitivity,
    VaultCollectionPublic,
    VaultRecordPublic,
)
from portal.domain.workspaces import WorkspaceStatus
from portal.layout import page
from portal.services import vault, workspaces
from portal.state.nav import NavState
from portal.state.pager import Pager
from portal.state.session import SessionState

RECORDS = "records"  # the paged list on this page
TOAST = {"position": "top-center"}
FIELD_TYPES = tuple(t.value for t in FieldType)
SENSITIVITIES = tuple(s.value for s in Sensitivity)
TOKEN_MAX = 64  # longer than any token: a forged one is cut, then NotFound
# Where a revealed value is written (by portal/components/reveal.py's script, not by React).
REVEAL_BOX = "vault-reveal"


def hide_revealed() -> rx.event.EventSpec:
    return reveal.hide_revealed(REVEAL_BOX)


# Typed rows ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRow:
    name: str
    type: str
    sensitivity: str
    searchable: bool


@dataclass(frozen=True)
class CollectionRow:
    name: str
    record_count: int


@dataclass(frozen=True)
class ValueRow:
    """One field of a record as shown: its masked value ("" and not `present` when unset)."""

    field: str
    value: str
    present: bool
    sensitivity: str


@dataclass(frozen=True)
class RecordRow:
    token: str
    cells: list[ValueRow]  # the fields the record has, in the schema's order
    updated_at: str
    updated_by: str

    @classmethod
    def of(cls, record: VaultRecordPublic, fields: list[FieldRow]) -> RecordRow:
        sensitivity = {f.name: f.sensitivity for f in fields}
        return cls(
            token=record.token,
            cells=[
                ValueRow(name, value, True, sensitivity.get(name, ""))
                for name, value in record.values.items()
            ],
            updated_at=iso_utc(record.updated_at),
            updated_by=record.updated_by,
        )


@dataclass(frozen=True)
class VaultHeader:
    id: str
    name: str
    can_administer: bool
    read_only: str  # why writes are refused ("" when they are not)
    collections: list[CollectionRow]


def _fields_of(collection: VaultCollectionPublic) -> list[FieldRow]:
    return [
        FieldRow(f.name, f.type.value, f.sensitivity.value, f.searchable) for f in collection.fields
    ]


def _header(*, session, actor, workspace_id: str) -> VaultHeader:
    """The workspace (read on it, remembered as the person's pick) and its collections."""
    detail = workspaces.get_workspace_detail(
        session=session, actor=actor, workspace_id=workspace_id
    )
    workspaces.remember_workspace(session=session, actor=actor, workspace_id=detail.id)
    listed = vault.list_collections(
        session=session, caller=actor, workspace_id=detail.id, limit=MAX_LIMIT
    )
    read_only = ""
    if detail.status == WorkspaceStatus.FROZEN:
        read_only = (
            f"{detail.name} is frozen: its vault records can be read and revealed, not "
            "changed, until an administrator unfreezes it."
        )
    elif detail.status == WorkspaceStatus.OFFBOARDING:
        read_only = f"{detail.name} is being offboarded: its vault is read-only."
    return VaultHeader(
        detail.id,
        detail.name,
        detail.can_administer,
        read_only,
        [CollectionRow(c.name, c.record_count) for c in listed.items],
    )


def _records(
    *,
    session,
    actor,
    workspace_id: str,
    collection: str,
    field: str,
    digest: str | None,
    cursor: str | None,
):
    """The collection (schema, count) and one page of its records, or of a search's, in one
    transaction."""
    found = vault.get_collection(
        session=session, caller=actor, workspace_id=workspace_id, collection=collection
    )
    if digest is None:
        listed = vault.list_records(
            session=session,
            caller=actor,
            workspace_id=workspace_id,
            collection=collection,
            cursor=cursor,
        )
    else:
        listed = vault.search_records(
            session=session,
            caller=actor,
            workspace_id=workspace_id,
            collection=collection,
            field=field,
            digest=digest,
            cursor=cursor,
        )
    return found, listed


def _as_caller(service):
    """A vault service taking `caller=`, called as `_call` calls (with `actor=`)."""

    def call(*, session, actor, **kwargs: Any):
        return service(session=session, caller=actor, **kwargs)

    return call


_get_record = _as_caller(vault.get_record)
_reveal_value = _as_caller(vault.reveal_value)
_search_digest = _as_caller(vault.search_digest)
_create_record = _as_caller(vault.create_record)
_update_record = _as_caller(vault.update_record)
_delete_record = _as_caller(vault.delete_record)


def _record_values(form: dict) -> dict[str, str]:
    """The values typed in a record form (inputs `value-<field>`); an empty input is left
    out: on add the field has no value, on edit it keeps the one it has."""
    values = {}
    for key, value in form.items():
        is_value = isinstance(key, str) and key.startswith("value-")
        if is_value and isinstance(value, str) and value.strip():
            values[key.removeprefix("value-")[:NAME_MAX]] = value
    return values


def _value_errors(exc: Invalid) -> dict[str, str]:
    """The service's per-field errors (`values.<field>`) keyed by field name; the rest under
    "values" (shown above the fields)."""
    errors: dict[str, str] = {}
    for where, message in exc.errors or ((exc.field or "values", exc.message),):
        key = where.removeprefix("values.") if where.startswith("values.") else "values"
        errors.setdefault(key, message)
    return errors


def _n_records(count: int) -> str:
    return "1 record" if count == 1 else f"{count:,} records"


class VaultState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (RECORDS,)

    found: bool = True
    workspace_name: str = ""
    workspace_href: str = ""
    can_administer: bool = False
    read_only: str = ""  # the frozen (offboarding) message; writes are disabled
    collections: list[CollectionRow] = []
    error: str = ""

    # The collection shown: its name, schema and record count, and a page of its records.
    collection: str = ""
    fields: list[FieldRow] = []
    record_count: int = 0
    rows: list[RecordRow] = []

    # Exact-match search: the field, and whether the rows are a search's results.
    search_field: str = ""
    searching: bool = False
    search_errors: dict[str, str] = {}
    _search_digest: str = ""  # backend only: the search's blind index, never its value

    # New collection: the schema's rows (ids, so removing one keeps the others' inputs).
    collection_open: bool = False
    draft_rows: list[int] = []
    _next_draft: int = 0
    collection_errors: dict[str, str] = {}

    # Add a record.
    add_open: bool = False
    add_errors: dict[str, str] = {}

    # One record: its masked values, reveal, edit, delete.
    detail_open: bool = False
    detail_token: str = ""
    detail_values: list[ValueRow] = []
    detail_updated_at: str = ""
    detail_updated_by: str = ""
    detail_errors: dict[str, str] = {}

    def _workspace_id(self) -> str:
        return self.router._page.params.get("workspace_uuid", "")

    @rx.var
    def can_write(self) -> bool:
        return self.can_administer and self.read_only == ""

    @rx.var
    def searchable_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.searchable]

    @rx.var
    def record_count_text(self) -> str:
        return _n_records(self.record_count)

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        if not self.collection:
            await self._check_session()  # nothing to load, but refuse a signed-out browser
            self.fields, self.record_count, self.rows = [], 0, []
            return None
        found, listed = await self._call(
            _records,
            workspace_id=self._workspace_id(),
            collection=self.collection,
            field=self.search_field,
            digest=self._search_digest if self.searching else None,
            cursor=cursor,
        )
        self.fields = _fields_of(found)
        self.record_count = found.record_count
        self.rows = [RecordRow.of(r, self.fields) for r in listed.items]
        searchable = [f.name for f in self.fields if f.searchable]
        if self.search_field not in searchable:
            self.search_field = searchable[0] if searchable else ""
        return listed.next_cursor

    @rx.event
    async def load(self):
        self.error = ""
        self.collection_open = self.add_open = self.detail_open = False
        try:
            header = await self._call(_header, workspace_id=self._workspace_id())
        except NotFound:
            self.found = False
            self.collections, self.rows = [], []
            return
        self.found = True
        self.workspace_name = header.name
        self.workspace_href = routes.workspace_url(header.id)
        self.can_administer = header.can_administer
        self.read_only = header.read_only
        self.collections = header.collections
        names = [c.name for c in header.collections]
        if self.collection not in names:  # first visit, or the collection went
            self.collection = names[0] if names else ""
            self.searching, self._search_digest = False, ""
        await self._first_page(RECORDS)

    async def _after_write(self, message: str) -> list:
        """Reload the collections and the records after a change; the toast says what."""
        header = await self._call(_header, workspace_id=self._workspace_id())
        self.collections = header.collections
        if self.collection not in [c.name for c in header.collections]:
            self.collection = header.collections[0].name if header.collections else ""
            self.searching, self._search_digest = False, ""
            await self._first_page(RECORDS)
        else:
            await self._reload_page(RECORDS)
        return [hide_revealed(), rx.toast.success(message, **TOAST)]

    # Collections ----------------------------------------------------------------------------

    @rx.event
    async def pick_collection(self, name: str):
        """Show another collection (the service checks the name the client sent)."""
        try:
            await self._first_page(
                RECORDS,
                collection=str(name)[:NAME_MAX],
                searching=False,
                _search_digest="",
                search_errors={},
            )
        except PortalError as exc:
            return self._show_error(exc)
        self.detail_open = False
        return hide_revealed()

    @rx.event
    def start_collection(self):
        self.draft_rows = [0]
        self._next_draft = 1
        self.collection_errors = {}
        self.collection_open = True

    @rx.event
    def set_collection_open(self, value: bool):
        self.collection_open = bool(value)
        self.collection_errors = {}

    @rx.event
    def add_draft_field(self):
        if len(self.draft_rows) < FIELDS_MAX:
            self.draft_rows = [*self.draft_rows, self._next_draft]
            self._next_draft += 1

    @rx.event
    def remove_draft_field(self, row: int):
        if len(self.draft_rows) > 1:
            self.draft_rows = [r for r in self.draft_rows if r != row]
            self.collection_errors = {}

    @rx.event
    async def create_collection(self, form: dict):
        self.collection_errors = {}
        rows = list(self.draft_rows)
        fields = [
            {
                "name": str(form.get(f"field-{r}-name", "")).strip(),
                "type": form.get(f"field-{r}-type", ""),
                "sensitivity": form.get(f"field-{r}-sensitivity", ""),
                "searchable": form.get(f"field-{r}-searchable") in ("on", True, "true"),
            }
            for r in rows
        ]
        try:
            made = await self._call(
                vault.create_collection,
                workspace_id=self._workspace_id(),
                name=str(form.get("name", "")).strip(),
                fields=fields,
            )
        except PortalError as exc:
            shown = self._show_error(exc, fields="collection_errors", field="name")
            # `fields.<index>...` names the schema's row by its place: map it to the row's id.
            for key, message in list(self.collection_errors.items()):
                parts = key.split(".")
                if parts[0] == "fields" and len(parts) > 1 and parts[1].isdigit():
                    row = rows[int(parts[1])] if int(parts[1]) < len(rows) else rows[-1]
                    suffix = f"-{parts[2]}" if len(parts) > 2 else ""
                    self.collection_errors = {f"field-{row}{suffix}": message}
            return shown
        self.collection_open = False
        self.collection = made.name
        self.searching, self._search_digest = False, ""
        return await self._after_write(f"Collection {made.name} created.")

    @rx.event
    async def delete_collection(self):
        """Delete the shown collection; with the records the question counted (force), so a
        collection that got records since the page showed 0 is refused, not emptied."""
        name = self.collection
        try:
            await self._call(
                vault.delete_collection,
                workspace_id=self._workspace_id(),
                collection=name,
                force=self.record_count > 0,
            )
        except PortalError as exc:
            return self._show_error(exc)
        self.detail_open = False
        return await self._after_write(f"Collection {name} deleted.")

    # Search ---------------------------------------------------------------------------------

    @rx.event
    async def search(self, form: dict):
        """Records whose field holds exactly the value; the value is not kept in any var the
        browser gets, nor in the URL."""
        self.search_errors = {}
        value = form.get("value", "")
        field = str(form.get("field", ""))[:NAME_MAX]
        try:
            # The value's blind index, not the value, is what the state keeps to page.
            digest = await self._call(
                _search_digest,
                workspace_id=self._workspace_id(),
                collection=self.collection,
                field=field,
                value=value if isinstance(value, str) else "",
            )
            await self._first_page(
                RECORDS, searching=True, search_field=field, _search_digest=digest
            )
        except PortalError as exc:
            return self._show_error(exc, fields="search_errors", field="value")
        return hide_revealed()

    @rx.event
    async def clear_search(self):
        self.search_errors = {}
        try:
            await self._first_page(RECORDS, searching=False, _search_digest="")
        except PortalError as exc:
            return self._show_error(exc)
        return None

    # Add a record ---------------------------------------------------------------------------

    @rx.event
    def set_add_open(self, value: bool):
        self.add_open = bool(value)
        self.add_errors = {}

    @rx.event
    async def add_record(self, form: dict):
        self.add_errors = {}
        try:
            made = await self._call(
                _create_record,
                workspace_id=self._workspace_id(),
                collection=self.collection,
                values=_record_values(form),
            )
        except Invalid as exc:
            self.add_errors = _value_errors(exc)
            return None
        except PortalError as exc:
            return self._show_error(exc, fields="add_errors", field="values")
        self.add_open = False
        return await self._after_write(f"Record {made.token} stored.")

    # One record -----------------------------------------------------------------------------

    def _show_record(self, record: VaultRecordPublic) -> None:
        self.detail_token = record.token
        self.detail_values = [
            ValueRow(f.name, record.values.get(f.name, ""), f.name in record.values, f.sensitivity)
            for f in self.fields
        ]
        self.detail_updated_at = iso_utc(record.updated_at)
        self.detail_updated_by = record.updated_by

    @rx.event
    async def open_record(self, token: str):
        """Show one record of the shown collection, masked (the service checks the token the
        client sent: another collection's or workspace's is NotFound)."""
        self.detail_errors = {}
        try:
            record = await self._call(
                _get_record,
                workspace_id=self._workspace_id(),
                collection=self.collection,
                token=str(token)[:TOKEN_MAX],
            )
        except PortalError as exc:
            return self._show_error(exc)
        self._show_record(record)
        self.detail_open = True
        return hide_revealed()

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = bool(value)
        self.detail_errors = {}
        return hide_revealed()

    @rx.event
    async def reveal(self, field: str):
        """One field of the open record, to this browser once (administer; audited)."""
        try:
            value = await self._call(
                _reveal_value,
                workspace_id=self._workspace_id(),
                collection=self.collection,
                token=self.detail_token,
                field=str(field)[:NAME_MAX],
            )
        except PortalError as exc:
            return self._show_error(exc)
        return rx.call_script(
            reveal.reveal_script(
                REVEAL_BOX,
                value,
                code_id="vault-revealed-value",
                caption=f"{field} of {self.detail_token}",
            )
        )

    @rx.event
    async def save_record(self, form: dict):
        """New values for the fields typed in; the others keep theirs. The token stays."""
        self.detail_errors = {}
        values = _record_values(form)
        try:
            saved = await self._call(
                _update_record,
                workspace_id=self._workspace_id(),
                collection=self.collection,
                token=self.detail_token,
                values=values,
            )
        except Invalid as exc:
            self.detail_errors = _value_errors(exc)
            return None
        except PortalError as exc:
            return self._show_error(exc, fields="detail_errors", field="values")
        if not values:
            self.detail_errors = {"values": "Type a new value in a field first."}
            return None
        self._show_record(saved)
        return await self._after_write(f"Record {saved.token} updated.")

    @rx.event
    async def delete_record(self):
        token = self.detail_token
        try:
            await self._call(
                _delete_record,
                workspace_id=self._workspace_id(),
                collection=self.collection,
                token=token,
            )
        except PortalError as exc:
            return self._show_error(exc)
        self.detail_open = False
        return await self._after_write(f"Record {token} erased.")


class PickedVaultState(NavState):
    """/vault: send the person to the picked workspace's Data Vault."""

    @rx.event
    async def open_picked(self):
        picked = await self._call(workspaces.workspace_to_open)
        if picked:
            return rx.redirect(routes.workspace_vault_url(picked), replace=True)
        return None


# The page -------------------------------------------------------------------------------------

_S = VaultState

_SENSITIVITY_COLORS = {"public": "gray", "masked": "blue", "secret": "amber"}


def _value(value) -> rx.Component:
    """A field's name and its masked value, as a record's row shows them."""
    return rx.el.span(
        rx.text(value.field, size="1", color_scheme="gray", as_="span"),
        rx.code(value.value, variant="ghost", size="2"),
        class_name="vault-value pt-inline",
    )


RECORD_COLUMNS = (
    Column(
        "Token",
        lambda r: rx.button(
            rx.code(r.token, variant="ghost", size="1"),
            size="1",
            variant="ghost",
            on_click=_S.open_record(r.token),
            aria_label="Open record " + r.token,
            class_name="vault-token",
        ),
        row_header=True,
    ),
    Column(
        "Values",
        lambda r: rx.flex(rx.foreach(r.cells, _value), spacing="3", wrap="wrap"),
        nowrap=False,
    ),
    Column(
        "Last changed",
        lambda r: rx.el.span(
            local_time(r.updated_at), rx.text(" by ", r.updated_by, as_="span", color_scheme="gray")
        ),
        nowrap=False,
    ),
)


def _input_type(field) -> Any:
    """A secret field is typed unseen; a date gets the date picker."""
    return rx.cond(
        field.sensitivity == "secret",
        "password",
        rx.cond(field.type == "date", "date", rx.cond(field.type == "phone", "tel", "text")),
    )


def _value_input(field, errors, placeholder) -> rx.Component:
    name = f"value-{field.name}"
    return rx.vstack(
        rx.el.label(
            rx.text(
                field.name,
                rx.text(" (", field.type, ", ", field.sensitivity, ")", color_scheme="gray"),
                size="2",
                weight="medium",
                as_="span",
            ),
            html_for=name,
        ),
        rx.input(
            id=name,
            name=name,
            type=_input_type(field),
            auto_complete="off",
            placeholder=placeholder,
            width="100%",
        ),
        rx.cond(
            errors.contains(field.name),
            rx.text(errors[field.name], size="2", color_scheme="red", class_name="value-error"),
        ),
        spacing="1",
        width="100%",
    )


def _add_dialog() -> rx.Component:
    return form_dialog(
        field_error(_S.add_errors, "values"),
        rx.foreach(_S.fields, lambda f: _value_input(f, _S.add_errors, "")),
        title=("Add a record to ", _S.collection),
        description="Fill in the fields it has; leave the others empty. The record gets a "
        "token to keep in your product instead of the values.",
        confirm="Store record",
        on_submit=_S.add_record,
        open=_S.add_open,
        on_open_change=_S.set_add_open,
    )


def _detail_value(value) -> rx.Component:
    return rx.el.li(
        rx.text(value.field, size="2", weight="medium", as_="span", min_width="8em"),
        rx.cond(
            value.present,
            rx.code(value.value, variant="ghost", size="2"),
            rx.text("no value", size="1", color_scheme="gray", as_="span"),
        ),
        rx.cond(
            _S.can_administer & value.present & (value.sensitivity != "public"),
            rx.button(
                rx.icon("eye", size=14, aria_hidden="true"),
                "Reveal",
                size="1",
                variant="soft",
                on_click=_S.reveal(value.field),
                aria_label="Reveal " + value.field,
            ),
        ),
        class_name="vault-detail-value pt-inline",
    )


def _edit_section() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Edit", size="3", as_="h3"),
            rx.text(
                "Type new values; fields left empty keep theirs.", size="1", color_scheme="gray"
            ),
            field_error(_S.detail_errors, "values"),
            rx.foreach(_S.detail_values, _edit_input),
            rx.hstack(rx.button("Save record", type="submit", size="2"), width="100%"),
            spacing="2",
            width="100%",
        ),
        on_submit=_S.save_record,
        reset_on_submit=True,
        width="100%",
    )


def _edit_input(value) -> rx.Component:
    name = f"value-{value.field}"
    return rx.vstack(
        rx.el.label(rx.text(value.field, size="2", weight="medium"), html_for=name),
        rx.input(
            id=name,
            name=name,
            type=rx.cond(value.sensitivity == "secret", "password", "text"),
            auto_complete="off",
            placeholder=rx.cond(value.present, value.value, "no value"),
            width="100%",
        ),
        rx.cond(
            _S.detail_errors.contains(value.field),
            rx.text(
                _S.detail_errors[value.field],
                size="2",
                color_scheme="red",
                class_name="value-error",
            ),
        ),
        spacing="1",
        width="100%",
    )


def _delete_record_button() -> rx.Component:
    return confirm_dialog(
        rx.button(rx.icon("trash-2", size=14), "Delete record", color_scheme="red", variant="soft"),
        title=("Delete record ", _S.detail_token, "?"),
        description=(
            "This erases the record and destroys its key: nothing left anywhere, backups "
            "made from now on included, can open its values again. Your product's copy of the "
            "token stops working. This cannot be undone."
        ),
        confirm="Delete record",
        on_confirm=_S.delete_record,
        destructive=True,
    )


def _detail_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.code(_S.detail_token, variant="ghost"), overflow_wrap="anywhere"),
            rx.dialog.description(
                "In ",
                _S.collection,
                ", changed by ",
                _S.detail_updated_by,
                " at ",
                local_time(_S.detail_updated_at),
                ".",
                size="2",
            ),
            rx.vstack(
                rx.el.ul(
                    rx.foreach(_S.detail_values, _detail_value),
                    class_name="pt-plain-list",
                    aria_label="Values",
                ),
                rx.cond(
                    _S.can_administer,
                    rx.text(
                        f"A revealed value shows here for {REVEAL_SECONDS} s; each reveal is "
                        "in the audit log.",
                        size="1",
                        color_scheme="gray",
                    ),
                ),
                # Filled by the reveal's script only: React renders it empty.
                reveal.reveal_box(REVEAL_BOX),
                rx.cond(
                    _S.can_write,
                    rx.vstack(rx.separator(size="4"), _edit_section(), width="100%", spacing="3"),
                ),
                rx.hstack(
                    rx.cond(_S.can_write, _delete_record_button()),
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
            max_width="640px",
            id="vault-record",
        ),
        open=_S.detail_open,
        on_open_change=_S.set_detail_open,
    )


def _draft_row(row) -> rx.Component:
    prefix = f"field-{row}"
    return rx.box(
        rx.flex(
            rx.box(
                rx.input(
                    id=f"{prefix}-name",
                    name=f"{prefix}-name",
                    placeholder="field_name",
                    aria_label="Field name",
                    auto_complete="off",
                    required=True,
                    width="100%",
                ),
                flex="1 1 10em",
                min_width="0",
            ),
            select(
                list(FIELD_TYPES),
                label="Type",
                name=f"{prefix}-type",
                default_value="string",
            ),
            select(
                list(SENSITIVITIES),
                label="Sensitivity",
                name=f"{prefix}-sensitivity",
                default_value="masked",
            ),
            rx.text(
                rx.flex(
                    rx.checkbox(name=f"{prefix}-searchable"), "Searchable", spacing="1", as_="span"
                ),
                as_="label",
                size="2",
            ),
            rx.icon_button(
                rx.icon("x", size=14),
                type="button",
                variant="ghost",
                color_scheme="gray",
                size="1",
                on_click=_S.remove_draft_field(row),
                aria_label="Remove this field",
                disabled=_S.draft_rows.length() < 2,
            ),
            spacing="2",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(
            _S.collection_errors.contains(f"{prefix}-name"),
            rx.text(_S.collection_errors[f"{prefix}-name"], size="2", color_scheme="red"),
        ),
        rx.cond(
            _S.collection_errors.contains(prefix),
            rx.text(_S.collection_errors[prefix], size="2", color_scheme="red"),
        ),
        key=row,
        class_name="draft-field",
        width="100%",
    )


def _collection_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New collection"),
            rx.dialog.description(
                "Name it and declare its fields. Sensitivity says how a list shows a value: "
                "public in clear, masked partly (j***@example.com), secret not at all. "
                "Searchable fields can be found by exact value.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.form(
                rx.vstack(
                    form_field(
                        "Name",
                        "name",
                        _S.collection_errors,
                        placeholder="customers",
                        hint="Lowercase letters, digits and underscores.",
                        auto_focus=True,
                    ),
                    rx.text("Fields", size="2", weight="medium", as_="div"),
                    rx.foreach(_S.draft_rows, _draft_row),
                    field_error(_S.collection_errors, "fields"),
                    rx.button(
                        rx.icon("plus", size=14),
                        "Add field",
                        type="button",
                        variant="soft",
                        size="1",
                        on_click=_S.add_draft_field,
                    ),
                    dialog_footer("Create collection"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=_S.create_collection,
            ),
            max_width="640px",
        ),
        open=_S.collection_open,
        on_open_change=_S.set_collection_open,
    )


def _delete_collection_button() -> rx.Component:
    return confirm_dialog(
        rx.button(
            rx.icon("trash-2", size=14),
            "Delete collection",
            color_scheme="red",
            variant="soft",
            size="2",
        ),
        title=("Delete collection ", _S.collection, "?"),
        description=rx.cond(
            _S.record_count > 0,
            rx.text(
                "Its ",
                _S.record_count_text,
                " go with it, their keys destroyed: their tokens stop working and nothing "
                "can open their values again. This cannot be undone.",
                as_="span",
            ),
            rx.text("It has no records. Its schema goes.", as_="span"),
        ),
        confirm="Delete collection",
        on_confirm=_S.delete_collection,
        destructive=True,
    )


def _schema_badge(field) -> rx.Component:
    """A field of the schema: its name, type and sensitivity (colour repeats it, never alone)."""
    return rx.badge(
        field.name,
        " · ",
        field.type,
        " · ",
        field.sensitivity,
        rx.cond(field.searchable, " · searchable", ""),
        color_scheme=rx.match(field.sensitivity, *_SENSITIVITY_COLORS.items(), "gray"),
        variant="soft",
        high_contrast=True,  # the soft blue and amber at 12 px fall short of 4.5:1
        size="1",
    )


def _collection_bar() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.select.root(
                rx.select.trigger(aria_label="Collection", min_width="12em"),
                rx.select.content(
                    rx.foreach(_S.collections, lambda c: rx.select.item(c.name, value=c.name))
                ),
                value=_S.collection,
                on_change=_S.pick_collection,
            ),
            rx.text(_S.record_count_text, size="2", color_scheme="gray", id="record-count"),
            rx.spacer(),
            rx.cond(
                _S.can_administer,
                rx.hstack(
                    rx.cond(_S.can_write, _delete_collection_button()),
                    rx.button(
                        rx.icon("plus", size=14),
                        "Add record",
                        on_click=_S.set_add_open(True),
                        disabled=~_S.can_write,
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
            ),
            width="100%",
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.flex(
            rx.foreach(_S.fields, _schema_badge),
            spacing="2",
            wrap="wrap",
            aria_label="Fields",
        ),
        width="100%",
        spacing="2",
    )


def _search_form() -> rx.Component:
    return rx.cond(
        _S.searchable_fields.length() > 0,
        rx.form(
            rx.flex(
                rx.select.root(
                    rx.select.trigger(aria_label="Search field"),
                    rx.select.content(
                        rx.foreach(_S.searchable_fields, lambda f: rx.select.item(f, value=f))
                    ),
                    name="field",
                    default_value=_S.search_field,
                    key=_S.collection,  # a new collection: its own default field
                ),
                rx.input(
                    name="value",
                    placeholder="Exact value",
                    aria_label="Search value",
                    auto_complete="off",
                    required=True,
                    flex="1 1 12em",
                    min_width="0",
                ),
                rx.button(rx.icon("search", size=14), "Search", type="submit", variant="soft"),
                rx.cond(
                    _S.searching,
                    rx.button(
                        "Clear search",
                        type="button",
                        variant="ghost",
                        color_scheme="gray",
                        on_click=_S.clear_search,
                    ),
                ),
                spacing="2",
                wrap="wrap",
                width="100%",
                align="center",
            ),
            field_error(_S.search_errors, "value"),
            field_error(_S.search_errors, "field"),
            on_submit=_S.search,
            width="100%",
            role="search",
        ),
        rx.text("No field of this collection is searchable.", size="1", color_scheme="gray"),
    )


def _no_records() -> rx.Component:
    return rx.cond(
        _S.searching,
        empty_state(
            "search-x",
            "No record matches",
            "Search finds exact values only (an email in any case, a phone number with or "
            "without spaces). Clear the search to see every record.",
        ),
        rx.cond(
            _S.can_write,
            empty_state(
                "shield",
                "No records yet",
                "Add one with Add record, or from your product with the vault API "
                "(POST /v1/workspaces/{id}/vault/{collection}/records): it returns the token "
                "to keep instead of the values.",
            ),
            empty_state(
                "shield",
                "No records yet",
                "An administrator of this workspace, or your product through the API, adds "
                "them; they appear here masked.",
            ),
        ),
    )


def _no_collections() -> rx.Component:
    return rx.cond(
        _S.can_write,
        empty_state(
            "shield",
            "No collections yet",
            "Create one with New collection: name it (customers, card_holders) and declare "
            "its fields, their type and how sensitive each is. Then add records.",
        ),
        empty_state(
            "shield",
            "No collections yet",
            "An administrator of this workspace creates them; their records appear here, masked.",
        ),
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.text(
            "Sensitive records of ",
            name_link(_S.workspace_name, _S.workspace_href),
            ", stored encrypted and shown masked. Your product keeps the tokens.",
            size="2",
            color_scheme="gray",
        ),
        rx.spacer(),
        rx.cond(
            _S.can_administer,
            rx.button(
                rx.icon("plus", size=14),
                "New collection",
                variant="soft",
                on_click=_S.start_collection,
                disabled=~_S.can_write,
            ),
        ),
        width="100%",
        align="center",
        spacing="3",
        wrap="wrap",
    )


@page(routes.WORKSPACE_VAULT, on_load=[VaultState.load])
def workspace_vault_page() -> rx.Component:
    return rx.cond(
        _S.found,
        rx.vstack(
            _toolbar(),
            form_message(_S.read_only, color="amber", icon="snowflake"),
            rx.cond(
                ~_S.can_administer,
                rx.callout(
                    "You see the records masked and can search them. Revealing and changing "
                    "them needs administer on this workspace.",
                    icon="info",
                    color_scheme="gray",
                    size="1",
                    width="100%",
                ),
            ),
            form_message(_S.error),
            rx.cond(
                _S.collections.length() > 0,
                rx.vstack(
                    _collection_bar(),
                    _search_form(),
                    data_table(
                        _S.rows,
                        RECORD_COLUMNS,
                        label="Records",
                        empty=_no_records(),
                        footer=pager(**_S.pager_props(RECORDS), previous="Newer", next="Older"),
                        row_class="record-row",
                        stack_on_phone=True,
                    ),
                    width="100%",
                    spacing="3",
                ),
                rx.box(_no_collections(), class_name="pt-card", width="100%"),
            ),
            _collection_dialog(),
            _add_dialog(),
            _detail_dialog(),
            width="100%",
            spacing="3",
        ),
        workspace_not_found(),
    )


@page(routes.VAULT, on_load=[PickedVaultState.open_picked])
def picked_vault() -> rx.Component:
    return no_workspace_to_open("The Data Vault belongs to one workspace.")
