"""A subscriber's message log (issue 11, item 6): its messages (deliveries with their event),
each message's attempts, and the owner's ways to send again: replay one message, recover
every failed one since a time, send a test event.

A subscriber is an app's webhook endpoint (`EndpointRef`) or a developer app's webhook
(`DeveloperAppRef`, every workspace that installed it); the functions below are the same for
both, only who may do what and where the audit row goes differ:

- an endpoint: reading needs read on the workspace; sending needs MANAGE_WEBHOOKS
  (administer, refused on a frozen workspace); audited in the workspace's trail;
- a developer app: anyone on its team reads (VIEW_APP); developers and owners send
  (DeveloperAction.MANAGE_WEBHOOKS); audited in the app's trail.

Sending only writes rows: a new pending delivery, due now, that the delivery worker takes like
any other. A replay carries the event's own message id, so the receiver sees the same
webhook-id and can tell it already has the message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, func, insert, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from portal.domain.access import Action, Actor
from portal.domain.developer import DeveloperAction, VersionState
from portal.domain.dto import RecoverCount, WebhookAttemptPublic, WebhookMessage
from portal.domain.errors import Invalid, NotFound
from portal.domain.events import EventType, OutboxStatus
from portal.domain.paging import Page
from portal.domain.webhooks import DeliveryStatus
from portal.models import (
    DeveloperAppInstallation,
    DeveloperAppVersion,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
)
from portal.models._base import utcnow
from portal.services import audit, developer_apps, events, keyset, permissions
from portal.services.keyset import Key
from portal.services.webhook_endpoints import find_endpoint

RECOVER_MAX = 10_000  # messages one recovery sends again; run it again for the rest
ATTEMPTS_MAX = 50  # a delivery makes 8 at most (domain/webhooks.py); a bound all the same
STATUS_FILTERS = ("all", *DeliveryStatus)
TEST_INSTALLATIONS_MAX = 50  # installations looked at for one with a webhook URL

_D = WebhookDelivery.__table__.c
_E = OutboxEvent.__table__.c
_A = WebhookAttempt.__table__.c
_LIST = keyset.Keyset("webhook-messages", sorts={"newest": None}, tiebreak=Key(_D.id, int))
MessagePage = Page[WebhookMessage]


@dataclass(frozen=True)
class EndpointRef:
    """An app's webhook endpoint, as its page's URL names it (untrusted: checked on use)."""

    workspace_id: str
    app_slug: str
    endpoint_id: int


@dataclass(frozen=True)
class DeveloperAppRef:
    """A developer app's webhook: its deliveries to every workspace that installed it."""

    app_id: int


Subscriber = EndpointRef | DeveloperAppRef


@dataclass(frozen=True)
class _Found:
    """A subscriber the actor may act on: which deliveries are its, whether it takes new
    ones, where its test event goes, and how an action on it is audited."""

    column: str  # the deliveries' column naming it: "endpoint_id" or "developer_app_id"
    id: int
    off: str  # why nothing may be sent to it now; "" when it takes deliveries
    record: Callable[[Session, Actor, str, dict[str, Any]], None]
    # An endpoint's test event: its workspace, app, environment (None for a developer app,
    # whose test goes through an installation: _test_installation).
    test_scope: dict[str, Any] | None = None
    test_action: str = "webhook_endpoint.test_sent"


def _find(session: Session, actor: Actor, subscriber: Any, *, send: bool) -> _Found:
    """The subscriber, permission checked for reading (or sending, with `send`)."""
    if isinstance(subscriber, EndpointRef):
        action = Action.MANAGE_WEBHOOKS if send else Action.VIEW_WORKSPACE
        workspace, app, endpoint = find_endpoint(
            session,
            actor,
            action,
            subscriber.workspace_id,
            subscriber.app_slug,
            subscriber.endpoint_id,
        )

        def record(session: Session, actor: Actor, action: str, after: dict[str, Any]) -> None:
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

        return _Found(
            column="endpoint_id",
            id=endpoint.id,
            # The worker sends nothing to a disabled endpoint: a message queued now would
            # wait unseen.
            off="" if endpoint.enabled else "The endpoint is disabled: enable it, then send again.",
            record=record,
            test_scope={
                "workspace_id": workspace.id,
                "app_id": app.id,
                "environment": endpoint.environment,
                "data": {
                    "app_id": app.id,
                    "environment": endpoint.environment,
                    "endpoint_id": endpoint.id,
                },
            },
        )
    if isinstance(subscriber, DeveloperAppRef):
        team_action = DeveloperAction.MANAGE_WEBHOOKS if send else DeveloperAction.VIEW_APP
        developer_app, _role = permissions.require_team(
            session, actor, team_action, subscriber.app_id
        )

        def record_team(session: Session, actor: Actor, action: str, after: dict) -> None:
            developer_apps.record_event(session, actor, action, developer_app, after=after)

        return _Found(
            column="developer_app_id",
            id=developer_app.id,
            # The worker fails a disabled webhook's deliveries unsent.
            off=(
                "The webhook is off: turn it back on, then send again."
                if developer_app.webhook_disabled_at is not None
                else ""
            ),
            record=record_team,
            test_action="developer_app.webhook_test_sent",
        )
    raise NotFound("Webhook not found.")


