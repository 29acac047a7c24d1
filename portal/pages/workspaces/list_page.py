"""Workspaces: the list (sortable, filtered, paged on the server) and Create workspace.

Built from the shared pieces every list page uses: typed rows (dataclasses built from the
service's DTOs), the Pager mixin (portal/state/pager.py), service calls off the event loop
(`self._call`), the data table, the dialog footer and local dates (portal/components/).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.badges import status_badge
from portal.components.data_table import Column, data_table, pager, row_link
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import form_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, select
from portal.config import get_settings
from portal.domain.dto import AccountWithoutCreate, WorkspaceRow
from portal.domain.errors import PortalError
from portal.domain.workspaces import VISIBLE_STATUSES, TenancyModel
from portal.layout import page
from portal.services import accounts, workspaces
from portal.state.pager import Pager
from portal.state.session import SessionState

STATUSES = ("all", *VISIBLE_STATUSES)
LIST = "workspaces"  # the one paged list on this page


@dataclass(frozen=True)
class WorkspaceListRow:
    id: str
    name: str
    account: str
    tenancy_model: str
    status: str
    region: str
    created_at: str  # ISO 8601 UTC; shown in the viewer's local time
    href: str

    @classmethod
    def of(cls, row: WorkspaceRow) -> WorkspaceListRow:
        return cls(
            id=row.id,
            name=row.name,
            account=row.account_name,
            tenancy_model=row.tenancy_model,
            status=row.status,
            region=row.region,
            created_at=iso_utc(row.created_at),
            href=routes.workspace_url(row.id),
        )


@dataclass(frozen=True)
class AccountOption:
    id: str
    name: str


@dataclass(frozen=True)
class NoCreateRow:
    """An account the person reads but cannot create in, and whom to ask (seed 002: "Ask an
    account owner")."""

    account: str
    message: str

    @classmethod
    def of(cls, account: AccountWithoutCreate) -> NoCreateRow:
        who = ", ".join(account.administrators) or "none yet: ask Portal's operators"
        return cls(
            account=account.name,
            message=f"You can't create workspaces in {account.name}: it needs administer. "
            f"Ask an administrator ({who}).",
        )


def _page_of_workspaces(*, session, actor, cursor, count, **filters):
    """One page of the list and, on the first page, how many match: one transaction."""
    listed = workspaces.list_workspaces(session=session, actor=actor, cursor=cursor, **filters)
    total = None
    if count:
        total = workspaces.count_workspaces(
            session=session,
            actor=actor,
            name_contains=filters["name_contains"],
            status=filters["status"],
        )
    return listed, total


class WorkspacesState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    rows: list[WorkspaceListRow] = []
    total: int = 0
    name_filter: str = ""
    status_filter: str = "all"
    sort: str = "created_at"
    direction: str = "desc"
    # Create workspace
    create_open: bool = False
    administered_accounts: list[AccountOption] = []
    cannot_create: list[NoCreateRow] = []  # accounts read without administer, whom to ask
    create_errors: dict[str, str] = {}
    # Whether `total` counts the current filters: a sort or a page turn keeps the count, so
    # only a load or a filter change pays for counting again.
    _total_known: bool = False

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed, total = await self._call(
            _page_of_workspaces,
            cursor=cursor,
            count=not self._total_known,
            name_contains=self.name_filter.strip() or None,
            status=None if self.status_filter == "all" else self.status_filter,
            sort=self.sort,
            direction=self.direction,
        )
        self.rows = [WorkspaceListRow.of(row) for row in listed.items]
        if total is not None:
            self.total = total
            self._total_known = True
        return listed.next_cursor

    @rx.event
    async def load(self):
        await self._first_page(LIST, _total_known=False)
        options = await self._call(accounts.workspace_creation)
        self.administered_accounts = [
            AccountOption(id=str(a.id), name=a.name) for a in options.accounts
        ]
        self.cannot_create = [NoCreateRow.of(a) for a in options.without_create]
        self.create_open = False

    @rx.event
    async def filter_by_name(self, value: str):
        await self._first_page(LIST, name_filter=str(value)[:120], _total_known=False)

    @rx.event
    async def filter_by_status(self, value: str):
        status = value if value in STATUSES else "all"
        await self._first_page(LIST, status_filter=status, _total_known=False)

    @rx.event
    async def sort_by(self, column: str):
        if column not in workspaces.SORTS:
            return
        if self.sort == column:
            direction = "asc" if self.direction == "desc" else "desc"
        else:
            direction = "desc" if column == "created_at" else "asc"
        await self._first_page(LIST, sort=column, direction=direction)

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = bool(value)
        self.create_errors = {}

    @rx.event
    async def create(self, form: dict):
        self.create_errors = {}
        try:
            account_id = int(form.get("account_id") or 0)
        except (TypeError, ValueError):
            account_id = 0
        try:
            created = await self._call(
                workspaces.create_workspace,
                account_id=account_id,
                name=str(form.get("name", "")),
                tenancy_model=str(form.get("tenancy_model") or TenancyModel.SHARED),
                region=str(form.get("region") or "") or None,
            )
        except PortalError as exc:
            # Invalid names its field; NotFound / PermissionDenied concern the account.
            return self._show_error(exc, fields="create_errors", field="account_id")
        self.create_open = False
        return rx.redirect(routes.workspace_url(created.id))


COLUMNS = (
    Column(
        "Name",
        lambda row: row_link(row.name, row.href),
        sort="name",
        row_header=True,
    ),
    Column("Account", lambda row: row.account, sort="account"),
    Column("Tenancy model", lambda row: row.tenancy_model, sort="tenancy_model"),
    Column("Status", lambda row: status_badge(row.status), sort="status"),
    Column("Region", lambda row: row.region, sort="region"),
    Column("Created", lambda row: local_time(row.created_at), sort="created_at"),
)


def _labelled(label: str, control: rx.Component, error: str, html_for: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=html_for or None),
        control,
        field_error(WorkspacesState.create_errors, error),
        spacing="1",
        width="100%",
    )


