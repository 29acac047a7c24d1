"""Hand-made delivery history for an app's webhook endpoint or a developer app: an outbox event,
its delivery and the attempts it made, written straight to the tables as the delivery worker
would write them. Service, state and browser tests share it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from portal.config import get_settings
from portal.domain.access import Actor
from portal.domain.events import EventType, OutboxStatus, payload
from portal.domain.webhooks import DeliveryStatus, Outcome
from portal.models import (
    App,
    DeveloperAppInstallation,
    DeveloperAppVersion,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.models._base import utcnow
from portal.services import developer_apps, developer_terms, webhook_endpoints
from portal.services.webhook_signing import new_message_id
from tests.factories import account_of, actor_for, admin_actor, make_app, make_user, make_workspace

HOOKED_MANIFEST = (
    "display:\n  name: Tide Sync\nscopes:\n  - workspace:read\n"
    "webhook_url: https://hooks.tide.example/in\nevent_categories:\n  - apps\n"
)


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


def hooked_developer_app(
    session: Session, owner: Actor | None = None, name: str = "Tide Sync"
) -> tuple[Actor, int, int]:
    """A developer (the app's owner, `owner` or a new one who accepted the terms), the id of
    their app whose published version declares a webhook URL, and the id of its installation
    in a workspace of another account."""
    if owner is None:
        owner = actor_for(session, make_user(session, name="Dee Veloper"))
        developer_terms.accept(
            session=session, actor=owner, version=get_settings().developer_terms_version
        )
    app = developer_apps.create_app(session=session, actor=owner, name=name)
    developer_apps.save_draft(session=session, actor=owner, app_id=app.id, text=HOOKED_MANIFEST)
    developer_apps.publish(session=session, actor=owner, app_id=app.id)
    version = session.exec(
        select(DeveloperAppVersion).where(DeveloperAppVersion.app_id == app.id)
    ).one()
    customer = make_user(session)
    workspace = make_workspace(session, account_of(session, customer.id), "Customer")
    installation = DeveloperAppInstallation(
        app_id=app.id, workspace_id=workspace.id, version_id=version.id
    )
    session.add(installation)
    session.flush()
    return owner, app.id, installation.id


def developer_delivery(
    session: Session,
    installation_id: int,
    *,
    status: str = DeliveryStatus.SUCCEEDED,
    event_type: str = EventType.APP_UPDATED,
    created_at: datetime | None = None,
    attempts: list[dict] | None = None,
) -> WebhookDelivery:
    """An event of the installation's workspace and its delivery to the developer app, with
    `attempts` as `delivery` makes them."""
    installation = session.get(DeveloperAppInstallation, installation_id)
    when = created_at or utcnow()
    event = OutboxEvent(
        message_id=new_message_id(when),
        type=str(event_type),
        workspace_id=installation.workspace_id,
        payload=payload(EventType(event_type), when.isoformat(), {}),
        created_at=when,
        status=OutboxStatus.DISPATCHED,
        available_at=when,
    )
    session.add(event)
    session.flush()
    tries = attempts or []
    row = WebhookDelivery(
        event_id=event.id,
        workspace_id=installation.workspace_id,
        installation_id=installation.id,
        developer_app_id=installation.app_id,
        status=str(status),
        attempts=len(tries),
        next_attempt_at=None,
        created_at=when,
    )
    session.add(row)
    session.flush()
    _attempts(session, row, tries, when)
    return row


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
    _attempts(session, row, tries, when)
    return row


def _attempts(session: Session, row: WebhookDelivery, tries: list[dict], when: datetime) -> None:
    for number, values in enumerate(tries, start=1):
        attempt = WebhookAttempt(
            delivery_id=row.id,
            endpoint_id=row.endpoint_id,
            developer_app_id=row.developer_app_id,
            attempt=number,
            **({"attempted_at": when + timedelta(seconds=number)} | _success() | values),
        )
        session.add(attempt)
        row.last_status_code = attempt.status_code
        row.last_attempt_at = attempt.attempted_at
    session.flush()


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
