"""The message log's handlers, shared by an app's endpoint page and a developer app's Webhooks
tab: list (paged, filtered), one message's attempts, replay, recover failed since a time
(count first, then confirm) and the test event, each through services/webhook_logs.py, which
checks the person's permission on the subscriber every call.

A page state mixes in `WebhookMessages` before `Pager` (`PAGED = (MESSAGES,)`) and its open
app's state, and says which subscriber it shows (`_subscriber`, from the URL and backend-only
vars, never from the browser) and what else to reload after sending (`_after_send`).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import reflex as rx

from portal.components.dates import iso_utc
from portal.components.webhook_messages import MESSAGES, STATUSES, AttemptRow, MessageRow
from portal.domain.errors import PortalError
from portal.services import webhook_logs
from portal.services.webhook_logs import Subscriber


class WebhookMessages(rx.State, mixin=True):
    # The event types the type filter offers (and takes: anything else is "all").
    EVENT_TYPES: ClassVar[tuple[str, ...]] = ()

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

    def _subscriber(self) -> Subscriber:
        raise NotImplementedError(f"{type(self).__name__} must say whose messages it shows")

    async def _after_send(self) -> None:
        """Reload what a send changes besides the messages (the page's health figures)."""

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            webhook_logs.list_messages,
            subscriber=self._subscriber(),
            status=self.status_filter,
            event_type=self.type_filter,
            cursor=cursor,
        )
        self.messages = [MessageRow.of(m) for m in listed.items]
        return listed.next_cursor

    async def _first_messages(self) -> None:
        """The first page, unfiltered, with no dialog open: what a page load shows."""
        self.attempts_open = self.recover_open = False
        self.recover_error = ""
        await self._first_page(MESSAGES, status_filter="all", type_filter="all")

    @rx.event
    async def filter_status(self, value: str):
        chosen = value if value in dict(STATUSES) else "all"
        await self._first_page(MESSAGES, status_filter=chosen)

    @rx.event
    async def filter_type(self, value: str):
        chosen = value if value in self.EVENT_TYPES else "all"
        await self._first_page(MESSAGES, type_filter=chosen)

    async def _refresh(self) -> None:
        await self._after_send()
        await self._reload_page(MESSAGES)

    @rx.event
    async def show_attempts(self, delivery_id: int):
        try:
            attempts = await self._call(
                webhook_logs.list_attempts,
                subscriber=self._subscriber(),
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
                subscriber=self._subscriber(),
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
            sent = await self._call(webhook_logs.send_test_event, subscriber=self._subscriber())
        except PortalError as exc:
            return self._show_error(exc)
        await self._refresh()
        return rx.toast.success(
            f"Test event {sent.message_id} queued: it is sent now.", position="top-center"
        )

    @rx.event
    async def ask_recover(self, form: dict):
        """The time asked for, as the browser converted it to UTC (components/
        webhook_messages.py): count what a recovery would send, then ask to confirm."""
        self.recover_error = ""
        text = str(form.get("since", "") if isinstance(form, dict) else "")[:40]
        try:
            since = datetime.fromisoformat(text)
        except ValueError:
            since = None
        if since is None or since.tzinfo is None:  # the server never guesses a time zone
            await self._check_session()
            self.recover_error = "Choose a date and time."
            return None
        try:
            counted = await self._call(
                webhook_logs.count_failed_since, subscriber=self._subscriber(), since=since
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
                subscriber=self._subscriber(),
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
