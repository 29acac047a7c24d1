"""/v1/workspaces: list, create, read, the actions; tenancy (404), permission (403) and freeze
(409) as problem documents."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from portal.models import AuditEvent, Environment, Process, Workspace
from portal.services import provisioning
from tests.api.conftest import set_status
from tests.api_app import shared_api
from tests.factories import make_workspace


def _problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith(f"/{slug}")
    assert body["status"] == status
    return body


# List ---------------------------------------------------------------------------------------


def test_list_shows_only_readable_workspaces(client, world):
    ids = [w["id"] for w in client.get("/v1/workspaces", headers=world.alice).json()["items"]]
    assert ids == [world.workspace]
    ids = [w["id"] for w in client.get("/v1/workspaces", headers=world.reggie).json()["items"]]
    assert ids == [world.workspace]
    ids = [w["id"] for w in client.get("/v1/workspaces", headers=world.bob).json()["items"]]
    assert ids == [world.other]


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_limit_is_bounded(client, world, limit):
    body = _problem(
        client.get("/v1/workspaces", params={"limit": limit}, headers=world.alice), 422, "invalid"
    )
    assert body["errors"][0]["field"] == "query.limit"


def test_walk_every_page_with_next_cursor(client, world, db):
    for n in range(6):
        make_workspace(db, world.account_a, name=f"Extra {n}")
    db.commit()
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, "sort": "name", "direction": "asc"}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/v1/workspaces", params=params, headers=world.alice)
        assert response.status_code == 200
        body = response.json()
        assert len(body["items"]) <= 3
        seen += [w["name"] for w in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(seen, key=str.lower)
    assert len(seen) == len(set(seen)) == 7


def test_list_filters_by_name_and_status(client, world, db):
    make_workspace(db, world.account_a, name="Staging sandbox", status="frozen")
    db.commit()
    by_name = client.get("/v1/workspaces", params={"name": "SANDBOX"}, headers=world.alice)
    assert [w["name"] for w in by_name.json()["items"]] == ["Staging sandbox"]
    by_status = client.get("/v1/workspaces", params={"status": "active"}, headers=world.alice)
    assert [w["id"] for w in by_status.json()["items"]] == [world.workspace]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "deleted"}, "query.status"),
        ({"sort": "slug"}, "query.sort"),
        ({"direction": "up"}, "query.direction"),
    ],
)
def test_list_refuses_unknown_choices(client, world, params, field):
    response = client.get("/v1/workspaces", params=params, headers=world.alice)
    assert _problem(response, 422, "invalid")["errors"][0]["field"] == field


def test_a_bad_cursor_is_a_problem_naming_the_cursor(client, world):
    response = client.get("/v1/workspaces", params={"cursor": "nonsense!"}, headers=world.alice)
    assert _problem(response, 400, "invalid-cursor")["field"] == "cursor"


# Create -------------------------------------------------------------------------------------


def test_create_returns_201_provisioning_with_its_location(client, world):
    response = client.post(
        "/v1/workspaces",
        json={"account_id": world.account_a, "name": "Acme Staging", "tenancy_model": "dedicated"},
        headers=world.alice,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "provisioning"
    assert body["slug"] == "acme-staging"
    assert body["tenancy_model"] == "dedicated"
    assert body["region"] == "eu-central"
    assert uuid.UUID(body["id"])
    assert response.headers["location"] == f"/v1/workspaces/{body['id']}"
    assert "idempotent-replayed" not in response.headers
    environments = client.get(response.headers["location"] + "/environments", headers=world.alice)
    assert [(e["name"], e["status"]) for e in environments.json()["items"]] == [
        ("dev", "provisioning"),
        ("staging", "provisioning"),
        ("prod", "provisioning"),
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "Ok", "region": "mars-1"}, "region"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(client, world, payload, field):
    response = client.post(
        "/v1/workspaces", json={"account_id": world.account_a, **payload}, headers=world.alice
    )
    assert _problem(response, 422, "invalid")["field"] == field


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "No account"},
        {"account_id": 1, "name": "Bad tenancy", "tenancy_model": "solo"},
        {"account_id": 1, "name": "Extra", "owner": "me"},
        {"account_id": 1, "name": "nul\u0000byte"},
        {"account_id": True, "name": "A boolean is not account 1"},
        {"account_id": "1", "name": "Nor is a string"},
    ],
)
def test_create_refuses_malformed_bodies(client, world, payload):
    response = client.post("/v1/workspaces", json=payload, headers=world.alice)
    assert _problem(response, 422, "invalid")["errors"]


def test_concurrent_creates_with_one_name_all_succeed_with_distinct_slugs(client, world):
    """20 creates of the same name in one account at the same moment: each is 201 with a slug
    of its own (on SQLite and on PostgreSQL), none a 500 on the slug's unique constraint."""
    count = 20
    barrier = threading.Barrier(count)
    # The token's last use is written at most once a minute: stamp it now, so that the creates
    # write nothing before they read the slugs (as with a token in steady use).
    assert client.get("/v1/workspaces", headers=world.alice).status_code == 200

    def create(_: int):
        barrier.wait()
        return client.post(
            "/v1/workspaces",
            json={"account_id": world.account_a, "name": "Load Test"},
            headers=world.alice,
        )

    with ThreadPoolExecutor(max_workers=count) as pool:
        responses = list(pool.map(create, range(count)))

    assert [r.status_code for r in responses] == [201] * count, [
        r.text for r in responses if r.status_code != 201
    ]
    slugs = {r.json()["slug"] for r in responses}
    assert slugs == {"load-test", *(f"load-test-{n}" for n in range(2, count + 1))}


