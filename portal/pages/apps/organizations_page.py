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
from portal.components.forms import field_error, form_field, select
from portal.domain.apps import ACTIVE_WINDOW, AppPage
from portal.domain.dto import MemberOfOrganization, OrganizationPublic
from portal.domain.errors import Invalid, PortalError
from portal.domain.workspaces import EnvironmentName
from portal.layout import page
from portal.pages.apps.frame import app_frame, can_edit, environment_switch
from portal.services import app_scope, organizations
from portal.state.open_app import OpenAppState
from portal.state.pager import Pager

LIST = "organizations"
MEMBERS = "members"
ROLES = ("member", "admin")
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


@dataclass(frozen=True)
class MemberRow:
    end_user_id: int
    email: str
    name: str
    role: str
    is_admin: bool

    @classmethod
    def of(cls, member: MemberOfOrganization) -> MemberRow:
        return cls(
            end_user_id=member.end_user_id,
            email=member.email,
            name=member.name,
            role=member.role,
            is_admin=member.role == "admin",
        )


def _console_scope(session, actor, workspace_id, app_slug, environment, *, write=False):
    return app_scope.for_console(
        session,
        actor,
        workspace_id=workspace_id,
        app_slug=app_slug,
        environment=environment,
        write=write,
    )


def _members(*, session, actor, workspace_id, app_slug, environment, organization_id, cursor):
    scope = _console_scope(session, actor, workspace_id, app_slug, environment)
    return organizations.list_members(
        session=session, scope=scope, organization_id=organization_id, cursor=cursor
    )


def _rename(*, session, actor, workspace_id, app_slug, environment, organization_id, name):
    scope = _console_scope(session, actor, workspace_id, app_slug, environment, write=True)
    return organizations.rename_organization(
        session=session, scope=scope, organization_id=organization_id, name=name
    )


def _add_member(
    *, session, actor, workspace_id, app_slug, environment, organization_id, email, role
):
    scope = _console_scope(session, actor, workspace_id, app_slug, environment, write=True)
    return organizations.set_member_by_email(
        session=session, scope=scope, organization_id=organization_id, email=email, role=role
    )


def _set_role(
    *, session, actor, workspace_id, app_slug, environment, organization_id, end_user_id, role
):
    scope = _console_scope(session, actor, workspace_id, app_slug, environment, write=True)
    return organizations.set_member(
        session=session,
        scope=scope,
        organization_id=organization_id,
        end_user_id=end_user_id,
        role=role,
    )


def _remove_member(
    *, session, actor, workspace_id, app_slug, environment, organization_id, end_user_id
):
    scope = _console_scope(session, actor, workspace_id, app_slug, environment, write=True)
    organizations.remove_member(
        session=session, scope=scope, organization_id=organization_id, end_user_id=end_user_id
    )


class OrganizationsState(Pager, OpenAppState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST, MEMBERS)

    environment: str = EnvironmentName.PROD.value
    organization_rows: list[OrganizationRow] = []
    search: str = ""
    create_open: bool = False
    create_errors: dict[str, str] = {}
    # The organization whose members (and name) are being edited: its id is checked by the
    # server against this app environment on every call.
    open_org_id: int = 0
    open_org_name: str = ""
    members_open: bool = False
    member_rows: list[MemberRow] = []
    member_errors: dict[str, str] = {}
    rename_open: bool = False
    rename_errors: dict[str, str] = {}
    member_form_key: int = 0  # bumped when a member was added: the form starts empty again

    def _where(self) -> dict:
        workspace_id, app_slug = self._route_params()
        return {"workspace_id": workspace_id, "app_slug": app_slug, "environment": self.environment}

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        if name == MEMBERS:
            page = await self._call(
                _members, **self._where(), organization_id=self.open_org_id, cursor=cursor
            )
            self.member_rows = [MemberRow.of(m) for m in page.items]
            return page.next_cursor
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

    @rx.event
    async def open_members(self, organization_id: int, name: str):
        # The organization is kept only once its first page of members loaded (_first_page
        # puts the vars back otherwise, a refused call included).
        try:
            await self._first_page(
                MEMBERS,
                open_org_id=organization_id if isinstance(organization_id, int) else 0,
                open_org_name=str(name)[:200],
            )
        except PortalError as exc:
            return self._show_error(exc)
        self.member_errors = {}
        self.members_open = True
        return None

    @rx.event
    def set_members_open(self, value: bool):
        self.members_open = bool(value)
        self.member_errors = {}

    async def _after_member_change(self):
        await self._reload_page(MEMBERS)
        await self._reload_page(LIST)
        await self._reopen()  # an organization without an admin is a blocker

    @rx.event
    async def add_member(self, form: dict):
        self.member_errors = {}
        role = str(form.get("role", "member"))
        try:
            await self._call(
                _add_member,
                **self._where(),
                organization_id=self.open_org_id,
                email=str(form.get("email", ""))[:400],
                role=role if role in ROLES else "member",
            )
        except PortalError as exc:
            # What was typed stays in the form to be corrected.
            return self._show_error(exc, fields="member_errors", field="email")
        self.member_form_key += 1
        await self._after_member_change()
        return None

    @rx.event
    async def set_role(self, end_user_id: int, role: str):
        try:
            await self._call(
                _set_role,
                **self._where(),
                organization_id=self.open_org_id,
                end_user_id=end_user_id if isinstance(end_user_id, int) else 0,
                role=role if role in ROLES else "member",
            )
        except PortalError as exc:
            return self._show_error(exc)
        await self._after_member_change()
        return None

    @rx.event
    async def remove_member(self, end_user_id: int):
        try:
            await self._call(
                _remove_member,
                **self._where(),
                organization_id=self.open_org_id,
                end_user_id=end_user_id if isinstance(end_user_id, int) else 0,
            )
        except PortalError as exc:
            return self._show_error(exc)
        await self._after_member_change()
        return None

    @rx.event
    def open_rename(self, organization_id: int, name: str):
        self.open_org_id = organization_id if isinstance(organization_id, int) else 0
        self.open_org_name = str(name)[:200]
        self.rename_errors = {}
        self.rename_open = True

    @rx.event
    def set_rename_open(self, value: bool):
        self.rename_open = bool(value)
        self.rename_errors = {}

    @rx.event
    async def rename(self, form: dict):
        self.rename_errors = {}
        try:
            renamed = await self._call(
                _rename,
                **self._where(),
                organization_id=self.open_org_id,
                name=str(form.get("name", ""))[:200],
            )
        except PortalError as exc:
            return self._show_error(exc, fields="rename_errors", field="name")
        self.rename_open = False
        await self._reload_page(LIST)
        return rx.toast.success(f"Renamed to {renamed.name}.", position="top-center")