def _cannot_create_notes() -> rx.Component:
    """Under the account list: the accounts it leaves out, and who can grant administer."""
    return rx.foreach(
        WorkspacesState.cannot_create,
        lambda row: rx.text(
            rx.icon("lock", size=12, display="inline", margin_right="4px"),
            row.message,
            size="1",
            color_scheme="gray",
            class_name="cannot-create",
        ),
    )


def _create_dialog() -> rx.Component:
    settings = get_settings()
    return form_dialog(
        _labelled(
            "Name",
            rx.input(
                id="name",
                name="name",
                placeholder="Production",
                required=True,
                width="100%",
                auto_focus=True,
            ),
            "name",
            html_for="name",
        ),
        _labelled(
            "Account",
            rx.select.root(
                rx.select.trigger(width="100%", aria_label="Account"),
                rx.select.content(
                    rx.foreach(
                        WorkspacesState.administered_accounts,
                        lambda a: rx.select.item(a.name, value=a.id),
                    )
                ),
                name="account_id",
                default_value=WorkspacesState.administered_accounts[0].id,
            ),
            "account_id",
        ),
        _cannot_create_notes(),
        rx.flex(
            _labelled(
                "Tenancy model",
                select(
                    list(TenancyModel),
                    label="Tenancy model",
                    name="tenancy_model",
                    default_value=TenancyModel.SHARED,
                    width="100%",
                ),
                "tenancy_model",
            ),
            _labelled(
                "Region",
                select(
                    list(settings.regions),
                    label="Region",
                    name="region",
                    default_value=settings.regions[0],
                    width="100%",
                ),
                "region",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="4",
            width="100%",
        ),
        title="Create workspace",
        description="Only a name is needed. Portal assigns the URL slug and UUID and "
        "provisions dev, staging and prod environments.",
        confirm="Create workspace",
        on_submit=WorkspacesState.create,
        open=WorkspacesState.create_open,
        on_open_change=WorkspacesState.set_create_open,
        trigger=rx.button(
            rx.icon("plus", size=16),
            "Create workspace",
            disabled=WorkspacesState.administered_accounts.length() == 0,
        ),
        spacing="3",
    )


def _toolbar() -> rx.Component:
    return rx.el.div(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Filter by name",
            value=WorkspacesState.name_filter,
            on_change=WorkspacesState.filter_by_name.debounce(300),
            aria_label="Filter by name",
            class_name="pt-filter",
        ),
        select(
            list(STATUSES),
            label="Filter by status",
            value=WorkspacesState.status_filter,
            on_change=WorkspacesState.filter_by_status,
        ),
        rx.el.div(class_name="pt-grow"),
        _create_dialog(),
        class_name="pt-toolbar",
    )


def _no_administer_hint() -> rx.Component:
    return rx.cond(
        WorkspacesState.administered_accounts.length() == 0,
        rx.callout(
            rx.cond(
                WorkspacesState.cannot_create.length() > 0,
                rx.vstack(
                    rx.foreach(
                        WorkspacesState.cannot_create,
                        lambda row: rx.text(row.message, class_name="cannot-create"),
                    ),
                    spacing="1",
                ),
                "You are not a member of any account yet. Ask an account owner to invite you.",
            ),
            icon="info",
            color_scheme="gray",
            size="1",
        ),
    )


def _filtered() -> rx.Var:
    return (WorkspacesState.name_filter != "") | (WorkspacesState.status_filter != "all")


def _empty() -> rx.Component:
    return rx.cond(
        _filtered(),
        empty_state(
            "search-x",
            "No workspace matches these filters",
            "Clear the name filter or choose the status All.",
        ),
        empty_state(
            "boxes",
            "No workspaces yet",
            "Create one with Create workspace, or ask to be added to an account's workspace.",
        ),
    )


@page(routes.WORKSPACES, on_load=[WorkspacesState.load])
def workspaces_page() -> rx.Component:
    return rx.el.div(
        rx.el.p(
            "Your tenant boundary for apps, data, secrets and environments.",
            class_name="pt-lede",
        ),
        _toolbar(),
        _no_administer_hint(),
        data_table(
            WorkspacesState.rows,
            COLUMNS,
            label="Workspaces",
            sort=WorkspacesState.sort,
            direction=WorkspacesState.direction,
            on_sort=WorkspacesState.sort_by,
            empty=_empty(),
            footer=pager(
                **WorkspacesState.pager_props(LIST),
                summary=rx.el.span("· ", WorkspacesState.total, " workspaces"),
            ),
            row_class="workspace-row",
        ),
        class_name="pt-stack",
    )
