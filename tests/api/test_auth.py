"""/v1 authentication: `Authorization: Bearer pat_...` and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.models import AuditEvent, PersonalAccessToken
from portal.services import api_tokens
from tests.api.conftest import bearer
from tests.factories import actor_for, make_user, sign_in


def _assert_401(response, *, invalid_token: bool) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert ('error="invalid_token"' in challenge) is invalid_token
    body = response.json()
    assert body["type"].endswith("/unauthenticated")
    assert body["status"] == 401


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Basic YTpi"}],
)
def test_no_token_is_401_with_a_bearer_challenge(client, world, headers):
    _assert_401(client.get("/v1/workspaces", headers=headers), invalid_token=False)


@pytest.mark.parametrize("secret", ["pat_never-issued", "not-a-token", "pat_" + "x" * 300])
def test_an_unknown_token_is_401(client, world, secret):
    _assert_401(client.get("/v1/workspaces", headers=bearer(secret)), invalid_token=True)


def test_every_route_needs_a_token(client, world):
    paths = [
        ("GET", "/v1/workspaces"),
        ("POST", "/v1/workspaces"),
        ("GET", f"/v1/workspaces/{world.workspace}"),
        ("PATCH", f"/v1/workspaces/{world.workspace}"),
        ("GET", f"/v1/workspaces/{world.workspace}/environments"),
        ("GET", f"/v1/workspaces/{world.workspace}/audit"),
        ("POST", f"/v1/workspaces/{world.workspace}/freeze"),
        ("POST", f"/v1/workspaces/{world.workspace}/unfreeze"),
        ("POST", f"/v1/workspaces/{world.workspace}/export"),
        ("POST", f"/v1/workspaces/{world.workspace}/offboard"),
        ("POST", f"/v1/workspaces/{world.workspace}/restore"),
        ("GET", "/v1/processes/1"),
    ]
    for method, path in paths:
        response = client.request(method, path)
        assert response.status_code == 401, (method, path)


def test_a_browser_session_is_not_a_token(client, world, db):
    token, _actor = sign_in(db, make_user(db))
    db.commit()
    client.cookies.set("portal_session", token)
    _assert_401(client.get("/v1/workspaces"), invalid_token=False)
    _assert_401(client.get("/v1/workspaces", headers=bearer(token)), invalid_token=True)


def test_a_revoked_token_is_401(client, db):
    user = make_user(db)
    actor = actor_for(db, user)
    created = api_tokens.create_token(session=db, actor=actor, name="CI")
    db.commit()
    assert client.get("/v1/workspaces", headers=bearer(created.secret)).status_code == 200
    api_tokens.revoke_token(session=db, actor=actor, token_id=created.token.id)
    db.commit()
    response = client.get("/v1/workspaces", headers=bearer(created.secret))
    _assert_401(response, invalid_token=True)
    assert "revoked" in response.json()["detail"]


def test_an_expired_token_is_401(client, db):
    actor = actor_for(db, make_user(db))
    created = api_tokens.create_token(session=db, actor=actor, name="CI", expires_in_days=1)
    db.commit()
    assert client.get("/v1/workspaces", headers=bearer(created.secret)).status_code == 200
    row = db.get(PersonalAccessToken, created.token.id)
    row.expires_at = row.expires_at - timedelta(days=2)
    db.add(row)
    db.commit()
    response = client.get("/v1/workspaces", headers=bearer(created.secret))
    _assert_401(response, invalid_token=True)
    assert "expired" in response.json()["detail"]


def test_a_request_marks_the_token_used(client, db):
    actor = actor_for(db, make_user(db))
    created = api_tokens.create_token(session=db, actor=actor, name="CI")
    db.commit()
    client.get("/v1/workspaces", headers=bearer(created.secret))
    db.expire_all()
    assert db.get(PersonalAccessToken, created.token.id).last_used_at is not None


def test_the_audit_trail_names_the_token_and_where_it_came_from(client, world, db):
    response = client.post(
        f"/v1/workspaces/{world.workspace}/freeze",
        headers={**world.alice, "User-Agent": "deploy-bot/2"},
    )
    assert response.status_code == 200
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "workspace.frozen")).one()
    assert event.actor_type == "token"
    assert event.actor_label.endswith("(CI)")
    assert event.user_agent == "deploy-bot/2"
    assert event.ip_address  # the test client's address


def test_health_is_public(client, database):
    assert client.get("/v1/health").status_code == 200
