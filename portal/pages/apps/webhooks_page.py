"""An app's Webhooks, per environment: endpoints with their URL, description and event
categories; the signing secret revealed (in a toast, never kept in state) or rotated; enable,
disable, delete (each destructive step asked first). The page says plainly that delivery
arrives with the webhooks release."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.badges import status_badge
from portal.components.data_table import Column, data_table, pager, row_link
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog, form_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, form_field
from portal.domain.apps import WEBHOOK_CATEGORY_LABELS, AppPage, WebhookCategory
from portal.domain.dto import WebhookEndpointPublic
from portal.domain.errors import PortalError
from portal.domain.workspaces import EnvironmentName
from portal.layout import page
from portal.pages.apps.frame import app_frame, can_edit, environment_switch
from portal.services import webhook_endpoints
from portal.state.open_app import OpenAppState
from portal.state.pager import Pager
from portal.state.secrets import show_secret_once

LIST = "endpoints"
ENVIRONMENTS = tuple(EnvironmentName)
SECRET_TOAST = "webhook-secret"  # noqa: S105 - a toast id's start


def _toast_id() -> str:
    """A toast of its own for each secret shown: re-using one id right after its toast was
    closed let Sonner's pending dismissal take the new secret's toast with it."""
    return f"{SECRET_TOAST}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class EndpointRow:
    id: int
    url: str
    description: str
    categories: str  # "Organizations, Sign-ins"
    status: str  # enabled or disabled
    enabled: bool
    created_at: str
    href: str  # the endpoint's page

    @classmethod
    def of(cls, endpoint: WebhookEndpointPublic, base: str) -> EndpointRow:
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            description=endpoint.description,
            categories=", ".join(
                WEBHOOK_CATEGORY_LABELS[WebhookCategory(c)] for c in endpoint.categories
            ),
            status="enabled" if endpoint.enabled else "disabled",
            enabled=endpoint.enabled,
            created_at=iso_utc(endpoint.created_at),
            href=f"{base}/webhooks/{endpoint.id}",
        )


class WebhooksState(Pager, OpenAppState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    environment: str = EnvironmentName.PROD.value
    endpoints: list[EndpointRow] = []
    create_open: bool = False
    create_errors: dict[str, str] = {}

    def _where(self) -> dict:
        workspace_id, app_slug = self._route_params()
        return {"workspace_id": workspace_id, "app_slug": app_slug}

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            webhook_endpoints.list_endpoints,
            **self._where(),
            environment=self.environment,
            cursor=cursor,
        )
        self.endpoints = [EndpointRow.of(e, self.app_base) for e in listed.items]
        return listed.next_cursor

    @rx.event
    async def load(self):
        self.create_open = False
        self.environment = EnvironmentName.PROD.value
        if await self._open(AppPage.WEBHOOKS) is not None:
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
        try:
            created = await self._call(
                webhook_endpoints.create_endpoint,
                **self._where(),
                environment=self.environment,
                url=str(form.get("url", ""))[:2100],
                description=str(form.get("description", ""))[:300],
                categories=[c.value for c in WebhookCategory if form.get(f"category_{c.value}")],
            )
        except PortalError as exc:
            return self._show_error(exc, fields="create_errors", field="url")
        self.create_open = False
        await self._first_page(LIST)
        return show_secret_once(
            created.secret,
            title="The endpoint's signing secret: verify deliveries with it. Administrators "
            "can reveal it again here.",
            toast_id=_toast_id(),
        )

    async def _act(self, service, endpoint_id, **kwargs):
        return await self._call(
            service,
            **self._where(),
            endpoint_id=endpoint_id if isinstance(endpoint_id, int) else 0,
            **kwargs,
        )

    @rx.event
    async def reveal(self, endpoint_id: int):
        try:
            secret = await self._act(webhook_endpoints.reveal_secret, endpoint_id)
        except PortalError as exc:
            return self._show_error(exc)
        return show_secret_once(
            secret, title="The signing secret, revealed: copy it now.", toast_id=_toast_id()
        )

    @rx.event
    async def rotate(self, endpoint_id: int):
        try:
            secret = await self._act(webhook_endpoints.rotate_secret, endpoint_id)
        except PortalError as exc:
            return self._show_error(exc)
        await self._reload_page(LIST)
        return show_secret_once(
            secret,
            title="A new signing secret: update your receiver; the old one no longer signs.",
            toast_id=_toast_id(),
        )

    @rx.event
    async def set_enabled(self, endpoint_id: int, enabled: bool):
        try:
            await self._act(webhook_endpoints.set_enabled, endpoint_id, enabled=bool(enabled))
        except PortalError as exc:
            return self._show_error(exc)
        await self._reload_page(LIST)
        return None

    @rx.event
    async def delete(self, endpoint_id: int):
        try:
            await self._act(webhook_endpoints.delete_endpoint, endpoint_id)
        except PortalError as exc:
            return self._show_error(exc)
        await self._reload_page(LIST)
        return rx.toast.success("Endpoint deleted.", position="top-center")


_S = WebhooksState


def _actions(row) -> rx.Component:
    return rx.cond(
        can_edit(),
        rx.hstack(
            rx.button("Reveal secret", size="1", variant="soft", on_click=_S.reveal(row.id)),
            confirm_dialog(
                rx.button("Rotate", size="1", variant="soft", color_scheme="orange"),
                title="Rotate the signing secret?",
                description="A new secret replaces the current one at once: your receiver "
                "must switch to it before it can verify the next delivery.",
                confirm="Rotate secret",
                on_confirm=_S.rotate(row.id),
                destructive=True,
            ),
            rx.cond(
                row.enabled,
                rx.button(
                    "Disable",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=_S.set_enabled(row.id, False),
                ),
                rx.button(
                    "Enable", size="1", variant="soft", on_click=_S.set_enabled(row.id, True)
                ),
            ),
            confirm_dialog(
                rx.button("Delete", size="1", variant="soft", color_scheme="red"),
                title=("Delete the endpoint ", row.url, "?"),
                description="It receives nothing more; its signing secret is gone. This "
                "cannot be undone.",
                confirm="Delete endpoint",
                on_confirm=_S.delete(row.id),
                destructive=True,
            ),
            spacing="2",
            wrap="wrap",
        ),
    )


COLUMNS = (
    # The URL opens the endpoint's page: its delivery health and messages.
    Column("URL", lambda r: row_link(r.url, r.href), row_header=True),
    Column("Description", lambda r: r.description, nowrap=False),
    Column("Events", lambda r: r.categories, nowrap=False),
    Column("Status", lambda r: status_badge(r.status)),
    Column("Created", lambda r: local_time(r.created_at)),
    Column("", _actions),
)


def _create_dialog() -> rx.Component:
    boxes = [
        rx.el.label(
            rx.el.input(
                type="checkbox",
                name=f"category_{c.value}",
                class_name="pt-checkbox",
                default_checked=True,
            ),
            rx.el.span(WEBHOOK_CATEGORY_LABELS[c]),
            class_name="pt-check",
        )
        for c in WebhookCategory
    ]
    return form_dialog(
        form_field(
            "Endpoint URL",
            "url",
            _S.create_errors,
            type="url",
            placeholder="https://api.acme.com/webhooks/portal",
            auto_focus=True,
        ),
        form_field(
            "Description",
            "description",
            _S.create_errors,
            required=False,
            placeholder="Billing sync",
        ),
        rx.el.fieldset(
            rx.el.legend(rx.text("Events", size="2", weight="medium")),
            *boxes,
            class_name="pt-stack-tight pt-fieldset",
        ),
        field_error(_S.create_errors, "categories"),
        title=("New ", _S.environment, " endpoint"),
        description="Deliveries are signed (Standard Webhooks) with the secret shown after "
        "you add it.",
        confirm="Add endpoint",
        on_submit=_S.create,
        open=_S.create_open,
        on_open_change=_S.set_create_open,
        trigger=rx.button(rx.icon("plus", size=16), "Add endpoint", disabled=~can_edit()),
    )


@page(routes.APP_WEBHOOKS, on_load=[WebhooksState.load])
def app_webhooks() -> rx.Component:
    return app_frame(
        rx.el.div(
            rx.callout(
                "Delivery arrives with the webhooks release: endpoints added now start "
                "receiving signed events then, with retries and a delivery log.",
                icon="info",
                color_scheme="gray",
                size="1",
            ),
            rx.el.div(
                environment_switch(_S.environment, _S.switch_environment),
                rx.el.div(class_name="pt-grow"),
                _create_dialog(),
                class_name="pt-toolbar",
            ),
            data_table(
                _S.endpoints,
                COLUMNS,
                label="Webhook endpoints",
                empty=empty_state(
                    "webhook",
                    "No endpoints in this environment",
                    "Add one to receive this app's events at your backend.",
                ),
                footer=pager(**_S.pager_props(LIST)),
                row_class="endpoint-row",
            ),
            class_name="pt-stack",
        )
    )
