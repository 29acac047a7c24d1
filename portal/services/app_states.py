"""An app's baseline and state as SQL, for lists, filters and counts (portal/domain/apps.py
says the rules in Python; tests/services/test_apps.py holds the two to each other).

Each expression is correlated to `apps` and reads the time from bound parameters, so a
statement built once serves every request:

- `now`: the current time (a key expired before it is not active);
- `active_since`: now minus the active window (7 days);
- `key_warning_until`: now plus the key expiry warning (7 days), for the blockers;
- `webhook_failing_before`: now minus WEBHOOK_FAILING_WARNING (1 hour), for the blockers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, case, exists, false, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from portal.domain.apps import (
    ACTIVE_WINDOW,
    KEY_EXPIRY_WARNING,
    PRODUCTION,
    WEBHOOK_FAILING_WARNING,
    AppState,
)
from portal.models import App, AppApiKey, Organization, OrganizationMember, WebhookEndpoint

A = App.__table__.c
K = AppApiKey.__table__.c

NOW = bindparam("now", type_=A.created_at.type)
ACTIVE_SINCE = bindparam("active_since", type_=A.created_at.type)


def time_params(now: datetime) -> dict[str, datetime]:
    return {"now": now, "active_since": now - ACTIVE_WINDOW}


def has_sign_in_method() -> ColumnElement[bool]:
    return or_(A.password_enabled, A.magic_link_enabled, A.google_enabled, A.github_enabled)


def has_sender() -> ColumnElement[bool]:
    return and_(A.email_sender_address.is_not(None), A.email_sender_address != "")


def active_key(now=NOW) -> ColumnElement[bool]:
    """A prod key of the app that is neither revoked nor expired."""
    return and_(
        K.app_id == A.id,
        K.environment == PRODUCTION.value,
        K.revoked_at.is_(None),
        or_(K.expires_at.is_(None), K.expires_at > now),
    )


def has_active_key() -> ColumnElement[bool]:
    return exists(select(literal(1)).where(active_key()))


def baseline_complete() -> ColumnElement[bool]:
    return and_(has_sign_in_method(), has_sender(), has_active_key())


def operating() -> ColumnElement[bool]:
    return and_(A.last_active_at.is_not(None), A.last_active_at >= ACTIVE_SINCE)


def state() -> ColumnElement[str]:
    """`setup`, `ready` or `operating`, as portal.domain.apps.state decides it."""
    return case(
        (~baseline_complete(), literal(AppState.SETUP.value)),
        (operating(), literal(AppState.OPERATING.value)),
        else_=literal(AppState.READY.value),
    )


def is_state(wanted: AppState) -> ColumnElement[bool]:
    """A where-clause for one state (plain conditions, which SQLite plans better than a CASE)."""
    if wanted is AppState.SETUP:
        return ~baseline_complete()
    if wanted is AppState.OPERATING:
        return and_(baseline_complete(), operating())
    if wanted is AppState.READY:
        return and_(baseline_complete(), ~operating())
    return false()


# Blockers, as SQL ------------------------------------------------------------------------

ORGS = Organization.__table__.c
MEMBERS = OrganizationMember.__table__.c
KEY_WARNING_UNTIL = bindparam("key_warning_until", type_=A.created_at.type)
ENDPOINTS = WebhookEndpoint.__table__.c
WEBHOOK_FAILING_BEFORE = bindparam("webhook_failing_before", type_=A.created_at.type)


def time_params_with_warning(now: datetime) -> dict[str, datetime]:
    return {
        **time_params(now),
        "key_warning_until": now + KEY_EXPIRY_WARNING,
        "webhook_failing_before": now - WEBHOOK_FAILING_WARNING,
    }


def has_expiring_key() -> ColumnElement[bool]:
    """A prod key that works now and expires within the warning window."""
    return exists(
        select(literal(1)).where(
            K.app_id == A.id,
            K.environment == PRODUCTION.value,
            K.revoked_at.is_(None),
            K.expires_at.is_not(None),
            K.expires_at > NOW,
            K.expires_at <= KEY_WARNING_UNTIL,
        )
    )


def organization_without_admin() -> ColumnElement[bool]:
    """Correlated to `organizations`: no member of it is an admin."""
    return ~exists(
        select(literal(1)).where(MEMBERS.organization_id == ORGS.id, MEMBERS.role == "admin")
    )


def has_organization_without_admin() -> ColumnElement[bool]:
    return exists(
        select(literal(1)).where(
            ORGS.app_id == A.id, ORGS.environment == PRODUCTION.value, organization_without_admin()
        )
    )


def webhook_failing() -> ColumnElement[bool]:
    """Correlated to `webhook_endpoints`: a prod endpoint disabled after failures (PRODUCT.md:
    one a person turned off while it worked is not a blocker), or failing since before
    WEBHOOK_FAILING_BEFORE (its events are not arriving)."""
    return and_(
        ENDPOINTS.environment == PRODUCTION.value,
        ENDPOINTS.failing_since.is_not(None),
        or_(ENDPOINTS.enabled == false(), ENDPOINTS.failing_since <= WEBHOOK_FAILING_BEFORE),
    )


def has_failing_webhook() -> ColumnElement[bool]:
    return exists(select(literal(1)).where(ENDPOINTS.app_id == A.id, webhook_failing()))


def needs_action(*, workspace_frozen: bool) -> ColumnElement[bool]:
    """A setup gap or a blocker (on a frozen workspace every app has one)."""
    if workspace_frozen:
        return true()
    return or_(
        ~baseline_complete(),
        has_expiring_key(),
        has_failing_webhook(),
        has_organization_without_admin(),
    )
