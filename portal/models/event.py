"""The event outbox: one row per event a service emitted, written in the same transaction as
the change it records (services/events.py), so an event exists exactly when its change was
committed. The delivery worker fans each row out to the subscribed endpoints and installed
developer apps."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from portal.domain.events import OutboxStatus
from portal.models._base import EXTEND, utcnow


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "event_outbox"
    __table_args__ = (
        # The delivery worker's queue: due rows in order (status, then when they are due).
        Index("ix_event_outbox_status_available_at", "status", "available_at"),
        EXTEND,
    )
    __not_secret__ = (
        "id",
        "message_id",
        "type",
        "workspace_id",
        "app_id",
        "environment",
        "payload",
        "created_at",
        "status",
        "available_at",
    )

    id: int | None = Field(default=None, primary_key=True)
    # The Standard Webhooks `webhook-id` ("msg_" + ULID): the same on every delivery attempt.
    message_id: str = Field(max_length=40, unique=True)
    type: str = Field(max_length=64)  # an EventType
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    # The app whose webhook endpoints may take it (organizations, end users, sign-ins), with
    # its environment; None for events about the workspace itself. An app deleted later keeps
    # its events for the workspace's installed developer apps.
    app_id: int | None = Field(default=None, foreign_key="apps.id", ondelete="SET NULL")
    environment: str | None = Field(default=None, max_length=16)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # type, timestamp, data
    created_at: datetime = Field(default_factory=utcnow)
    # For the delivery worker: pending until it has made the row's deliveries, then
    # dispatched (OutboxStatus); it takes pending rows whose available_at has come.
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    available_at: datetime = Field(default_factory=utcnow)