def test_a_slug_says_nothing_about_other_accounts(client, world):
    """Account A has "Acme Production" (acme-production); account B creating the same name
    gets the same slug, not acme-production-2."""
    response = client.post(
        "/v1/workspaces",
        json={"account_id": world.account_b, "name": "Acme Production"},
        headers=world.bob,
    )
    assert response.status_code == 201, response.text
    assert response.json()["slug"] == "acme-production"
    mine = client.get(f"/v1/workspaces/{world.workspace}", headers=world.alice).json()
    assert mine["slug"] == "acme-production"


def test_create_in_another_account_is_404(client, world):
    response = client.post(
        "/v1/workspaces",
        json={"account_id": world.account_b, "name": "Sneaky"},
        headers=world.alice,
    )
    _problem(response, 404, "not-found")


def test_create_needs_administer_on_the_account(client, world):
    response = client.post(
        "/v1/workspaces", json={"account_id": world.account_a, "name": "Nope"}, headers=world.reggie
    )
    assert "administer" in _problem(response, 403, "permission-denied")["detail"]


# Read ---------------------------------------------------------------------------------------


def test_get_returns_the_workspace_with_its_environments(client, world):
    response = client.get(f"/v1/workspaces/{world.workspace}", headers=world.reggie)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == world.workspace
    assert body["name"] == world.workspace_name
    assert body["account_id"] == world.account_a
    assert [e["name"] for e in body["environments"]] == ["dev", "staging", "prod"]
    # Page-only fields (who administers, UI flags) are not part of the API.
    assert "administrators" not in body and "can_administer" not in body


def test_audit_is_newest_first_filterable_and_paginated(client, world):
    for action in ("freeze", "unfreeze", "freeze"):
        assert client.post(
            f"/v1/workspaces/{world.workspace}/{action}", headers=world.alice
        ).is_success
    url = f"/v1/workspaces/{world.workspace}/audit"
    everything = client.get(url, headers=world.reggie).json()["items"]
    assert [e["action"] for e in everything[:3]] == [
        "workspace.frozen",
        "workspace.unfrozen",
        "workspace.frozen",
    ]
    assert everything[-1]["action"] == "workspace.created"
    assert everything[0]["actor_type"] == "token"

    frozen = client.get(url, params={"action": "workspace.frozen"}, headers=world.reggie).json()
    assert [e["action"] for e in frozen["items"]] == ["workspace.frozen"] * 2
    by_token = client.get(url, params={"actor": "(CI)"}, headers=world.reggie).json()["items"]
    assert len(by_token) == 3

    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(url, params=params, headers=world.reggie).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [e["id"] for e in everything]
    assert client.get(url, params={"limit": 101}, headers=world.reggie).status_code == 422


def test_an_unknown_workspace_is_404_and_a_malformed_id_422(client, world):
    _problem(client.get(f"/v1/workspaces/{uuid.uuid4()}", headers=world.alice), 404, "not-found")
    _problem(client.get("/v1/workspaces/not-a-uuid", headers=world.alice), 422, "invalid")


# Tenancy: another account's workspace is 404 on every route ------------------------------------

