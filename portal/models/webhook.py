"""Webhook delivery: one row per event and subscriber (a delivery), one per HTTP try (an
attempt). The delivery worker (workers/deliveries.py) fans each outbox event out into
deliveries, claims the due ones under a lease, and logs every attempt.

A delivery goes to exactly one subscriber: an app's webhook endpoint (`endpoint_id`), or a
developer app installed in the workspace (`installation_id`, with its `developer_app_id` kept
for the app's delivery health). Attempts copy both ids so health charts read one table.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from portal.domain.webhooks import DeliveryStatus
from portal.models._base import EXTEND, utcnow


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(
            "(endpoint_id IS NULL) <> (installation_id IS NULL)",
            name="ck_webhook_deliveries_one_subscriber",
        ),
        # The worker's queue: due rows in order.
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        # An endpoint's or a developer app's messages, newest first (logs, recover since).
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
        Index("ix_webhook_deliveries_developer_app_id_id", "developer_app_id", "id"),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "event_id",
        "workspace_id",
        "endpoint_id",
        "installation_id",
        "developer_app_id",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_owner",
        "lease_until",
        "last_attempt_at",
        "last_status_code",
        "created_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event_outbox.id", ondelete="CASCADE", index=True)
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    endpoint_id: int | None = Field(
        default=None, foreign_key="webhook_endpoints.id", ondelete="CASCADE"
    )
    installation_id: int | None = Field(
        default=None, foreign_key="developer_installations.id", ondelete="CASCADE"
    )
    developer_app_id: int | None = Field(
        default=None, foreign_key="developer_apps.id", ondelete="CASCADE"
    )
    status: str = Field(default=DeliveryStatus.PENDING, max_length=16)  # a DeliveryStatus
    attempts: int = 0  # made so far
    # When the next attempt is due; None once the delivery succeeded or failed for good.
    next_attempt_at: datetime | None = Field(default_factory=utcnow)
    # A worker's claim: while `lease_until` is ahead, no other worker takes the row. A worker
    # killed mid-attempt leaves its lease to run out; the attempt then runs again (at least
    # once, with the same webhook-id).
    lease_owner: str | None = Field(default=None, max_length=80)
    lease_until: datetime | None = None
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"
    __table_args__ = (
        # Delivery health over time, per endpoint and per developer app.
        Index("ix_webhook_attempts_endpoint_id_attempted_at", "endpoint_id", "attempted_at"),
        Index(
            "ix_webhook_attempts_developer_app_id_attempted_at",
            "developer_app_id",
            "attempted_at",
        ),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "delivery_id",
        "endpoint_id",
        "developer_app_id",
        "attempt",
        "attempted_at",
        "outcome",
        "status_code",
        "latency_ms",
        "cause",
        "error",
        "response_headers",
        "response_body",
    )

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_deliveries.id", ondelete="CASCADE", index=True)
    endpoint_id: int | None = Field(
        default=None, foreign_key="webhook_endpoints.id", ondelete="CASCADE"
    )
    developer_app_id: int | None = Field(
        default=None, foreign_key="developer_apps.id", ondelete="CASCADE"
    )
    attempt: int  # 1 for the first try of the delivery
    attempted_at: datetime = Field(default_factory=utcnow)
    outcome: str = Field(max_length=16)  # an Outcome
    status_code: int | None = None  # None when no answer came
    latency_ms: int | None = None
    cause: str | None = Field(default=None, max_length=32)  # a FailureCause; None on success
    error: str | None = Field(default=None, max_length=300)
    # What the receiver answered, cut to RESPONSE_MAX bytes each (domain/webhooks.py).
    response_headers: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    response_body: str = Field(default="", sa_column=Column(Text, nullable=False))
