"""An app's Organizations, per environment: search, create, rename, delete (asking first), with
how many members and admins each has (an organization without an admin is a blocker) and when
it was last active (live: within 7 days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog, form_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import form_field
from portal.domain.apps import ACTIVE_WINDOW, AppPage
from portal.domain.dto import OrganizationPublic
from portal.domain.errors import Invalid, PortalError
from portal.domain.workspaces import EnvironmentName
from portal.layout import page
from portal.pages.apps.frame import app_frame, can_edit, environment_switch
from portal.services import app_scope, organizations
from portal.state.open_app import OpenAppState
from portal.state.pager import Pager

LIST = "organizations"
ENVIRONMENTS = tuple(EnvironmentName)


@dataclass(frozen=True)
class OrganizationRow:
    id: int
    name: str
    members: int
    admins: int
    no_admin: bool
    live: bool
    last_active_at: str
    created_at: str

    @classmethod
    def of(cls, org: OrganizationPublic) -> OrganizationRow:
        now = datetime.now(UTC)
        return cls(
            id=org.id,
            name=org.name,
            members=org.members,
            admins=org.admins,
            no_admin=org.admins == 0,
            live=org.last_active_at is not None and org.last_active_at >= now - ACTIVE_WINDOW,
            last_active_at=iso_utc(org.last_active_at),
            created_at=iso_utc(org.created_at),
        )


def _list(*, session, actor, workspace_id, app_slug, environment, search, cursor):
    scope = app_scope.for_console(
        session, actor, workspace_id=workspace_id, app_slug=app_slug, environment=environment
    )
    return organizations.list_organizations(
        session=session, scope=scope, search=search, cursor=cursor
    )


def _create(*, session, actor, workspace_id, app_slug, environment, name):
    scope = app_scope.for_console(
        session,
        actor,
        workspace_id=workspace_id,
        app_slug=app_slug,
        environment=environment,
        write=True,
    )
    return organizations.create_organization(session=session, scope=scope, name=name)


def _delete(*, session, actor, workspace_id, app_slug, environment, organization_id):
    scope = app_scope.for_console(
        session,
        actor,
        workspace_id=workspace_id,
        app_slug=app_slug,
        environment=environment,
        write=True,
    )
    organizations.delete_organization(session=session, scope=scope, organization_id=organization_id)


class OrganizationsState(Pager, OpenAppState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    environment: str = EnvironmentName.PROD.value
    organization_rows: list[OrganizationRow] = []
    search: str = ""
    create_open: bool = False
    create_errors: dict[str, str] = {}

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        workspace_id, app_slug = self._route_params()
        listed = await self._call(
            _list,
            workspace_id=workspace_id,
            app_slug=app_slug,
            environment=self.environment,
            search=self.search.strip() or None,
            cursor=cursor,
        )
        self.organization_rows = [OrganizationRow.of(org) for org in listed.items]
        return listed.next_cursor

    @rx.event
    async def load(self):
        self.create_open = False
        self.search = ""
        self.environment = EnvironmentName.PROD.value
        if await self._open(AppPage.ORGANIZATIONS) is not None:
            await self._first_page(LIST)

    @rx.event
    async def search_organizations(self, value: str):
        try:
            await self._first_page(LIST, search=str(value)[: organizations.SEARCH_MAX])
        except Invalid as exc:
            return self._show_error(exc)
        return None

    @rx.event
    async def switch_environment(self, value: str):
        env = value if value in ENVIRONMENTS else EnvironmentName.PROD.value
        await self._first_page(LIST, environment=env)

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = bool(value)
        self.create_errors = {}

    @rx.event
    async def create(self, form: dict):
        self.create_errors = {}
        workspace_id, app_slug = self._route_params()
        try:
            created = await self._call(
                _create,
                workspace_id=workspace_id,
                app_slug=app_slug,
                environment=self.environment,
                name=str(form.get("name", ""))[:200],
            )
        except PortalError as exc:
            return self._show_error(exc, fields="create_errors", field="name")
        self.create_open = False
        await self._first_page(LIST)
        await self._reopen()
        return rx.toast.success(f"Created {created.name}.", position="top-center")

    @rx.event
    async def delete(self, organization_id: int):
        workspace_id, app_slug = self._route_params()
        try:
            await self._call(
                _delete,
                workspace_id=workspace_id,
                app_slug=app_slug,
                environment=self.environment,
                organization_id=organization_id if isinstance(organization_id, int) else 0,
            )
        except PortalError as exc:
            return self._show_error(exc)
        await self._reload_page(LIST)
        await self._reopen()
        return rx.toast.success("Organization deleted.", position="top-center")


_S = OrganizationsState


def _name(row) -> rx.Component:
    return rx.el.span(
        row.name,
        rx.cond(
            row.no_admin,
            rx.el.span(" · no admin", class_name="pt-missing", title="A blocker: give it an admin"),
        ),
    )


def _delete_button(row) -> rx.Component:
    return rx.cond(
        can_edit(),
        confirm_dialog(
            rx.button("Delete", size="1", variant="soft", color_scheme="red"),
            title=("Delete ", row.name, "?"),
            description=(
                "Its ",
                row.members,
                " memberships end; its people stay end users of the app. This cannot be undone.",
            ),
            confirm="Delete organization",
            on_confirm=_S.delete(row.id),
            destructive=True,
        ),
    )


COLUMNS = (
    Column("Name", _name, row_header=True),
    Column("Members", lambda r: r.members, align="right"),
    Column("Admins", lambda r: r.admins, align="right"),
    Column(
        "Last active",
        lambda r: rx.cond(
            r.last_active_at != "",
            rx.el.span(local_time(r.last_active_at), rx.cond(r.live, " · live", "")),
            "Never",
        ),
    ),
    Column("Created", lambda r: local_time(r.created_at)),
    Column("", _delete_button),
)


def _create_dialog() -> rx.Component:
    return form_dialog(
        form_field("Name", "name", _S.create_errors, placeholder="Globex", auto_focus=True),
        title=("New organization in ", _S.environment),
        description="Customers' companies or teams; end users join them as admin or member. "
        "The data-plane API creates them too.",
        confirm="Create organization",
        on_submit=_S.create,
        open=_S.create_open,
        on_open_change=_S.set_create_open,
        trigger=rx.button(rx.icon("plus", size=16), "Create organization", disabled=~can_edit()),
    )


@page(routes.APP_ORGANIZATIONS, on_load=[OrganizationsState.load])
def app_organizations() -> rx.Component:
    return app_frame(
        rx.el.div(
            rx.el.div(
                environment_switch(_S.environment, _S.switch_environment),
                rx.input(
                    rx.input.slot(rx.icon("search", size=14)),
                    placeholder="Search by name",
                    value=_S.search,
                    on_change=_S.search_organizations.debounce(300),
                    aria_label="Search organizations by name",
                    class_name="pt-filter",
                ),
                rx.el.div(class_name="pt-grow"),
                _create_dialog(),
                class_name="pt-toolbar",
            ),
            data_table(
                _S.organization_rows,
                COLUMNS,
                label="Organizations",
                empty=rx.cond(
                    _S.search != "",
                    empty_state("search-x", "No organization matches", "Clear the search."),
                    empty_state(
                        "building",
                        "No organizations yet",
                        "Create one here, or from your backend with POST /v1/organizations "
                        "and this environment's key.",
                    ),
                ),
                footer=pager(**_S.pager_props(LIST)),
                row_class="organization-row",
            ),
            class_name="pt-stack",
        )
    )