EVERY_ROUTE = [
    ("GET", "", None),
    ("PATCH", "", {"name": "Mine now"}),
    ("GET", "/environments", None),
    ("GET", "/audit", None),
    ("POST", "/freeze", None),
    ("POST", "/unfreeze", None),
    ("POST", "/export", None),
    ("POST", "/offboard", {"confirm_name": "Acme Production"}),
    ("POST", "/restore", None),
]


@pytest.mark.parametrize(("method", "suffix", "payload"), EVERY_ROUTE)
def test_another_accounts_workspace_is_404_on_every_route(
    client, world, db, method, suffix, payload
):
    for status in ("active", "frozen", "offboarding"):
        set_status(db, world.workspace, status)
        response = client.request(
            method, f"/v1/workspaces/{world.workspace}{suffix}", json=payload, headers=world.bob
        )
        body = _problem(response, 404, "not-found")
        assert world.workspace_name not in body["detail"]
    db.expire_all()
    assert db.get(Workspace, uuid.UUID(world.workspace)).name == world.workspace_name


def test_another_accounts_process_is_404(client, world):
    location = client.post(f"/v1/workspaces/{world.workspace}/export", headers=world.alice).headers[
        "location"
    ]
    assert client.get(location, headers=world.alice).status_code == 200
    assert client.get(location, headers=world.reggie).status_code == 200
    _problem(client.get(location, headers=world.bob), 404, "not-found")


# Found by the schemathesis contract: pydantic's lax mode read "1\n" as the integer 1.
@pytest.mark.parametrize("spelled", ["{id}\n", " {id}", "+{id}", "0{id}", "{id}.0", "{id}_0"])
def test_an_integer_in_the_path_or_query_is_plain_digits(client, world, spelled):
    process = client.post(f"/v1/workspaces/{world.workspace}/export", headers=world.alice).json()
    assert client.get(f"/v1/processes/{process['id']}", headers=world.alice).status_code == 200
    odd = spelled.format(id=process["id"])
    body = _problem(
        client.get(f"/v1/processes/{quote(odd, safe='')}", headers=world.alice), 422, "invalid"
    )
    assert body["errors"][0]["field"] == "path.process_id"
    body = _problem(
        client.get("/v1/workspaces", params={"limit": spelled.format(id=5)}, headers=world.alice),
        422,
        "invalid",
    )
    assert body["errors"][0]["field"] == "query.limit"


# Permission: a read-only member gets 403 naming the permission --------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "payload", "status"),
    [
        ("POST", "/freeze", None, "active"),
        ("POST", "/unfreeze", None, "frozen"),
        ("POST", "/export", None, "active"),
        ("POST", "/offboard", {"confirm_name": "Acme Production"}, "active"),
        ("POST", "/restore", None, "offboarding"),
        ("PATCH", "", {"name": "Renamed"}, "active"),
    ],
)
def test_a_read_only_member_gets_403_naming_the_permission(
    client, world, db, method, suffix, payload, status
):
    set_status(db, world.workspace, status)
    response = client.request(
        method, f"/v1/workspaces/{world.workspace}{suffix}", json=payload, headers=world.reggie
    )
    body = _problem(response, 403, "permission-denied")
    assert "administer" in body["detail"]
    db.expire_all()
    assert db.get(Workspace, uuid.UUID(world.workspace)).status == status


# Freeze: a write to a frozen workspace is 409 ------------------------------------------------


def test_a_write_to_a_frozen_workspace_is_409_workspace_frozen(client, world, db):
    url = f"/v1/workspaces/{world.workspace}"
    frozen = client.post(f"{url}/freeze", headers=world.alice)
    assert frozen.json()["status"] == "frozen"

    response = client.patch(url, json={"name": "Renamed"}, headers=world.alice)
    body = _problem(response, 409, "workspace-frozen")
    assert "frozen" in body["detail"]
    # Reads keep working, and an export (a read) is allowed.
    assert client.get(url, headers=world.alice).status_code == 200
    assert client.post(f"{url}/export", headers=world.alice).status_code == 202

    # Unfrozen, the write goes through.
    unfrozen = client.post(f"{url}/unfreeze", headers=world.alice)
    assert unfrozen.json()["status"] == "active"
    renamed = client.patch(url, json={"name": "Renamed"}, headers=world.alice)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Renamed"


