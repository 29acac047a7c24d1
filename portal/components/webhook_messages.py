"""A subscriber's message log on a page: its typed rows, the message table with its filters,
each message's attempts in a dialog, Replay, "Recover failed since…" (asked first, with the
count) and "Send test event". An app's endpoint page and a developer app's Webhooks tab show
the same pieces; their state mixes in portal/pages/webhook_messages.py's `WebhookMessages`.

Stateless: each function takes the page state class `S` for its Vars and handlers (the
mixin's), and the page's own `can_send` Var and words.

The recover form's time is typed in the viewer's time zone (a datetime-local input) and sent
to the server as a UTC instant the browser computed: `new Date("2026-05-10T14:30")` reads a
time without an offset as local, so daylight saving at that date, not today's, applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.vars import Var, VarData

from portal.components.badges import status_badge
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import local_time
from portal.components.delivery_charts import CAUSES
from portal.components.dialogs import confirm_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import select
from portal.domain.dto import WebhookAttemptPublic, WebhookMessage
from portal.domain.moments import iso_utc

MESSAGES = "messages"  # the Pager list's name
STATUSES = (
    ("all", "All statuses"),
    ("succeeded", "Succeeded"),
    ("failed", "Failed"),
    ("pending", "Pending"),
)


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


def _fact(term: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(term), rx.el.dd(value))


def _row_actions(S: Any, can_send: Var, row) -> rx.Component:
    return rx.hstack(
        rx.button(
            "Attempts",
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=S.show_attempts(row.id),
        ),
        rx.button(
            "Replay",
            size="1",
            variant="soft",
            on_click=S.replay(row.id),
            disabled=~can_send,
            class_name="replay-button",
        ),
        spacing="2",
    )


def _columns(S: Any, can_send: Var) -> tuple[Column, ...]:
    return (
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
        Column("", lambda r: _row_actions(S, can_send, r)),
    )


def messages_section(
    S: Any, *, can_send: Var, event_types: tuple[str, ...], empty: str
) -> rx.Component:
    """The messages, newest first, filtered by status and event type, paged; `empty` says
    what makes a message appear (the filters' own words when they hide every one)."""
    return rx.el.section(
        rx.el.div(
            rx.el.h2("Messages", class_name="rt-Heading rt-r-size-4"),
            rx.el.div(class_name="pt-grow"),
            select(
                list(STATUSES), label="Status", value=S.status_filter, on_change=S.filter_status
            ),
            select(
                [("all", "All event types"), *[(t, t) for t in event_types]],
                label="Event type",
                value=S.type_filter,
                on_change=S.filter_type,
            ),
            class_name="pt-toolbar",
        ),
        data_table(
            S.messages,
            _columns(S, can_send),
            label="Messages",
            empty=empty_state(
                "inbox",
                "No messages",
                rx.cond(
                    (S.status_filter != "all") | (S.type_filter != "all"),
                    "None match these filters: choose All to see every message.",
                    empty,
                ),
            ),
            footer=pager(**S.pager_props(MESSAGES)),
            row_class="message-row",
            stack_on_phone=True,
        ),
        class_name="pt-stack",
        aria_label="Messages",
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


def attempts_dialog(S: Any) -> rx.Component:
    """One message's attempts, first to last, with what the receiver answered."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Attempts"),
            rx.dialog.description(rx.el.span(S.attempts_of, class_name="pt-slug"), size="2"),
            rx.el.div(
                rx.cond(
                    S.attempts.length() > 0,
                    rx.foreach(S.attempts, _attempt),
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
        open=S.attempts_open,
        on_open_change=S.set_attempts_open,
    )


def with_utc_since(form: Var) -> Var:
    """The recover form's data with `since` (the datetime-local value, the viewer's time)
    as an ISO UTC instant; "" when the browser cannot read it."""
    js = (
        "((f) => { const d = new Date(f.since); "
        "return {...f, since: isNaN(d.getTime()) ? '' : d.toISOString()}; })"
        f"({form})"
    )
    return Var(_js_expr=js, _var_type=dict, _var_data=VarData.merge(form._get_all_var_data()))


def send_again(S: Any, *, can_send: Var, why_not: rx.Component) -> rx.Component:
    """Recover failed since a time (in the viewer's zone; asked first, with the count) and
    Send test event; `why_not` says why they are off when `can_send` is false."""
    return rx.card(
        rx.el.div(
            rx.el.h2("Send again", class_name="rt-Heading rt-r-size-4"),
            rx.el.div(
                rx.form(
                    rx.el.label(
                        rx.text("Recover failed since", size="2", weight="medium"),
                        html_for="since",
                    ),
                    rx.el.div(
                        rx.input(id="since", name="since", type="datetime-local", required=True),
                        rx.button(
                            "Recover failed…", type="submit", variant="soft", disabled=~can_send
                        ),
                        class_name="pt-inline pt-wrap-inline",
                    ),
                    rx.text("In your time zone.", size="1", color_scheme="gray"),
                    rx.cond(
                        S.recover_error != "",
                        rx.text(S.recover_error, size="2", color_scheme="red", id="recover-error"),
                    ),
                    on_submit=lambda form: S.ask_recover(with_utc_since(form)),
                    class_name="pt-stack-tight",
                ),
                rx.el.div(class_name="pt-grow"),
                rx.button(
                    rx.icon("send", size=16),
                    "Send test event",
                    on_click=S.send_test,
                    disabled=~can_send,
                    id="send-test",
                ),
                class_name="pt-toolbar",
            ),
            rx.cond(~can_send, why_not),
            confirm_dialog(
                None,
                title="Send failed messages again?",
                description=(
                    S.recover_count,
                    " failed messages since ",
                    local_time(S.recover_when),
                    " will be sent again, each as a new message with its original webhook-id.",
                ),
                confirm="Send again",
                on_confirm=S.recover,
                open=S.recover_open,
                on_open_change=S.set_recover_open,
            ),
            class_name="pt-stack-tight",
        )
    )
