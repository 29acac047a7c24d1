"""Who receives the lifecycle events (app.created, app.deleted, workspace.offboarded,
workspace.restored, end_user.totp_enrolled) when the delivery worker fans them out: the
developer apps installed in the workspace that declared the event's category, and for an
end-user event the endpoints of its app in its environment that take end users; never an
endpoint of another app, another environment or category, nor an app installed elsewhere."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal.domain.apps import WebhookCategory
from portal.models import App, OutboxEvent, WebhookDelivery, Workspace
from portal.services import (
    app_scope,
    apps,
    end_users,
    installations,
    webhook_deliveries,
    webhook_endpoints,
    workspaces,
)
from tests.factories import admin_actor, make_app, make_workspace
from tests.services.test_installations import MANIFEST, allow, developer, link, new_app, token_of

ALL_ENDPOINT_CATEGORIES = [category.value for category in WebhookCategory]


def _declaring(*categories: str) -> str:
    """The test manifest, subscribed to `categories`."""
    listed = "".join(f"  - {category}\n" for category in categories)
    return MANIFEST.replace("event_categories:\n  - workspace\n", f"event_categories:\n{listed}")


@pytest.fixture
def world(db):
    actor, account_id = admin_actor(db)
    workspace = make_workspace(db, account_id, "Acme Production")
    elsewhere = make_workspace(db, account_id, "Acme Staging")
    web = make_app(db, actor, workspace.id, "Acme Web")
    endpoints = {}
    for environment in ("prod", "staging"):
        endpoints[
            webhook_endpoints.create_endpoint(
                session=db,
                actor=actor,
                workspace_id=str(workspace.id),
                app_slug=web.slug,
                url=f"https://hooks.acme.example/{environment}",
                categories=ALL_ENDPOINT_CATEGORIES,
                environment=environment,
            ).endpoint.id
        ] = f"Acme Web endpoint ({environment})"
    dev = developer(db, "Dana Developer")
    installed = {}
    for name, target, categories in (
        ("Acme Sync", workspace, ("apps", "workspace", "end_users")),
        ("Org Sync", workspace, ("organizations",)),
        ("Elsewhere Sync", elsewhere, ("apps", "workspace", "end_users", "sign_in")),
    ):
        listed = new_app(db, dev, name, text=_declaring(*categories))
        allow(db, dev, listed, workspace_id=str(target.id))
        row = installations.install(
            session=db,
            actor=actor,
            token=token_of(link(db, dev, listed)),
            workspace_id=str(target.id),
        )
        installed[row.id] = name
    webhook_deliveries.fan_out(db)  # the setup's own events, out of the way
    return SimpleNamespace(
        actor=actor,
        workspace=workspace,
        web=web,
        endpoints=endpoints,
        installed=installed,
        common={"session": db, "actor": actor, "workspace_id": str(workspace.id)},
    )


def _receivers(db, world, change) -> dict[str, set[str]]:
    """Each event `change` emits -> who the fan-out made a delivery for."""
    before = db.exec(select(func.coalesce(func.max(OutboxEvent.id), 0))).one()
    change()
    db.flush()
    webhook_deliveries.fan_out(db)
    found: dict[str, set[str]] = {
        kind: set()
        for kind in db.exec(select(OutboxEvent.type).where(OutboxEvent.id > before)).all()
    }
    rows = db.exec(
        select(OutboxEvent.type, WebhookDelivery.endpoint_id, WebhookDelivery.installation_id)
        .join(WebhookDelivery, WebhookDelivery.event_id == OutboxEvent.id)
        .where(OutboxEvent.id > before)
    ).all()
    for kind, endpoint_id, installation_id in rows:
        found[kind].add(
            world.endpoints.get(endpoint_id, f"endpoint {endpoint_id}")
            if endpoint_id is not None
            else world.installed[installation_id]
        )
    return found


def test_app_created_and_deleted_reach_the_installed_apps_that_declared_apps(db, world):
    created = _receivers(db, world, lambda: apps.create_app(**world.common, name="Acme Mobile"))
    assert created == {"app.created": {"Acme Sync"}}

    # The app about to go has an endpoint of its own taking everything: it goes with the app.
    mobile = db.exec(select(App).where(App.slug == "acme-mobile")).one()
    webhook_endpoints.create_endpoint(
        **world.common,
        app_slug=mobile.slug,
        url="https://hooks.acme.example/mobile",
        categories=ALL_ENDPOINT_CATEGORIES,
    )
    deleted = _receivers(
        db,
        world,
        lambda: apps.delete_app(**world.common, app_slug=mobile.slug, confirm_name=mobile.name),
    )
    assert deleted == {"app.deleted": {"Acme Sync"}}
    # Fanned out with the app gone: the delivery's body still names it.
    (body,) = db.exec(select(OutboxEvent.payload).where(OutboxEvent.type == "app.deleted")).all()
    assert body["data"]["app"] == {"id": mobile.id, "slug": "acme-mobile", "name": "Acme Mobile"}


def test_offboarded_and_restored_reach_the_installed_apps_that_declared_workspace(db, world):
    name = db.get(Workspace, world.workspace.id).name
    offboarded = _receivers(
        db, world, lambda: workspaces.offboard(**world.common, confirm_name=name)
    )
    assert offboarded == {"workspace.offboarded": {"Acme Sync"}}
    restored = _receivers(db, world, lambda: workspaces.restore(**world.common))
    assert restored == {"workspace.restored": {"Acme Sync"}}


def test_a_totp_enrolment_reaches_its_app_environment_endpoint_and_end_user_subscribers(db, world):
    scope = app_scope.for_console(
        db, world.actor, workspace_id=str(world.workspace.id), app_slug=world.web.slug, write=True
    )
    ana = end_users.create_end_user(session=db, scope=scope, email="ana@globex.example")
    enrolled = _receivers(
        db, world, lambda: end_users.enroll_totp(session=db, scope=scope, end_user_id=ana.id)
    )
    assert enrolled == {"end_user.totp_enrolled": {"Acme Web endpoint (prod)", "Acme Sync"}}