def _status_filter(value: Any) -> str | None:
    if value in (None, "", "all"):
        return None
    if value not in set(DeliveryStatus):
        raise Invalid("Status is all, succeeded, failed or pending.", field="status")
    return str(value)


def _type_filter(value: Any) -> str | None:
    if value in (None, "", "all"):
        return None
    if value not in set(EventType):
        raise Invalid("Not an event type.", field="event_type")
    return str(value)


def list_messages(
    *,
    session: Session,
    actor: Actor,
    subscriber: Subscriber,
    status: str | None = None,
    event_type: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[WebhookMessage]:
    """The subscriber's messages, newest first (a replay is a message of its own)."""
    found = _find(session, actor, subscriber, send=False)
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
        .where(_D[found.column] == found.id)
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


def _delivery(session: Session, found: _Found, delivery_id: Any) -> WebhookDelivery:
    delivery = None
    if isinstance(delivery_id, int) and not isinstance(delivery_id, bool) and delivery_id > 0:
        delivery = session.get(WebhookDelivery, delivery_id) if delivery_id < 2**31 else None
    if delivery is None or getattr(delivery, found.column) != found.id:
        raise NotFound("Message not found.")
    return delivery


def list_attempts(
    *, session: Session, actor: Actor, subscriber: Subscriber, delivery_id: int
) -> list[WebhookAttemptPublic]:
    """One message's attempts, first to last, with what the receiver answered."""
    delivery = _delivery(session, _find(session, actor, subscriber, send=False), delivery_id)
    rows = session.execute(
        select(WebhookAttempt)
        .where(_A.delivery_id == delivery.id)
        .order_by(_A.attempt, _A.id)
        .limit(ATTEMPTS_MAX)
    ).scalars()
    return [WebhookAttemptPublic.model_validate(row) for row in rows]


def _sendable(found: _Found) -> None:
    if found.off:
        raise Invalid(found.off)


def _record(session: Session, actor: Actor, found: _Found, action: str, **after: Any) -> None:
    found.record(session, actor, action, after)


def _queue(
    found: _Found, event_id: int, workspace_id: Any, installation_id: int | None, now: datetime
) -> dict[str, Any]:
    """A new pending delivery of `event_id` to the subscriber, due now. A developer app's
    goes through the installation its original went through (the worker sends to that
    installation's version's webhook URL)."""
    endpoint = found.column == "endpoint_id"
    return {
        "event_id": event_id,
        "workspace_id": workspace_id,
        "endpoint_id": found.id if endpoint else None,
        "installation_id": None if endpoint else installation_id,
        "developer_app_id": None if endpoint else found.id,
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
    *, session: Session, actor: Actor, subscriber: Subscriber, delivery_id: int
) -> WebhookMessage:
    """Send one message again: a new pending delivery of the same event, due now."""
    found = _find(session, actor, subscriber, send=True)
    original = _delivery(session, found, delivery_id)
    _sendable(found)
    again = WebhookDelivery(
        **_queue(
            found, original.event_id, original.workspace_id, original.installation_id, utcnow()
        )
    )
    session.add(again)
    session.flush()
    event = session.get(OutboxEvent, original.event_id)
    _record(
        session,
        actor,
        found,
        "webhook_delivery.replayed",
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


def _failed_since(found: _Found, since: datetime):
    """The failed deliveries created since `since` whose event has no later delivery to this
    subscriber (not already replayed or recovered), oldest first: at most RECOVER_MAX + 1."""
    later = aliased(WebhookDelivery)
    newer = (
        exists()
        .where(getattr(later, found.column) == found.id)
        .where(later.event_id == _D.event_id)
        .where(later.id > _D.id)
    )
    return (
        select(_D.event_id, _D.workspace_id, _D.installation_id)
        .where(
            _D[found.column] == found.id,
            _D.status == DeliveryStatus.FAILED.value,
            _D.created_at >= since,
            ~newer,
        )
        .order_by(_D.id)
        .limit(RECOVER_MAX + 1)
    )


def count_failed_since(
    *, session: Session, actor: Actor, subscriber: Subscriber, since: datetime
) -> RecoverCount:
    """How many messages `recover_failed` would send again now: what the confirmation says."""
    found = _find(session, actor, subscriber, send=False)
    counted = session.execute(
        select(func.count()).select_from(_failed_since(found, _since(since)).subquery())
    ).scalar_one()
    return RecoverCount(
        count=min(counted, RECOVER_MAX), limit=RECOVER_MAX, capped=counted > RECOVER_MAX
    )


def recover_failed(
    *, session: Session, actor: Actor, subscriber: Subscriber, since: datetime
) -> RecoverCount:
    """Send again every failed message of the subscriber created at or after `since` (oldest
    first, at most RECOVER_MAX; a second run takes the rest): one new pending delivery each."""
    found = _find(session, actor, subscriber, send=True)
    _sendable(found)
    moment = _since(since)
    rows = session.execute(_failed_since(found, moment)).all()
    chosen = rows[:RECOVER_MAX]
    now = utcnow()
    if chosen:
        session.execute(
            insert(WebhookDelivery.__table__),
            [_queue(found, event_id, ws, inst, now) for event_id, ws, inst in chosen],
        )
    _record(
        session,
        actor,
        found,
        "webhook_delivery.recovered",
        since=moment.isoformat(),
        count=len(chosen),
    )
    return RecoverCount(count=len(chosen), limit=RECOVER_MAX, capped=len(rows) > RECOVER_MAX)


def _test_installation(session: Session, app_id: int) -> DeveloperAppInstallation:
    """The newest installation whose version declares a webhook URL: where a developer app's
    test event goes (a delivery to a developer app always goes through an installation)."""
    rows = session.execute(
        select(DeveloperAppInstallation, DeveloperAppVersion.manifest)
        .join(DeveloperAppVersion, DeveloperAppVersion.id == DeveloperAppInstallation.version_id)
        .where(
            DeveloperAppInstallation.app_id == app_id,
            DeveloperAppVersion.state == VersionState.PUBLISHED,
        )
        .order_by(DeveloperAppInstallation.id.desc())
        .limit(TEST_INSTALLATIONS_MAX)
    ).all()
    for installation, manifest in rows:
        if (manifest or {}).get("webhook_url"):
            return installation
    raise Invalid(
        "No workspace has a version with a webhook URL installed: install one, then send a "
        "test event."
    )


def send_test_event(*, session: Session, actor: Actor, subscriber: Subscriber) -> WebhookMessage:
    """A `webhook.test` event for this subscriber alone: written dispatched, so the worker's
    fan-out leaves it be, with its one pending delivery due now. A developer app's goes to
    its newest installation that has a webhook URL."""
    found = _find(session, actor, subscriber, send=True)
    _sendable(found)
    if found.test_scope is not None:
        scope = dict(found.test_scope)
        data = scope.pop("data")
        installation_id = None
    else:
        installation = _test_installation(session, found.id)
        installation_id = installation.id
        scope = {"workspace_id": installation.workspace_id}
        data = {"developer_app_id": found.id}
    event = events.emit(
        session,
        type=EventType.WEBHOOK_TEST,
        data=data | {"message": "A test event from Portal."},
        **scope,
    )
    event.status = OutboxStatus.DISPATCHED.value
    session.flush()
    delivery = WebhookDelivery(
        **_queue(found, event.id, event.workspace_id, installation_id, event.created_at)
    )
    session.add(delivery)
    session.flush()
    _record(session, actor, found, found.test_action, message_id=event.message_id)
    return _queued_message(delivery, event)
