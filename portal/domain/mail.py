"""Outgoing mail's states: a message is a row in the mail outbox (models/email.py), written in
the transaction of the change that sends it and sent by the worker after the commit."""

from __future__ import annotations

from enum import StrEnum


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for the worker (first try, or a retry at next_attempt_at)
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # every try failed, or the server refused it for good
    KEPT = "kept"  # no SMTP server configured: kept for the dev outbox, never sent