_S = OrganizationsState


def _name(row) -> rx.Component:
    return rx.el.span(
        row.name,
        rx.cond(
            row.no_admin,
            rx.el.span(" · no admin", class_name="pt-missing", title="A blocker: give it an admin"),
        ),
    )


def _row_actions(row) -> rx.Component:
    return rx.hstack(
        rx.button("Members", size="1", variant="soft", on_click=_S.open_members(row.id, row.name)),
        rx.cond(
            can_edit(),
            rx.button(
                "Rename",
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=_S.open_rename(row.id, row.name),
            ),
        ),
        _delete_button(row),
        spacing="2",
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
    Column("", _row_actions),
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


def _member_row(member) -> rx.Component:
    return rx.el.li(
        rx.el.div(
            rx.el.span(member.email, class_name="pt-member-email"),
            rx.el.span(member.name, class_name="pt-dim-text"),
            class_name="pt-action-what",
        ),
        rx.cond(
            can_edit(),
            rx.hstack(
                select(
                    list(ROLES),
                    label=f"Role of {member.email}",
                    value=member.role,
                    on_change=lambda role: _S.set_role(member.end_user_id, role),
                ),
                confirm_dialog(
                    rx.icon_button(
                        rx.icon("x", size=14),
                        variant="ghost",
                        color_scheme="red",
                        aria_label="Remove " + member.email,
                    ),
                    title=("Remove ", member.email, "?"),
                    description=(
                        "They leave ",
                        _S.open_org_name,
                        " and stay an end user of the app.",
                    ),
                    confirm="Remove member",
                    on_confirm=_S.remove_member(member.end_user_id),
                    destructive=True,
                ),
                spacing="2",
                align="center",
            ),
            rx.badge(member.role, variant="soft"),
        ),
        class_name="pt-action-row member-row",
    )


def _members_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Members of ", _S.open_org_name),
            rx.dialog.description(
                "Admins manage their organization in your product; an organization "
                "without one is a blocker.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.cond(
                _S.member_rows.length() > 0,
                rx.el.ul(rx.foreach(_S.member_rows, _member_row), class_name="pt-action-list"),
                rx.el.p("No members yet.", class_name="pt-dim-text"),
            ),
            pager(**_S.pager_props(MEMBERS)),
            rx.cond(
                can_edit(),
                rx.form(
                    rx.hstack(
                        rx.input(
                            name="email",
                            type="email",
                            placeholder="End user's email",
                            aria_label="End user's email",
                            required=True,
                            flex="1",
                            min_width="180px",
                        ),
                        select(list(ROLES), label="Role", name="role", default_value="member"),
                        rx.button("Add member", type="submit"),
                        spacing="2",
                        wrap="wrap",
                        width="100%",
                    ),
                    field_error(_S.member_errors, "email"),
                    on_submit=_S.add_member,
                    key=_S.member_form_key.to_string(),
                    margin_top="var(--space-3)",
                ),
            ),
            rx.hstack(
                rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")),
                justify="end",
                padding_top="var(--space-3)",
            ),
            max_width="560px",
        ),
        open=_S.members_open,
        on_open_change=_S.set_members_open,
    )


def _rename_dialog() -> rx.Component:
    return form_dialog(
        rx.el.label(rx.text("Name", size="2", weight="medium"), html_for="org-name"),
        rx.input(
            id="org-name",
            name="name",
            default_value=_S.open_org_name,
            key=_S.open_org_id.to_string(),
            required=True,
            size="3",
            width="100%",
        ),
        field_error(_S.rename_errors, "name"),
        title=("Rename ", _S.open_org_name),
        description="Members and activity stay with it.",
        confirm="Save name",
        on_submit=_S.rename,
        open=_S.rename_open,
        on_open_change=_S.set_rename_open,
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
            _members_dialog(),
            _rename_dialog(),
            class_name="pt-stack",
        )
    )
