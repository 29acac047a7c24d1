"""Every app page's handlers called with another tenant's ids: a member of another account
gets "not found" and sees nothing of the app; a reader of the workspace sees but changes
nothing. The database is compared before and after each call."""

from __future__ import annotations

import pytest

from portal.domain.errors import NotFound, PermissionDenied
from portal.models import EndUser, Organization
from portal.pages.apps.api_keys import ApiKeysState
from portal.pages.apps.audit_log import AppAuditState
from portal.pages.apps.auth_settings import AuthSettingsState
from portal.pages.apps.email_settings import EmailSettingsState
from portal.pages.apps.end_users_page import EndUsersState
from portal.pages.apps.organizations_page import OrganizationsState
from portal.pages.apps.overview import AppOverviewState
from portal.pages.apps.webhooks_page import WebhooksState
from portal.services import app_api_keys, webhook_endpoints
from tests.conftest import from_snapshot
from tests.factories import account_of, actor_for, grant, make_app, make_workspace
from tests.state.support import database_snapshot, run, toasts

SECRET_APP = "Project Nightjar"


# The caller's own session and the app they opened move; nothing else may.
MOVING = ("sessions", "app_visits", "workspace_picks", "users")


@pytest.fixture
def tenants(db, person):
    return from_snapshot(db, "app-handlers-tenants", lambda: _tenants(db, person))


def _tenants(db, person) -> dict:
    alice, _, _ = person(name="Alice", account_name="Account A")
    actor = actor_for(db, alice)
    workspace = make_workspace(db, account_of(db, alice.id), name="Alice's")
    app = make_app(db, actor, workspace.id, SECRET_APP)
    key_id = app_api_keys.create_key(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=app.slug, name="k"
    ).key.id
    endpoint_id = webhook_endpoints.create_endpoint(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug=app.slug,
        url="https://alice.example/hook",
        categories=["sign_in"],
    ).endpoint.id
    org = Organization(app_id=app.id, name="Alice Org")
    user = EndUser(app_id=app.id, email="ana@alice.example")
    db.add_all([org, user])
    db.flush()
    reader, reader_token, _ = person(name="Reggie")
    grant(db, reader.id, workspace_id=workspace.id, permission="read")
    _, bob_token, _ = person(name="Bob", account_name="Account B")
    db.commit()
    return {
        "path": f"/workspaces/{workspace.id}/apps/{app.slug}",
        "key_id": key_id,
        "endpoint_id": endpoint_id,
        "organization_id": org.id,
        "end_user_id": user.id,
        "bob": bob_token,
        "reggie": reader_token,
    }


# (state, page, handler, args): args naming the victim's ids by key in `tenants`.
WRITES = [
    (EmailSettingsState, "email", "save", ({"sender_name": "X", "sender_address": "x@y.io"},)),
    (EmailSettingsState, "email", "send_test", ()),
    (AuthSettingsState, "auth", "save", ({"method_magic_link": "on"},)),
    (
        AuthSettingsState,
        "auth",
        "save_oauth",
        ({"provider": "google", "client_id": "x", "client_secret": "y"},),
    ),
    (AuthSettingsState, "auth", "remove_oauth", ("google",)),
    (ApiKeysState, "api-keys", "create", ({"name": "stolen"},)),
    (ApiKeysState, "api-keys", "revoke", ("key_id",)),
    (OrganizationsState, "organizations", "create", ({"name": "Intruder"},)),
    (OrganizationsState, "organizations", "delete", ("organization_id",)),
    (OrganizationsState, "organizations", "set_role", ("end_user_id", "admin")),
    (EndUsersState, "end-users", "create", ({"email": "mallory@evil.io"},)),
    (EndUsersState, "end-users", "set_disabled", ("end_user_id", True)),
    (EndUsersState, "end-users", "delete", ("end_user_id",)),
    (
        WebhooksState,
        "webhooks",
        "create",
        ({"url": "https://evil.io/h", "category_sign_in": "on"},),
    ),
    (WebhooksState, "webhooks", "reveal", ("endpoint_id",)),
    (WebhooksState, "webhooks", "rotate", ("endpoint_id",)),
    (WebhooksState, "webhooks", "set_enabled", ("endpoint_id", False)),
    (WebhooksState, "webhooks", "delete", ("endpoint_id",)),
]
READS = [
    (AppOverviewState, "overview", "load"),
    (EmailSettingsState, "email", "load"),
    (AuthSettingsState, "auth", "load"),
    (ApiKeysState, "api-keys", "load"),
    (OrganizationsState, "organizations", "load"),
    (EndUsersState, "end-users", "load"),
    (WebhooksState, "webhooks", "load"),
    (AppAuditState, "audit", "load"),
]


def _args(args, tenants):
    return tuple(tenants[a] if isinstance(a, str) and a in tenants else a for a in args)


def _call(state, name, args):
    try:
        return run(getattr(state, name), *args), None
    except (NotFound, PermissionDenied) as refused:
        return [], refused


def _said(state, events, refused) -> str:
    errors = {
        name: getattr(state, name) for name in type(state).base_vars if name.endswith("errors")
    }
    return " ".join(
        [repr(errors), *(m for _, m in toasts(events)), refused.message if refused else ""]
    ).lower()


@pytest.mark.parametrize(
    ("cls", "page", "handler"), READS, ids=[f"{c.__name__}.{h}" for c, _, h in READS]
)
def test_a_stranger_loads_no_app_page(browse, tenants, cls, page, handler):
    state = browse(f"{tenants['path']}/{page}", token=tenants["bob"]).state(cls)
    run(getattr(state, handler))
    assert state.app_found is False
    shown = repr({name: getattr(state, name) for name in type(state).base_vars})
    assert SECRET_APP not in shown and "Alice Org" not in shown


@pytest.mark.parametrize(
    ("cls", "page", "handler", "args"),
    WRITES,
    ids=[f"{c.__name__}.{h}" for c, _, h, _ in WRITES],
)
@pytest.mark.parametrize("who", ["bob", "reggie"])
def test_writes_by_a_stranger_or_a_reader_change_nothing(
    browse, tenants, cls, page, handler, args, who
):
    state = browse(f"{tenants['path']}/{page}", token=tenants[who]).state(cls)
    before = database_snapshot(ignore=MOVING)
    events, refused = _call(state, handler, _args(args, tenants))
    assert database_snapshot(ignore=MOVING) == before, (
        f"{who} changed something with {cls.__name__}.{handler}"
    )
    said = _said(state, events, refused)
    expected = "not found" if who == "bob" else "administer"
    assert expected in said, said
    assert "whsec_" not in said  # a refused reveal says nothing of the secret
