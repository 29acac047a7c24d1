"""An app's webhook endpoints: where its events will go, per environment.

Each has a URL (https://, http:// only while developing or to a host the operator allows; an
address that is not public written into it is refused: services/webhook_urls.py, and the
delivery client checks what a name resolves to at connect time), a description, the
categories it takes, and a Standard Webhooks signing secret (`whsec_` + base64 of 24 random
bytes, made by services/webhook_signing.py) sealed at rest (services/sealing.py):
administrators can reveal it again and rotate it. Reading the list needs read on the
workspace; everything else MANAGE_WEBHOOKS (administer, refused on a frozen workspace).
Delivery is the webhooks issue's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from portal.config import get_settings
from portal.domain.access import Action, Actor
from portal.domain.apps import WebhookCategory
from portal.domain.dto import WebhookEndpointCreated, WebhookEndpointPublic
from portal.domain.errors import Invalid, NotFound
from portal.domain.paging import Page
from portal.domain.text import clean as clean_text
from portal.domain.webhooks import PREVIOUS_SECRET_OVERLAP
from portal.models import App, WebhookEndpoint, Workspace
from portal.models._base import utcnow
from portal.services import audit, keyset, sealing
from portal.services.app_scope import environment_of
from portal.services.apps import find_app, remember_app
from portal.services.keyset import Key
from portal.services.webhook_signing import new_secret
from portal.services.webhook_urls import check_endpoint_url

_W = WebhookEndpoint.__table__.c
_LIST = keyset.Keyset("webhook-endpoints", sorts={"oldest": None}, tiebreak=Key(_W.id, int))
EndpointPage = Page[WebhookEndpointPublic]


def _public(endpoint: WebhookEndpoint) -> WebhookEndpointPublic:
    return WebhookEndpointPublic(
        id=endpoint.id,
        environment=endpoint.environment,
        url=endpoint.url,
        description=endpoint.description,
        categories=list(endpoint.categories or []),
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        secret_rotated_at=endpoint.secret_rotated_at,
        created_at=endpoint.created_at,
    )


def valid_url(url: Any) -> str:
    """The URL to store, checked by the one save-time rule (services/webhook_urls.py)."""
    settings = get_settings()
    return check_endpoint_url(
        url,
        development=not settings.is_production,
        allowed_hosts=settings.webhook_allowed_hosts,
    )


def _categories(values: Any) -> list[str]:
    chosen = []
    for value in values or []:
        try:
            category = WebhookCategory(value)
        except ValueError:
            raise Invalid(
                f"{str(value)[:40]} is not an event category.", field="categories"
            ) from None
        if category.value not in chosen:
            chosen.append(category.value)
    if not chosen:
        raise Invalid("Choose at least one event category.", field="categories")
    return chosen


def _record(session, actor, workspace: Workspace, app: App, action: str, endpoint, **after):
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


def _endpoint(session: Session, app: App, endpoint_id: Any) -> WebhookEndpoint:
    found = None
    if (
        isinstance(endpoint_id, int)
        and not isinstance(endpoint_id, bool)
        and 0 < endpoint_id < 2**31
    ):
        found = session.get(WebhookEndpoint, endpoint_id)
    if found is None or found.app_id != app.id:
        raise NotFound("Webhook endpoint not found.")
    return found


def find_endpoint(
    session: Session,
    actor: Actor,
    action: Action,
    workspace_id: str,
    app_slug: str,
    endpoint_id: Any,
) -> tuple[Workspace, App, WebhookEndpoint]:
    """The workspace (permission checked for `action`), its app and that app's endpoint:
    the one lookup of the endpoint's log and health (services/webhook_logs.py)."""
    workspace, app = find_app(session, actor, action, workspace_id, app_slug)
    return workspace, app, _endpoint(session, app, endpoint_id)


def public(endpoint: WebhookEndpoint) -> WebhookEndpointPublic:
    return _public(endpoint)


def list_endpoints(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    environment: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[WebhookEndpointPublic]:
    _, app = find_app(session, actor, Action.VIEW_WORKSPACE, workspace_id, app_slug)
    env = environment_of(environment)
    query = select(WebhookEndpoint).where(_W.app_id == app.id, _W.environment == env.value)
    page = _LIST.page(session, query, sort="oldest", direction="asc", limit=limit, cursor=cursor)
    return EndpointPage(items=[_public(row[0]) for row in page.rows], next_cursor=page.next_cursor)


def create_endpoint(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    url: str,
    categories: list[str],
    description: str = "",
    environment: str | None = None,
) -> WebhookEndpointCreated:
    workspace, app = find_app(session, actor, Action.MANAGE_WEBHOOKS, workspace_id, app_slug)
    env = environment_of(environment)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        app_id=app.id,
        environment=env.value,
        url=valid_url(url),
        description=clean_text(description, field="description", max_length=200),
        categories=_categories(categories),
        signing_secret_sealed=sealing.seal(secret),
    )
    session.add(endpoint)
    session.flush()
    remember_app(session, actor, app)
    _record(
        session,
        actor,
        workspace,
        app,
        "webhook_endpoint.created",
        endpoint,
        categories=endpoint.categories,
        environment=env.value,
    )
    return WebhookEndpointCreated(secret=secret, endpoint=_public(endpoint))


