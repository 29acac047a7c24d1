"""The dev outbox: mail Portal would have sent, when no SMTP server is configured."""

from __future__ import annotations

import re
from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.components.dates import iso_utc, local_time
from portal.components.empty_state import empty_state
from portal.components.links import button_link
from portal.domain.errors import NotFound
from portal.layout import page
from portal.services import mailer
from portal.state.session import SessionState

_LINK = re.compile(r"https?://\S+")


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


def _outbox(*, session) -> list[OutboxMail]:
    return [OutboxMail.of(mail) for mail in mailer.list_outbox(session=session)]


class DevOutboxState(SessionState):
    enabled: bool = True
    emails: list[OutboxMail] = []

    @rx.event
    async def load(self):
        try:
            self.emails = await self._call_anonymous(_outbox)
        except NotFound:
            self.enabled = False
            self.emails = []
            return
        self.enabled = True


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
                    rx.foreach(DevOutboxState.emails, _mail),
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
