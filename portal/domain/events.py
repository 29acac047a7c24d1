"""The events Portal emits (PRODUCT.md, Webhooks; issue 11, item 1), and the catalog that
describes them: each type's category, the data types its payload carries, a one-line
description and an example payload.

Services write an event into the outbox (services/events.py) in the same transaction as the
change it records; the delivery worker sends it to whoever subscribed to its category:

- `category` is a manifest event category (EVENT_CATEGORIES in domain/developer.py): the
  developer apps installed in the workspace that declared it receive the event;
- `endpoint_category` is a webhook endpoint category (WebhookCategory in domain/apps.py): the
  endpoints of the event's app, in its environment, that take it receive the event. None for
  events about the workspace itself, which no app endpoint subscribes to.

A payload is Standard Webhooks-style JSON, `{"type", "timestamp", "data"}`, and carries no
secret (no password hash, token, key or signing secret): ids, names, emails, states.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from portal.domain.apps import WebhookCategory
from portal.domain.developer import DATA_TYPES, EVENT_CATEGORIES


class EventType(StrEnum):
    ORGANIZATION_CREATED = "organization.created"
    ORGANIZATION_UPDATED = "organization.updated"
    ORGANIZATION_DELETED = "organization.deleted"
    ORGANIZATION_MEMBER_ADDED = "organization.member_added"
    ORGANIZATION_MEMBER_UPDATED = "organization.member_updated"
    ORGANIZATION_MEMBER_REMOVED = "organization.member_removed"
    END_USER_CREATED = "end_user.created"
    END_USER_UPDATED = "end_user.updated"
    END_USER_DELETED = "end_user.deleted"
    END_USER_TOTP_ENROLLED = "end_user.totp_enrolled"
    SESSION_CREATED = "session.created"
    APP_CREATED = "app.created"
    APP_UPDATED = "app.updated"
    APP_DELETED = "app.deleted"
    INSTALLATION_CREATED = "installation.created"
    INSTALLATION_UPDATED = "installation.updated"
    INSTALLATION_REMOVED = "installation.removed"
    WORKSPACE_RENAMED = "workspace.renamed"
    WORKSPACE_FROZEN = "workspace.frozen"
    WORKSPACE_UNFROZEN = "workspace.unfrozen"
    WORKSPACE_OFFBOARDED = "workspace.offboarded"
    WORKSPACE_RESTORED = "workspace.restored"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    # Sent by hand to one endpoint ("Send test event"), never fanned out to subscribers.
    WEBHOOK_TEST = "webhook.test"

    @property
    def info(self) -> EventTypeInfo:
        return EVENT_CATALOG[self]


class OutboxStatus(StrEnum):
    """Where an outbox row stands, for the delivery worker."""

    PENDING = "pending"  # written with its change; not yet fanned out to its subscribers
    DISPATCHED = "dispatched"  # its deliveries were made (each then retries on its own)


@dataclass(frozen=True)
class EventTypeInfo:
    type: EventType
    category: str  # a key of EVENT_CATEGORIES (manifests)
    endpoint_category: WebhookCategory | None  # what app webhook endpoints subscribe to
    data_types: tuple[str, ...]  # keys of DATA_TYPES
    description: str
    example: dict[str, Any]  # the `data` of a payload

    def example_payload(self) -> dict[str, Any]:
        return payload(self.type, _EXAMPLE_TIME, self.example)


_EXAMPLE_TIME = "2026-12-01T09:30:00+00:00"
_WORKSPACE_ID = "7d3c1f0a-5b2e-4c8d-9a61-0f2b3c4d5e6f"


def payload(type_: EventType, timestamp: str, data: dict[str, Any]) -> dict[str, Any]:
    """The JSON an event carries (Standard Webhooks: type, timestamp, data)."""
    return {"type": type_.value, "timestamp": timestamp, "data": data}


def _app_data(**extra: Any) -> dict[str, Any]:
    """The app and environment every app-scoped event names, then its own fields."""
    return {"workspace_id": _WORKSPACE_ID, "app_id": 42, "environment": "prod", **extra}


_ORG = {"id": 7, "name": "Globex"}
_END_USER = {"id": 311, "email": "ana@globex.example", "name": "Ana Lima", "disabled": False}
_INSTALLATION = {
    "workspace_id": _WORKSPACE_ID,
    "installation_id": 18,
    "app": {"slug": "acme-reports", "name": "Acme Reports"},
    "version": 3,
    "scopes": ["workspace:read", "audit:read"],
}
_WORKSPACE = {"workspace_id": _WORKSPACE_ID, "name": "Acme Production", "status": "active"}

_ORGS = ("organizations",)
_PEOPLE = ("end_user_profiles",)
# An app's secret key as its events name it: the display prefix people see, never the secret.
_CREDENTIAL = {
    "id": 12,
    "name": "Billing service",
    "prefix": "sk_prod_4gYh",
    "scope": "read_write",
    "expires_at": None,
}
_PROFILE = ("workspace_profile",)
_APP = {"id": 42, "slug": "acme-web", "name": "Acme Web"}
_PURGE_AFTER = "2026-12-31T09:30:00+00:00"

EVENT_CATALOG: dict[EventType, EventTypeInfo] = {
    info.type: info
    for info in (
        EventTypeInfo(
            EventType.ORGANIZATION_CREATED,
            "organizations",
            WebhookCategory.ORGANIZATION,
            _ORGS,
            "An organization was created in an app environment.",
            _app_data(organization=_ORG),
        ),
        EventTypeInfo(
            EventType.ORGANIZATION_UPDATED,
            "organizations",
            WebhookCategory.ORGANIZATION,
            _ORGS,
            "An organization was renamed.",
            _app_data(organization=_ORG, changed=["name"]),
        ),
        EventTypeInfo(
            EventType.ORGANIZATION_DELETED,
            "organizations",
            WebhookCategory.ORGANIZATION,
            _ORGS,
            "An organization and its memberships were deleted (its members stay end users).",
            _app_data(organization=_ORG),
        ),
        EventTypeInfo(
            EventType.ORGANIZATION_MEMBER_ADDED,
            "organizations",
            WebhookCategory.ORGANIZATION,
            (*_ORGS, *_PEOPLE),
            "An end user joined an organization, as admin or member.",
            _app_data(
                organization=_ORG,
                end_user={"id": 311, "email": "ana@globex.example"},
                role="admin",
            ),
        ),
        EventTypeInfo(
            EventType.ORGANIZATION_MEMBER_UPDATED,
            "organizations",
            WebhookCategory.ORGANIZATION,
            (*_ORGS, *_PEOPLE),
            "A member's role in an organization changed.",
            _app_data(
                organization=_ORG,
                end_user={"id": 311, "email": "ana@globex.example"},
                role="member",
            ),
        ),
        EventTypeInfo(
            EventType.ORGANIZATION_MEMBER_REMOVED,
            "organizations",
            WebhookCategory.ORGANIZATION,
            (*_ORGS, *_PEOPLE),
            "An end user was removed from an organization.",
            _app_data(organization=_ORG, end_user={"id": 311, "email": "ana@globex.example"}),
        ),
        EventTypeInfo(
            EventType.END_USER_CREATED,
            "end_users",
            WebhookCategory.END_USER,
            _PEOPLE,
            "An end user was added to an app environment.",
            _app_data(end_user=_END_USER),
        ),
        EventTypeInfo(
            EventType.END_USER_UPDATED,
            "end_users",
            WebhookCategory.END_USER,
            _PEOPLE,
            "An end user was renamed, disabled or enabled, or given a new password.",
            _app_data(end_user={**_END_USER, "disabled": True}, changed=["disabled"]),
        ),
        EventTypeInfo(
            EventType.END_USER_DELETED,
            "end_users",
            WebhookCategory.END_USER,
            _PEOPLE,
            "An end user, their memberships and sessions were deleted.",
            _app_data(end_user=_END_USER),
        ),
        EventTypeInfo(
            EventType.END_USER_TOTP_ENROLLED,
            "end_users",
            WebhookCategory.END_USER,
            _PEOPLE,
            "An end user enrolled a TOTP second factor, replacing any earlier one (its secret "
            "is never sent).",
            _app_data(end_user=_END_USER, replaced=False),
        ),
        EventTypeInfo(
            EventType.SESSION_CREATED,
            "sign_in",
            WebhookCategory.SIGN_IN,
            _PEOPLE,
            "An end user signed in to an app: a new end-user session began.",
            _app_data(
                end_user={"id": 311, "email": "ana@globex.example"},
                session={"expires_at": "2026-12-08T09:30:00+00:00"},
            ),
        ),
        # App lifecycle events go to installed developer apps only: an app's own endpoints
        # exist only after it is created and are deleted with it, and one app's endpoints
        # never take another app's events.
        EventTypeInfo(
            EventType.APP_CREATED,
            "apps",
            None,
            _PROFILE,
            "An app was created in the workspace.",
            {"workspace_id": _WORKSPACE_ID, "app": _APP},
        ),
        EventTypeInfo(
            EventType.APP_UPDATED,
            "apps",
            None,
            _PROFILE,
            "An app's name, email sender, sign-in settings or OAuth clients changed.",
            {"workspace_id": _WORKSPACE_ID, "app": _APP, "changed": ["auth_settings"]},
        ),
        EventTypeInfo(
            EventType.APP_DELETED,
            "apps",
            None,
            _PROFILE,
            "An app and everything it owned (keys, organizations, end users, webhook "
            "endpoints) were deleted.",
            {"workspace_id": _WORKSPACE_ID, "app": _APP},
        ),
        EventTypeInfo(
            EventType.INSTALLATION_CREATED,
            "workspace",
            None,
            _PROFILE,
            "A developer app was installed in the workspace.",
            _INSTALLATION,
        ),
        EventTypeInfo(
            EventType.INSTALLATION_UPDATED,
            "workspace",
            None,
            _PROFILE,
            "An installed developer app was moved to another published version.",
            {**_INSTALLATION, "version": 4, "previous_version": 3},
        ),
        EventTypeInfo(
            EventType.INSTALLATION_REMOVED,
            "workspace",
            None,
            _PROFILE,
            "A developer app was uninstalled from the workspace.",
            {key: value for key, value in _INSTALLATION.items() if key != "scopes"},
        ),
        EventTypeInfo(
            EventType.WORKSPACE_RENAMED,
            "workspace",
            None,
            _PROFILE,
            "The workspace got a new display name (its slug and URLs stay).",
            {**_WORKSPACE, "previous_name": "Acme Prod"},
        ),
        EventTypeInfo(
            EventType.WORKSPACE_FROZEN,
            "workspace",
            None,
            _PROFILE,
            "The workspace was frozen: every write is refused until it is unfrozen.",
            {**_WORKSPACE, "status": "frozen", "frozen_at": _EXAMPLE_TIME},
        ),
        EventTypeInfo(
            EventType.WORKSPACE_UNFROZEN,
            "workspace",
            None,
            _PROFILE,
            "The workspace was unfrozen: writes work again.",
            _WORKSPACE,
        ),
        EventTypeInfo(
            EventType.WORKSPACE_OFFBOARDED,
            "workspace",
            None,
            _PROFILE,
            "Offboarding began: the workspace is read-only and is purged after purge_after "
            "unless restored.",
            {**_WORKSPACE, "status": "offboarding", "purge_after": _PURGE_AFTER},
        ),
        EventTypeInfo(
            EventType.WORKSPACE_RESTORED,
            "workspace",
            None,
            _PROFILE,
            "Offboarding was stopped: the workspace is back to the status it had before.",
            _WORKSPACE,
        ),
        EventTypeInfo(
            EventType.API_KEY_CREATED,
            "apps",
            WebhookCategory.API_KEY,
            _PROFILE,
            "A secret key of an app environment was created (its secret is never sent).",
            _app_data(credential=_CREDENTIAL),
        ),
        EventTypeInfo(
            EventType.API_KEY_REVOKED,
            "apps",
            WebhookCategory.API_KEY,
            _PROFILE,
            "A secret key of an app environment was revoked: refused from the next request on.",
            _app_data(credential=_CREDENTIAL),
        ),
        EventTypeInfo(
            EventType.WEBHOOK_TEST,
            "apps",
            None,  # no endpoint subscribes: "Send test event" addresses one endpoint
            _PROFILE,
            "A test message sent by hand to one webhook endpoint, to check the receiver.",
            _app_data(endpoint_id=5, message="A test event from Portal."),
        ),
    )
}


def _check() -> None:
    """The catalog covers every type, with categories and data types that exist."""
    missing = set(EventType) - set(EVENT_CATALOG)
    if missing:
        raise RuntimeError(f"Event types without a catalog entry: {sorted(missing)}")
    for info in EVENT_CATALOG.values():
        if info.category not in EVENT_CATEGORIES or any(
            name not in DATA_TYPES for name in info.data_types
        ):
            raise RuntimeError(f"{info.type}: unknown category or data type")


_check()
