"""One webhook endpoint of an app (reached from its row on the Webhooks tab): the endpoint and
its state, delivery health over 24 hours, 7 or 30 days (volume and failures by cause as
charts, success rate and latency as figures), and its messages, newest first, each with its
attempts and a Replay; "Recover failed since…" (asks first, saying how many) and "Send test
event". Writes need administer and a workspace that is not frozen; the services check both.
"""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.dates import iso_utc, local_time
from portal.components.delivery_charts import (
    CausePoint,
    VolumePoint,
    causes_chart,
    chart_figure,
    health_points,
    volume_chart,
)
from portal.components.empty_state import empty_state
from portal.components.links import button_link
from portal.components.webhook_messages import (
    MESSAGES,
    attempts_dialog,
    messages_section,
    send_again,
)
from portal.domain.apps import WEBHOOK_CATEGORY_LABELS, AppPage, WebhookCategory
from portal.domain.delivery_health import WINDOW_LABELS, HealthWindow, window_of
from portal.domain.dto import EndpointHealth
from portal.domain.errors import NotFound
from portal.domain.events import EVENT_CATALOG, EventType
from portal.layout import page
from portal.pages.apps.frame import app_frame, can_edit
from portal.pages.webhook_messages import WebhookMessages
from portal.services import webhook_health
from portal.services.webhook_logs import EndpointRef
from portal.state.open_app import OpenAppState
from portal.state.pager import Pager

# What this endpoint can receive: the app events an endpoint subscribes to, and the test.
EVENT_TYPES = tuple(
    kind.value
    for kind, info in EVENT_CATALOG.items()
    if info.endpoint_category is not None or kind is EventType.WEBHOOK_TEST
)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def _ms(value: int | None) -> str:
    return "—" if value is None else f"{value} ms"


def _endpoint_id(value: object) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) <= 9 else 0


class WebhookEndpointState(WebhookMessages, Pager, OpenAppState):
    PAGED: ClassVar[tuple[str, ...]] = (MESSAGES,)
    EVENT_TYPES: ClassVar[tuple[str, ...]] = EVENT_TYPES

    endpoint_found: bool = True
    endpoint_url: str = ""
    endpoint_description: str = ""
    endpoint_environment: str = ""
    endpoint_categories: str = ""
    endpoint_state: str = ""  # healthy, failing, disabled
    endpoint_state_since: str = ""  # failing since / disabled at
    endpoint_disabled_reason: str = ""
    next_retry_at: str = ""
    window: str = HealthWindow.DAY.value
    attempts_total: int = 0
    success_rate: str = "—"
    p50: str = "—"
    p95: str = "—"
    volume: list[VolumePoint] = []
    causes: list[CausePoint] = []
    any_failures: bool = False

    def _where(self) -> dict:
        workspace_id, app_slug = self._route_params()
        endpoint = _endpoint_id(self.router._page.params.get("endpoint_id"))
        return {"workspace_id": workspace_id, "app_slug": app_slug, "endpoint_id": endpoint}

    def _subscriber(self) -> EndpointRef:
        return EndpointRef(**self._where())

    def _show_health(self, shown: EndpointHealth) -> None:
        endpoint, health = shown.endpoint, shown.health
        window = window_of(health.window)
        self.endpoint_url = endpoint.url
        self.endpoint_description = endpoint.description
        self.endpoint_environment = endpoint.environment
        self.endpoint_categories = ", ".join(
            WEBHOOK_CATEGORY_LABELS[WebhookCategory(c)] for c in endpoint.categories
        )
        self.endpoint_state = shown.state
        since = shown.failing_since if shown.state == "failing" else shown.disabled_at
        self.endpoint_state_since = iso_utc(since)
        self.endpoint_disabled_reason = shown.disabled_reason or ""
        self.next_retry_at = iso_utc(health.next_retry_at)
        self.window = window.value
        self.attempts_total = health.attempts
        self.success_rate = _percent(health.success_rate)
        self.p50, self.p95 = _ms(health.p50_ms), _ms(health.p95_ms)
        self.volume, self.causes = health_points(health)
        self.any_failures = any(b.failed for b in health.buckets)

    async def _load_health(self, window: str) -> None:
        shown = await self._call(
            webhook_health.health_for_endpoint, **self._where(), window=window_of(window).value
        )
        self._show_health(shown)

    async def _after_send(self) -> None:
        await self._load_health(self.window)

    @rx.event
    async def load(self):
        self.endpoint_found = True
        if await self._open(AppPage.WEBHOOKS) is None:
            return
        try:
            await self._load_health(HealthWindow.DAY.value)
            await self._first_messages()
        except NotFound:
            self.endpoint_found = False

    @rx.event
    async def set_window(self, value: str | list[str]):
        # The segmented control sends one value; a list is a forged call.
        await self._load_health(value if isinstance(value, str) else "")


_S = WebhookEndpointState


def _can_send() -> rx.Var:
    return can_edit() & (_S.endpoint_state != "disabled")