def test_a_write_to_an_offboarding_workspace_is_409_read_only(client, world):
    offboarded = client.post(
        f"/v1/workspaces/{world.workspace}/offboard",
        json={"confirm_name": world.workspace_name},
        headers=world.alice,
    )
    assert offboarded.status_code == 200
    assert offboarded.json()["status"] == "offboarding"
    assert offboarded.json()["purge_after"]
    response = client.patch(
        f"/v1/workspaces/{world.workspace}", json={"name": "Renamed"}, headers=world.alice
    )
    _problem(response, 409, "workspace-read-only")
    restored = client.post(f"/v1/workspaces/{world.workspace}/restore", headers=world.alice)
    assert restored.status_code == 200
    assert restored.json()["status"] == "active"


def test_offboard_needs_the_exact_name(client, world):
    response = client.post(
        f"/v1/workspaces/{world.workspace}/offboard",
        json={"confirm_name": world.workspace_name.lower()},
        headers=world.alice,
    )
    assert _problem(response, 409, "conflict")["field"] == "confirm_name"
    missing = client.post(
        f"/v1/workspaces/{world.workspace}/offboard", json={}, headers=world.alice
    )
    assert _problem(missing, 422, "invalid")["errors"][0]["field"] == "body.confirm_name"


def test_freeze_takes_an_optional_reason_and_refuses_twice(client, world, db):
    url = f"/v1/workspaces/{world.workspace}/freeze"
    assert client.post(url, json={"reason": "Incident 42"}, headers=world.alice).status_code == 200
    _problem(client.post(url, headers=world.alice), 409, "conflict")
    audit = client.get(
        f"/v1/workspaces/{world.workspace}/audit",
        params={"action": "workspace.frozen"},
        headers=world.alice,
    ).json()["items"]
    assert audit[0]["after"]["reason"] == "Incident 42"


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        ("/freeze", {"reason": "\x1b[2Jgone"}, "reason"),
        ("/freeze", {"reason": "two\nlines"}, "reason"),
        ("", {"name": "\x1b[31mred"}, "name"),
        ("/offboard", {"confirm_name": "\u202eevil"}, "confirm_name"),
    ],
)
def test_free_text_refuses_control_characters_everywhere(client, world, url, payload, field):
    """One rule for every free-text field: a freeze reason refuses ESC as a name does."""
    method = client.patch if url == "" else client.post
    response = method(f"/v1/workspaces/{world.workspace}{url}", json=payload, headers=world.alice)
    assert _problem(response, 422, "invalid")["field"] == field


def test_export_is_202_with_a_readable_location(client, world):
    response = client.post(f"/v1/workspaces/{world.workspace}/export", headers=world.alice)
    assert response.status_code == 202
    body = response.json()
    assert body["kind"] == "export"
    assert body["status"] == "pending"
    assert body["workspace_id"] == world.workspace
    assert response.headers["location"] == f"/v1/processes/{body['id']}"
    process = client.get(response.headers["location"], headers=world.alice)
    assert process.status_code == 200
    assert process.json()["id"] == body["id"]
    assert [s["name"] for s in process.json()["steps"]][-1] == "write archive"


def test_api_changes_are_one_transaction_each(world, db, monkeypatch):
    """A change that fails halfway leaves nothing behind: the workspace and its environments
    are written before the provisioning saga starts, and when that fails the request's one
    transaction takes them back, with no audit event. The same request that succeeds leaves
    all of them."""

    def rows() -> tuple[int, ...]:
        db.expire_all()
        return tuple(
            len(db.exec(select(model)).all())
            for model in (Workspace, Environment, Process, AuditEvent)
        )

    def saga_fails(session, *, workspace, actor):
        assert session.get(Workspace, workspace.id) is not None  # written, in the transaction
        raise RuntimeError("the saga could not start")

    client = TestClient(shared_api(), raise_server_exceptions=False)
    body = {"account_id": world.account_a, "name": "Halfway"}
    before = rows()
    with monkeypatch.context() as patch:
        patch.setattr(provisioning, "start", saga_fails)
        failed = client.post("/v1/workspaces", json=body, headers=world.alice)
    _problem(failed, 500, "server-error")
    assert rows() == before

    created = client.post("/v1/workspaces", json=body, headers=world.alice)
    assert created.status_code == 201, created.text
    workspaces, environments, processes, events = before
    assert rows() == (workspaces + 1, environments + 3, processes + 1, events + 1)
