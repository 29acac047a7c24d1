"""Workspaces: the list (sortable, filtered, paginated on the server) and Create workspace."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.badges import status_badge
from portal.components.empty_state import empty_state
from portal.components.forms import field_error
from portal.config import get_settings
from portal.domain.errors import Invalid, PermissionDenied
from portal.domain.workspaces import VISIBLE_STATUSES, TenancyModel
from portal.layout import page
from portal.services import accounts, workspaces
from portal.state.session import SessionState

COLUMNS = (
    ("name", "Name"),
    ("account", "Account"),
    ("tenancy_model", "Tenancy model"),
    ("status", "Status"),
    ("region", "Region"),
    ("created_at", "Created"),
)
STATUSES = ("all", *VISIBLE_STATUSES)


class WorkspacesState(SessionState):
    rows: list[dict[str, str]] = []
    total: int = 0
    name_filter: str = ""
    status_filter: str = "all"
    sort: str = "created_at"
    direction: str = "desc"
    page_number: int = 1
    has_next: bool = False
    list_error: str = ""
    # Create workspace
    create_open: bool = False
    administered_accounts: list[dict[str, str]] = []
    readable_accounts: list[str] = []
    account_owners: str = ""  # "Acme: a@example.com, b@example.com; ..." for readers
    create_errors: dict[str, str] = {}
    _cursors: list[str] = []  # cursor of each page shown so far; [""] is the first
    _next_cursor: str = ""

    def _fetch(self, cursor: str) -> None:
        try:
            with self._acting() as (session, actor):
                filters = dict(
                    name_contains=self.name_filter.strip() or None,
                    status=None if self.status_filter == "all" else self.status_filter,
                )
                listed = workspaces.list_workspaces(
                    session=session,
                    actor=actor,
                    sort=self.sort,
                    direction=self.direction,
                    cursor=cursor or None,
                    **filters,
                )
                self.total = workspaces.count_workspaces(session=session, actor=actor, **filters)
        except Invalid as exc:
            self.list_error = exc.message
            return
        self.list_error = ""
        self.rows = [
            {
                "id": row.id,
                "name": row.name,
                "account": row.account_name,
                "tenancy_model": row.tenancy_model,
                "status": row.status,
                "region": row.region,
                "created_at": row.created_at.strftime("%Y-%m-%d"),
                "href": routes.workspace_url(row.id),
            }
            for row in listed.items
        ]
        self._next_cursor = listed.next_cursor or ""
        self.has_next = bool(listed.next_cursor)

    def _first_page(self) -> None:
        self._cursors = [""]
        self.page_number = 1
        self._fetch("")

    @rx.event
    def load(self):
        self.create_open = False
        self._first_page()
        with self._acting() as (session, actor):
            listed = accounts.list_accounts(session=session, actor=actor)
            # Who to ask for administer, named (seed 002: "Ask an account owner").
            owners = [
                f"{detail.name}: "
                + ", ".join(m.email for m in detail.members if m.account_permission == "administer")
                for detail in (
                    accounts.get_account(session=session, actor=actor, account_id=a.id)
                    for a in listed
                    if a.permission != "administer"
                )
            ]
        self.administered_accounts = [
            {"id": str(a.id), "name": a.name} for a in listed if a.permission == "administer"
        ]
        self.readable_accounts = [a.name for a in listed]
        self.account_owners = "; ".join(owners)

    @rx.event
    def filter_by_name(self, value: str):
        self._require_session()
        self.name_filter = value[:120]
        self._first_page()

    @rx.event
    def filter_by_status(self, value: str):
        self._require_session()
        self.status_filter = value if value in STATUSES else "all"
        self._first_page()

    @rx.event
    def sort_by(self, column: str):
        self._require_session()
        if column not in dict(COLUMNS):
            return
        if self.sort == column:
            self.direction = "asc" if self.direction == "desc" else "desc"
        else:
            self.sort, self.direction = column, "asc" if column != "created_at" else "desc"
        self._first_page()

    @rx.event
    def next_page(self):
        self._require_session()
        if not self._next_cursor:
            return
        self._cursors = [*self._cursors, self._next_cursor]
        self.page_number = len(self._cursors)
        self._fetch(self._next_cursor)

    @rx.event
    def previous_page(self):
        self._require_session()
        if len(self._cursors) < 2:
            return
        self._cursors = self._cursors[:-1]
        self.page_number = len(self._cursors)
        self._fetch(self._cursors[-1])

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = bool(value)
        self.create_errors = {}

    @rx.event
    def create(self, form: dict):
        self.create_errors = {}
        try:
            account_id = int(form.get("account_id") or 0)
        except ValueError:
            account_id = 0
        try:
            with self._acting() as (session, actor):
                created = workspaces.create_workspace(
                    session=session,
                    actor=actor,
                    account_id=account_id,
                    name=str(form.get("name", "")),
                    tenancy_model=str(form.get("tenancy_model") or TenancyModel.SHARED),
                    region=str(form.get("region") or "") or None,
                )
        except Invalid as exc:
            self.create_errors = {exc.field or "name": exc.message}
            return None
        except PermissionDenied as exc:
            self.create_errors = {"account_id": exc.message}
            return None
        self.create_open = False
        return rx.redirect(routes.workspace_url(created.id))


def _sortable_header(column: str, label: str) -> rx.Component:
    active = WorkspacesState.sort == column
    return rx.table.column_header_cell(
        rx.button(
            label,
            rx.cond(
                active,
                rx.icon(
                    rx.cond(WorkspacesState.direction == "asc", "arrow-up", "arrow-down"), size=12
                ),
                rx.icon("arrow-up-down", size=12, opacity="0.4"),
            ),
            variant="ghost",
            size="1",
            color_scheme="gray",
            on_click=WorkspacesState.sort_by(column),
        ),
        aria_sort=rx.cond(
            active, rx.cond(WorkspacesState.direction == "asc", "ascending", "descending"), "none"
        ),
    )


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row["name"], href=row["href"], weight="medium")),
        rx.table.cell(row["account"]),
        rx.table.cell(row["tenancy_model"]),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(row["region"]),
        rx.table.cell(row["created_at"]),
        class_name="workspace-row",
    )


def _create_dialog() -> rx.Component:
    errors = WorkspacesState.create_errors
    settings = get_settings()
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                rx.icon("plus", size=16),
                "Create workspace",
                disabled=WorkspacesState.administered_accounts.length() == 0,
            )
        ),
        rx.dialog.content(
            rx.dialog.title("Create workspace"),
            rx.dialog.description(
                "Only a name is needed. Portal assigns the URL slug and UUID and provisions "
                "dev, staging and prod environments.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(rx.text("Name", size="2", weight="medium"), html_for="name"),
                    rx.input(
                        id="name",
                        name="name",
                        placeholder="Production",
                        required=True,
                        width="100%",
                        auto_focus=True,
                    ),
                    field_error(errors, "name"),
                    rx.el.label(rx.text("Account", size="2", weight="medium")),
                    rx.select.root(
                        rx.select.trigger(width="100%", aria_label="Account"),
                        rx.select.content(
                            rx.foreach(
                                WorkspacesState.administered_accounts,
                                lambda a: rx.select.item(a["name"], value=a["id"]),
                            )
                        ),
                        name="account_id",
                        default_value=WorkspacesState.administered_accounts[0]["id"],
                    ),
                    field_error(errors, "account_id"),
                    rx.hstack(
                        rx.vstack(
                            rx.text("Tenancy model", size="2", weight="medium"),
                            rx.select(
                                list(TenancyModel),
                                name="tenancy_model",
                                default_value=TenancyModel.SHARED,
                                aria_label="Tenancy model",
                            ),
                            spacing="1",
                        ),
                        rx.vstack(
                            rx.text("Region", size="2", weight="medium"),
                            rx.select(
                                list(settings.regions),
                                name="region",
                                default_value=settings.regions[0],
                                aria_label="Region",
                            ),
                            field_error(errors, "region"),
                            spacing="1",
                        ),
                        spacing="4",
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button("Create workspace", type="submit"),
                        justify="end",
                        width="100%",
                        padding_top="var(--space-2)",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=WorkspacesState.create,
            ),
            max_width="480px",
        ),
        open=WorkspacesState.create_open,
        on_open_change=WorkspacesState.set_create_open,
    )


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Filter by name",
            value=WorkspacesState.name_filter,
            on_change=WorkspacesState.filter_by_name.debounce(300),
            aria_label="Filter by name",
            width="260px",
        ),
        rx.select(
            list(STATUSES),
            value=WorkspacesState.status_filter,
            on_change=WorkspacesState.filter_by_status,
            aria_label="Filter by status",
        ),
        rx.spacer(),
        _create_dialog(),
        width="100%",
        align="center",
        spacing="3",
    )


def _no_administer_hint() -> rx.Component:
    return rx.cond(
        WorkspacesState.administered_accounts.length() == 0,
        rx.callout(
            rx.cond(
                WorkspacesState.readable_accounts.length() > 0,
                rx.text(
                    "You can see workspaces but not create them: creating one needs "
                    "administer on an account. Ask an administrator to grant it — ",
                    WorkspacesState.account_owners,
                    ".",
                ),
                "You are not a member of any account yet. Ask an account owner to invite you.",
            ),
            icon="info",
            color_scheme="gray",
            size="1",
        ),
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.text(
            "Page ",
            WorkspacesState.page_number,
            " · ",
            WorkspacesState.total,
            " workspaces",
            size="2",
            color_scheme="gray",
        ),
        rx.spacer(),
        rx.button(
            "Previous",
            variant="soft",
            size="1",
            on_click=WorkspacesState.previous_page,
            disabled=WorkspacesState.page_number <= 1,
        ),
        rx.button(
            "Next",
            variant="soft",
            size="1",
            on_click=WorkspacesState.next_page,
            disabled=~WorkspacesState.has_next,
        ),
        width="100%",
        align="center",
    )


@page(routes.WORKSPACES, on_load=[WorkspacesState.load])
def workspaces_page() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Your tenant boundary for apps, data, secrets and environments.",
            color_scheme="gray",
            size="2",
        ),
        _toolbar(),
        _no_administer_hint(),
        rx.cond(
            WorkspacesState.list_error != "",
            rx.callout(WorkspacesState.list_error, icon="circle-alert", color_scheme="red"),
        ),
        rx.cond(
            WorkspacesState.rows.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(*[_sortable_header(col, label) for col, label in COLUMNS])
                ),
                rx.table.body(rx.foreach(WorkspacesState.rows, _row)),
                variant="surface",
                width="100%",
            ),
            empty_state(
                "boxes",
                rx.cond(
                    (WorkspacesState.name_filter != "") | (WorkspacesState.status_filter != "all"),
                    "No workspace matches these filters",
                    "No workspaces yet",
                ),
                "Create one with Create workspace, or ask to be added to an account's workspace.",
            ),
        ),
        _pager(),
        spacing="4",
        width="100%",
    )
