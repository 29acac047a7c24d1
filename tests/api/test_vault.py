"""/v1/workspaces/{id}/vault: collections, records by token (masked; ?reveal=field audited),
exact search, with a person's token or an app's secret key; tenancy (404), permissions (403),
freeze (409), Idempotency-Key, and no value in clear anywhere but a reveal's answer."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlmodel import select

from portal.models import App, AuditEvent, User
from portal.services import app_api_keys
from tests.api.conftest import bearer, set_status
from tests.factories import actor_for

EMAIL = "Api.Vault-3c9d@Example.com"
PHONE = "+44 20 7946 0958"
NATIONAL_ID = "api-NID-never-in-a-list-41aa"
CLEAR = (EMAIL, EMAIL.lower(), PHONE, "442079460958", NATIONAL_ID)
SCHEMA = {
    "name": "customers",
    "fields": {
        "email": {"type": "email", "searchable": True},
        "phone": {"type": "phone", "sensitivity": "masked", "searchable": True},
        "national_id": {"type": "string", "sensitivity": "secret"},
        "plan": {"type": "string", "sensitivity": "public"},
    },
}
VALUES = {"email": EMAIL, "phone": PHONE, "national_id": NATIONAL_ID, "plan": "Gold"}


def _url(world, tail: str = "", *, workspace: str | None = None) -> str:
    return f"/v1/workspaces/{workspace or world.workspace}/vault{tail}"


def _collection(client, world):
    created = client.post(_url(world), json=SCHEMA, headers=world.alice)
    assert created.status_code == 201, created.text
    return created


def _create(client, world, headers=None, values=None):
    return client.post(
        _url(world, "/customers/records"),
        json={"values": VALUES if values is None else values},
        headers=headers or world.alice,
    )


def _app_key(db, world, scope: str) -> dict[str, str]:
    """Another key of Alice's app Acme in `world.workspace`, of `scope`."""
    app = db.exec(select(App).where(App.name == "Acme")).one()
    alice = db.exec(select(User).where(User.name == "Alice")).one()
    actor = actor_for(db, alice)
    secret = app_api_keys.create_key(
        session=db,
        actor=actor,
        workspace_id=world.workspace,
        app_slug=app.slug,
        name=f"Vault {scope}",
        scope=scope,
    ).secret
    db.commit()
    return bearer(secret)


def test_tokenize_read_masked_reveal_search_update_delete(client, world, db, caplog):
    caplog.set_level(logging.DEBUG)
    collection = _collection(client, world)
    assert collection.headers["location"] == _url(world, "/customers")
    assert collection.json()["fields"]["email"] == {
        "type": "email",
        "sensitivity": "masked",
        "searchable": True,
    }
    created = _create(client, world)
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    token = created.json()["token"]
    assert token.startswith("tok_")
    assert created.headers["location"] == _url(world, f"/customers/records/{token}")
    assert created.json()["values"] == {
        "email": "A***@Example.com",
        "phone": "**** 0958",
        "national_id": "••••••",
        "plan": "Gold",
    }

    got = client.get(_url(world, f"/customers/records/{token}"), headers=world.reggie)
    assert got.status_code == 200 and got.json()["values"] == created.json()["values"]
    listed = client.get(_url(world, "/customers/records"), headers=world.reggie)
    assert [r["token"] for r in listed.json()["items"]] == [token]
    found = client.post(
        _url(world, "/customers/search"),
        json={"field": "email", "value": EMAIL.lower()},
        headers=world.reggie,
    )
    assert found.status_code == 200 and [r["token"] for r in found.json()["items"]] == [token]
    collections = client.get(_url(world), headers=world.reggie)
    assert collections.json()["items"][0]["record_count"] == 1

    revealed = client.get(
        _url(world, f"/customers/records/{token}"),
        params={"reveal": "national_id"},
        headers=world.alice,
    )
    assert revealed.status_code == 200 and revealed.headers["cache-control"] == "no-store"
    assert revealed.json()["values"]["national_id"] == NATIONAL_ID
    assert revealed.json()["revealed"] == ["national_id"]
    assert revealed.json()["values"]["email"] == "A***@Example.com"

    updated = client.patch(
        _url(world, f"/customers/records/{token}"),
        json={"values": {"plan": "Silver", "phone": None}},
        headers=world.alice,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["values"] == {
        "email": "A***@Example.com",
        "national_id": "••••••",
        "plan": "Silver",
    }
    deleted = client.delete(_url(world, f"/customers/records/{token}"), headers=world.alice)
    assert deleted.status_code == 204 and deleted.content == b""
    gone = client.get(_url(world, f"/customers/records/{token}"), headers=world.alice)
    assert gone.status_code == 404

    events = db.exec(select(AuditEvent).where(AuditEvent.action == "vault.revealed")).all()
    assert [e.after for e in events] == [
        {"collection": "customers", "token": token, "field": "national_id"}
    ]
    said = "\n".join(
        [created.text, got.text, listed.text, found.text, updated.text, collections.text]
        + [record.getMessage() for record in caplog.records]
        + [f"{e.target_id} {e.before} {e.after}" for e in db.exec(select(AuditEvent)).all()]
    )
    for value in CLEAR:
        assert value not in said, value
    assert token in said


def test_an_app_key_tokenizes_and_detokenizes(client, world, db):
    _collection(client, world)
    created = _create(client, world, headers=world.app_key)
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    assert created.json()["updated_by"].startswith("key sk_prod_")
    revealed = client.get(
        _url(world, f"/customers/records/{token}"),
        params={"reveal": "email"},
        headers=world.app_key,
    )
    assert revealed.status_code == 200 and revealed.json()["values"]["email"] == EMAIL
    found = client.post(
        _url(world, "/customers/search"),
        json={"field": "phone", "value": "442079460958"},
        headers=world.app_key,
    )
    assert [r["token"] for r in found.json()["items"]] == [token]
    assert client.get(_url(world), headers=world.app_key).status_code == 200
    # Collections are created by people: an app's key is no personal access token.
    assert client.post(_url(world), json=SCHEMA, headers=world.app_key).status_code == 401
    # The key's app is in world.workspace only.
    elsewhere = client.get(_url(world, workspace=world.other), headers=world.app_key)
    assert elsewhere.status_code == 404
    deleted = client.delete(_url(world, f"/customers/records/{token}"), headers=world.app_key)
    assert deleted.status_code == 204
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "vault.revealed")).one()
    assert event.actor_type == "app_key"


