"""The audit trail. Services call `record` inside the transaction of the change it records."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from portal.domain.access import Actor, ActorKind
from portal.models import AuditEvent

SYSTEM = "system"


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: str | int | uuid.UUID,
    account_id: int | None,
    workspace_id: uuid.UUID | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit row to the caller's transaction. `actor=None` means the system (a worker).

    `before` / `after` hold the settings that changed, never secrets.
    """
    if actor is None:
        kind, actor_id, label, ip, agent = SYSTEM, "", "Portal", "", ""
    else:
        kind = actor.kind.value
        actor_id = str(actor.token_id if actor.kind is ActorKind.TOKEN else actor.user_id)
        label = (
            actor.email if actor.kind is ActorKind.USER else f"{actor.email} ({actor.token_name})"
        )
        ip, agent = actor.client.ip_address, actor.client.user_agent
    session.add(
        AuditEvent(
            account_id=account_id,
            workspace_id=workspace_id,
            actor_type=kind,
            actor_id=actor_id,
            actor_label=label[:320],
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            before=before,
            after=after,
            ip_address=ip[:64],
            user_agent=agent[:512],
        )
    )
