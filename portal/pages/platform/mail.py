"""Platform staff: the mail outbox (platform admins only).

Every message Portal sends, newest first: to whom, its subject, its status, how many tries,
why the last one failed, when it was queued and when the SMTP server took it; a filter by
status. Never the body (it holds reset links and codes). A failed message has Retry now, which
queues it again (not destructive: no confirmation). services/platform_mail.py refuses anyone
not on the platform staff (NotFound)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.badges import mail_status_badge
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.empty_state import empty_state
from portal.components.forms import select
from portal.domain.errors import PortalError
from portal.domain.mail import MailStatus
from portal.layout import page
from portal.services import platform_mail
from portal.services.platform_mail import OutboxMailRow
from portal.state.pager import Pager
from portal.state.session import SessionState

MAIL = "mail"
PAGE_SIZE = 25
FILTERS = (
    (platform_mail.ALL, "All mail"),
    (MailStatus.QUEUED.value, "Queued"),
    (MailStatus.FAILED.value, "Failed"),
    (MailStatus.SENT.value, "Sent"),
    (MailStatus.KEPT.value, "Kept (no SMTP server)"),
)


@dataclass(frozen=True)
class MailView:
    id: int
    to_address: str
    subject: str
    status: str
    attempts: int
    last_error: str
    queued_at: str  # ISO 8601 UTC
    next_attempt_at: str  # "" unless queued
    delivered_at: str  # "" until sent
    failed: bool

    @classmethod
    def of(cls, row: OutboxMailRow) -> MailView:
        return cls(
            id=row.id,
            to_address=row.to_address,
            subject=row.subject,
            status=row.status.value,
            attempts=row.attempts,
            last_error=row.last_error,
            queued_at=iso_utc(row.queued_at),
            next_attempt_at=iso_utc(row.next_attempt_at) if row.status is MailStatus.QUEUED else "",
            delivered_at=iso_utc(row.delivered_at),
            failed=row.status is MailStatus.FAILED,
        )


class PlatformMailState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (MAIL,)

    status_filter: str = platform_mail.ALL
    messages: list[MailView] = []

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            platform_mail.list_mail, status=self.status_filter, limit=PAGE_SIZE, cursor=cursor
        )
        self.messages = [MailView.of(row) for row in listed.items]
        return listed.next_cursor

    @rx.event
    async def load(self):
        """All mail, newest first, whatever the page showed last time."""
        await self._first_page(MAIL, status_filter=platform_mail.ALL)

    @rx.event
    async def filter_status(self, value: str):
        """One status, or all (anything else: all)."""
        known = isinstance(value, str) and value in platform_mail.FILTERS
        await self._first_page(MAIL, status_filter=value if known else platform_mail.ALL)

    @rx.event
    async def retry(self, mail_id: int):
        """Queue a failed message again, due now (platform_mail.retry_now)."""
        try:
            done = await self._call(platform_mail.retry_now, mail_id=mail_id)
        except PortalError as exc:
            return self._show_error(exc)
        await self._reload_page(MAIL)
        return rx.toast.success(
            f"Queued again: the worker sends the mail to {done.to_address} within seconds.",
            position="top-center",
        )


_S = PlatformMailState


def _to(row: MailView) -> rx.Component:
    return rx.text(row.to_address, size="2", class_name="pt-break", style={"min_width": "10rem"})


def _subject(row: MailView) -> rx.Component:
    return rx.text(row.subject, size="2", style={"min_width": "10rem", "max_width": "20rem"})


def _status(row: MailView) -> rx.Component:
    return rx.el.div(
        mail_status_badge(row.status),
        rx.cond(
            row.next_attempt_at != "",
            rx.text(
                rx.cond(row.attempts > 0, "Next try ", "Due "),
                local_time(row.next_attempt_at),
                size="1",
                color_scheme="gray",
            ),
        ),
        class_name="pt-stack-tight",
    )


def _error(row: MailView) -> rx.Component:
    return rx.cond(
        row.last_error != "",
        rx.text(
            row.last_error,
            size="1",
            class_name="pt-break",
            style={"min_width": "12rem", "max_width": "24rem"},
        ),
        rx.text("—", as_="span", color_scheme="gray"),
    )


def _actions(row: MailView) -> rx.Component:
    return rx.cond(
        row.failed,
        rx.button(
            rx.icon("rotate-cw", size=14),
            "Retry now",
            size="1",
            variant="soft",
            on_click=_S.retry(row.id),
        ),
    )


COLUMNS = (
    Column("To", _to, row_header=True, nowrap=False),
    Column("Subject", _subject, nowrap=False),
    Column("Status", _status),
    Column("Tries", lambda row: row.attempts, align="right"),
    Column("Last error", _error, nowrap=False),
    Column("Queued", lambda row: local_time(row.queued_at)),
    Column("Sent", lambda row: local_time(row.delivered_at)),
    Column("", _actions),
)


def _empty() -> rx.Component:
    return rx.match(
        _S.status_filter,
        (
            MailStatus.QUEUED.value,
            empty_state(
                "mail",
                "Nothing waiting to be sent",
                "A new message waits here a few seconds, until the worker sends it; one that "
                "failed waits here for its next try.",
            ),
        ),
        (
            MailStatus.FAILED.value,
            empty_state(
                "mail-check",
                "No failed mail",
                "A message the SMTP server refuses for good, or that fails every try, shows "
                "here with the reason. Retry now queues it again.",
            ),
        ),
        (
            MailStatus.SENT.value,
            empty_state(
                "mail",
                "No mail sent yet",
                "Messages show here once the SMTP server accepts them.",
            ),
        ),
        (
            MailStatus.KEPT.value,
            empty_state(
                "mail",
                "No kept mail",
                "With no SMTP server configured (SMTP_HOST), Portal keeps mail here instead of "
                "sending it.",
            ),
        ),
        empty_state(
            "inbox",
            "No mail yet",
            "When Portal sends mail (sign-up codes, password resets, invitations), each "
            "message shows here: queued, then sent by the worker within seconds, or retried "
            "with the reason when the SMTP server refuses it.",
        ),
    )


@page(routes.PLATFORM_MAIL, on_load=[PlatformMailState.load])
def platform_mail_outbox() -> rx.Component:
    return rx.el.div(
        rx.text(
            "Every message Portal sends is queued here with the change that sends it, then "
            "sent by the worker. A failed try is retried after 1 minute, 5 minutes, 30 "
            "minutes, 2 hours and 6 hours. Bodies are not shown: they hold reset links and "
            "codes.",
            size="2",
            color_scheme="gray",
        ),
        rx.el.div(
            select(
                list(FILTERS),
                label="Show mail",
                value=_S.status_filter,
                on_change=_S.filter_status,
            ),
            class_name="pt-toolbar",
        ),
        data_table(
            _S.messages,
            COLUMNS,
            label="Mail outbox",
            empty=_empty(),
            footer=pager(**_S.pager_props(MAIL)),
            row_class="mail-row",
            stack_on_phone=True,
        ),
        class_name="pt-stack",
    )