def _why_not() -> rx.Component:
    """Why the send buttons are off: a frozen workspace, a reader, a disabled endpoint."""
    return rx.text(
        rx.cond(
            _S.app_read_only != "",
            _S.app_read_only,
            rx.cond(
                ~_S.app_can_administer,
                "Sending again needs administer on the workspace.",
                "The endpoint is disabled: enable it on the Webhooks tab to send again.",
            ),
        ),
        size="2",
        color_scheme="gray",
        id="send-disabled-reason",
    )


def _state_badge() -> rx.Component:
    return rx.match(
        _S.endpoint_state,
        ("healthy", rx.badge("Healthy", color_scheme="green", high_contrast=True)),
        (
            "failing",
            rx.badge(
                "Failing since ",
                local_time(_S.endpoint_state_since),
                color_scheme="red",
                high_contrast=True,
            ),
        ),
        rx.badge("Disabled", color_scheme="gray", high_contrast=True),
    )


def _fact(term: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(term), rx.el.dd(value))


def _endpoint_card() -> rx.Component:
    return rx.card(
        rx.el.div(
            rx.el.div(
                rx.el.h2(
                    _S.endpoint_url, class_name="rt-Heading rt-r-size-4 pt-break", id="endpoint-url"
                ),
                _state_badge(),
                class_name="pt-inline pt-wrap-inline",
            ),
            rx.cond(_S.endpoint_description != "", rx.text(_S.endpoint_description, size="2")),
            rx.cond(
                _S.endpoint_state == "disabled",
                rx.callout(
                    rx.cond(
                        _S.endpoint_disabled_reason != "",
                        _S.endpoint_disabled_reason,
                        "Disabled: nothing is sent to it.",
                    ),
                    icon="circle-pause",
                    color_scheme="gray",
                    size="1",
                ),
            ),
            rx.el.dl(
                _fact("Environment", _S.endpoint_environment),
                _fact("Events", _S.endpoint_categories),
                _fact("Next retry", local_time(_S.next_retry_at, empty="None due")),
                class_name="pt-facts",
            ),
            class_name="pt-stack-tight",
        )
    )


def _tile(label: str, value, meaning: str) -> rx.Component:
    return rx.card(
        rx.el.span(label, class_name="pt-tile-label"),
        rx.el.span(value, class_name="pt-tile-value"),
        rx.el.span(meaning, class_name="pt-tile-meaning"),
        class_name="pt-tile",
    )


def _window_switch() -> rx.Component:
    return rx.segmented_control.root(
        *[rx.segmented_control.item(WINDOW_LABELS[w], value=w.value) for w in HealthWindow],
        value=_S.window,
        on_change=_S.set_window,
        aria_label="Health window",
        size="1",
    )


def _health() -> rx.Component:
    return rx.el.section(
        rx.el.div(
            rx.el.h2("Delivery health", class_name="rt-Heading rt-r-size-4"),
            rx.el.div(class_name="pt-grow"),
            _window_switch(),
            class_name="pt-toolbar",
        ),
        rx.el.div(
            _tile("Success rate", _S.success_rate, "of attempts in the window"),
            _tile("p50 latency", _S.p50, "half the answers came faster"),
            _tile("p95 latency", _S.p95, "19 in 20 came faster"),
            _tile("Attempts", _S.attempts_total, "made in the window"),
            class_name="pt-tiles",
        ),
        rx.cond(
            _S.attempts_total > 0,
            rx.el.div(
                chart_figure(
                    "Attempts over time",
                    "Succeeded and failed attempts per bucket, in your time zone.",
                    volume_chart(_S.volume),
                    id="volume-chart",
                ),
                chart_figure(
                    "Failures by cause",
                    "Failed attempts per bucket by what went wrong, in your time zone.",
                    rx.cond(
                        _S.any_failures,
                        causes_chart(_S.causes),
                        rx.text("No failures in this window.", size="2", color_scheme="gray"),
                    ),
                    id="causes-chart",
                ),
                class_name="pt-charts",
            ),
            rx.card(
                empty_state(
                    "activity",
                    "No attempts in this window",
                    "Deliveries show here once this app emits events the endpoint takes. "
                    "Send a test event to check your receiver now.",
                )
            ),
        ),
        class_name="pt-stack",
        aria_label="Delivery health",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "search-x",
        "Endpoint not found",
        "It was deleted, or belongs to another app. Open the app's Webhooks tab to pick one.",
        button_link("Webhooks", href=_S.app_base + "/webhooks", variant="soft"),
    )


@page(routes.APP_WEBHOOK_ENDPOINT, on_load=[WebhookEndpointState.load])
def app_webhook_endpoint() -> rx.Component:
    return app_frame(
        rx.cond(
            _S.endpoint_found,
            rx.el.div(
                rx.el.nav(
                    rx.link(
                        rx.icon("arrow-left", size=14),
                        "All endpoints",
                        href=_S.app_base + "/webhooks",
                        class_name="pt-inline",
                    ),
                    aria_label="Breadcrumb",
                ),
                _endpoint_card(),
                _health(),
                send_again(_S, can_send=_can_send(), why_not=_why_not()),
                messages_section(
                    _S,
                    can_send=_can_send(),
                    event_types=EVENT_TYPES,
                    empty="Messages appear when the app emits events this endpoint takes. Send "
                    "a test event to see one now.",
                ),
                attempts_dialog(_S),
                class_name="pt-stack",
            ),
            _not_found(),
        )
    )
