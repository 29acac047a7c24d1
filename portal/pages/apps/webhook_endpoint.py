"""One webhook endpoint of an app (reached from its row on the Webhooks tab): the endpoint and
its state, delivery health over 24 hours, 7 or 30 days (volume and failures by cause as
charts, success rate and latency as figures), and its messages, newest first, each with its
attempts and a Replay; "Recover failed since…" (asks first, saying how many) and "Send test
event". Writes need administer and a workspace that is not frozen; the services check both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.badges import status_badge
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.delivery_charts import (
    CAUSES,
    CausePoint,
    VolumePoint,
    causes_chart,
    chart_figure,
    volume_chart,
)
from portal.components.dialogs import confirm_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import select
from portal.components.links import button_link
from portal.domain.apps import WEBHOOK_CATEGORY_LABELS, AppPage, WebhookCategory
from portal.domain.delivery_health import WINDOW_LABELS, HealthWindow, window_of
from portal.domain.dto import EndpointHealth, WebhookAttemptPublic, WebhookMessage
from portal.domain.errors import NotFound, PortalError
from portal.domain.events import EVENT_CATALOG, EventType
from portal.layout import page
from portal.pages.apps.frame import app_frame, can_edit
from portal.services import webhook_health, webhook_logs
from portal.state.open_app import OpenAppState
from portal.state.pager import Pager

MESSAGES = "messages"
STATUSES = (
    ("all", "All statuses"),
    ("succeeded", "Succeeded"),
    ("failed", "Failed"),
    ("pending", "Pending"),
)
# What this endpoint can receive: the app events an endpoint subscribes to, and the test.
EVENT_TYPES = tuple(
    kind.value
    for kind, info in EVENT_CATALOG.items()
    if info.endpoint_category is not None or kind is EventType.WEBHOOK_TEST
)
_CAUSE_KEYS = tuple(key for key, _, _ in CAUSES)


@dataclass(frozen=True)
class MessageRow:
    id: int
    message_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: str  # "" before any answer
    next_attempt_at: str
    created_at: str

    @classmethod
    def of(cls, message: WebhookMessage) -> MessageRow:
        return cls(
            id=message.id,
            message_id=message.message_id,
            event_type=message.event_type,
            status=message.status,
            attempts=message.attempts,
            last_status_code=str(message.last_status_code or ""),
            next_attempt_at=iso_utc(message.next_attempt_at) if message.status == "pending" else "",
            created_at=iso_utc(message.created_at),
        )


@dataclass(frozen=True)
class AttemptRow:
    attempt: int
    attempted_at: str
    outcome: str
    status_code: str
    latency: str  # "120 ms"
    cause: str  # words, "" on success
    error: str
    headers: str  # JSON, indented
    body: str

    @classmethod
    def of(cls, attempt: WebhookAttemptPublic) -> AttemptRow:
        causes = {key: name for key, name, _ in CAUSES}
        return cls(
            attempt=attempt.attempt,
            attempted_at=iso_utc(attempt.attempted_at),
            outcome="succeeded" if attempt.outcome == "success" else "failed",
            status_code=str(attempt.status_code or "no answer"),
            latency=f"{attempt.latency_ms} ms" if attempt.latency_ms is not None else "—",
            cause=causes.get(attempt.cause or "", attempt.cause or ""),
            error=attempt.error or "",
            headers=json.dumps(attempt.response_headers, indent=2)
            if attempt.response_headers
            else "",
            body=attempt.response_body,
        )


def _label(start: datetime, window: HealthWindow) -> str:
    return start.strftime("%H:00") if window is HealthWindow.DAY else start.strftime("%b %d")


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def _ms(value: int | None) -> str:
    return "—" if value is None else f"{value} ms"


def _endpoint_id(value: object) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) <= 9 else 0


class WebhookEndpointState(Pager, OpenAppState):
    PAGED: ClassVar[tuple[str, ...]] = (MESSAGES,)

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
    status_filter: str = "all"
    type_filter: str = "all"
    messages: list[MessageRow] = []
    attempts_open: bool = False
    attempts_of: str = ""  # the message id the dialog shows
    attempts: list[AttemptRow] = []
    recover_open: bool = False
    recover_count: int = 0
    recover_when: str = ""  # the time asked for, ISO UTC
    recover_error: str = ""
    _recover_since: str = ""

    def _where(self) -> dict:
        workspace_id, app_slug = self._route_params()
        endpoint = _endpoint_id(self.router._page.params.get("endpoint_id"))
        return {"workspace_id": workspace_id, "app_slug": app_slug, "endpoint_id": endpoint}

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            webhook_logs.list_messages,
            **self._where(),
            status=self.status_filter,
            event_type="" if self.type_filter == "all" else self.type_filter,
            cursor=cursor,
        )
        self.messages = [MessageRow.of(m) for m in listed.items]
        return listed.next_cursor

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
        self.volume = [
            VolumePoint(label=_label(b.start, window), succeeded=b.succeeded, failed=b.failed)
            for b in health.buckets
        ]
        self.causes = [
            CausePoint(
                label=_label(b.start, window),
                **{k: v for k, v in b.causes.items() if k in _CAUSE_KEYS},
            )
            for b in health.buckets
        ]
        self.any_failures = any(b.failed for b in health.buckets)

    async def _load_health(self, window: str) -> None:
        shown = await self._call(
            webhook_health.health_for_endpoint, **self._where(), window=window_of(window).value
        )
        self._show_health(shown)

    @rx.event
    async def load(self):
        self.endpoint_found = True
        self.attempts_open = self.recover_open = False
        self.status_filter = self.type_filter = "all"
        if await self._open(AppPage.WEBHOOKS) is None:
            return
        try:
            await self._load_health(HealthWindow.DAY.value)
            await self._first_page(MESSAGES)
        except NotFound:
            self.endpoint_found = False

    @rx.event
    async def set_window(self, value: str | list[str]):
        # The segmented control sends one value; a list is a forged call.
        await self._load_health(value if isinstance(value, str) else "")

    @rx.event
    async def filter_status(self, value: str):
        chosen = value if value in dict(STATUSES) else "all"
        await self._first_page(MESSAGES, status_filter=chosen)

    @rx.event
    async def filter_type(self, value: str):
        chosen = value if value in EVENT_TYPES else "all"
        await self._first_page(MESSAGES, type_filter=chosen)

    async def _refresh(self) -> None:
        await self._load_health(self.window)
        await self._reload_page(MESSAGES)

    @rx.event
    async def show_attempts(self, delivery_id: int):
        try:
            attempts = await self._call(
                webhook_logs.list_attempts,
                **self._where(),
                delivery_id=delivery_id if isinstance(delivery_id, int) else 0,
            )
        except PortalError as exc:
            return self._show_error(exc)
        row = next((m for m in self.messages if m.id == delivery_id), None)
        self.attempts_of = row.message_id if row else ""
        self.attempts = [AttemptRow.of(a) for a in attempts]
        self.attempts_open = True
        return None

    @rx.event
    def set_attempts_open(self, value: bool):
        self.attempts_open = bool(value)

    @rx.event
    async def replay(self, delivery_id: int):
        try:
            sent = await self._call(
                webhook_logs.replay,
                **self._where(),
                delivery_id=delivery_id if isinstance(delivery_id, int) else 0,
            )
        except PortalError as exc:
            return self._show_error(exc)
        await self._refresh()
        return rx.toast.success(
            f"Message {sent.message_id} will be sent again now.", position="top-center"
        )

    @rx.event
    async def send_test(self):
        try:
            sent = await self._call(webhook_logs.send_test_event, **self._where())
        except PortalError as exc:
            return self._show_error(exc)
        await self._refresh()
        return rx.toast.success(
            f"Test event {sent.message_id} queued for this endpoint.", position="top-center"
        )

    @rx.event
    async def ask_recover(self, form: dict):
        """The time typed (UTC): count what a recovery would send, then ask to confirm."""
        self.recover_error = ""
        text = str(form.get("since", ""))[:40]
        try:
            since = datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            self.recover_error = "Choose a date and time."
            await self._check_session()
            return None
        try:
            counted = await self._call(
                webhook_logs.count_failed_since, **self._where(), since=since
            )
        except PortalError as exc:
            return self._show_error(exc, banner="recover_error")
        if counted.count == 0:
            return rx.toast.info(
                "No failed messages since then: nothing to send again.", position="top-center"
            )
        self._recover_since = since.isoformat()
        self.recover_when = iso_utc(since)
        self.recover_count = counted.count
        self.recover_open = True
        return None

    @rx.event
    def set_recover_open(self, value: bool):
        self.recover_open = bool(value)

    @rx.event
    async def recover(self):
        if not self._recover_since:
            await self._check_session()
            return None
        try:
            done = await self._call(
                webhook_logs.recover_failed,
                **self._where(),
                since=datetime.fromisoformat(self._recover_since),
            )
        except PortalError as exc:
            return self._show_error(exc)
        self._recover_since = ""
        self.recover_open = False
        await self._refresh()
        more = " More remain: recover again for the rest." if done.capped else ""
        return rx.toast.success(
            f"{done.count} failed messages will be sent again.{more}", position="top-center"
        )


_S = WebhookEndpointState


def _can_send() -> rx.Var:
    return can_edit() & (_S.endpoint_state != "disabled")


def _why_not() -> rx.Component:
    """Why the send buttons are off: a frozen workspace, a reader, a disabled endpoint."""
    return rx.cond(
        ~_can_send(),
        rx.text(
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
        ),
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
                    "Succeeded and failed attempts per bucket (UTC).",
                    volume_chart(_S.volume),
                    id="volume-chart",
                ),
                chart_figure(
                    "Failures by cause",
                    "Failed attempts per bucket by what went wrong (UTC).",
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


def _row_actions(row) -> rx.Component:
    return rx.hstack(
        rx.button(
            "Attempts",
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=_S.show_attempts(row.id),
        ),
        rx.button(
            "Replay",
            size="1",
            variant="soft",
            on_click=_S.replay(row.id),
            disabled=~_can_send(),
            class_name="replay-button",
        ),
        spacing="2",
    )


COLUMNS = (
    Column(
        "Message",
        lambda r: rx.el.div(
            rx.el.span(r.event_type, class_name="pt-slug"),
            rx.text(r.message_id, size="1", color_scheme="gray"),
            class_name="pt-stack-tight",
        ),
        row_header=True,
    ),
    Column("Status", lambda r: status_badge(r.status)),
    Column("Attempts", lambda r: r.attempts, align="right"),
    Column("Last code", lambda r: rx.cond(r.last_status_code != "", r.last_status_code, "—")),
    Column("Next retry", lambda r: local_time(r.next_attempt_at)),
    Column("Created", lambda r: local_time(r.created_at, seconds=True)),
    Column("", _row_actions),
)


def _attempt(row) -> rx.Component:
    return rx.card(
        rx.el.div(
            rx.text("Attempt ", row.attempt, weight="medium"),
            status_badge(row.outcome),
            rx.text(local_time(row.attempted_at, seconds=True), size="2"),
            class_name="pt-inline pt-wrap-inline",
        ),
        rx.el.dl(
            _fact("Status code", row.status_code),
            _fact("Latency", row.latency),
            rx.cond(row.cause != "", _fact("Cause", row.cause)),
            class_name="pt-facts",
        ),
        rx.cond(
            row.error != "", rx.text(row.error, size="2", color_scheme="red", class_name="pt-break")
        ),
        rx.cond(
            row.headers != "",
            rx.el.details(
                rx.el.summary("Response headers"),
                rx.el.pre(row.headers, class_name="pt-code-sample"),
            ),
        ),
        rx.cond(
            row.body != "",
            rx.el.details(
                rx.el.summary("Response body"), rx.el.pre(row.body, class_name="pt-code-sample")
            ),
        ),
        class_name="pt-stack-tight",
    )


def _attempts_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Attempts"),
            rx.dialog.description(rx.el.span(_S.attempts_of, class_name="pt-slug"), size="2"),
            rx.el.div(
                rx.cond(
                    _S.attempts.length() > 0,
                    rx.foreach(_S.attempts, _attempt),
                    rx.text("No attempt yet: the first is due now.", size="2", color_scheme="gray"),
                ),
                class_name="pt-stack",
                id="attempts-list",
            ),
            rx.el.div(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                class_name="pt-inline",
                justify_content="flex-end",
                margin_top="var(--space-3)",
            ),
            max_width="640px",
        ),
        open=_S.attempts_open,
        on_open_change=_S.set_attempts_open,
    )


def _send_again() -> rx.Component:
    return rx.card(
        rx.el.div(
            rx.el.h2("Send again", class_name="rt-Heading rt-r-size-4"),
            rx.el.div(
                rx.form(
                    rx.el.label(
                        rx.text("Recover failed since (UTC)", size="2", weight="medium"),
                        html_for="since",
                    ),
                    rx.el.div(
                        rx.input(id="since", name="since", type="datetime-local", required=True),
                        rx.button(
                            "Recover failed…", type="submit", variant="soft", disabled=~_can_send()
                        ),
                        class_name="pt-inline pt-wrap-inline",
                    ),
                    rx.cond(
                        _S.recover_error != "",
                        rx.text(_S.recover_error, size="2", color_scheme="red"),
                    ),
                    on_submit=_S.ask_recover,
                    class_name="pt-stack-tight",
                ),
                rx.el.div(class_name="pt-grow"),
                rx.button(
                    rx.icon("send", size=16),
                    "Send test event",
                    on_click=_S.send_test,
                    disabled=~_can_send(),
                    id="send-test",
                ),
                class_name="pt-toolbar",
            ),
            _why_not(),
            confirm_dialog(
                None,
                title="Send failed messages again?",
                description=(
                    _S.recover_count,
                    " failed messages since ",
                    local_time(_S.recover_when),
                    " will be sent again, each as a new message with its original webhook-id.",
                ),
                confirm="Send again",
                on_confirm=_S.recover,
                open=_S.recover_open,
                on_open_change=_S.set_recover_open,
            ),
            class_name="pt-stack-tight",
        )
    )


def _messages() -> rx.Component:
    return rx.el.section(
        rx.el.div(
            rx.el.h2("Messages", class_name="rt-Heading rt-r-size-4"),
            rx.el.div(class_name="pt-grow"),
            select(
                list(STATUSES), label="Status", value=_S.status_filter, on_change=_S.filter_status
            ),
            select(
                [("all", "All event types"), *[(t, t) for t in EVENT_TYPES]],
                label="Event type",
                value=_S.type_filter,
                on_change=_S.filter_type,
            ),
            class_name="pt-toolbar",
        ),
        data_table(
            _S.messages,
            COLUMNS,
            label="Messages",
            empty=empty_state(
                "inbox",
                "No messages",
                rx.cond(
                    (_S.status_filter != "all") | (_S.type_filter != "all"),
                    "None match these filters: choose All to see every message.",
                    "Messages appear when the app emits events this endpoint takes. Send a test "
                    "event to see one now.",
                ),
            ),
            footer=pager(**_S.pager_props(MESSAGES)),
            row_class="message-row",
            stack_on_phone=True,
        ),
        class_name="pt-stack",
        aria_label="Messages",
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
                _send_again(),
                _messages(),
                _attempts_dialog(),
                class_name="pt-stack",
            ),
            _not_found(),
        )
    )
