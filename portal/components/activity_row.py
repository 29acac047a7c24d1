"""One row of an audit feed (a workspace's or an account's), as its data table shows it."""

from __future__ import annotations

from dataclasses import dataclass

from portal.components.dates import iso_utc
from portal.domain.dto import AuditEventPublic


@dataclass(frozen=True)
class ActivityRow:
    id: int
    when: str  # ISO 8601 UTC; shown in the viewer's local time
    actor: str
    action: str
    target: str

    @classmethod
    def of(cls, event: AuditEventPublic, *, emails: dict[str, str] | None = None) -> ActivityRow:
        """`emails` (user id -> email), where the page knows its members, names a member
        target by email, falling back to an email the event itself recorded."""
        target = event.target_id
        if emails is not None:
            email = emails.get(event.target_id) if event.target_type == "user" else None
            email = email or (event.after or {}).get("email") or (event.before or {}).get("email")
            target = email or target
        return cls(
            id=event.id,
            when=iso_utc(event.created_at),
            actor=event.actor_label,
            action=event.action,
            target=f"{event.target_type} {target}",
        )
