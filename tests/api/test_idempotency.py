"""Idempotency-Key on /v1 writes: replayed for the same request, refused for a different one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from portal.api import idempotency
from portal.models import IdempotencyRecord, Process, Workspace


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_a_repeated_create_is_replayed_not_repeated(client, world, db):
    payload = {"account_id": world.account_a, "name": "Once only"}
    headers = {**world.alice, "Idempotency-Key": "create-1"}
    first = client.post("/v1/workspaces", json=payload, headers=headers)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    before = _count(db, Workspace)

    again = client.post("/v1/workspaces", json=payload, headers=headers)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert _count(db, Workspace) == before
    assert _count(db, IdempotencyRecord) == 1


def test_the_same_key_with_a_different_body_is_409(client, world, db):
    headers = {**world.alice, "Idempotency-Key": "create-2"}
    client.post(
        "/v1/workspaces", json={"account_id": world.account_a, "name": "A"}, headers=headers
    )
    response = client.post(
        "/v1/workspaces", json={"account_id": world.account_a, "name": "B"}, headers=headers
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/conflict")
    assert body["field"] == "Idempotency-Key"
    assert not db.exec(select(Workspace).where(Workspace.name == "B")).first()


def test_the_same_key_on_another_route_is_409(client, world):
    headers = {**world.alice, "Idempotency-Key": "k"}
    assert client.post(f"/v1/workspaces/{world.workspace}/freeze", headers=headers).is_success
    response = client.post(f"/v1/workspaces/{world.workspace}/unfreeze", headers=headers)
    assert response.status_code == 409
    assert response.json()["field"] == "Idempotency-Key"


def test_an_equivalent_body_is_the_same_request(client, world):
    headers = {**world.alice, "Idempotency-Key": "create-3"}
    first = client.post(
        "/v1/workspaces", json={"account_id": world.account_a, "name": "Same"}, headers=headers
    )
    again = client.post(
        "/v1/workspaces",
        content=f'{{ "name": "Same",  "region": null, "account_id": {world.account_a} }}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


def test_keys_belong_to_one_token(client, world, db):
    """Reggie's key "k" is not Alice's key "k"."""
    url = f"/v1/workspaces/{world.workspace}/export"
    alice = client.post(url, headers={**world.alice, "Idempotency-Key": "k"})
    reggie = client.post(url, headers={**world.reggie, "Idempotency-Key": "k"})
    assert alice.status_code == 202
    assert reggie.status_code == 403  # his own request, refused on its own merits
    assert _count(db, IdempotencyRecord) == 1


def test_a_repeated_action_replays_instead_of_failing(client, world, db):
    """Without a key a second freeze is refused (already frozen); with one it is replayed."""
    headers = {**world.alice, "Idempotency-Key": "freeze-1"}
    url = f"/v1/workspaces/{world.workspace}/freeze"
    first = client.post(url, json={"reason": "incident"}, headers=headers)
    again = client.post(url, json={"reason": "incident"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert client.post(url, headers=world.alice).status_code == 409  # already frozen


def test_a_repeated_export_starts_one_process(client, world, db):
    headers = {**world.alice, "Idempotency-Key": "export-1"}
    url = f"/v1/workspaces/{world.workspace}/export"
    first = client.post(url, headers=headers)
    again = client.post(url, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert _count(db, Process) == 3  # two provisioning sagas (fixtures) and one export


def test_errors_are_not_stored(client, world, db):
    """A refused request changed nothing; a retry with the same key runs again."""
    headers = {**world.alice, "Idempotency-Key": "offboard-1"}
    url = f"/v1/workspaces/{world.workspace}/offboard"
    wrong = client.post(url, json={"confirm_name": "wrong"}, headers=headers)
    assert wrong.status_code == 409
    assert _count(db, IdempotencyRecord) == 0
    right = client.post(url, json={"confirm_name": world.workspace_name}, headers=headers)
    assert right.status_code == 200
    assert right.json()["status"] == "offboarding"


def test_keys_are_kept_24_hours(client, world, db):
    headers = {**world.alice, "Idempotency-Key": "create-4"}
    payload = {"account_id": world.account_a, "name": "Day one"}
    first = client.post("/v1/workspaces", json=payload, headers=headers)
    record = db.exec(select(IdempotencyRecord)).one()
    record.created_at = record.created_at - timedelta(hours=24, minutes=1)
    db.add(record)
    db.commit()
    later = client.post("/v1/workspaces", json=payload, headers=headers)
    assert later.status_code == 201
    assert "idempotent-replayed" not in later.headers
    assert later.json()["id"] != first.json()["id"]


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_bad_key_is_422(client, world, key):
    response = client.post(
        f"/v1/workspaces/{world.workspace}/freeze",
        headers={**world.alice, "Idempotency-Key": key},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_concurrent_repeat_is_rolled_back_whole_and_replays(client, world, db, monkeypatch):
    """Two requests with one key that both miss the lookup: the second one's change and record
    share a transaction, so the record's unique key rolls its change back, and it replays."""
    payload = {"account_id": world.account_a, "name": "Raced"}
    headers = {**world.alice, "Idempotency-Key": "race"}
    first = client.post("/v1/workspaces", json=payload, headers=headers)
    before = _count(db, Workspace)

    real = idempotency.api_tokens.stored_response
    calls = []

    def miss_once(**kwargs):
        calls.append(kwargs["key"])
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(idempotency.api_tokens, "stored_response", miss_once)
    again = client.post("/v1/workspaces", json=payload, headers=headers)
    assert len(calls) == 2
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert _count(db, Workspace) == before
