"""The data-plane API with an app's secret key: who the key lets in, what it reaches, what a
read key and a frozen workspace refuse, sign-ins (password, MFA, magic link, OAuth), and the
activity that makes an app operating and an organization live."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import pytest
from sqlmodel import select

from portal.domain import app_keys
from portal.models import App, AppApiKey, EndUserToken, Organization, SentEmail
from portal.models._base import utcnow
from portal.services import app_activity, app_api_keys, apps, workspaces
from tests.api.conftest import bearer
from tests.factories import admin_actor, make_app, make_workspace


@dataclass
class Keys:
    rw: dict[str, str]  # app A, prod, read-write
    ro: dict[str, str]  # app A, prod, read
    dev: dict[str, str]  # app A, dev
    other: dict[str, str]  # app B (same workspace), prod
    app_id: int
    actor: object
    workspace_id: str
    slug: str


def _key(db, actor, workspace_id, slug, **kwargs) -> str:
    return app_api_keys.create_key(
        session=db, actor=actor, workspace_id=workspace_id, app_slug=slug, name="k", **kwargs
    ).secret


@pytest.fixture(autouse=True)
def _fresh_tally():
    app_activity.reset()
    yield
    app_activity.reset()


@pytest.fixture
def keys(db) -> Keys:
    actor, account = admin_actor(db)
    workspace = str(make_workspace(db, account, "Plane").id)
    app = make_app(db, actor, workspace, "Acme")
    other = make_app(db, actor, workspace, "Other")
    made = Keys(
        rw=bearer(_key(db, actor, workspace, app.slug)),
        ro=bearer(_key(db, actor, workspace, app.slug, scope="read")),
        dev=bearer(_key(db, actor, workspace, app.slug, environment="dev")),
        other=bearer(_key(db, actor, workspace, other.slug)),
        app_id=app.id,
        actor=actor,
        workspace_id=workspace,
        slug=app.slug,
    )
    db.commit()
    return made


def _org(client, headers, name="Globex") -> int:
    response = client.post("/v1/organizations", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/v1/organizations/{response.json()['id']}"
    return response.json()["id"]


def _user(client, headers, email="ana@globex.example", **body) -> int:
    response = client.post("/v1/end-users", json={"email": email, **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


# Keys ---------------------------------------------------------------------------------------


def test_a_mistyped_key_is_refused_before_any_lookup(client, keys, monkeypatch):
    good = keys.rw["Authorization"].removeprefix("Bearer ")
    typo = good[:-1] + ("A" if good[-1] != "A" else "B")
    from portal.services import app_key_auth

    def no_lookup(*args, **kwargs):
        raise AssertionError("a malformed key reached the database")

    monkeypatch.setattr(app_key_auth, "token_hash", no_lookup)
    response = client.get("/v1/organizations", headers=bearer(typo))
    assert response.status_code == 401
    assert "checksum" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_no_key_an_unknown_key_and_a_personal_token_are_401(client, keys, world):
    assert client.get("/v1/end-users").status_code == 401
    unknown = app_keys.new_key("prod")
    assert client.get("/v1/end-users", headers=bearer(unknown)).status_code == 401
    assert client.get("/v1/end-users", headers=world.alice).status_code == 401


def test_a_revoked_key_is_refused_from_the_next_request(client, keys, db):
    assert client.get("/v1/end-users", headers=keys.rw).status_code == 200
    key = db.exec(select(AppApiKey).where(AppApiKey.app_id == keys.app_id)).first()
    app_api_keys.revoke_key(
        session=db,
        actor=keys.actor,
        workspace_id=keys.workspace_id,
        app_slug=keys.slug,
        key_id=key.id,
    )
    db.commit()
    response = client.get("/v1/end-users", headers=keys.rw)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_an_expired_key_is_refused(client, keys, db):
    secret = _key(db, keys.actor, keys.workspace_id, keys.slug, expires_in_days=1)
    row = db.exec(select(AppApiKey).order_by(AppApiKey.id.desc())).first()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    response = client.get("/v1/end-users", headers=bearer(secret))
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_last_used_is_written_at_most_once_a_minute(client, keys, db):
    client.get("/v1/end-users", headers=keys.ro)
    row = db.exec(select(AppApiKey).where(AppApiKey.scope == "read")).one()
    db.refresh(row)
    first = row.last_used_at
    assert first is not None
    client.get("/v1/end-users", headers=keys.ro)
    db.refresh(row)
    assert row.last_used_at == first
    row.last_used_at = first - timedelta(minutes=2)
    db.add(row)
    db.commit()
    client.get("/v1/end-users", headers=keys.ro)
    db.refresh(row)
    assert row.last_used_at > first - timedelta(minutes=2)


# Tenancy and scope --------------------------------------------------------------------------


def test_another_apps_key_gets_404_for_everything_of_this_app(client, keys):
    org = _org(client, keys.rw)
    user = _user(client, keys.rw)
    for method, path, body in (
        ("GET", f"/v1/organizations/{org}", None),
        ("PATCH", f"/v1/organizations/{org}", {"name": "Taken"}),
        ("DELETE", f"/v1/organizations/{org}", None),
        ("GET", f"/v1/organizations/{org}/members", None),
        ("PUT", f"/v1/organizations/{org}/members/{user}", {"role": "admin"}),
        ("GET", f"/v1/end-users/{user}", None),
        ("PATCH", f"/v1/end-users/{user}", {"name": "X"}),
        ("DELETE", f"/v1/end-users/{user}", None),
        ("POST", f"/v1/end-users/{user}/sign-ins", {"method": "password", "password": "x"}),
        ("POST", f"/v1/end-users/{user}/totp", None),
    ):
        for headers in (keys.other, keys.dev):  # another app; this app's other environment
            response = client.request(method, path, json=body, headers=headers)
            assert response.status_code == 404, (method, path, response.text)
    assert client.get("/v1/organizations", headers=keys.other).json()["items"] == []
    assert client.get(f"/v1/organizations/{org}", headers=keys.rw).json()["name"] == "Globex"


def test_a_read_key_reads_and_writes_nothing(client, keys):
    org = _org(client, keys.rw)
    assert client.get(f"/v1/organizations/{org}", headers=keys.ro).status_code == 200
    for method, path, body in (
        ("POST", "/v1/organizations", {"name": "Nope"}),
        ("PATCH", f"/v1/organizations/{org}", {"name": "Nope"}),
        ("DELETE", f"/v1/organizations/{org}", None),
        ("POST", "/v1/end-users", {"email": "no@pe.example"}),
    ):
        response = client.request(method, path, json=body, headers=keys.ro)
        assert response.status_code == 403, (method, path, response.text)
        assert "read-only" in response.json()["detail"]
    assert [
        o["name"] for o in client.get("/v1/organizations", headers=keys.rw).json()["items"]
    ] == ["Globex"]


def test_a_frozen_workspace_refuses_writes_and_keeps_reads(client, keys, db):
    org = _org(client, keys.rw)
    workspaces.freeze(session=db, actor=keys.actor, workspace_id=keys.workspace_id, reason="x")
    db.commit()
    assert client.get(f"/v1/organizations/{org}", headers=keys.rw).status_code == 200
    response = client.post("/v1/organizations", json={"name": "Late"}, headers=keys.rw)
    assert response.status_code == 409
    assert response.json()["type"].endswith("workspace-frozen")


# Organizations and end users --------------------------------------------------------------


def test_organizations_and_members_round_trip(client, keys):
    org = _org(client, keys.rw)
    ana = _user(client, keys.rw, "ana@globex.example", name="Ana")
    response = client.put(
        f"/v1/organizations/{org}/members/{ana}", json={"role": "admin"}, headers=keys.rw
    )
    assert response.status_code == 200 and response.json()["role"] == "admin"
    got = client.get(f"/v1/organizations/{org}", headers=keys.rw).json()
    assert (got["members"], got["admins"]) == (1, 1)
    listed = client.get("/v1/end-users", headers=keys.rw).json()["items"]
    assert [(u["email"], u["organizations"]) for u in listed] == [
        ("ana@globex.example", ["Globex"])
    ]
    members = client.get(f"/v1/organizations/{org}/members", headers=keys.rw).json()["items"]
    assert [(m["email"], m["role"]) for m in members] == [("ana@globex.example", "admin")]
    renamed = client.patch(f"/v1/organizations/{org}", json={"name": "Globex Inc"}, headers=keys.rw)
    assert renamed.json()["name"] == "Globex Inc"
    assert (
        client.delete(f"/v1/organizations/{org}/members/{ana}", headers=keys.rw).status_code == 204
    )
    assert (
        client.delete(f"/v1/organizations/{org}/members/{ana}", headers=keys.rw).status_code == 404
    )
    assert client.delete(f"/v1/organizations/{org}", headers=keys.rw).status_code == 204
    assert client.get(f"/v1/organizations/{org}", headers=keys.rw).status_code == 404
    # The member is still an end user of the app.
    assert client.get(f"/v1/end-users/{ana}", headers=keys.rw).status_code == 200


def test_end_user_lists_page_and_search(client, keys):
    for n in range(5):
        _user(client, keys.rw, f"user{n}@example.com", name=f"User {n}")
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/end-users", params=params, headers=keys.rw).json()
        seen += [u["email"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"user{n}@example.com" for n in range(5)]
    found = client.get("/v1/end-users", params={"search": "USER3"}, headers=keys.rw).json()
    assert [u["email"] for u in found["items"]] == ["user3@example.com"]
    duplicate = client.post("/v1/end-users", json={"email": "USER1@example.com"}, headers=keys.rw)
    assert duplicate.status_code == 409


# Sign-ins -----------------------------------------------------------------------------------


def _policy(db, keys, **changes):
    current = apps.get_app(
        session=db, actor=keys.actor, workspace_id=keys.workspace_id, app_slug=keys.slug
    ).auth
    values = (
        current.model_dump(
            exclude={
                "google_client_id",
                "google_secret_set",
                "github_client_id",
                "github_secret_set",
            }
        )
        | changes
    )
    methods = values.pop("sign_in_methods")
    apps.update_auth_settings(
        session=db,
        actor=keys.actor,
        workspace_id=keys.workspace_id,
        app_slug=keys.slug,
        sign_in_methods=changes.get("methods", methods),
        **{k: v for k, v in values.items() if k != "methods"},
    )
    db.commit()


def test_a_password_sign_in_returns_a_session_with_the_apps_lifetime(client, keys, db):
    _policy(db, keys, session_lifetime_minutes=60, password_require_digit=True)
    weak = client.post(
        "/v1/end-users",
        json={"email": "ana@example.com", "password": "long enough pass"},
        headers=keys.rw,
    )
    assert weak.status_code == 422 and "a digit" in weak.json()["detail"]
    ana = _user(client, keys.rw, "ana@example.com", password="long enough pass 1")
    wrong = client.post(
        f"/v1/end-users/{ana}/sign-ins",
        json={"method": "password", "password": "nope"},
        headers=keys.rw,
    )
    assert wrong.status_code == 403
    right = client.post(
        f"/v1/end-users/{ana}/sign-ins",
        json={"method": "password", "password": "long enough pass 1"},
        headers=keys.rw,
    )
    assert right.status_code == 201, right.text
    session = right.json()
    assert session["token"].startswith("eus_")
    lifetime = (utcnow().fromisoformat(session["expires_at"]) - utcnow()).total_seconds()
    assert 3500 < lifetime <= 3600
    stored = db.exec(select(EndUserToken.token_hash)).all()
    assert session["token"] not in stored and len(stored) == 1
    # A disabled end user cannot sign in, with the same answer as a wrong password.
    client.patch(f"/v1/end-users/{ana}", json={"disabled": True}, headers=keys.rw)
    refused = client.post(
        f"/v1/end-users/{ana}/sign-ins",
        json={"method": "password", "password": "long enough pass 1"},
        headers=keys.rw,
    )
    assert refused.status_code == 403 and refused.json()["detail"] == wrong.json()["detail"]


def test_mfa_requires_an_enrolled_factor_and_a_current_code(client, keys, db):
    _policy(db, keys, mfa_required=True)
    ana = _user(client, keys.rw, "ana@example.com", password="long enough pass")
    body = {"method": "password", "password": "long enough pass"}
    not_enrolled = client.post(f"/v1/end-users/{ana}/sign-ins", json=body, headers=keys.rw)
    assert not_enrolled.status_code == 403 and "enroll" in not_enrolled.json()["detail"]
    enrolled = client.post(f"/v1/end-users/{ana}/totp", headers=keys.rw).json()
    assert enrolled["uri"].startswith("otpauth://totp/")
    no_code = client.post(f"/v1/end-users/{ana}/sign-ins", json=body, headers=keys.rw)
    assert no_code.status_code == 403
    from portal.models import EndUser

    stored = db.get(EndUser, ana).totp_secret
    assert enrolled["secret"] not in stored  # sealed at rest
    code = pyotp.TOTP(enrolled["secret"]).now()
    ok = client.post(
        f"/v1/end-users/{ana}/sign-ins", json={**body, "totp_code": code}, headers=keys.rw
    )
    assert ok.status_code == 201, ok.text


def test_a_magic_link_is_mailed_from_the_apps_sender_and_works_once(client, keys, db):
    _policy(db, keys, methods=["password", "magic_link"], redirect_urls=["https://acme.example/cb"])
    apps.update_email_settings(
        session=db,
        actor=keys.actor,
        workspace_id=keys.workspace_id,
        app_slug=keys.slug,
        sender_name="Acme",
        sender_address="no-reply@acme.example",
    )
    db.commit()
    ana = _user(client, keys.rw, "ana@example.com")
    sent = client.post(
        f"/v1/end-users/{ana}/sign-ins", json={"method": "magic_link"}, headers=keys.rw
    )
    assert sent.status_code == 202, sent.text
    mail = db.exec(select(SentEmail).where(SentEmail.to_address == "ana@example.com")).one()
    assert mail.from_address == "Acme <no-reply@acme.example>"
    token = re.search(r"https://acme\.example/cb\?token=(eml_[\w-]+)", mail.body).group(1)
    redeemed = client.post("/v1/sign-ins/magic-link", json={"token": token}, headers=keys.rw)
    assert redeemed.status_code == 201 and redeemed.json()["end_user_id"] == ana
    again = client.post("/v1/sign-ins/magic-link", json={"token": token}, headers=keys.rw)
    assert again.status_code == 409
    # Another app's key cannot redeem it.
    sent = client.post(
        f"/v1/end-users/{ana}/sign-ins", json={"method": "magic_link"}, headers=keys.rw
    )
    db.expire_all()
    mail = db.exec(select(SentEmail).order_by(SentEmail.id.desc())).first()
    token = re.search(r"token=(eml_[\w-]+)", mail.body).group(1)
    foreign = client.post("/v1/sign-ins/magic-link", json={"token": token}, headers=keys.other)
    assert foreign.status_code == 404
    # It still works for its own app.
    own = client.post("/v1/sign-ins/magic-link", json={"token": token}, headers=keys.rw)
    assert own.status_code == 201


def test_a_method_the_app_has_not_enabled_is_refused(client, keys):
    ana = _user(client, keys.rw, "ana@example.com")
    for method in ("magic_link", "google", "github"):
        response = client.post(
            f"/v1/end-users/{ana}/sign-ins", json={"method": method}, headers=keys.rw
        )
        assert response.status_code == 403, method
        assert "not enabled" in response.json()["detail"]


# Activity -----------------------------------------------------------------------------------


def test_calls_and_sign_ins_make_the_app_operating_and_the_organization_live(client, keys, db):
    apps.update_email_settings(
        session=db,
        actor=keys.actor,
        workspace_id=keys.workspace_id,
        app_slug=keys.slug,
        sender_name="Acme",
        sender_address="no-reply@acme.example",
    )
    db.commit()
    detail = apps.get_app(
        session=db, actor=keys.actor, workspace_id=keys.workspace_id, app_slug=keys.slug
    )
    assert detail.state == "ready"
    org = _org(client, keys.rw)
    ana = _user(client, keys.rw, "ana@example.com", password="long enough pass")
    client.put(f"/v1/organizations/{org}/members/{ana}", json={"role": "admin"}, headers=keys.rw)
    client.post(
        f"/v1/end-users/{ana}/sign-ins",
        json={"method": "password", "password": "long enough pass"},
        headers=keys.rw,
    )
    # Nothing is written per request: the counts wait in memory for the flush.
    assert db.get(App, keys.app_id).last_active_at is None
    assert app_activity.pending() > 0
    from portal.workers import activity

    assert activity.flush_once() > 0
    db.expire_all()
    assert db.get(Organization, org).last_active_at is not None
    detail = apps.get_app(
        session=db, actor=keys.actor, workspace_id=keys.workspace_id, app_slug=keys.slug
    )
    assert detail.state == "operating"


def test_a_forged_organization_id_of_another_app_does_not_make_it_live(client, keys, db):
    theirs = _org(client, keys.other, "Their Org")
    assert client.get(f"/v1/organizations/{theirs}", headers=keys.rw).status_code == 404
    app_activity.reset()  # only the forged call
    client.get(f"/v1/organizations/{theirs}", headers=keys.rw)
    from portal.workers import activity

    activity.flush_once()
    db.expire_all()
    assert db.get(Organization, theirs).last_active_at is None


def test_the_audit_trail_names_the_key_that_acted(client, keys, db):
    from portal.models import AuditEvent

    _org(client, keys.rw)
    row = db.exec(select(AuditEvent).where(AuditEvent.action == "organization.created")).one()
    assert row.actor_type == "app_key"
    assert row.actor_label.startswith("key sk_prod_") and row.actor_label.endswith("…")
    assert row.target_type == "app" and row.target_id == str(keys.app_id)


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_request(client, keys, db):
    from portal.models import Organization

    first = client.post(
        "/v1/organizations", json={"name": "Globex"}, headers={**keys.rw, "Idempotency-Key": "k1"}
    )
    again = client.post(
        "/v1/organizations", json={"name": "Globex"}, headers={**keys.rw, "Idempotency-Key": "k1"}
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(db.exec(select(Organization)).all()) == 1
    from portal.models import AppIdempotencyRecord

    record = db.exec(select(AppIdempotencyRecord)).one()
    plain = hashlib.sha256(
        json.dumps(
            {"method": "POST", "path": "/v1/organizations", "body": {"name": "Globex"}},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()
    assert record.request_hash != plain  # keyed: a body's password cannot be tested offline
    other = client.post(
        "/v1/organizations", json={"name": "Initech"}, headers={**keys.rw, "Idempotency-Key": "k1"}
    )
    assert other.status_code == 409
    # Keys are per app key: the other app's key may use the same one.
    theirs = client.post(
        "/v1/organizations",
        json={"name": "Globex"},
        headers={**keys.other, "Idempotency-Key": "k1"},
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


def test_answers_holding_a_secret_take_no_idempotency_key(client):
    document = client.get("/v1/openapi.json").json()
    for path in ("/v1/end-users/{end_user_id}/sign-ins", "/v1/end-users/{end_user_id}/totp"):
        names = [p["name"] for p in document["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" not in names, path
    for path, method in (
        ("/v1/organizations", "post"),
        ("/v1/organizations/{organization_id}", "patch"),
        ("/v1/end-users", "post"),
        ("/v1/end-users/{end_user_id}", "patch"),
        ("/v1/organizations/{organization_id}/members/{end_user_id}", "put"),
    ):
        names = [p["name"] for p in document["paths"][path][method].get("parameters", [])]
        assert "Idempotency-Key" in names, (method, path)