def test_a_read_key_reads_masked_but_neither_writes_nor_reveals(client, world, db):
    _collection(client, world)
    token = _create(client, world).json()["token"]
    read = _app_key(db, world, "read")
    got = client.get(_url(world, f"/customers/records/{token}"), headers=read)
    assert got.status_code == 200 and got.json()["values"]["national_id"] == "••••••"
    for response in (
        _create(client, world, headers=read),
        client.get(
            _url(world, f"/customers/records/{token}"), params={"reveal": "email"}, headers=read
        ),
        client.delete(_url(world, f"/customers/records/{token}"), headers=read),
    ):
        assert response.status_code == 403, response.text
        assert EMAIL not in response.text


def test_another_account_gets_404_and_a_reader_403(client, world):
    _collection(client, world)
    token = _create(client, world).json()["token"]
    record = _url(world, f"/customers/records/{token}")
    for response in (
        client.get(_url(world), headers=world.bob),
        client.get(record, headers=world.bob),
        client.get(record, params={"reveal": "email"}, headers=world.bob),
        _create(client, world, headers=world.bob),
        client.post(
            _url(world, "/customers/search"),
            json={"field": "email", "value": EMAIL},
            headers=world.bob,
        ),
        client.delete(record, headers=world.bob),
    ):
        assert response.status_code == 404, response.text
        assert EMAIL not in response.text
    for response in (
        client.get(record, params={"reveal": "email"}, headers=world.reggie),
        _create(client, world, headers=world.reggie),
        client.delete(record, headers=world.reggie),
        client.post(_url(world), json={**SCHEMA, "name": "more"}, headers=world.reggie),
    ):
        assert response.status_code == 403, response.text


def test_a_frozen_workspace_refuses_writes_and_still_reveals(client, world, db):
    _collection(client, world)
    token = _create(client, world).json()["token"]
    set_status(db, world.workspace, "frozen")
    for headers in (world.alice, world.app_key):
        refused = _create(client, world, headers=headers)
        assert refused.status_code == 409 and refused.json()["type"].endswith("/workspace-frozen")
        deleted = client.delete(_url(world, f"/customers/records/{token}"), headers=headers)
        assert deleted.status_code == 409
        revealed = client.get(
            _url(world, f"/customers/records/{token}"),
            params={"reveal": "national_id"},
            headers=headers,
        )
        assert revealed.json()["values"]["national_id"] == NATIONAL_ID


def test_invalid_values_are_422_field_by_field_without_the_values(client, world):
    _collection(client, world)
    refused = _create(
        client, world, values={"email": "nope-LEAK", "phone": "LEAK", "unknown": "LEAK"}
    )
    assert refused.status_code == 422
    body = refused.json()
    assert body["field"] == "values.email"
    assert [e["field"] for e in body["errors"]] == [
        "values.email",
        "values.phone",
        "values.unknown",
    ]
    assert "LEAK" not in refused.text
    searched = client.post(
        _url(world, "/customers/search"),
        json={"field": "national_id", "value": "x"},
        headers=world.alice,
    )
    assert searched.status_code == 422 and searched.json()["field"] == "field"
    duplicate = client.post(_url(world), json=SCHEMA, headers=world.alice)
    assert duplicate.status_code == 409


def test_idempotent_create_replays_and_stores_no_value(client, world, db):
    _collection(client, world)
    for headers in (world.alice, world.app_key):
        keyed = {**headers, "Idempotency-Key": "vault-create-1"}
        first = _create(client, world, headers=keyed)
        again = _create(client, world, headers=keyed)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["token"] == first.json()["token"]
        other = _create(client, world, headers=keyed, values={"plan": "Other"})
        assert other.status_code == 409
    stored = [
        repr(row)
        for table in ("idempotency_records", "app_idempotency_records")
        for row in db.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
    ]
    assert len(stored) == 2
    for value in CLEAR:
        assert value not in "\n".join(stored)
    listed = client.get(_url(world, "/customers/records"), headers=world.alice)
    assert len(listed.json()["items"]) == 2  # one per door, not one per request


def test_lists_page_with_a_cursor(client, world):
    _collection(client, world)
    tokens = [_create(client, world, values={"plan": f"p{i}"}).json()["token"] for i in range(3)]
    first = client.get(
        _url(world, "/customers/records"), params={"limit": 2}, headers=world.alice
    ).json()
    assert [r["token"] for r in first["items"]] == tokens[:0:-1]
    rest = client.get(
        _url(world, "/customers/records"),
        params={"limit": 2, "cursor": first["next_cursor"]},
        headers=world.alice,
    ).json()
    assert [r["token"] for r in rest["items"]] == tokens[:1] and rest["next_cursor"] is None
