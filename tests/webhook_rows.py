"""Hand-made delivery history for an app's webhook endpoint: an outbox event, its delivery and
the attempts it made, written straight to the tables as the delivery worker would write them.
Service, state and browser tests share it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from portal.domain.events import EventType, OutboxStatus, payload
from portal.domain.webhooks import DeliveryStatus, Outcome
from portal.models import App, OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.models._base import utcnow
from portal.services import webhook_endpoints
from portal.services.webhook_signing import new_message_id
from tests.factories import admin_actor, make_app, make_workspace


def app_endpoint(session: Session, *other_apps: str) -> tuple:
    """An administrator, their workspace's id, and the id of an endpoint of its app "Acme"
    (slug acme, taking sign-ins); `other_apps` are made beside it."""
    actor, account = admin_actor(session)
    workspace = str(make_workspace(session, account).id)
    for name in ("Acme", *other_apps):
        make_app(session, actor, workspace, name)
    endpoint = webhook_endpoints.create_endpoint(
        session=session,
        actor=actor,
        workspace_id=workspace,
        app_slug="acme",
        url="https://hooks.acme.example/portal",
        categories=["sign_in"],
    ).endpoint
    return actor, workspace, endpoint.id


def delivery(
    session: Session,
    endpoint_id: int,
    *,
    status: str = DeliveryStatus.SUCCEEDED,
    event_type: str = EventType.SESSION_CREATED,
    created_at: datetime | None = None,
    attempts: list[dict] | None = None,
    next_attempt_at: datetime | None = None,
) -> WebhookDelivery:
    """An event of the endpoint's app and one delivery of it with `attempts` (each a dict of
    WebhookAttempt fields; outcome, status_code and latency_ms default to a quick 200)."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    app = session.get(App, endpoint.app_id)
    when = created_at or utcnow()
    event = OutboxEvent(
        message_id=new_message_id(when),
        type=str(event_type),
        workspace_id=app.workspace_id,
        app_id=app.id,
        environment=endpoint.environment,
        payload=payload(EventType(event_type), when.isoformat(), {"app_id": app.id}),
        created_at=when,
        status=OutboxStatus.DISPATCHED,
        available_at=when,
    )
    session.add(event)
    session.flush()
    tries = attempts or []
    row = WebhookDelivery(
        event_id=event.id,
        workspace_id=app.workspace_id,
        endpoint_id=endpoint_id,
        status=str(status),
        attempts=len(tries),
        next_attempt_at=next_attempt_at,
        created_at=when,
    )
    session.add(row)
    session.flush()
    for number, values in enumerate(tries, start=1):
        attempt = WebhookAttempt(
            delivery_id=row.id,
            endpoint_id=endpoint_id,
            attempt=number,
            **({"attempted_at": when + timedelta(seconds=number)} | _success() | values),
        )
        session.add(attempt)
        row.last_status_code = attempt.status_code
        row.last_attempt_at = attempt.attempted_at
    session.flush()
    return row


def _success() -> dict:
    return {"outcome": Outcome.SUCCESS.value, "status_code": 200, "latency_ms": 120}


def failure(cause: str = "http_status", status_code: int | None = 500, **more) -> dict:
    return {
        "outcome": Outcome.FAILURE.value,
        "status_code": status_code,
        "cause": cause,
        "error": None if status_code else f"{cause} error",
        "latency_ms": 300,
    } | more
