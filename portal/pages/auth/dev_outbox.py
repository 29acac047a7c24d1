"""The dev outbox: mail Portal would have sent, when no SMTP server is configured."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.data_table import pager
from portal.components.dates import iso_utc, local_time
from portal.components.empty_state import empty_state
from portal.components.links import button_link
from portal.domain.errors import NotFound
from portal.layout import page
from portal.services import mailer
from portal.state.pager import Pager
from portal.state.session import SessionState

_LINK = re.compile(r"https?://\S+")
EMAILS = "emails"
PAGE_SIZE = 25


@dataclass(frozen=True)
class OutboxMail:
    id: int
    to_address: str
    subject: str
    body: str
    sent_at: str  # ISO 8601 UTC; shown in the viewer's local time
    link: str  # the first link in the body, "" when there is none

    @classmethod
    def of(cls, mail) -> OutboxMail:
        return cls(
            id=mail.id,
            to_address=mail.to_address,
            subject=mail.subject,
            body=mail.body,
            sent_at=iso_utc(mail.sent_at),
            link=(_LINK.findall(mail.body) or [""])[0],
        )


def _outbox(*, session, cursor: str | None) -> tuple[list[OutboxMail], str | None]:
    page = mailer.list_outbox(session=session, limit=PAGE_SIZE, cursor=cursor)
    return [OutboxMail.of(mail) for mail in page.items], page.next_cursor


class DevOutboxState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (EMAILS,)

    enabled: bool = True
    emails: list[OutboxMail] = []

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        try:
            self.emails, next_cursor = await self._call_anonymous(_outbox, cursor=cursor)
        except NotFound:  # SMTP configured, or the page turned off, since it was opened
            self.enabled = False
            self.emails = []
            return None
        self.enabled = True
        return next_cursor

    async def _check_session(self) -> None:
        """A public page: Pager's "nothing to load" path has no session to refuse here."""

    @rx.event
    async def load(self):
        """The newest page of kept mail."""
        await self._first_page(EMAILS)


def _mail(mail) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(mail.subject, weight="bold"),
                rx.spacer(),
                rx.text(local_time(mail.sent_at, seconds=True), size="1", color_scheme="gray"),
                width="100%",
            ),
            rx.text("To: ", mail.to_address, size="2", color_scheme="gray"),
            rx.text(mail.body, size="2", white_space="pre-wrap", word_break="break-all"),
            rx.cond(
                mail.link != "",
                button_link("Open link", href=mail.link, variant="soft", size="1"),
            ),
            spacing="2",
            align="start",
            width="100%",
        ),
        width="100%",
        class_name="outbox-mail",
    )


@page(routes.DEV_OUTBOX, on_load=[DevOutboxState.load])
def dev_outbox() -> rx.Component:
    return rx.vstack(
        rx.heading("Dev outbox", size="6", as_="h1"),
        rx.cond(
            DevOutboxState.enabled,
            rx.vstack(
                rx.text(
                    "No SMTP server is configured, so Portal keeps outgoing mail here, newest "
                    "first. Set SMTP_HOST to send real mail; this page then turns off.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.cond(
                    DevOutboxState.emails.length() > 0,
                    rx.fragment(
                        rx.foreach(DevOutboxState.emails, _mail),
                        pager(**DevOutboxState.pager_props(EMAILS)),
                    ),
                    empty_state("inbox", "No mail yet", "Sign up or reset a password to see one."),
                ),
                spacing="3",
                width="100%",
            ),
            rx.callout(
                "The dev outbox is off: mail goes to the configured SMTP server (on a "
                "production server without one, set PORTAL_DEV_OUTBOX=1 to see it here).",
                icon="info",
            ),
        ),
        rx.link("Back to sign in", href=routes.SIGN_IN, size="2"),
        spacing="4",
        width="100%",
        max_width="760px",
        margin_top="var(--space-4)",
    )