def update_endpoint(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    endpoint_id: int,
    url: str,
    categories: list[str],
    description: str = "",
) -> WebhookEndpointPublic:
    workspace, app = find_app(session, actor, Action.MANAGE_WEBHOOKS, workspace_id, app_slug)
    endpoint = _endpoint(session, app, endpoint_id)
    endpoint.url = valid_url(url)
    endpoint.categories = _categories(categories)
    endpoint.description = clean_text(description, field="description", max_length=200)
    endpoint.updated_at = utcnow()
    session.add(endpoint)
    _record(
        session,
        actor,
        workspace,
        app,
        "webhook_endpoint.updated",
        endpoint,
        categories=endpoint.categories,
    )
    return _public(endpoint)


def set_enabled(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    endpoint_id: int,
    enabled: bool,
) -> WebhookEndpointPublic:
    workspace, app = find_app(session, actor, Action.MANAGE_WEBHOOKS, workspace_id, app_slug)
    endpoint = _endpoint(session, app, endpoint_id)
    if endpoint.enabled != bool(enabled):
        endpoint.enabled = bool(enabled)
        endpoint.disabled_reason = None if enabled else f"Disabled by {actor.email}"
        endpoint.updated_at = utcnow()
        endpoint.disabled_at = None if enabled else endpoint.updated_at
        if enabled:  # a fresh start: the auto-disable clock counts from the next failure
            endpoint.failing_since = None
        session.add(endpoint)
        action = "webhook_endpoint.enabled" if enabled else "webhook_endpoint.disabled"
        _record(session, actor, workspace, app, action, endpoint)
    return _public(endpoint)


def reveal_secret(
    *, session: Session, actor: Actor, workspace_id: str, app_slug: str, endpoint_id: int
) -> str:
    """The endpoint's signing secret, for an administrator to copy; the reveal is audited."""
    workspace, app = find_app(session, actor, Action.MANAGE_WEBHOOKS, workspace_id, app_slug)
    endpoint = _endpoint(session, app, endpoint_id)
    _record(session, actor, workspace, app, "webhook_endpoint.secret_revealed", endpoint)
    return sealing.unseal(endpoint.signing_secret_sealed)


def rotate_secret(
    *, session: Session, actor: Actor, workspace_id: str, app_slug: str, endpoint_id: int
) -> str:
    """A new signing secret; returns it. The old one keeps signing deliveries beside it for
    PREVIOUS_SECRET_OVERLAP, so the receiver can switch without rejecting a message."""
    workspace, app = find_app(session, actor, Action.MANAGE_WEBHOOKS, workspace_id, app_slug)
    endpoint = _endpoint(session, app, endpoint_id)
    secret = new_secret()
    now = utcnow()
    endpoint.previous_secret_sealed = endpoint.signing_secret_sealed
    endpoint.previous_secret_expires_at = now + PREVIOUS_SECRET_OVERLAP
    endpoint.signing_secret_sealed = sealing.seal(secret)
    endpoint.secret_rotated_at = now
    session.add(endpoint)
    _record(session, actor, workspace, app, "webhook_endpoint.secret_rotated", endpoint)
    return secret


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets a delivery to `endpoint` is signed with at `now`: the current one, and the
    one a rotation replaced while its overlap lasts (for the delivery worker: no actor)."""
    secrets = [sealing.unseal(endpoint.signing_secret_sealed)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_sealed and expires is not None and expires > now:
        secrets.append(sealing.unseal(endpoint.previous_secret_sealed))
    return secrets


def delete_endpoint(
    *, session: Session, actor: Actor, workspace_id: str, app_slug: str, endpoint_id: int
) -> None:
    workspace, app = find_app(session, actor, Action.MANAGE_WEBHOOKS, workspace_id, app_slug)
    endpoint = _endpoint(session, app, endpoint_id)
    _record(session, actor, workspace, app, "webhook_endpoint.deleted", endpoint)
    session.execute(delete(WebhookEndpoint).where(_W.id == endpoint.id))
