"""An app webhook endpoint's message log (issue 11, item 6): its messages (deliveries with
their event), each message's attempts, and the owner's ways to send again: replay one
message, recover every failed one since a time, send a test event.

Reading needs read on the workspace; sending needs MANAGE_WEBHOOKS (administer, refused on a
frozen workspace). Sending only writes rows: a new pending delivery, due now, that the
delivery worker takes like any other. A replay carries the event's own message id, so the
receiver sees the same webhook-id and can tell it already has the message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, func, insert, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from portal.domain.access import Action, Actor
from portal.domain.dto import RecoverCount, WebhookAttemptPublic, WebhookMessage
from portal.domain.errors import Invalid, NotFound
from portal.domain.events import EventType, OutboxStatus
from portal.domain.paging import Page
from portal.domain.webhooks import DeliveryStatus
from portal.models import App, OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.models._base import utcnow
from portal.services import audit, events, keyset
from portal.services.keyset import Key
from portal.services.webhook_endpoints import find_endpoint

RECOVER_MAX = 10_000  # messages one recovery sends again; run it again for the rest
ATTEMPTS_MAX = 50  # a delivery makes 8 at most (domain/webhooks.py); a bound all the same
STATUS_FILTERS = ("all", *DeliveryStatus)

_D = WebhookDelivery.__table__.c
_E = OutboxEvent.__table__.c
_A = WebhookAttempt.__table__.c
_LIST = keyset.Keyset("webhook-messages", sorts={"newest": None}, tiebreak=Key(_D.id, int))
MessagePage = Page[WebhookMessage]


def _status_filter(value: Any) -> str | None:
    if value in (None, "", "all"):
        return None
    if value not in set(DeliveryStatus):
        raise Invalid("Status is all, succeeded, failed or pending.", field="status")
    return str(value)


def _type_filter(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if value not in set(EventType):
        raise Invalid("Not an event type.", field="event_type")
    return str(value)


def list_messages(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    endpoint_id: int,
    status: str | None = None,
    event_type: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[WebhookMessage]:
    """The endpoint's messages, newest first (a replay is a message of its own)."""
    _, _, endpoint = find_endpoint(
        session, actor, Action.VIEW_WORKSPACE, workspace_id, app_slug, endpoint_id
    )
    query = (
        select(
            _D.id,
            _E.message_id,
            _E.type,
            _D.status,
            _D.attempts,
            _D.last_status_code,
            _D.next_attempt_at,
            _D.created_at,
        )
        .join_from(WebhookDelivery, OutboxEvent, _E.id == _D.event_id)
        .where(_D.endpoint_id == endpoint.id)
    )
    if (chosen := _status_filter(status)) is not None:
        query = query.where(_D.status == chosen)
    if (kind := _type_filter(event_type)) is not None:
        query = query.where(_E.type == kind)
    page = _LIST.page(session, query, sort="newest", direction="desc", limit=limit, cursor=cursor)
    return MessagePage(
        items=[
            WebhookMessage(
                id=row[0],
                message_id=row[1],
                event_type=row[2],
                status=row[3],
                attempts=row[4],
                last_status_code=row[5],
                next_attempt_at=row[6],
                created_at=row[7],
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


def _delivery(session: Session, endpoint: WebhookEndpoint, delivery_id: Any) -> WebhookDelivery:
    found = None
    if isinstance(delivery_id, int) and not isinstance(delivery_id, bool) and delivery_id > 0:
        found = session.get(WebhookDelivery, delivery_id) if delivery_id < 2**31 else None
    if found is None or found.endpoint_id != endpoint.id:
        raise NotFound("Message not found.")
    return found


def list_attempts(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    endpoint_id: int,
    delivery_id: int,
) -> list[WebhookAttemptPublic]:
    """One message's attempts, first to last, with what the receiver answered."""
    _, _, endpoint = find_endpoint(
        session, actor, Action.VIEW_WORKSPACE, workspace_id, app_slug, endpoint_id
    )
    delivery = _delivery(session, endpoint, delivery_id)
    rows = session.execute(
        select(WebhookAttempt)
        .where(_A.delivery_id == delivery.id)
        .order_by(_A.attempt, _A.id)
        .limit(ATTEMPTS_MAX)
    ).scalars()
    return [WebhookAttemptPublic.model_validate(row) for row in rows]


def _sendable(endpoint: WebhookEndpoint) -> None:
    # The worker sends nothing to a disabled endpoint: a message queued now would wait unseen.
    if not endpoint.enabled:
        raise Invalid("The endpoint is disabled: enable it, then send again.")


def _record(session, actor, workspace, app: App, action: str, endpoint, **after) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="app",
        target_id=app.id,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        after={"endpoint_id": endpoint.id, "url": endpoint.url} | after,
    )


def _queue(event_id: int, workspace_id, endpoint_id: int, now: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "workspace_id": workspace_id,
        "endpoint_id": endpoint_id,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _queued_message(delivery: WebhookDelivery, event: OutboxEvent) -> WebhookMessage:
    """A delivery just queued (replayed, recovered or a test), as the message list shows it."""
    return WebhookMessage(
        id=delivery.id,
        message_id=event.message_id,
        event_type=event.type,
        status=delivery.status,
        attempts=0,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
    )


def replay(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    endpoint_id: int,
    delivery_id: int,
) -> WebhookMessage:
    """Send one message again: a new pending delivery of the same event, due now."""
    workspace, app, endpoint = find_endpoint(
        session, actor, Action.MANAGE_WEBHOOKS, workspace_id, app_slug, endpoint_id
    )
    original = _delivery(session, endpoint, delivery_id)
    _sendable(endpoint)
    now = utcnow()
    again = WebhookDelivery(**_queue(original.event_id, original.workspace_id, endpoint.id, now))
    session.add(again)
    session.flush()
    event = session.get(OutboxEvent, original.event_id)
    _record(
        session,
        actor,
        workspace,
        app,
        "webhook_delivery.replayed",
        endpoint,
        message_id=event.message_id,
        delivery_id=again.id,
    )
    return _queued_message(again, event)


def _since(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise Invalid("Choose a date and time.", field="since")
    moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if moment > utcnow():
        raise Invalid("Choose a time in the past.", field="since")
    return moment


def _failed_since(endpoint: WebhookEndpoint, since: datetime):
    """The failed deliveries created since `since` whose event has no later delivery to this
    endpoint (not already replayed or recovered), oldest first: at most RECOVER_MAX + 1."""
    later = aliased(WebhookDelivery)
    newer = (
        exists()
        .where(later.endpoint_id == endpoint.id)
        .where(later.event_id == _D.event_id)
        .where(later.id > _D.id)
    )
    return (
        select(_D.event_id, _D.workspace_id)
        .where(
            _D.endpoint_id == endpoint.id,
            _D.status == DeliveryStatus.FAILED.value,
            _D.created_at >= since,
            ~newer,
        )
        .order_by(_D.id)
        .limit(RECOVER_MAX + 1)
    )


def count_failed_since(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    endpoint_id: int,
    since: datetime,
) -> RecoverCount:
    """How many messages `recover_failed` would send again now: what the confirmation says."""
    _, _, endpoint = find_endpoint(
        session, actor, Action.VIEW_WORKSPACE, workspace_id, app_slug, endpoint_id
    )
    found = session.execute(
        select(func.count()).select_from(_failed_since(endpoint, _since(since)).subquery())
    ).scalar_one()
    return RecoverCount(
        count=min(found, RECOVER_MAX), limit=RECOVER_MAX, capped=found > RECOVER_MAX
    )


def recover_failed(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    endpoint_id: int,
    since: datetime,
) -> RecoverCount:
    """Send again every failed message of the endpoint created at or after `since` (oldest
    first, at most RECOVER_MAX; a second run takes the rest): one new pending delivery each."""
    workspace, app, endpoint = find_endpoint(
        session, actor, Action.MANAGE_WEBHOOKS, workspace_id, app_slug, endpoint_id
    )
    _sendable(endpoint)
    moment = _since(since)
    rows = session.execute(_failed_since(endpoint, moment)).all()
    chosen = rows[:RECOVER_MAX]
    now = utcnow()
    if chosen:
        session.execute(
            insert(WebhookDelivery.__table__),
            [_queue(event_id, ws, endpoint.id, now) for event_id, ws in chosen],
        )
    _record(
        session,
        actor,
        workspace,
        app,
        "webhook_delivery.recovered",
        endpoint,
        since=moment.isoformat(),
        count=len(chosen),
    )
    return RecoverCount(count=len(chosen), limit=RECOVER_MAX, capped=len(rows) > RECOVER_MAX)


def send_test_event(
    *, session: Session, actor: Actor, workspace_id: str, app_slug: str, endpoint_id: int
) -> WebhookMessage:
    """A `webhook.test` event for this endpoint alone: written dispatched, so the worker's
    fan-out leaves it be, with its one pending delivery due now."""
    workspace, app, endpoint = find_endpoint(
        session, actor, Action.MANAGE_WEBHOOKS, workspace_id, app_slug, endpoint_id
    )
    _sendable(endpoint)
    event = events.emit(
        session,
        type=EventType.WEBHOOK_TEST,
        workspace_id=workspace.id,
        app_id=app.id,
        environment=endpoint.environment,
        data={
            "app_id": app.id,
            "environment": endpoint.environment,
            "endpoint_id": endpoint.id,
            "message": "A test event from Portal.",
        },
    )
    event.status = OutboxStatus.DISPATCHED.value
    session.flush()
    delivery = WebhookDelivery(**_queue(event.id, workspace.id, endpoint.id, event.created_at))
    session.add(delivery)
    session.flush()
    _record(
        session,
        actor,
        workspace,
        app,
        "webhook_endpoint.test_sent",
        endpoint,
        message_id=event.message_id,
    )
    return _queued_message(delivery, event)
