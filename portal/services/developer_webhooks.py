"""A developer app's webhook (seed 001, the Webhooks tab): the Standard Webhooks signing secret
its deliveries carry in every workspace that installed it, its state (healthy, failing since,
disabled), and turning a disabled one back on.

- The secret (`whsec_...`) is sealed at rest (services/sealing.py) because Portal signs with
  it and shows it again. It is made on first need: the worker's first delivery, or the team's
  first reveal. Rotating keeps the old one signing beside the new for PREVIOUS_SECRET_OVERLAP
  (24 h), so a receiver can switch without rejecting a message; rotating again inside that
  window ends the older one at once (at most two sign, as on app endpoints).
- Anyone on the team reads the state (VIEW_APP); developers and owners reveal and rotate the
  secret and turn the webhook back on (MANAGE_WEBHOOKS). Each of those is audited.
- The delivery worker asks `signing_secrets` (no actor: Portal itself signs).
- Delivery health is services/webhook_health.py's, over the attempts to the app's webhook in
  every workspace (`WebhookAttempt.developer_app_id`); the message log (replay, recover, test
  event) is services/webhook_logs.py's, for a `DeveloperAppRef`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from portal.db import lock_row_for_write
from portal.domain.access import Actor
from portal.domain.delivery_health import EndpointState, window_of
from portal.domain.developer import DeveloperAction
from portal.domain.dto import DTO, DeliveryHealth
from portal.domain.webhooks import PREVIOUS_SECRET_OVERLAP
from portal.models import DeveloperApp
from portal.models._base import utcnow
from portal.services import developer_apps, permissions, sealing
from portal.services.webhook_health import _health, developer_app_condition
from portal.services.webhook_signing import new_secret


class DeveloperWebhookStatus(DTO):
    """The app's webhook as its team sees it; never the secret itself."""

    version: int | None  # the newest published version (None: nothing published yet)
    webhook_url: str  # what that version declares ("" for none)
    state: EndpointState
    failing_since: datetime | None
    last_success_at: datetime | None
    disabled_at: datetime | None
    disabled_reason: str
    # While a rotated-out secret still signs beside the current one.
    previous_secret_expires_at: datetime | None
    can_manage: bool  # the reader may reveal, rotate and turn it back on


def _previous_live(app: DeveloperApp, now: datetime) -> bool:
    expires = app.webhook_previous_secret_expires_at
    return bool(app.webhook_previous_secret_sealed) and expires is not None and expires > now


def _current(session: Session, app: DeveloperApp) -> str:
    """The current secret, made first if the app has none. A conditional UPDATE, so two
    workers (or a worker and a reveal) that race agree on one secret: the loser reads the
    winner's."""
    if app.webhook_secret_sealed is None:
        session.execute(
            update(DeveloperApp)
            .where(
                col(DeveloperApp.id) == app.id,
                col(DeveloperApp.webhook_secret_sealed).is_(None),
            )
            .values(webhook_secret_sealed=sealing.seal(new_secret()))
        )
        session.refresh(app, ["webhook_secret_sealed"])
    return sealing.unseal(app.webhook_secret_sealed)


def signing_secrets(session: Session, app: DeveloperApp, now: datetime | None = None) -> list[str]:
    """The secrets a delivery of `app` is signed with at `now`: the current one (made if
    missing) and, while its overlap lasts, the one a rotation replaced. For the worker."""
    now = now or utcnow()
    live = [_current(session, app)]
    if _previous_live(app, now):
        live.append(sealing.unseal(app.webhook_previous_secret_sealed))
    return live


def reveal_secret(*, session: Session, actor: Actor, app_id: int) -> str:
    """The current signing secret, for a developer or owner to copy (audited)."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.MANAGE_WEBHOOKS, app_id)
    secret = _current(session, app)
    developer_apps.record_event(session, actor, "developer_app.webhook_secret_revealed", app)
    return secret


def rotate_secret(
    *, session: Session, actor: Actor, app_id: int, now: datetime | None = None
) -> str:
    """A new signing secret, returned once; the old one keeps signing for the overlap."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.MANAGE_WEBHOOKS, app_id)
    # Two rotations at once would each keep "the old one": serialize them on the app's row.
    lock_row_for_write(session, DeveloperApp, app.id, key_share=True)
    session.refresh(app)
    now = now or utcnow()
    secret = new_secret()
    app.webhook_previous_secret_sealed = app.webhook_secret_sealed  # None: nothing to overlap
    app.webhook_previous_secret_expires_at = (
        now + PREVIOUS_SECRET_OVERLAP if app.webhook_secret_sealed else None
    )
    app.webhook_secret_sealed = sealing.seal(secret)
    session.add(app)
    session.flush()
    developer_apps.record_event(
        session,
        actor,
        "developer_app.webhook_secret_rotated",
        app,
        after={"previous_signs_until": _iso(app.webhook_previous_secret_expires_at)},
    )
    return secret


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _status(
    session: Session, actor: Actor, app: DeveloperApp, can_manage: bool
) -> DeveloperWebhookStatus:
    declared = developer_apps.declared(session=session, actor=actor, app_id=app.id)
    if app.webhook_disabled_at is not None:
        state = EndpointState.DISABLED
    elif app.webhook_failing_since is not None:
        state = EndpointState.FAILING
    else:
        state = EndpointState.HEALTHY
    now = utcnow()
    return DeveloperWebhookStatus(
        version=declared.version,
        webhook_url=declared.webhook_url,
        state=state,
        failing_since=app.webhook_failing_since,
        last_success_at=app.webhook_last_success_at,
        disabled_at=app.webhook_disabled_at,
        disabled_reason=app.webhook_disabled_reason or "",
        previous_secret_expires_at=(
            app.webhook_previous_secret_expires_at if _previous_live(app, now) else None
        ),
        can_manage=can_manage,
    )


def webhook_status(*, session: Session, actor: Actor, app_id: int) -> DeveloperWebhookStatus:
    app, role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    return _status(session, actor, app, role.includes(DeveloperAction.MANAGE_WEBHOOKS.rule.role))


def enable_webhook(*, session: Session, actor: Actor, app_id: int) -> DeveloperWebhookStatus:
    """Turn a disabled webhook back on: deliveries resume, and the auto-disable clock counts
    from the next failure. Nothing happens (nor is recorded) if it was not disabled."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.MANAGE_WEBHOOKS, app_id)
    if app.webhook_disabled_at is not None:
        before = {"disabled_reason": app.webhook_disabled_reason}
        app.webhook_disabled_at = None
        app.webhook_disabled_reason = None
        app.webhook_failing_since = None
        app.updated_at = utcnow()
        session.add(app)
        session.flush()
        developer_apps.record_event(
            session, actor, "developer_app.webhook_enabled", app, before=before
        )
    return _status(session, actor, app, can_manage=True)


def health_for_developer_app(
    *,
    session: Session,
    actor: Actor,
    app_id: int,
    window: str = "24h",
    now: datetime | None = None,
) -> DeliveryHealth:
    """The app's delivery health over `window` ("24h", "7d", "30d"; anything else: 24h),
    across every workspace it is installed in. Anyone on the team reads it."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    return _health(session, developer_app_condition(app.id), window_of(window), now)
