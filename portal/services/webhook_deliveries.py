"""Webhook delivery, the database side (the HTTP side is workers/deliveries.py):

1. **Fan-out.** `fan_out` takes pending outbox events and makes one delivery per subscriber:
   each enabled webhook endpoint of the event's app, in its environment, that takes the
   event's category; and each developer app installed in the workspace whose installed
   version declares the event's category and a webhook URL. The events are marked dispatched
   in the same transaction, so each is fanned out once.
2. **Claim.** `claim_due` leases due deliveries to one worker (a conditional UPDATE: on
   PostgreSQL over `FOR UPDATE SKIP LOCKED`, on SQLite under its one writer), so two workers
   never make the same attempt; a lease outlives the HTTP timeout, and a worker killed
   mid-attempt leaves its lease to run out: the attempt runs again, with the same webhook-id.
3. **Record.** `record` logs each attempt and applies domain/webhooks.py's rules: success,
   the next retry, failure when the schedule is spent, 410 and the auto-disable window
   disabling the subscriber, whose owners are then told (audit entry, email, and the
   dashboard's blocker).

Nothing here does network I/O; each function runs in its caller's transaction.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlmodel import Session

from portal.config import get_settings
from portal.domain.developer import TeamRole, VersionState
from portal.domain.events import EventType, OutboxStatus
from portal.domain.webhooks import (
    MAX_ATTEMPTS,
    RESPONSE_MAX,
    AttemptResult,
    DeliveryStatus,
    Outcome,
    next_attempt_at,
    should_disable,
)
from portal.models import (
    App,
    DeveloperApp,
    DeveloperAppInstallation,
    DeveloperAppMember,
    DeveloperAppVersion,
    OutboxEvent,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    Workspace,
)
from portal.models._base import utcnow
from portal.services import audit, mailer, permissions, webhook_endpoints

LEASE = timedelta(seconds=60)  # longer than an attempt can take (15 s timeout, then the write)
FAN_OUT_BATCH = 500
CLAIM_BATCH = 200

_D = WebhookDelivery.__table__.c
_E = OutboxEvent.__table__.c


@dataclass(frozen=True)
class Job:
    """One attempt to make: what the worker POSTs, and where."""

    delivery_id: int
    attempt: int  # 1-based number of this attempt
    url: str
    message_id: str  # webhook-id: the event's, the same on every attempt
    body: bytes  # webhook-timestamp is the attempt's own time: receivers refuse stale ones
    secrets: list[str]


@dataclass
class Sent:
    """What one attempt came to, as the worker measured it."""

    delivery_id: int
    attempt: int
    result: AttemptResult
    latency_ms: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    retry_after: str | None = None


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- 1. fan-out ----------------------------------------------------------------------------


def fan_out(session: Session, *, now: datetime | None = None, limit: int = FAN_OUT_BATCH) -> int:
    """Make the deliveries of up to `limit` due outbox events; returns how many deliveries."""
    now = now or utcnow()
    due = (
        select(_E.id)
        .where(_E.status == OutboxStatus.PENDING, _E.available_at <= now)
        .order_by(_E.id)
        .limit(limit)
    )
    if _postgres(session):
        due = due.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(OutboxEvent)
        .where(_E.id.in_(due.scalar_subquery()), _E.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.DISPATCHED)
        .returning(_E.id, _E.type, _E.workspace_id, _E.app_id, _E.environment)
    ).all()
    if not claimed:
        return 0
    endpoints = _endpoints_by_app(session, {row.app_id for row in claimed if row.app_id})
    installed = _installed_by_workspace(session, {row.workspace_id for row in claimed})
    rows: list[dict[str, Any]] = []
    for event in claimed:
        info = EventType(event.type).info
        for endpoint in endpoints.get(event.app_id, ()):
            if (
                info.endpoint_category is not None
                and endpoint.environment == event.environment
                and info.endpoint_category in endpoint.categories
            ):
                rows.append(_delivery(event, now, endpoint_id=endpoint.id))
        for installation_id, app_id, categories in installed.get(event.workspace_id, ()):
            if info.category in categories:
                rows.append(
                    _delivery(event, now, installation_id=installation_id, developer_app_id=app_id)
                )
    if rows:
        session.execute(insert(WebhookDelivery), rows)
    return len(rows)


def _delivery(event, now: datetime, **target: Any) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "workspace_id": event.workspace_id,
        "endpoint_id": None,
        "installation_id": None,
        "developer_app_id": None,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        **target,
    }


def _endpoints_by_app(session: Session, app_ids: set[int]) -> dict[int, list[WebhookEndpoint]]:
    found: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    if app_ids:
        for endpoint in session.exec(
            select(WebhookEndpoint).where(
                WebhookEndpoint.app_id.in_(app_ids), WebhookEndpoint.enabled.is_(True)
            )
        ).scalars():
            found[endpoint.app_id].append(endpoint)
    return found


def _installed_by_workspace(
    session: Session, workspace_ids: set[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[int, int, frozenset[str]]]]:
    """workspace -> (installation id, developer app id, declared categories) of each installed
    app whose installed version declares a webhook URL and whose webhook is not disabled."""
    found: dict[uuid.UUID, list] = defaultdict(list)
    rows = session.execute(
        select(
            DeveloperAppInstallation.id,
            DeveloperAppInstallation.workspace_id,
            DeveloperAppInstallation.app_id,
            DeveloperAppVersion.manifest,
        )
        .join(DeveloperAppVersion, DeveloperAppVersion.id == DeveloperAppInstallation.version_id)
        .join(DeveloperApp, DeveloperApp.id == DeveloperAppInstallation.app_id)
        .where(
            DeveloperAppInstallation.workspace_id.in_(workspace_ids),
            DeveloperApp.webhook_disabled_at.is_(None),
        )
    ).all()
    for installation_id, workspace_id, app_id, manifest in rows:
        manifest = manifest or {}
        if manifest.get("webhook_url") and manifest.get("event_categories"):
            categories = frozenset(manifest["event_categories"])
            found[workspace_id].append((installation_id, app_id, categories))
    return found


# --- 2. claim ------------------------------------------------------------------------------


def claim_due(
    session: Session,
    *,
    owner: str,
    now: datetime | None = None,
    limit: int = CLAIM_BATCH,
    lease: timedelta = LEASE,
) -> list[Job]:
    """Lease up to `limit` due deliveries to `owner` and return their attempts to make.
    Deliveries whose subscriber was disabled since they were made fail here, unsent."""
    now = now or utcnow()
    free = or_(_D.lease_until.is_(None), _D.lease_until < now)
    due = (
        select(_D.id)
        .where(_D.status == DeliveryStatus.PENDING, _D.next_attempt_at <= now, free)
        .order_by(_D.next_attempt_at)
        .limit(limit)
    )
    if _postgres(session):
        due = due.with_for_update(skip_locked=True)
    ids = (
        session.execute(
            update(WebhookDelivery)
            .where(_D.id.in_(due.scalar_subquery()), _D.status == DeliveryStatus.PENDING, free)
            .values(lease_owner=owner, lease_until=now + lease)
            .returning(_D.id)
        )
        .scalars()
        .all()
    )
    if not ids:
        return []
    return _jobs(session, ids, now)


def _jobs(session: Session, ids: list[int], now: datetime) -> list[Job]:
    rows = session.execute(
        select(WebhookDelivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(ids))
    ).all()
    endpoint_ids = {d.endpoint_id for d, _ in rows if d.endpoint_id}
    endpoints = {
        e.id: e
        for e in session.exec(
            select(WebhookEndpoint).where(WebhookEndpoint.id.in_(endpoint_ids))
        ).scalars()
    }
    targets = _installation_targets(session, {d.installation_id for d, _ in rows})
    jobs, stopped = [], []
    for delivery, event in rows:
        if delivery.endpoint_id is not None:
            endpoint = endpoints.get(delivery.endpoint_id)
            if endpoint is None or not endpoint.enabled:
                stopped.append(delivery.id)
                continue
            url, secrets = endpoint.url, webhook_endpoints.signing_secrets(endpoint, now)
        else:
            target = targets.get(delivery.installation_id)
            if target is None:
                stopped.append(delivery.id)
                continue
            url, developer_app = target
            from portal.services import developer_webhooks  # its team's side, one module

            secrets = developer_webhooks.signing_secrets(session, developer_app)
        jobs.append(
            Job(
                delivery_id=delivery.id,
                attempt=delivery.attempts + 1,
                url=url,
                message_id=event.message_id,
                body=json.dumps(event.payload, separators=(",", ":")).encode(),
                secrets=secrets,
            )
        )
    if stopped:  # the subscriber was disabled or removed: nothing to send it
        session.execute(
            update(WebhookDelivery)
            .where(_D.id.in_(stopped))
            .values(
                status=DeliveryStatus.FAILED,
                next_attempt_at=None,
                lease_owner=None,
                lease_until=None,
            )
        )
    return jobs


def _installation_targets(
    session: Session, installation_ids: set[int | None]
) -> dict[int, tuple[str, DeveloperApp]]:
    """installation -> (the installed version's webhook URL, its developer app), for apps
    whose webhook is on."""
    ids = {i for i in installation_ids if i}
    if not ids:
        return {}
    rows = session.execute(
        select(DeveloperAppInstallation.id, DeveloperAppVersion.manifest, DeveloperApp)
        .join(DeveloperAppVersion, DeveloperAppVersion.id == DeveloperAppInstallation.version_id)
        .join(DeveloperApp, DeveloperApp.id == DeveloperAppInstallation.app_id)
        .where(
            DeveloperAppInstallation.id.in_(ids),
            DeveloperAppVersion.state == VersionState.PUBLISHED,
        )
    ).all()
    return {
        installation_id: (manifest["webhook_url"], app)
        for installation_id, manifest, app in rows
        if app.webhook_disabled_at is None and (manifest or {}).get("webhook_url")
    }


# --- 3. record -----------------------------------------------------------------------------


def record(
    session: Session,
    sent: list[Sent],
    *,
    owner: str,
    now: datetime | None = None,
    disable_after: timedelta | None = None,
) -> None:
    """Log each attempt and move its delivery on; the subscribers' health follows."""
    if not sent:
        return
    now = now or utcnow()
    window = disable_after or _disable_after()
    deliveries = {
        d.id: d
        for d in session.exec(
            select(WebhookDelivery).where(WebhookDelivery.id.in_([s.delivery_id for s in sent]))
        ).scalars()
    }
    attempts: list[dict[str, Any]] = []
    health: dict[tuple[str, int], list[Sent]] = defaultdict(list)
    for result in sent:
        delivery = deliveries.get(result.delivery_id)
        if delivery is None:  # its endpoint (and with it the delivery) was deleted meanwhile
            continue
        attempts.append(_attempt_row(delivery, result, now))
        if delivery.lease_owner != owner or delivery.status != DeliveryStatus.PENDING:
            continue  # our lease ran out and another worker took it: the log is all we add
        _advance(delivery, result, now)
        session.add(delivery)
        key = (
            ("endpoint", delivery.endpoint_id)
            if delivery.endpoint_id is not None
            else ("developer_app", delivery.developer_app_id)
        )
        health[key].append(result)
    if attempts:
        session.execute(insert(WebhookAttempt), attempts)
    for (kind, target_id), results in health.items():
        if kind == "endpoint":
            _endpoint_health(session, target_id, results, now, window)
        else:
            _developer_app_health(session, target_id, results, now, window)


def _disable_after() -> timedelta:
    return timedelta(days=get_settings().webhook_disable_after_days)


def _attempt_row(delivery: WebhookDelivery, sent: Sent, now: datetime) -> dict[str, Any]:
    headers = dict(list(sent.headers.items())[:50])
    while headers and len(json.dumps(headers)) > RESPONSE_MAX:
        headers.popitem()
    return {
        "delivery_id": delivery.id,
        "endpoint_id": delivery.endpoint_id,
        "developer_app_id": delivery.developer_app_id,
        "attempt": sent.attempt,
        "attempted_at": now,
        "outcome": sent.result.outcome,
        "status_code": sent.result.status_code,
        "latency_ms": sent.latency_ms,
        "cause": sent.result.cause,
        "error": sent.result.error,
        "response_headers": headers,
        "response_body": sent.body.encode()[:RESPONSE_MAX].decode(errors="ignore"),
    }


def _advance(delivery: WebhookDelivery, sent: Sent, now: datetime) -> None:
    delivery.attempts = max(delivery.attempts, sent.attempt)
    delivery.last_attempt_at = now
    delivery.last_status_code = sent.result.status_code
    delivery.lease_owner = None
    delivery.lease_until = None
    outcome = sent.result.outcome
    if outcome is Outcome.SUCCESS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, None
        return
    following = None
    if outcome is Outcome.FAILURE and delivery.attempts < MAX_ATTEMPTS:
        following = next_attempt_at(delivery.attempts + 1, now, retry_after=sent.retry_after)
    if following is None:  # 410, or the schedule is spent
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = following


def _health_after(
    results: list[Sent],
    now: datetime,
    window: timedelta,
    failing_since: datetime | None,
    last_success_at: datetime | None,
    gone: str,
) -> tuple[datetime | None, datetime | None, str | None]:
    """A subscriber's (failing since, last success, reason to disable it) after one round's
    results: a success clears the run of failures, a last failure starts one, and a 410 (the
    `gone` text) or DISABLE_AFTER of failing with no success is a reason to disable it."""
    if any(r.result.outcome is Outcome.SUCCESS for r in results):
        last_success_at, failing_since = now, None
    failed_last = results[-1].result.outcome is not Outcome.SUCCESS
    if failed_last and failing_since is None:
        failing_since = now
    reason = None
    if any(r.result.outcome is Outcome.GONE for r in results):
        reason = gone
    elif failed_last and should_disable(failing_since, last_success_at, now, window):
        reason = f"Every delivery failed for {_days(window)} with no success."
    return failing_since, last_success_at, reason


def _endpoint_health(
    session: Session,
    endpoint_id: int,
    results: list[Sent],
    now: datetime,
    window: timedelta,
) -> None:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        return
    endpoint.failing_since, endpoint.last_success_at, reason = _health_after(
        results,
        now,
        window,
        endpoint.failing_since,
        endpoint.last_success_at,
        "The endpoint answered 410 Gone: it asked for no more deliveries.",
    )
    if reason and endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = reason
        _tell_endpoint_owners(session, endpoint, reason)
    session.add(endpoint)


def _developer_app_health(
    session: Session,
    app_id: int,
    results: list[Sent],
    now: datetime,
    window: timedelta,
) -> None:
    app = session.get(DeveloperApp, app_id)
    if app is None:
        return
    app.webhook_failing_since, app.webhook_last_success_at, reason = _health_after(
        results,
        now,
        window,
        app.webhook_failing_since,
        app.webhook_last_success_at,
        "The webhook URL answered 410 Gone: it asked for no more deliveries.",
    )
    if reason and app.webhook_disabled_at is None:
        app.webhook_disabled_at = now
        app.webhook_disabled_reason = reason
        _tell_developer_app_owners(session, app, reason)
    session.add(app)


def _days(window: timedelta) -> str:
    days = window / timedelta(days=1)
    return f"{days:g} days" if days != 1 else "1 day"


# --- telling the owners --------------------------------------------------------------------


def _tell_endpoint_owners(session: Session, endpoint: WebhookEndpoint, reason: str) -> None:
    """An audit entry and an email to the workspace's administrators; the dashboard shows the
    disabled endpoint as a blocker until someone turns it back on."""
    app = session.get(App, endpoint.app_id)
    workspace = session.get(Workspace, app.workspace_id) if app else None
    if app is None or workspace is None:
        return
    audit.record(
        session,
        actor=None,
        action="webhook_endpoint.auto_disabled",
        target_type="app",
        target_id=app.id,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        after={"endpoint_id": endpoint.id, "url": endpoint.url, "reason": reason},
    )
    link = f"{get_settings().public_url}/workspaces/{workspace.id}/apps/{app.slug}/webhooks"
    for email in _workspace_administrators(session, workspace):
        mailer.send(
            session=session,
            to=email,
            subject=f"Webhook endpoint disabled: {app.name}",
            body=(
                f"Portal disabled the webhook endpoint {endpoint.url} of {app.name} in "
                f"{workspace.name}.\n\n{reason}\n\nMessages are kept: fix the endpoint, turn "
                f"it back on and recover the failed messages at {link}\n"
            ),
        )


def _tell_developer_app_owners(session: Session, app: DeveloperApp, reason: str) -> None:
    audit.record(
        session,
        actor=None,
        action="developer_app.webhook_auto_disabled",
        target_type="developer_app",
        target_id=app.id,
        after={"reason": reason},
    )
    link = f"{get_settings().public_url}/developer/apps/{app.slug}/webhooks"
    for email in _developer_app_owners(session, app):
        mailer.send(
            session=session,
            to=email,
            subject=f"Webhook deliveries stopped: {app.name}",
            body=(
                f"Portal stopped delivering events to {app.name}'s webhook URL.\n\n{reason}\n\n"
                f"Fix the receiver, then turn deliveries back on at {link}\n"
            ),
        )


def _workspace_administrators(session: Session, workspace: Workspace) -> list[str]:
    return permissions.administrator_emails(session, account_id=workspace.account_id, limit=20)


def _developer_app_owners(session: Session, app: DeveloperApp) -> list[str]:
    return list(
        session.execute(
            select(User.email)
            .join(DeveloperAppMember, DeveloperAppMember.user_id == User.id)
            .where(DeveloperAppMember.app_id == app.id, DeveloperAppMember.role == TeamRole.OWNER)
            .order_by(User.email)
            .limit(20)
        ).scalars()
    )
