"""POST /v1/oauth/token (client_credentials) and what an installed app's token may do: its
workspace only (404 elsewhere), the routes its scopes open only (403 elsewhere), both client
secrets during a rotation's overlap and only the new one after it ends."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from portal.config import get_settings
from portal.domain.errors import NotFound, PermissionDenied
from portal.models import DeveloperAccessToken, DeveloperApp, DeveloperClientSecret
from portal.models._base import utcnow
from portal.services import client_credentials, developer_apps, developer_terms, installations
from tests.api_app import shared_api
from tests.conftest import from_snapshot
from tests.factories import account_of, actor_for, create_workspace, make_user

MANIFEST = """\
display:
  name: Acme Sync
scopes:
  - workspace:read
"""


@pytest.fixture
def client(database: str) -> TestClient:
    return TestClient(shared_api())


@pytest.fixture
def world(db):
    return from_snapshot(db, "oauth-world", lambda: _world(db))


def _world(db):
    """A developer's app installed in the workspace `mine`; `other` is another workspace the
    same person administers, where it is not installed."""
    user = make_user(db)
    dev = actor_for(db, user)
    developer_terms.accept(session=db, actor=dev, version=get_settings().developer_terms_version)
    app = developer_apps.create_app(session=db, actor=dev, name="Acme Sync")
    developer_apps.save_draft(session=db, actor=dev, app_id=app.id, text=MANIFEST)
    developer_apps.publish(session=db, actor=dev, app_id=app.id)
    developer_apps.set_visibility(session=db, actor=dev, app_id=app.id, visibility="unlisted")
    account_id = account_of(db, user.id)
    mine = create_workspace(db, dev, account_id, "Mine")
    other = create_workspace(db, dev, account_id, "Other")
    link = installations.create_link(session=db, actor=dev, app_id=app.id)
    installed = installations.install(
        session=db, actor=dev, token=link.url.rsplit("/", 1)[1], workspace_id=str(mine.id)
    )
    first = client_credentials.rotate(session=db, actor=dev, app_id=app.id)
    client_id = db.get(DeveloperApp, app.id).client_id
    db.commit()
    return {
        "dev": dev,
        "app_id": app.id,
        "client_id": client_id,
        "secret": first.secret,
        "installation_id": str(installed.id),
        "mine": str(mine.id),
        "other": str(other.id),
    }


def _exchange(client, world, secret=None, **extra):
    form = {
        "grant_type": "client_credentials",
        "client_id": world["client_id"],
        "client_secret": secret or world["secret"],
        "installation_id": world["installation_id"],
        **extra,
    }
    return client.post("/v1/oauth/token", data={k: v for k, v in form.items() if v is not None})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_token_reads_its_workspace_and_nothing_its_scopes_do_not_open(client, world):
    response = _exchange(client, world)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "workspace:read"
    assert body["access_token"].startswith("at_") and 0 < body["expires_in"] <= 3600
    auth = _bearer(body["access_token"])

    mine = client.get(f"/v1/workspaces/{world['mine']}", headers=auth)
    assert mine.status_code == 200 and mine.json()["name"] == "Mine"
    # Another workspace, even one the developer administers: not found.
    assert client.get(f"/v1/workspaces/{world['other']}", headers=auth).status_code == 404
    # Routes outside workspace:read: forbidden.
    for method, path in (
        ("GET", f"/v1/workspaces/{world['mine']}/audit"),
        ("GET", f"/v1/workspaces/{world['mine']}/environments"),
        ("GET", "/v1/workspaces"),
        ("POST", f"/v1/workspaces/{world['mine']}/freeze"),
        ("PATCH", f"/v1/workspaces/{world['mine']}"),
    ):
        body = {"name": "Owned"} if method == "PATCH" else None
        response = client.request(method, path, headers=auth, json=body)
        assert response.status_code == 403, (method, path, response.text)


def test_basic_authentication_works_too(client, world):
    basic = base64.b64encode(f"{world['client_id']}:{world['secret']}".encode()).decode()
    response = client.post(
        "/v1/oauth/token",
        data={"grant_type": "client_credentials", "installation_id": world["installation_id"]},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"client_secret": "cs_wrong"}, 401, "invalid_client"),
        ({"client_id": "ci_nobody"}, 401, "invalid_client"),
        ({"installation_id": "999999"}, 400, "invalid_grant"),
        ({"installation_id": "not-a-number"}, 400, "invalid_grant"),
        ({"installation_id": "²"}, 400, "invalid_grant"),  # a digit to isdigit(), not to int()
        ({"installation_id": "99999999999"}, 400, "invalid_grant"),  # beyond the column
    ],
)
def test_refusals_follow_rfc_6749(client, world, change, status, error):
    form = {
        "grant_type": "client_credentials",
        "client_id": world["client_id"],
        "client_secret": world["secret"],
        "installation_id": world["installation_id"],
        **change,
    }
    response = client.post("/v1/oauth/token", data=form)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


def test_a_request_without_the_installation_is_refused(client, world):
    response = _exchange(client, world, installation_id=None)
    assert response.status_code == 422
    assert response.json()["field"] == "installation_id"
    response = client.post(
        "/v1/oauth/token",
        data={"client_id": world["client_id"], "client_secret": world["secret"]},
    )
    assert response.status_code == 422  # no grant_type at all


def test_both_secrets_work_during_the_overlap_and_the_old_one_stops_after(client, world, db):
    rotated = client_credentials.rotate(session=db, actor=world["dev"], app_id=world["app_id"])
    db.commit()
    assert _exchange(client, world).status_code == 200  # the old one, in the overlap
    assert _exchange(client, world, secret=rotated.secret).status_code == 200
    # A third secret waits for the overlap to end.
    with pytest.raises(Exception, match="Two secrets are live"):
        client_credentials.rotate(session=db, actor=world["dev"], app_id=world["app_id"])
    old = db.exec(
        select(DeveloperClientSecret).where(DeveloperClientSecret.prefix == world["secret"][:9])
    ).one()
    client_credentials.end_overlap(
        session=db, actor=world["dev"], app_id=world["app_id"], secret_id=old.id
    )
    db.commit()
    refused = _exchange(client, world)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert _exchange(client, world, secret=rotated.secret).status_code == 200


def test_the_overlap_ends_by_itself(client, world, db):
    client_credentials.rotate(session=db, actor=world["dev"], app_id=world["app_id"])
    old = db.exec(
        select(DeveloperClientSecret).where(DeveloperClientSecret.prefix == world["secret"][:9])
    ).one()
    assert old.expires_at is not None
    assert timedelta(hours=23) < old.expires_at - utcnow() <= client_credentials.OVERLAP
    old.expires_at = utcnow() - timedelta(seconds=1)
    db.add(old)
    db.commit()
    assert _exchange(client, world).status_code == 401


def test_an_expired_token_or_an_uninstalled_app_is_refused(client, world, db):
    token = _exchange(client, world).json()["access_token"]
    row = db.exec(select(DeveloperAccessToken)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert client.get(f"/v1/workspaces/{world['mine']}", headers=_bearer(token)).status_code == 401

    fresh = _exchange(client, world).json()["access_token"]
    installations.uninstall(
        session=db,
        actor=world["dev"],
        workspace_id=world["mine"],
        installation_id=int(world["installation_id"]),
    )
    db.commit()
    assert client.get(f"/v1/workspaces/{world['mine']}", headers=_bearer(fresh)).status_code == 401


def test_only_owners_see_or_rotate_credentials(db, world):
    from portal.domain.developer import TeamRole
    from portal.models import DeveloperAppMember

    for role in (TeamRole.VIEWER, TeamRole.DEVELOPER):
        someone = actor_for(db, make_user(db))
        db.add(DeveloperAppMember(app_id=world["app_id"], user_id=someone.user_id, role=role))
        db.flush()
        with pytest.raises(PermissionDenied):
            client_credentials.credentials(session=db, actor=someone, app_id=world["app_id"])
        with pytest.raises(PermissionDenied):
            client_credentials.rotate(session=db, actor=someone, app_id=world["app_id"])
    stranger = actor_for(db, make_user(db))
    with pytest.raises(NotFound):
        client_credentials.credentials(session=db, actor=stranger, app_id=world["app_id"])
    seen = client_credentials.credentials(session=db, actor=world["dev"], app_id=world["app_id"])
    assert seen.client_id == world["client_id"] and len(seen.secrets) == 1
    assert not hasattr(seen.secrets[0], "secret_hash")
