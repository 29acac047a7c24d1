"""Events: each service that changes something writes exactly one outbox row of the right type,
for the right workspace (and app), in its caller's transaction; a rolled-back change leaves no
event; payloads are Standard Webhooks-shaped and carry no secret; the catalog covers every type
with categories that endpoints and manifests already use."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal.db import transaction
from portal.domain.apps import WebhookCategory
from portal.domain.developer import DATA_TYPES, EVENT_CATEGORIES
from portal.domain.errors import Invalid
from portal.domain.events import EVENT_CATALOG, EventType, OutboxStatus
from portal.models import App, EndUser, OutboxEvent, Workspace
from portal.models._base import utcnow
from portal.services import (
    app_api_keys,
    app_scope,
    apps,
    end_users,
    events,
    exports,
    installations,
    organizations,
    purge,
    workspaces,
)
from tests.factories import admin_actor, make_app, make_workspace
from tests.services.test_installations import (
    MORE_SCOPES,
    allow,
    developer,
    link,
    new_app,
    publish,
    token_of,
)

PASSWORD = "correct horse battery staple 9!"  # noqa: S105 - a test end user's password
OAUTH_SECRET = "gh-oauth-secret-0123456789abcdef"  # noqa: S105 - a test OAuth client secret


def _last_id(db) -> int:
    return db.exec(select(func.coalesce(func.max(OutboxEvent.id), 0))).one()


@contextmanager
def emits(db, kind: EventType, workspace, app_id: int | None = None) -> Iterator[list]:
    """The block writes exactly one event, `kind`, for `workspace` (and `app_id`)."""
    found: list[OutboxEvent] = []
    before = _last_id(db)
    yield found
    db.flush()
    rows = db.exec(
        select(OutboxEvent).where(OutboxEvent.id > before).order_by(OutboxEvent.id)
    ).all()
    assert [row.type for row in rows] == [kind.value]
    (row,) = rows
    assert row.workspace_id == workspace.id
    assert row.app_id == app_id
    assert row.status == OutboxStatus.PENDING
    assert row.message_id.startswith("msg_")
    assert row.payload["type"] == kind.value
    assert datetime.fromisoformat(row.payload["timestamp"]).tzinfo is not None
    assert row.payload["data"]["workspace_id"] == str(workspace.id)
    found.append(row)


@pytest.fixture
def world(db):
    actor, account_id = admin_actor(db)
    workspace = make_workspace(db, account_id, "Acme Production")
    app = make_app(db, actor, workspace.id, "Acme Web")
    scope = app_scope.for_console(
        db, actor, workspace_id=str(workspace.id), app_slug=app.slug, write=True
    )
    return actor, workspace, app, scope


def test_organizations_emit_created_updated_member_changes_and_deleted(db, world):
    _actor, workspace, app, scope = world
    with emits(db, EventType.ORGANIZATION_CREATED, workspace, app.id) as found:
        org = organizations.create_organization(session=db, scope=scope, name="Globex")
    assert found[0].payload["data"] == {
        "workspace_id": str(workspace.id),
        "app_id": app.id,
        "environment": "prod",
        "organization": {"id": org.id, "name": "Globex"},
    }
    assert found[0].environment == "prod"
    with emits(db, EventType.ORGANIZATION_UPDATED, workspace, app.id) as found:
        organizations.rename_organization(
            session=db, scope=scope, organization_id=org.id, name="Globex Corp"
        )
    assert found[0].payload["data"]["changed"] == ["name"]
    ana = end_users.create_end_user(session=db, scope=scope, email="cy@globex.example")
    with emits(db, EventType.ORGANIZATION_MEMBER_ADDED, workspace, app.id) as found:
        organizations.set_member(
            session=db, scope=scope, organization_id=org.id, end_user_id=ana.id, role="admin"
        )
    assert found[0].payload["data"]["end_user"] == {"id": ana.id, "email": ana.email}
    assert found[0].payload["data"]["role"] == "admin"
    with emits(db, EventType.ORGANIZATION_MEMBER_UPDATED, workspace, app.id):
        organizations.set_member(
            session=db, scope=scope, organization_id=org.id, end_user_id=ana.id, role="member"
        )
    with emits(db, EventType.ORGANIZATION_MEMBER_REMOVED, workspace, app.id):
        organizations.remove_member(
            session=db, scope=scope, organization_id=org.id, end_user_id=ana.id
        )
    with emits(db, EventType.ORGANIZATION_DELETED, workspace, app.id) as found:
        organizations.delete_organization(session=db, scope=scope, organization_id=org.id)
    assert found[0].payload["data"]["organization"] == {"id": org.id, "name": "Globex Corp"}


def test_no_change_emits_nothing(db, world):
    _actor, _workspace, _app, scope = world
    org = organizations.create_organization(session=db, scope=scope, name="Globex")
    before = _last_id(db)
    organizations.rename_organization(
        session=db, scope=scope, organization_id=org.id, name="Globex"
    )
    db.flush()
    assert _last_id(db) == before


def test_end_users_emit_created_updated_deleted_and_sign_ins_emit_session_created(db, world):
    _actor, workspace, app, scope = world
    with emits(db, EventType.END_USER_CREATED, workspace, app.id) as found:
        ana = end_users.create_end_user(
            session=db, scope=scope, email="ana@globex.example", name="Ana", password=PASSWORD
        )
    assert found[0].payload["data"]["end_user"] == {
        "id": ana.id,
        "email": "ana@globex.example",
        "name": "Ana",
        "disabled": False,
    }
    with emits(db, EventType.END_USER_UPDATED, workspace, app.id) as found:
        end_users.update_end_user(
            session=db, scope=scope, end_user_id=ana.id, name="Ana Lima", password=PASSWORD + "x"
        )
    assert found[0].payload["data"]["changed"] == ["name", "password"]
    with emits(db, EventType.SESSION_CREATED, workspace, app.id) as found:
        signed_in = end_users.sign_in(
            session=db,
            scope=scope,
            end_user_id=ana.id,
            method="password",
            password=PASSWORD + "x",
        )
    data = found[0].payload["data"]
    assert data["end_user"] == {"id": ana.id, "email": "ana@globex.example"}
    assert datetime.fromisoformat(data["session"]["expires_at"]) == signed_in.expires_at
    assert signed_in.token not in json.dumps(found[0].payload)
    with emits(db, EventType.END_USER_DELETED, workspace, app.id) as found:
        end_users.delete_end_user(session=db, scope=scope, end_user_id=ana.id)
    assert found[0].payload["data"]["end_user"]["email"] == "ana@globex.example"


def test_a_totp_enrolment_emits_end_user_totp_enrolled_never_its_secret(db, world):
    _actor, workspace, app, scope = world
    ana = end_users.create_end_user(session=db, scope=scope, email="ana@globex.example")
    with emits(db, EventType.END_USER_TOTP_ENROLLED, workspace, app.id) as found:
        first = end_users.enroll_totp(session=db, scope=scope, end_user_id=ana.id)
    assert found[0].environment == "prod"
    assert found[0].payload["data"] == {
        "workspace_id": str(workspace.id),
        "app_id": app.id,
        "environment": "prod",
        "end_user": {"id": ana.id, "email": ana.email, "name": "", "disabled": False},
        "replaced": False,
    }
    with emits(db, EventType.END_USER_TOTP_ENROLLED, workspace, app.id) as found:
        second = end_users.enroll_totp(session=db, scope=scope, end_user_id=ana.id)
    assert found[0].payload["data"]["replaced"] is True
    text = json.dumps([row.payload for row in db.exec(select(OutboxEvent)).all()])
    assert first.secret not in text and second.secret not in text


def test_a_refused_sign_in_emits_nothing(db, world):
    _actor, _workspace, _app, scope = world
    ana = end_users.create_end_user(
        session=db, scope=scope, email="ana@globex.example", password=PASSWORD
    )
    before = _last_id(db)
    with pytest.raises(end_users.SignInRefused):
        end_users.sign_in(
            session=db, scope=scope, end_user_id=ana.id, method="password", password="wrong"
        )
    db.flush()
    assert _last_id(db) == before


def test_api_keys_emit_created_and_revoked_with_their_prefix_never_the_secret(db, world):
    actor, workspace, app, _scope = world
    common = {"session": db, "actor": actor, "workspace_id": str(workspace.id)}
    with emits(db, EventType.API_KEY_CREATED, workspace, app.id) as found:
        created = app_api_keys.create_key(
            **common, app_slug=app.slug, name="Billing service", environment="staging"
        )
    (event,) = found
    assert event.environment == "staging"
    credential = event.payload["data"]["credential"]
    assert credential["name"] == "Billing service"
    assert credential["prefix"] == created.key.key_prefix
    assert created.secret not in str(event.payload)
    with emits(db, EventType.API_KEY_REVOKED, workspace, app.id) as found:
        app_api_keys.revoke_key(**common, app_slug=app.slug, key_id=created.key.id)
    assert found[0].payload["data"]["credential"]["id"] == created.key.id
    before = db.exec(select(OutboxEvent)).all()
    app_api_keys.revoke_key(**common, app_slug=app.slug, key_id=created.key.id)  # again
    db.flush()
    assert db.exec(select(OutboxEvent)).all() == before  # no change, no event


def test_app_changes_emit_app_updated(db, world):
    actor, workspace, app, _scope = world
    common = {"session": db, "actor": actor, "workspace_id": str(workspace.id)}
    with emits(db, EventType.APP_UPDATED, workspace, app.id) as found:
        apps.rename_app(**common, app_slug=app.slug, name="Acme Website")
    assert found[0].payload["data"] == {
        "workspace_id": str(workspace.id),
        "app": {"id": app.id, "slug": app.slug, "name": "Acme Website"},
        "changed": ["name"],
    }
    assert found[0].environment is None
    with emits(db, EventType.APP_UPDATED, workspace, app.id) as found:
        apps.update_email_settings(
            **common, app_slug=app.slug, sender_name="Acme", sender_address="hi@acme.example"
        )
    assert found[0].payload["data"]["changed"] == ["email_settings"]
    with emits(db, EventType.APP_UPDATED, workspace, app.id) as found:
        apps.update_auth_settings(
            **common, app_slug=app.slug, sign_in_methods=["password"], mfa_required=True
        )
    assert found[0].payload["data"]["changed"] == ["auth_settings"]
    with emits(db, EventType.APP_UPDATED, workspace, app.id) as found:
        apps.set_oauth_client(
            **common,
            app_slug=app.slug,
            provider="github",
            client_id="Iv1.abc",
            client_secret=OAUTH_SECRET,
        )
    assert OAUTH_SECRET not in json.dumps(found[0].payload)
    with emits(db, EventType.APP_UPDATED, workspace, app.id):
        apps.remove_oauth_client(**common, app_slug=app.slug, provider="github")


def test_apps_emit_created_and_deleted_with_what_a_subscriber_needs(db, world):
    actor, workspace, _app, _scope = world
    common = {"session": db, "actor": actor, "workspace_id": str(workspace.id)}
    before = _last_id(db)
    mobile = apps.create_app(**common, name="Acme Mobile")
    db.flush()
    (created,) = db.exec(select(OutboxEvent).where(OutboxEvent.id > before)).all()
    assert (created.type, created.workspace_id) == ("app.created", workspace.id)
    assert created.app_id == mobile.id and created.environment is None
    ref = {"id": mobile.id, "slug": mobile.slug, "name": "Acme Mobile"}
    assert created.payload["data"] == {"workspace_id": str(workspace.id), "app": ref}
    with emits(db, EventType.APP_DELETED, workspace) as found:
        apps.delete_app(**common, app_slug=mobile.slug, confirm_name="Acme Mobile")
    # The app is gone: its event names it in full and points at no app row.
    assert found[0].payload["data"] == {"workspace_id": str(workspace.id), "app": ref}
    db.refresh(created)
    assert created.app_id is None  # the app.created before it outlives the app too


def test_a_refused_delete_emits_nothing(db, world):
    actor, workspace, app, _scope = world
    before = _last_id(db)
    with pytest.raises(Invalid):
        apps.delete_app(
            session=db,
            actor=actor,
            workspace_id=str(workspace.id),
            app_slug=app.slug,
            confirm_name="Not its name",
        )
    db.flush()
    assert _last_id(db) == before


def test_installations_emit_created_updated_and_removed(db, world):
    actor, workspace, _app, _scope = world
    dev = developer(db, "Dana Developer")
    listed = new_app(db, dev)
    allow(db, dev, listed, workspace_id=str(workspace.id))
    token = token_of(link(db, dev, listed))
    with emits(db, EventType.INSTALLATION_CREATED, workspace) as found:
        row = installations.install(
            session=db, actor=actor, token=token, workspace_id=str(workspace.id)
        )
    assert found[0].payload["data"] == {
        "workspace_id": str(workspace.id),
        "installation_id": row.id,
        "app": {"slug": listed.slug, "name": listed.name},
        "version": 1,
        "scopes": ["workspace:read"],
    }
    publish(db, dev, listed, MORE_SCOPES)
    with emits(db, EventType.INSTALLATION_UPDATED, workspace) as found:
        installations.move(
            session=db,
            actor=actor,
            workspace_id=str(workspace.id),
            installation_id=row.id,
            version=2,
            consented=True,
        )
    assert (found[0].payload["data"]["version"], found[0].payload["data"]["previous_version"]) == (
        2,
        1,
    )
    with emits(db, EventType.INSTALLATION_REMOVED, workspace) as found:
        installations.uninstall(
            session=db, actor=actor, workspace_id=str(workspace.id), installation_id=row.id
        )
    assert found[0].payload["data"]["installation_id"] == row.id


def test_workspaces_emit_renamed_frozen_and_unfrozen(db, world):
    actor, workspace, _app, _scope = world
    common = {"session": db, "actor": actor, "workspace_id": str(workspace.id)}
    with emits(db, EventType.WORKSPACE_RENAMED, workspace) as found:
        workspaces.rename_workspace(**common, name="Acme Prod")
    assert found[0].payload["data"] == {
        "workspace_id": str(workspace.id),
        "name": "Acme Prod",
        "status": "active",
        "previous_name": "Acme Production",
    }
    with emits(db, EventType.WORKSPACE_FROZEN, workspace) as found:
        workspaces.freeze(**common, reason="Audit")
    assert found[0].payload["data"]["status"] == "frozen"
    assert found[0].payload["data"]["frozen_at"]
    with emits(db, EventType.WORKSPACE_UNFROZEN, workspace) as found:
        workspaces.unfreeze(**common)
    assert found[0].payload["data"]["status"] == "active"


def test_workspaces_emit_offboarded_and_restored(db, world):
    actor, workspace, _app, _scope = world
    common = {"session": db, "actor": actor, "workspace_id": str(workspace.id)}
    name = db.get(Workspace, workspace.id).name
    with emits(db, EventType.WORKSPACE_OFFBOARDED, workspace) as found:
        offboarded = workspaces.offboard(**common, confirm_name=name)
    data = found[0].payload["data"]
    assert (data["name"], data["status"]) == (name, "offboarding")
    assert datetime.fromisoformat(data["purge_after"]) == offboarded.purge_after
    with emits(db, EventType.WORKSPACE_RESTORED, workspace) as found:
        workspaces.restore(**common)
    assert found[0].payload["data"] == {
        "workspace_id": str(workspace.id),
        "name": name,
        "status": "active",
    }
    # A frozen workspace offboarded comes back frozen, and its event says so.
    workspaces.freeze(**common)
    workspaces.offboard(**common, confirm_name=name)
    with emits(db, EventType.WORKSPACE_RESTORED, workspace) as found:
        workspaces.restore(**common)
    assert found[0].payload["data"]["status"] == "frozen"


# The same transaction -------------------------------------------------------------------------


def _events_of(workspace_id: uuid.UUID) -> list[str]:
    with transaction() as session:
        return list(
            session.exec(
                select(OutboxEvent.type)
                .where(OutboxEvent.workspace_id == workspace_id)
                .order_by(OutboxEvent.id)  # in the order they were emitted, on every database
            ).all()
        )


# The world's app.created, committed with the app before each test's own change.
SETUP = ["app.created"]


def test_a_rolled_back_change_leaves_no_event(db, world):
    actor, workspace, _app, _scope = world
    db.commit()
    _change_then_fail(
        lambda s: workspaces.rename_workspace(
            session=s, actor=actor, workspace_id=str(workspace.id), name="Renamed"
        )
    )
    assert _events_of(workspace.id) == SETUP
    with transaction() as session:
        assert session.get(Workspace, workspace.id).name == "Acme Production"


def test_a_rolled_back_data_plane_write_leaves_no_event(db, world):
    actor, workspace, app, _scope = world
    db.commit()
    with pytest.raises(RuntimeError), transaction() as session:
        scope = app_scope.for_console(
            session, actor, workspace_id=str(workspace.id), app_slug=app.slug, write=True
        )
        end_users.create_end_user(session=session, scope=scope, email="bo@globex.example")
        organizations.create_organization(session=session, scope=scope, name="Initech")
        raise RuntimeError("the request failed after the change")
    assert _events_of(workspace.id) == SETUP


def _change_then_fail(change) -> None:
    """Run `change` in a transaction that writes its one event, then fails."""
    with pytest.raises(RuntimeError), transaction() as session:
        before = _last_id(session)
        change(session)
        session.flush()
        assert len(session.exec(select(OutboxEvent).where(OutboxEvent.id > before)).all()) == 1
        raise RuntimeError("the request failed after the change")


def test_rolled_back_lifecycle_changes_leave_no_event(db, world):
    """app.created / app.deleted, workspace.offboarded / restored, end_user.totp_enrolled:
    each goes with its change."""
    actor, workspace, app, scope = world
    ana = end_users.create_end_user(session=db, scope=scope, email="ana@globex.example")
    db.commit()
    committed = _events_of(workspace.id)  # app.created and end_user.created, from the setup
    common = {"actor": actor, "workspace_id": str(workspace.id)}
    _change_then_fail(lambda s: apps.create_app(session=s, **common, name="Acme Mobile"))
    _change_then_fail(
        lambda s: apps.delete_app(session=s, **common, app_slug=app.slug, confirm_name=app.name)
    )
    _change_then_fail(
        lambda s: workspaces.offboard(session=s, **common, confirm_name="Acme Production")
    )

    def enroll(session):
        in_tx = app_scope.for_console(
            session, actor, workspace_id=str(workspace.id), app_slug=app.slug, write=True
        )
        end_users.enroll_totp(session=session, scope=in_tx, end_user_id=ana.id)

    _change_then_fail(enroll)
    with transaction() as session:
        workspaces.offboard(session=session, **common, confirm_name="Acme Production")
    _change_then_fail(lambda s: workspaces.restore(session=s, **common))

    assert _events_of(workspace.id) == [*committed, "workspace.offboarded"]
    with transaction() as session:
        assert session.get(Workspace, workspace.id).status == "offboarding"
        assert session.exec(select(App.slug)).all() == [app.slug]
        assert session.get(EndUser, ana.id).totp_secret is None


def test_a_committed_change_commits_its_event_and_emit_never_commits(db, world):
    actor, workspace, _app, _scope = world
    db.commit()
    with transaction() as session:
        workspaces.freeze(session=session, actor=actor, workspace_id=str(workspace.id))
    assert _events_of(workspace.id) == [*SETUP, "workspace.frozen"]
    events.emit(db, type=EventType.WORKSPACE_UNFROZEN, workspace_id=workspace.id, data={})
    db.rollback()
    assert _events_of(workspace.id) == [*SETUP, "workspace.frozen"]


# Where the rows go ----------------------------------------------------------------------------


def test_events_go_with_their_workspace_and_outlive_their_app(db, world):
    actor, workspace, app, scope = world
    organizations.create_organization(session=db, scope=scope, name="Globex")
    apps.delete_app(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug=app.slug,
        confirm_name=app.name,
    )
    db.commit()
    rows = db.exec(
        select(OutboxEvent).where(OutboxEvent.workspace_id == workspace.id).order_by(OutboxEvent.id)
    ).all()
    assert [(row.type, row.app_id) for row in rows] == [
        ("app.created", None),
        ("organization.created", None),
        ("app.deleted", None),
    ]
    purge.purge_workspace(db, workspace=db.get(Workspace, workspace.id), now=utcnow())
    db.commit()
    assert db.exec(select(func.count()).select_from(OutboxEvent)).one() == 0


def test_the_outbox_is_not_exported():
    assert "event_outbox" in exports.EXCLUDED_TABLES
    assert "event_outbox" not in {table.name for table in exports.entity_tables()}


# No secrets -----------------------------------------------------------------------------------

_SECRET_KEY_WORDS = ("hash", "secret", "token", "password", "key", "sealed")
_SECRET_MARKS = ("$argon2", "eus_", "eml_", "whsec_", "pat_", PASSWORD, OAUTH_SECRET)


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def _assert_no_secret(payload: dict) -> None:
    text = json.dumps(payload)
    assert not [mark for mark in _SECRET_MARKS if mark in text], payload
    named = [k for k in _keys(payload) if any(word in k.lower() for word in _SECRET_KEY_WORDS)]
    assert named == [], payload


def test_no_payload_carries_a_secret(db, world):
    """Every emitting service run once, then each payload grepped for hashes, tokens, keys."""
    test_organizations_emit_created_updated_member_changes_and_deleted(db, world)
    test_end_users_emit_created_updated_deleted_and_sign_ins_emit_session_created(db, world)
    test_app_changes_emit_app_updated(db, world)
    test_api_keys_emit_created_and_revoked_with_their_prefix_never_the_secret(db, world)
    test_installations_emit_created_updated_and_removed(db, world)
    test_workspaces_emit_renamed_frozen_and_unfrozen(db, world)
    test_apps_emit_created_and_deleted_with_what_a_subscriber_needs(db, world)
    test_a_totp_enrolment_emits_end_user_totp_enrolled_never_its_secret(db, world)
    test_workspaces_emit_offboarded_and_restored(db, world)  # last: it leaves it frozen
    rows = db.exec(select(OutboxEvent)).all()
    # webhook.test is sent by hand to one endpoint (tests/services/test_webhook_logs.py).
    sent_by_services = {kind.value for kind in EventType} - {EventType.WEBHOOK_TEST.value}
    assert {row.type for row in rows} == sent_by_services
    for row in rows:
        _assert_no_secret(row.payload)
    for info in EVENT_CATALOG.values():
        _assert_no_secret(info.example_payload())


# The catalog ----------------------------------------------------------------------------------


def test_the_catalog_describes_every_type_with_categories_in_use():
    assert set(EVENT_CATALOG) == set(EventType)
    for kind, info in EVENT_CATALOG.items():
        assert info.type is kind
        assert info.category in EVENT_CATEGORIES
        assert info.endpoint_category is None or info.endpoint_category in WebhookCategory
        assert info.data_types and all(name in DATA_TYPES for name in info.data_types)
        assert info.description.endswith(".") and "\n" not in info.description
        example = info.example_payload()
        assert set(example) == {"type", "timestamp", "data"} and example["type"] == kind.value
        assert "workspace_id" in example["data"]


def test_app_endpoint_categories_follow_the_event_family():
    """An endpoint subscribed to a category gets that family's events, and only app events."""
    by_prefix = {
        "organization.": WebhookCategory.ORGANIZATION,
        "end_user.": WebhookCategory.END_USER,
        "session.": WebhookCategory.SIGN_IN,
        "api_key.": WebhookCategory.API_KEY,
    }
    for kind, info in EVENT_CATALOG.items():
        expected = next((c for p, c in by_prefix.items() if kind.value.startswith(p)), None)
        assert info.endpoint_category == expected, kind
