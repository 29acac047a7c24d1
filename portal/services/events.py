"""Emitting events: one row in the outbox (models/event.py), written in the caller's
transaction right after the change it records, so the event is committed with the change
and rolled back with it. Nothing here commits, sends or calls out; the delivery worker does.

The payload is Standard Webhooks-style JSON, `{"type", "timestamp", "data"}`; `data` is
what the catalog (domain/events.py) shows for the type, and never holds a secret.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from portal.domain.events import EventType, payload
from portal.models import OutboxEvent
from portal.models._base import utcnow
from portal.services.webhook_signing import new_message_id

if TYPE_CHECKING:  # app_scope imports apps, which emits events
    from portal.services.app_scope import AppScope


def emit(
    session: Session,
    *,
    type: EventType,  # noqa: A002 - the event's type, as Standard Webhooks names it
    workspace_id: uuid.UUID | str,
    app_id: int | None = None,
    environment: str | None = None,
    data: dict[str, Any],
) -> OutboxEvent:
    """Add the event to the outbox in the caller's transaction (no commit) and return it."""
    kind = EventType(type)
    now = utcnow()
    workspace = workspace_id if isinstance(workspace_id, uuid.UUID) else uuid.UUID(workspace_id)
    body = {"workspace_id": str(workspace)} | data
    event = OutboxEvent(
        message_id=new_message_id(now),
        type=kind.value,
        workspace_id=workspace,
        app_id=app_id,
        environment=environment,
        payload=payload(kind, now.isoformat(), body),
        created_at=now,
        available_at=now,
    )
    session.add(event)
    return event


def emit_for_app(
    session: Session,
    scope: AppScope,
    type: EventType,  # noqa: A002
    /,
    **data: Any,
) -> OutboxEvent:
    """An event of an app environment (an AppScope: organizations, end users, sign-ins)."""
    return emit(
        session,
        type=type,
        workspace_id=scope.workspace_id,
        app_id=scope.app_id,
        environment=scope.environment,
        data={"app_id": scope.app_id, "environment": scope.environment} | data,
    )
