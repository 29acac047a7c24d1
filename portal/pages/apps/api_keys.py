"""An app's API keys, per environment (prod unless switched, with a badge when not): create
one (its secret shown once, never kept in state: portal/state/secrets.py), see when each was
last used, revoke one (refused from the next request on)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.badges import status_badge
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog, form_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, form_field, select
from portal.domain.apps import KEY_SCOPE_LABELS, AppPage, KeyScope
from portal.domain.dto import AppKeyPublic
from portal.domain.errors import PortalError
from portal.domain.workspaces import EnvironmentName
from portal.layout import page
from portal.pages.apps.frame import app_frame, can_edit, environment_switch
from portal.services import app_api_keys
from portal.state.open_app import OpenAppState
from portal.state.pager import Pager
from portal.state.secrets import show_secret_once

LIST = "keys"
ENVIRONMENTS = tuple(EnvironmentName)
EXPIRIES = {"Never": "", "7 days": "7", "30 days": "30", "90 days": "90", "1 year": "365"}
_SCOPES_BY_LABEL = {label: scope.value for scope, label in KEY_SCOPE_LABELS.items()}
SECRET_TOAST = "app-key-secret"  # noqa: S105 - a toast id, not a secret


@dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    prefix: str
    scope: str
    status: str  # active, expired, revoked
    active: bool
    created_at: str
    expires_at: str
    last_used_at: str

    @classmethod
    def of(cls, key: AppKeyPublic) -> KeyRow:
        now = datetime.now(UTC)
        status = "active"
        if key.revoked_at is not None:
            status = "revoked"
        elif key.expires_at is not None and key.expires_at <= now:
            status = "expired"
        return cls(
            id=key.id,
            name=key.name,
            prefix=f"{key.key_prefix}…",
            scope=KEY_SCOPE_LABELS.get(KeyScope(key.scope), key.scope),
            status=status,
            active=status == "active",
            created_at=iso_utc(key.created_at),
            expires_at=iso_utc(key.expires_at),
            last_used_at=iso_utc(key.last_used_at),
        )


class ApiKeysState(Pager, OpenAppState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    environment: str = EnvironmentName.PROD.value
    keys: list[KeyRow] = []
    create_open: bool = False
    create_errors: dict[str, str] = {}

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        workspace_id, app_slug = self._route_params()
        listed = await self._call(
            app_api_keys.list_keys,
            workspace_id=workspace_id,
            app_slug=app_slug,
            environment=self.environment,
            cursor=cursor,
        )
        self.keys = [KeyRow.of(key) for key in listed.items]
        return listed.next_cursor

    @rx.event
    async def load(self):
        self.create_open = False
        self.environment = EnvironmentName.PROD.value
        if await self._open(AppPage.API_KEYS) is not None:
            await self._first_page(LIST)

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
                app_api_keys.create_key,
                workspace_id=workspace_id,
                app_slug=app_slug,
                name=str(form.get("name", ""))[:200],
                environment=self.environment,
                scope=_SCOPES_BY_LABEL.get(str(form.get("scope", "")), "invalid"),
                expires_in_days=EXPIRIES.get(str(form.get("expires", "Never")), "invalid"),
            )
        except PortalError as exc:
            return self._show_error(exc, fields="create_errors", field="name")
        self.create_open = False
        await self._first_page(LIST)
        await self._reopen()
        # The secret goes to this browser once, in the toast; no var ever holds it.
        return show_secret_once(
            created.secret,
            title=f"Copy the key {created.key.name} now: it is shown only once.",
            toast_id=SECRET_TOAST,
        )

    @rx.event
    async def revoke(self, key_id: int):
        workspace_id, app_slug = self._route_params()
        try:
            revoked = await self._call(
                app_api_keys.revoke_key,
                workspace_id=workspace_id,
                app_slug=app_slug,
                key_id=key_id if isinstance(key_id, int) else 0,
            )
        except PortalError as exc:
            return self._show_error(exc)
        await self._reload_page(LIST)
        await self._reopen()
        return rx.toast.success(f"Revoked {revoked.name}.", position="top-center")


_S = ApiKeysState


def _revoke(row) -> rx.Component:
    return rx.cond(
        row.active & can_edit(),
        confirm_dialog(
            rx.button("Revoke", size="1", variant="soft", color_scheme="red"),
            title=("Revoke ", row.name, "?"),
            description=(
                "Requests with this key (",
                row.prefix,
                ") are refused from the next one on. This cannot be undone.",
            ),
            confirm="Revoke key",
            on_confirm=_S.revoke(row.id),
            destructive=True,
        ),
    )


COLUMNS = (
    Column("Name", lambda r: r.name, row_header=True),
    Column("Key", lambda r: rx.el.code(r.prefix, class_name="pt-slug")),
    Column("Scope", lambda r: r.scope),
    Column("Status", lambda r: status_badge(r.status)),
    Column("Created", lambda r: local_time(r.created_at)),
    Column("Expires", lambda r: rx.cond(r.expires_at != "", local_time(r.expires_at), "Never")),
    Column(
        "Last used", lambda r: rx.cond(r.last_used_at != "", local_time(r.last_used_at), "Never")
    ),
    Column("", _revoke),
)


def _create_dialog() -> rx.Component:
    return form_dialog(
        form_field(
            "Name", "name", _S.create_errors, placeholder="Billing service", auto_focus=True
        ),
        rx.el.label(rx.text("Scope", size="2", weight="medium")),
        select(
            list(_SCOPES_BY_LABEL),
            label="Scope",
            name="scope",
            default_value=KEY_SCOPE_LABELS[KeyScope.READ_WRITE],
            width="100%",
        ),
        field_error(_S.create_errors, "scope"),
        rx.el.label(rx.text("Expires", size="2", weight="medium")),
        select(
            list(EXPIRIES), label="Expires", name="expires", default_value="Never", width="100%"
        ),
        field_error(_S.create_errors, "expires_in_days"),
        title=("New ", _S.environment, " key for ", _S.app_name),
        description="The secret is shown once, right after you create it: copy it then. "
        "Portal keeps only its hash.",
        confirm="Create key",
        on_submit=_S.create,
        open=_S.create_open,
        on_open_change=_S.set_create_open,
        trigger=rx.button(rx.icon("plus", size=16), "Create key", disabled=~can_edit()),
        spacing="2",
    )


@page(routes.APP_API_KEYS, on_load=[ApiKeysState.load])
def app_api_keys_page() -> rx.Component:
    return app_frame(
        rx.el.div(
            rx.el.div(
                environment_switch(_S.environment, _S.switch_environment),
                rx.el.div(class_name="pt-grow"),
                _create_dialog(),
                class_name="pt-toolbar",
            ),
            data_table(
                _S.keys,
                COLUMNS,
                label="API keys",
                empty=empty_state(
                    "key-round",
                    rx.cond(
                        _S.environment == EnvironmentName.PROD.value,
                        "No prod keys yet",
                        "No keys in this environment",
                    ),
                    "Create a key for your backend to call the data-plane API. A prod key is "
                    "part of the app's baseline.",
                ),
                footer=pager(**_S.pager_props(LIST)),
                row_class="key-row",
            ),
            class_name="pt-stack",
        )
    )
