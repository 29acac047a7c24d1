"""The event catalog: every event type Portal emits, its categories, the data it carries and
an example payload. Fixed at build time (the catalog is Portal's, domain/events.py); GET
/v1/event-types serves the same as data."""

from __future__ import annotations

import json
from itertools import groupby

import reflex as rx

from portal import routes
from portal.domain.apps import WEBHOOK_CATEGORY_LABELS
from portal.domain.developer import DATA_TYPES, EVENT_CATEGORIES
from portal.domain.events import EVENT_CATALOG, EventTypeInfo
from portal.layout import page

_CATEGORY_ORDER = list(EVENT_CATEGORIES)


def _dt_dd(term: str, *description: rx.Component | str) -> list[rx.Component]:
    return [
        rx.el.dt(rx.text(term, size="2", weight="medium", as_="span")),
        rx.el.dd(*description),
    ]


def _event(info: EventTypeInfo) -> rx.Component:
    anchor = "event-" + info.type.value.replace(".", "-")
    endpoint = (
        WEBHOOK_CATEGORY_LABELS[info.endpoint_category]
        if info.endpoint_category is not None
        else "None: about the workspace, for installed developer apps only"
    )
    return rx.card(
        rx.vstack(
            rx.heading(rx.code(info.type.value), size="3", as_="h3", id=anchor),
            rx.text(info.description, size="2"),
            rx.el.dl(
                *_dt_dd("Manifest category", rx.code(info.category, size="2")),
                *_dt_dd("Webhook endpoint category", rx.text(endpoint, size="2", as_="span")),
                *_dt_dd(
                    "Data types",
                    rx.text(
                        ", ".join(f"{name} ({DATA_TYPES[name]})" for name in info.data_types),
                        size="2",
                        as_="span",
                    ),
                ),
                class_name="pt-catalog pt-stack-tight",
            ),
            rx.text("Example payload", size="2", weight="medium"),
            rx.el.pre(
                rx.el.code(json.dumps(info.example_payload(), indent=2)),
                class_name="pt-code-sample",
                aria_label=f"Example payload of {info.type.value}",
                tab_index=0,
            ),
            spacing="2",
            width="100%",
            align="stretch",
        ),
        width="100%",
        class_name="pt-event-type",
    )


def _category(category: str, infos: list[EventTypeInfo]) -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading(rx.code(category), size="4", as_="h2"),
            rx.text(EVENT_CATEGORIES[category], size="2", color_scheme="gray"),
            *[_event(info) for info in infos],
            spacing="3",
            width="100%",
            align="stretch",
        ),
        id=f"category-{category}",
    )


def _by_category() -> list[tuple[str, list[EventTypeInfo]]]:
    ordered = sorted(EVENT_CATALOG.values(), key=lambda info: _CATEGORY_ORDER.index(info.category))
    return [(key, list(group)) for key, group in groupby(ordered, key=lambda i: i.category)]


@page(routes.DEVELOPER_EVENTS)
def event_catalog() -> rx.Component:
    return rx.container(
        rx.vstack(
            rx.text(
                "Every change below is recorded as an event in the same transaction as the "
                "change itself, for the webhook endpoints and installed developer apps "
                "subscribed to its category: a JSON body with the event's type, a timestamp "
                "and its data, signed per Standard Webhooks (webhook-id, webhook-timestamp, "
                "webhook-signature). A failed delivery is tried again 5 s, 5 min, 30 min, "
                "2 h, 5 h, 10 h and 10 h later; a URL failing for 5 days with no success is "
                "turned off and its owners are told.",
                size="2",
            ),
            rx.text(
                "A developer app receives the events of the manifest categories it declares; "
                "an app's webhook endpoint those of the categories it takes. The same catalog "
                "is served as data at ",
                rx.link(
                    rx.code("/v1/event-types"),
                    href="/v1/event-types",
                    is_external=True,
                    underline="always",
                ),
                ".",
                size="2",
            ),
            *[_category(category, infos) for category, infos in _by_category()],
            spacing="5",
            width="100%",
            align="stretch",
        ),
        size="3",
        max_width="860px",
        width="100%",
    )
