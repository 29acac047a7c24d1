"""A developer app's Webhooks tab: the event categories and data types its newest published
version declares (with what each means) and where its events go; deliveries, said plainly,
are not sent yet."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.components.empty_state import empty_state
from portal.layout import page
from portal.pages.developer.frame import developer_app_frame, section
from portal.services import developer_apps
from portal.services.developer_apps import Declared
from portal.state.open_developer_app import OpenDeveloperAppState

TAB = "webhooks"


@dataclass(frozen=True)
class DeclaredRow:
    name: str
    description: str

    @classmethod
    def of(cls, item: Declared) -> DeclaredRow:
        return cls(name=item.name, description=item.description)


class DeveloperWebhooksState(OpenDeveloperAppState):
    declared_version: int = 0  # 0: nothing published yet
    declared_webhook_url: str = ""
    declared_categories: list[DeclaredRow] = []
    declared_data_types: list[DeclaredRow] = []

    @rx.event
    async def load(self):
        if await self._open_dev_app(TAB) is None:
            return
        found = await self._call(developer_apps.declared, app_id=self._dev_app_id)
        self.declared_version = found.version or 0
        self.declared_webhook_url = found.webhook_url
        self.declared_categories = [DeclaredRow.of(item) for item in found.event_categories]
        self.declared_data_types = [DeclaredRow.of(item) for item in found.data_types]


_S = DeveloperWebhooksState


def _list(rows, empty: str, list_id: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.el.ul(
            rx.foreach(
                rows,
                lambda row: rx.el.li(
                    rx.el.code(row.name),
                    rx.el.span(row.description, class_name="pt-dim-text"),
                ),
            ),
            class_name="pt-declared",
            id=list_id,
        ),
        rx.text(empty, size="2", color_scheme="gray", id=list_id),
    )


def _declared() -> rx.Component:
    return section(
        "Declared",
        rx.cond(
            _S.declared_version > 0,
            rx.el.div(
                rx.text(
                    "What version ",
                    _S.declared_version.to_string(),
                    " (the newest published) subscribes to. Change it with a new version "
                    "under Versions.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.heading("Event categories", size="3", as_="h3"),
                _list(_S.declared_categories, "No event categories.", "declared-categories"),
                rx.heading("Data types", size="3", as_="h3"),
                _list(_S.declared_data_types, "No data types.", "declared-data-types"),
                rx.heading("Webhook URL", size="3", as_="h3"),
                rx.cond(
                    _S.declared_webhook_url != "",
                    rx.el.code(_S.declared_webhook_url, class_name="pt-slug", id="webhook-url"),
                    rx.text("None declared.", size="2", color_scheme="gray", id="webhook-url"),
                ),
                class_name="pt-stack-tight",
            ),
            empty_state(
                "list-plus",
                "Nothing published yet",
                "The event categories and data types of the newest published version show "
                "here. Declare them in the manifest under Versions, then publish.",
            ),
        ),
        label="Declared event categories and data types",
    )


def _deliveries() -> rx.Component:
    return section(
        "Deliveries",
        empty_state(
            "send",
            "No deliveries yet",
            "Portal does not send events to developer apps yet. Once it does, each delivery "
            "to the webhook URL and its health (success rate, latency, failures by cause) "
            "shows here.",
        ),
    )


@page(routes.DEVELOPER_APP_WEBHOOKS, on_load=[DeveloperWebhooksState.load])
def developer_app_webhooks() -> rx.Component:
    return developer_app_frame(rx.el.div(_declared(), _deliveries(), class_name="pt-stack"))
