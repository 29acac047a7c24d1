"""An app's End users, per environment: search, create (optionally inviting them by a magic
link mailed from the app's sender), disable or enable, delete (asking first), and each one's
last sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.badges import status_badge
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog, form_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import form_field
from portal.domain.apps import AppPage, SignInMethod
from portal.domain.dto import EndUserPublic
from portal.domain.errors import Invalid, PortalError
from portal.domain.workspaces import EnvironmentName
from portal.layout import page
from portal.pages.apps.frame import app_frame, can_edit, environment_switch
from portal.services import app_scope, end_users
from portal.state.open_app import OpenAppState
from portal.state.pager import Pager

LIST = "end_users"
ENVIRONMENTS = tuple(EnvironmentName)


@dataclass(frozen=True)
class EndUserRow:
    id: int
    email: str
    name: str
    status: str  # active or disabled
    disabled: bool
    organizations: str  # "Globex, Initech"
    last_sign_in_at: str
    created_at: str

    @classmethod
    def of(cls, user: EndUserPublic) -> EndUserRow:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            status="disabled" if user.disabled_at else "active",
            disabled=user.disabled_at is not None,
            organizations=", ".join(user.organizations),
            last_sign_in_at=iso_utc(user.last_sign_in_at),
            created_at=iso_utc(user.created_at),
        )


def _scope(session, actor, workspace_id, app_slug, environment, *, write=False):
    return app_scope.for_console(
        session,
        actor,
        workspace_id=workspace_id,
        app_slug=app_slug,
        environment=environment,
        write=write,
    )


def _list(*, session, actor, workspace_id, app_slug, environment, search, cursor):
    scope = _scope(session, actor, workspace_id, app_slug, environment)
    return end_users.list_end_users(session=session, scope=scope, search=search, cursor=cursor)


def _create(*, session, actor, workspace_id, app_slug, environment, email, name, invite):
    """Create the end user; with `invite`, mail them a magic link in the same transaction (a
    refused mail leaves no end user behind, so the form can simply be sent again)."""
    scope = _scope(session, actor, workspace_id, app_slug, environment, write=True)
    created = end_users.create_end_user(session=session, scope=scope, email=email, name=name)
    if invite:
        end_users.sign_in(
            session=session,
            scope=scope,
            end_user_id=created.id,
            method=SignInMethod.MAGIC_LINK.value,
        )
    return created


def _set_disabled(*, session, actor, workspace_id, app_slug, environment, end_user_id, disabled):
    scope = _scope(session, actor, workspace_id, app_slug, environment, write=True)
    return end_users.update_end_user(
        session=session, scope=scope, end_user_id=end_user_id, disabled=disabled
    )


def _delete(*, session, actor, workspace_id, app_slug, environment, end_user_id):
    scope = _scope(session, actor, workspace_id, app_slug, environment, write=True)
    end_users.delete_end_user(session=session, scope=scope, end_user_id=end_user_id)


class EndUsersState(Pager, OpenAppState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    environment: str = EnvironmentName.PROD.value
    end_user_rows: list[EndUserRow] = []
    search: str = ""
    create_open: bool = False
    create_errors: dict[str, str] = {}

    def _where(self) -> dict:
        workspace_id, app_slug = self._route_params()
        return {"workspace_id": workspace_id, "app_slug": app_slug, "environment": self.environment}

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            _list, **self._where(), search=self.search.strip() or None, cursor=cursor
        )
        self.end_user_rows = [EndUserRow.of(user) for user in listed.items]
        return listed.next_cursor

    @rx.event
    async def load(self):
        self.create_open = False
        self.search = ""
        self.environment = EnvironmentName.PROD.value
        if await self._open(AppPage.END_USERS) is not None:
            await self._first_page(LIST)

    @rx.event
    async def search_end_users(self, value: str):
        try:
            await self._first_page(LIST, search=str(value)[: end_users.SEARCH_MAX])
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
        invite = bool(form.get("invite"))
        try:
            created = await self._call(
                _create,
                **self._where(),
                email=str(form.get("email", ""))[:400],
                name=str(form.get("name", ""))[:200],
                invite=invite,
            )
        except PortalError as exc:
            # A refused invitation (magic links off, no sender) is said beside the checkbox;
            # an Invalid naming its field (the email) goes there.
            field = "invite" if invite else "email"
            return self._show_error(exc, fields="create_errors", field=field)
        self.create_open = False
        await self._first_page(LIST)
        said = f"Invited {created.email}." if invite else f"Added {created.email}."
        return rx.toast.success(said, position="top-center")

    @rx.event
    async def set_disabled(self, end_user_id: int, disabled: bool):
        try:
            user = await self._call(
                _set_disabled,
                **self._where(),
                end_user_id=end_user_id if isinstance(end_user_id, int) else 0,
                disabled=bool(disabled),
            )
        except PortalError as exc:
            return self._show_error(exc)
        await self._reload_page(LIST)
        word = "Disabled" if user.disabled_at else "Enabled"
        return rx.toast.success(f"{word} {user.email}.", position="top-center")

    @rx.event
    async def delete(self, end_user_id: int):
        try:
            await self._call(
                _delete,
                **self._where(),
                end_user_id=end_user_id if isinstance(end_user_id, int) else 0,
            )
        except PortalError as exc:
            return self._show_error(exc)
        await self._reload_page(LIST)
        return rx.toast.success("End user deleted.", position="top-center")


_S = EndUsersState


def _actions(row) -> rx.Component:
    return rx.cond(
        can_edit(),
        rx.hstack(
            rx.cond(
                row.disabled,
                rx.button(
                    "Enable",
                    size="1",
                    variant="soft",
                    on_click=_S.set_disabled(row.id, False),
                ),
                confirm_dialog(
                    rx.button("Disable", size="1", variant="soft", color_scheme="orange"),
                    title=("Disable ", row.email, "?"),
                    description="Their sessions end at once and they cannot sign in until "
                    "enabled again.",
                    confirm="Disable end user",
                    on_confirm=_S.set_disabled(row.id, True),
                    destructive=True,
                ),
            ),
            confirm_dialog(
                rx.button("Delete", size="1", variant="soft", color_scheme="red"),
                title=("Delete ", row.email, "?"),
                description="Their memberships and sessions go with them. This cannot be undone.",
                confirm="Delete end user",
                on_confirm=_S.delete(row.id),
                destructive=True,
            ),
            spacing="2",
        ),
    )


COLUMNS = (
    Column("Email", lambda r: r.email, row_header=True),
    Column("Name", lambda r: r.name),
    Column("Organizations", lambda r: r.organizations, nowrap=False),
    Column("Status", lambda r: status_badge(r.status)),
    Column(
        "Last sign-in",
        lambda r: rx.cond(r.last_sign_in_at != "", local_time(r.last_sign_in_at), "Never"),
    ),
    Column("Created", lambda r: local_time(r.created_at)),
    Column("", _actions),
)


def _create_dialog() -> rx.Component:
    return form_dialog(
        form_field(
            "Email",
            "email",
            _S.create_errors,
            type="email",
            placeholder="ana@globex.com",
            auto_focus=True,
        ),
        form_field("Name", "name", _S.create_errors, required=False, placeholder="Ana Lima"),
        rx.el.label(
            rx.el.input(type="checkbox", name="invite", class_name="pt-checkbox"),
            rx.el.span("Email them a sign-in link (needs magic links and a sender)"),
            class_name="pt-check",
        ),
        rx.cond(
            _S.create_errors.contains("invite"),
            rx.text(_S.create_errors["invite"], size="2", color_scheme="red", id="invite-error"),
        ),
        title=("New end user in ", _S.environment),
        description="People who sign in to your product. Your backend can create them with "
        "POST /v1/end-users too.",
        confirm="Add end user",
        on_submit=_S.create,
        open=_S.create_open,
        on_open_change=_S.set_create_open,
        trigger=rx.button(rx.icon("plus", size=16), "Add end user", disabled=~can_edit()),
    )


@page(routes.APP_END_USERS, on_load=[EndUsersState.load])
def app_end_users() -> rx.Component:
    return app_frame(
        rx.el.div(
            rx.el.div(
                environment_switch(_S.environment, _S.switch_environment),
                rx.input(
                    rx.input.slot(rx.icon("search", size=14)),
                    placeholder="Search by email or name",
                    value=_S.search,
                    on_change=_S.search_end_users.debounce(300),
                    aria_label="Search end users",
                    class_name="pt-filter",
                ),
                rx.el.div(class_name="pt-grow"),
                _create_dialog(),
                class_name="pt-toolbar",
            ),
            data_table(
                _S.end_user_rows,
                COLUMNS,
                label="End users",
                empty=rx.cond(
                    _S.search != "",
                    empty_state("search-x", "No end user matches", "Clear the search."),
                    empty_state(
                        "users",
                        "No end users yet",
                        "Add one here, or create them from your backend with POST "
                        "/v1/end-users and this environment's key.",
                    ),
                ),
                footer=pager(**_S.pager_props(LIST)),
                row_class="end-user-row",
            ),
            class_name="pt-stack",
        )
    )
