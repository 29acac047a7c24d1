"""/v1/workspaces/{id}/environments/{env}/secrets: names in lists, values only from a reveal,
Idempotency-Key on PUT, tenancy (404), permissions (403) and freeze (409)."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlmodel import select

from portal.models import AuditEvent
from tests.api.conftest import set_status

VALUE = "api-VALUE-never-in-a-list-5d8e"
NEWER = "api-NEWER-value-never-in-a-list-07aa"


def _url(world, name: str = "", *, env: str = "prod", workspace: str | None = None) -> str:
    base = f"/v1/workspaces/{workspace or world.workspace}/environments/{env}/secrets"
    return f"{base}/{name}" if name else base


def _put(client, world, name="DATABASE_URL", value=VALUE, headers=None, **kwargs):
    return client.put(
        _url(world, name, **kwargs), json={"value": value}, headers=headers or world.alice
    )


def test_set_list_and_reveal(client, world, db, caplog):
    caplog.set_level(logging.DEBUG)
    created = _put(client, world)
    assert created.status_code == 200, created.text
    assert created.json()["name"] == "DATABASE_URL" and created.json()["version"] == 1
    updated = _put(client, world, value=NEWER)
    assert updated.json()["version"] == 2
    _put(client, world, name="API_KEY", env="dev")

    listed = client.get(_url(world), headers=world.alice)
    assert listed.status_code == 200
    assert [item["name"] for item in listed.json()["items"]] == ["DATABASE_URL"]
    assert set(listed.json()["items"][0]) == {
        "name",
        "environment",
        "version",
        "created_at",
        "updated_at",
        "updated_by",
    }
    first = client.get(_url(world), params={"limit": 1}, headers=world.alice)
    assert first.json()["next_cursor"] is None

    revealed = client.post(_url(world, "DATABASE_URL") + "/reveal", headers=world.alice)
    assert revealed.status_code == 200
    assert revealed.headers["cache-control"] == "no-store"
    assert revealed.json() == {
        "name": "DATABASE_URL",
        "environment": "prod",
        "version": 2,
        "value": NEWER,
    }
    older = client.post(
        _url(world, "DATABASE_URL") + "/reveal", json={"version": 1}, headers=world.alice
    )
    assert older.json()["value"] == VALUE and older.json()["version"] == 1
    # A version is a JSON number: "1" is refused, not read as 1.
    quoted = client.post(
        _url(world, "DATABASE_URL") + "/reveal", json={"version": "1"}, headers=world.alice
    )
    assert quoted.status_code == 422
    assert quoted.json()["errors"][0]["field"] == "body.version"

    said = "\n".join(
        [created.text, updated.text, listed.text, first.text]
        + [record.getMessage() for record in caplog.records]
        + [f"{e.before} {e.after}" for e in db.exec(select(AuditEvent)).all()]
    )
    assert VALUE not in said and NEWER not in said and "DATABASE_URL" in said
    actions = [e.action for e in db.exec(select(AuditEvent)).all() if e.target_type == "secret"]
    assert actions.count("secret.revealed") == 2


def test_put_honours_idempotency_key_without_storing_the_value(client, world, db):
    headers = {**world.alice, "Idempotency-Key": "secret-1"}
    first = _put(client, world, headers=headers)
    again = _put(client, world, headers=headers)
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    other = _put(client, world, value=NEWER, headers=headers)
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    assert NEWER not in other.text
    rows = db.execute(text("SELECT * FROM idempotency_records")).all()
    assert len(rows) == 1
    assert VALUE not in repr(rows)
    revealed = client.post(_url(world, "DATABASE_URL") + "/reveal", headers=world.alice)
    assert revealed.json()["version"] == 1  # the repeat stored nothing new


def test_delete_then_not_found(client, world):
    _put(client, world)
    deleted = client.delete(_url(world, "DATABASE_URL"), headers=world.alice)
    assert deleted.status_code == 204 and deleted.content == b""
    again = client.delete(_url(world, "DATABASE_URL"), headers=world.alice)
    assert again.status_code == 404
    assert client.get(_url(world), headers=world.alice).json()["items"] == []


def test_another_account_gets_404_everywhere(client, world):
    _put(client, world)
    for response in (
        client.get(_url(world), headers=world.bob),
        _put(client, world, headers=world.bob),
        client.delete(_url(world, "DATABASE_URL"), headers=world.bob),
        client.post(_url(world, "DATABASE_URL") + "/reveal", headers=world.bob),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == "Workspace not found."
        assert VALUE not in response.text
    # Bob's own workspace has no such secret: no hint about Alice's.
    own = client.post(
        _url(world, "DATABASE_URL", workspace=world.other) + "/reveal", headers=world.bob
    )
    assert own.status_code == 404


def test_a_reader_lists_but_cannot_reveal_or_write(client, world):
    _put(client, world)
    assert client.get(_url(world), headers=world.reggie).status_code == 200
    for response in (
        _put(client, world, value=NEWER, headers=world.reggie),
        client.delete(_url(world, "DATABASE_URL"), headers=world.reggie),
        client.post(_url(world, "DATABASE_URL") + "/reveal", headers=world.reggie),
    ):
        assert response.status_code == 403, response.text
        assert VALUE not in response.text and NEWER not in response.text


def test_a_frozen_workspace_refuses_writes_and_still_reveals(client, world, db):
    _put(client, world)
    set_status(db, world.workspace, "frozen")
    refused = _put(client, world, value=NEWER)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/workspace-frozen") and NEWER not in refused.text
    deleted = client.delete(_url(world, "DATABASE_URL"), headers=world.alice)
    assert deleted.status_code == 409
    revealed = client.post(_url(world, "DATABASE_URL") + "/reveal", headers=world.alice)
    assert revealed.json()["value"] == VALUE
    assert client.get(_url(world), headers=world.alice).status_code == 200


def test_bad_names_environments_and_values_are_422(client, world):
    bad_name = _put(client, world, name="lower")
    assert bad_name.status_code == 422 and bad_name.json()["field"] == "name"
    bad_env = client.get(_url(world, env="qa"), headers=world.alice)
    assert bad_env.status_code == 422 and bad_env.json()["field"] == "environment"
    nul = _put(client, world, value="a\x00b")
    assert nul.status_code == 422 and nul.json()["field"] == "value"
    extra = client.put(
        _url(world, "DATABASE_URL"), json={"value": "x", "other": 1}, headers=world.alice
    )
    assert extra.status_code == 422
