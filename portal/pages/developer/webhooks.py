"""A developer app's Webhooks tab: the event categories and data types its newest published
version declares (with what each means) and where its events go; the webhook's state (healthy,
failing since, disabled with its reason, and "Turn back on"); its signing secret (Reveal,
Rotate); delivery health; and its messages to every workspace that installed it, each with its
attempts and a Replay, "Recover failed since…" and "Send test event" (the endpoint page's
pieces: components/webhook_messages.py). Anyone on the team reads; developers and owners
send; the services check both.

The signing secret is shown the way the Security tab shows a client secret: in the toast the
handler returns (portal/state/secrets.py), never in a state var, backend-only ones included.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.badges import status_badge
from portal.components.dates import iso_utc, local_time
from portal.components.delivery_charts import (
    CausePoint,
    VolumePoint,
    causes_chart,
    chart_figure,
    health_points,
    volume_chart,
)
from portal.components.dialogs import confirm_dialog
from portal.components.empty_state import empty_state
from portal.components.webhook_messages import (
    MESSAGES,
    attempts_dialog,
    messages_section,
    send_again,
)
from portal.domain.delivery_health import WINDOW_LABELS, HealthWindow
from portal.domain.dto import DeliveryHealth
from portal.domain.errors import PortalError
from portal.domain.events import EVENT_CATALOG
from portal.layout import page
from portal.pages.developer.frame import developer_app_frame, section
from portal.pages.webhook_messages import WebhookMessages
from portal.services import developer_apps, developer_webhooks
from portal.services.developer_apps import Declared, DeclaredByVersion
from portal.services.developer_webhooks import DeveloperWebhookStatus
from portal.services.webhook_logs import DeveloperAppRef
from portal.state.open_developer_app import OpenDeveloperAppState
from portal.state.pager import Pager
from portal.state.secrets import show_secret_once

TAB = "webhooks"
SECRET_TOAST = "webhook-signing-secret"  # noqa: S105 - a toast id's start


def _toast_id() -> str:
    """A toast of its own for each secret shown (as on an app's Webhooks page): re-using one
    id right after its toast closed let Sonner's pending dismissal take the new one along."""
    return f"{SECRET_TOAST}-{secrets.token_hex(4)}"


def _whole_tab(
    *, session, actor, app_id: int, window: str
) -> tuple[DeclaredByVersion, DeveloperWebhookStatus, DeliveryHealth]:
    """What the newest version declares, the webhook's state and its health, in one
    transaction."""
    return (
        developer_apps.declared(session=session, actor=actor, app_id=app_id),
        developer_webhooks.webhook_status(session=session, actor=actor, app_id=app_id),
        developer_webhooks.health_for_developer_app(
            session=session, actor=actor, app_id=app_id, window=window
        ),
    )


@dataclass(frozen=True)
class DeclaredRow:
    name: str
    description: str

    @classmethod
    def of(cls, item: Declared) -> DeclaredRow:
        return cls(name=item.name, description=item.description)


class DeveloperWebhooksState(WebhookMessages, Pager, OpenDeveloperAppState):
    PAGED: ClassVar[tuple[str, ...]] = (MESSAGES,)
    # Any event: what reaches the app is what its installed versions declare, and the test.
    EVENT_TYPES: ClassVar[tuple[str, ...]] = tuple(kind.value for kind in EVENT_CATALOG)

    declared_version: int = 0  # 0: nothing published yet
    declared_webhook_url: str = ""
    declared_categories: list[DeclaredRow] = []
    declared_data_types: list[DeclaredRow] = []
    webhook_state: str = ""  # an EndpointState: healthy, failing, disabled
    failing_since: str = ""  # ISO 8601 UTC, "" unless failing
    last_success_at: str = ""
    disabled_reason: str = ""
    previous_secret_until: str = ""  # while a rotated-out secret still signs
    can_manage: bool = False  # developer or owner: reveal, rotate, turn back on
    health_window: str = HealthWindow.DAY.value
    health_attempts: int = 0
    health_success_rate: str = ""  # "97.5%", "" without attempts
    health_p50: str = ""  # "120 ms"
    health_p95: str = ""
    health_next_retry: str = ""  # ISO 8601 UTC of the next retry due, ""
    health_volume: list[VolumePoint] = []
    health_causes: list[CausePoint] = []

    def _subscriber(self) -> DeveloperAppRef:
        return DeveloperAppRef(self._dev_app_id)

    async def _after_send(self) -> None:
        """A send can bring the next retry forward: the health figures again."""
        health = await self._call(
            developer_webhooks.health_for_developer_app,
            app_id=self._dev_app_id,
            window=self.health_window,
        )
        self._show_health(health)

    def _show_health(self, health: DeliveryHealth) -> None:
        self.health_window = health.window
        self.health_attempts = health.attempts
        rate = health.success_rate
        self.health_success_rate = "" if rate is None else f"{rate * 100:.1f}%"
        self.health_p50 = "" if health.p50_ms is None else f"{health.p50_ms} ms"
        self.health_p95 = "" if health.p95_ms is None else f"{health.p95_ms} ms"
        self.health_next_retry = iso_utc(health.next_retry_at)
        self.health_volume, self.health_causes = health_points(health)

    def _show_status(self, status: DeveloperWebhookStatus) -> None:
        self.webhook_state = status.state.value
        self.failing_since = iso_utc(status.failing_since)
        self.last_success_at = iso_utc(status.last_success_at)
        self.disabled_reason = status.disabled_reason
        self.previous_secret_until = iso_utc(status.previous_secret_expires_at)
        self.can_manage = status.can_manage

    @rx.event
    async def load(self):
        if await self._open_dev_app(TAB) is None:
            return
        found, status, health = await self._call(
            _whole_tab, app_id=self._dev_app_id, window=self.health_window
        )
        self.declared_version = found.version or 0
        self.declared_webhook_url = found.webhook_url
        self.declared_categories = [DeclaredRow.of(item) for item in found.event_categories]
        self.declared_data_types = [DeclaredRow.of(item) for item in found.data_types]
        self._show_status(status)
        self._show_health(health)
        await self._first_messages()

    @rx.event
    async def set_window(self, window: str | list[str]):
        """Health over another window (24h, 7d, 30d: the service takes anything else as 24h).
        A segmented control may send a list (its multiple mode): the first is taken."""
        picked = window[0] if isinstance(window, list) and window else window
        try:
            health = await self._call(
                developer_webhooks.health_for_developer_app,
                app_id=self._dev_app_id,
                window=str(picked)[:8],
            )
        except PortalError as exc:
            return self._show_error(exc)
        self._show_health(health)
        return None

    @rx.event
    async def reveal_secret(self):
        try:
            secret = await self._call(developer_webhooks.reveal_secret, app_id=self._dev_app_id)
        except PortalError as exc:
            return self._show_error(exc)
        # The secret goes to this browser once, in the toast; no var ever holds it.
        return show_secret_once(
            secret,
            title="The webhook signing secret: verify deliveries with it.",
            toast_id=_toast_id(),
            class_name="secret-once-toast pt-break",
        )

    @rx.event
    async def rotate_secret(self):
        try:
            secret = await self._call(developer_webhooks.rotate_secret, app_id=self._dev_app_id)
            status = await self._call(developer_webhooks.webhook_status, app_id=self._dev_app_id)
        except PortalError as exc:
            return self._show_error(exc)
        self._show_status(status)
        return show_secret_once(
            secret,
            title="A new signing secret. The old one also signs for 24 hours: switch your "
            "receiver to this one.",
            toast_id=_toast_id(),
            class_name="secret-once-toast pt-break",
        )

    @rx.event
    async def enable_webhook(self):
        try:
            status = await self._call(developer_webhooks.enable_webhook, app_id=self._dev_app_id)
        except PortalError as exc:
            return self._show_error(exc)
        self._show_status(status)
        return rx.toast.success("The webhook is on again.", position="top-center")


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


def _state_line() -> rx.Component:
    return rx.el.div(
        rx.text("State", size="2", weight="medium"),
        status_badge(_S.webhook_state),
        rx.match(
            _S.webhook_state,
            (
                "failing",
                rx.text("Failing since ", local_time(_S.failing_since), size="2"),
            ),
            (
                "disabled",
                rx.text("Disabled: ", _S.disabled_reason, size="2", class_name="pt-break"),
            ),
            rx.cond(
                _S.last_success_at != "",
                rx.text("Last success ", local_time(_S.last_success_at), size="2"),
            ),
        ),
        rx.cond(
            (_S.webhook_state == "disabled") & _S.can_manage,
            rx.button(
                rx.icon("power", size=16),
                "Turn back on",
                size="2",
                type="button",
                on_click=_S.enable_webhook,
                id="turn-webhook-on",
            ),
        ),
        class_name="pt-inline",
        id="webhook-state",
        style={"flex_wrap": "wrap"},
    )


def _secret_actions() -> rx.Component:
    return rx.cond(
        _S.can_manage,
        rx.el.div(
            rx.button(
                rx.icon("eye", size=16),
                "Reveal secret",
                variant="soft",
                type="button",
                on_click=_S.reveal_secret,
            ),
            confirm_dialog(
                rx.button(rx.icon("refresh-cw", size=16), "Rotate secret", variant="soft"),
                title="Rotate the signing secret?",
                description=(
                    "A new secret signs every delivery from now on. The old one keeps "
                    "signing beside it for 24 hours, so your receiver can switch, then stops.",
                ),
                confirm="Rotate secret",
                on_confirm=_S.rotate_secret,
            ),
            class_name="pt-inline",
            style={"flex_wrap": "wrap"},
        ),
        rx.text(
            "Developers and owners of the app reveal and rotate the signing secret.",
            size="2",
            color_scheme="gray",
            id="secret-managers-only",
        ),
    )


def _webhook() -> rx.Component:
    return section(
        "Webhook",
        _state_line(),
        rx.heading("Signing secret", size="3", as_="h3"),
        rx.text(
            "Every delivery carries webhook-id, webhook-timestamp and webhook-signature "
            "headers (Standard Webhooks). Verify them with this secret before trusting a "
            "delivery.",
            size="2",
        ),
        rx.cond(
            _S.previous_secret_until != "",
            rx.text(
                "The previous secret also signs until ",
                local_time(_S.previous_secret_until),
                ".",
                size="2",
                color_scheme="gray",
                id="previous-secret",
            ),
        ),
        _secret_actions(),
        label="Webhook state and signing secret",
    )


def _figure(label: str, value, figure_id: str) -> rx.Component:
    return rx.el.div(
        rx.el.dt(label),
        rx.el.dd(rx.cond(value != "", value, "—"), id=figure_id),
    )


def _health_charts() -> rx.Component:
    return rx.el.div(
        rx.el.dl(
            _figure("Attempts", _S.health_attempts.to_string(), "health-attempts"),
            _figure("Success rate", _S.health_success_rate, "health-success-rate"),
            _figure("Latency p50", _S.health_p50, "health-p50"),
            _figure("Latency p95", _S.health_p95, "health-p95"),
            class_name="pt-facts",
        ),
        rx.cond(
            _S.health_next_retry != "",
            rx.text(
                "Next retry due ", local_time(_S.health_next_retry), ".", size="2", id="next-retry"
            ),
        ),
        chart_figure(
            "Volume",
            "Attempts per bucket, succeeded and failed, in your time zone.",
            volume_chart(_S.health_volume),
            id="health-volume",
        ),
        chart_figure(
            "Failures by cause",
            "Failed attempts per bucket by what went wrong, in your time zone.",
            causes_chart(_S.health_causes),
            id="health-causes",
        ),
        class_name="pt-stack",
    )


def _window_picker() -> rx.Component:
    return rx.segmented_control.root(
        *[
            rx.segmented_control.item(label.removeprefix("Last "), value=window.value)
            for window, label in WINDOW_LABELS.items()
        ],
        value=_S.health_window,
        on_change=_S.set_window,
        size="1",
        aria_label="Health window",
        id="health-window",
    )


def _deliveries() -> rx.Component:
    return section(
        "Delivery health",
        rx.el.div(
            rx.text(
                "Every attempt to the webhook URL, in every workspace the app is installed in.",
                size="2",
                color_scheme="gray",
            ),
            rx.el.div(class_name="pt-grow"),
            _window_picker(),
            class_name="pt-toolbar",
        ),
        rx.cond(
            _S.health_attempts > 0,
            _health_charts(),
            empty_state(
                "send",
                "No deliveries yet",
                "Install the app in a workspace and publish a version that declares a webhook "
                "URL and event categories: each attempt's result, latency and failure cause "
                "shows here.",
            ),
        ),
        label="Delivery health",
    )


def _can_send() -> rx.Var:
    return _S.can_manage & (_S.webhook_state != "disabled")


def _why_not() -> rx.Component:
    """Why the send buttons are off: a viewer, or a webhook that is off."""
    return rx.text(
        rx.cond(
            ~_S.can_manage,
            "Developers and owners of the app send messages again.",
            "The webhook is off: turn it back on above to send again.",
        ),
        size="2",
        color_scheme="gray",
        id="send-disabled-reason",
    )


def _messages() -> rx.Component:
    return rx.el.div(
        send_again(_S, can_send=_can_send(), why_not=_why_not()),
        messages_section(
            _S,
            can_send=_can_send(),
            event_types=DeveloperWebhooksState.EVENT_TYPES,
            empty="Messages appear when a workspace that installed the app has an event of a "
            "category its version declares. Send a test event to see one now.",
        ),
        attempts_dialog(_S),
        class_name="pt-stack",
    )


@page(routes.DEVELOPER_APP_WEBHOOKS, on_load=[DeveloperWebhooksState.load])
def developer_app_webhooks() -> rx.Component:
    return developer_app_frame(
        rx.el.div(_declared(), _webhook(), _deliveries(), _messages(), class_name="pt-stack")
    )
