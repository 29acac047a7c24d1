"""The /v1 API on a fresh migrated database, with people, accounts, workspaces and tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from portal.domain.workspaces import WorkspaceStatus
from portal.models import Workspace
from portal.services import app_api_keys, apps
from tests.api_app import shared_api
from tests.conftest import from_snapshot
from tests.factories import (
    account_of,
    actor_for,
    create_workspace,
    grant,
    make_app,
    make_token,
    make_user,
)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class World:
    """Alice administers account A (workspace `workspace`); Reggie may only read account A;
    Bob administers account B (workspace `other`) and can see nothing of A."""

    alice: dict[str, str]  # the Authorization header of a token of each
    reggie: dict[str, str]
    bob: dict[str, str]
    account_a: int
    account_b: int
    workspace: str  # UUIDs
    workspace_name: str
    other: str
    app_key: dict[str, str]  # a read-write prod key of Alice's app "Acme" in `workspace`


@pytest.fixture
def client(database: str) -> TestClient:
    return TestClient(shared_api())


@pytest.fixture
def world(db) -> World:
    # Two hundred tests take this world: made once per worker, copied for each (~50 ms each).
    return from_snapshot(db, "api-world", lambda: _make_world(db))


def _make_world(db) -> World:
    alice = make_user(db, name="Alice", account_name="Account A")
    bob = make_user(db, name="Bob", account_name="Account B")
    reggie = make_user(db, name="Reggie", account_name="Reggie's own")
    account_a, account_b = account_of(db, alice.id), account_of(db, bob.id)
    grant(db, reggie.id, account_id=account_a, permission="read")
    actors = {user.id: actor_for(db, user) for user in (alice, bob, reggie)}
    workspace = create_workspace(db, actors[alice.id], account_a, name="Acme Production")
    other = create_workspace(db, actors[bob.id], account_b, name="Bob's")
    # Provisioning is the worker's job; the API tests start from a ready workspace.
    for row in (workspace, other):
        row.status = WorkspaceStatus.ACTIVE
        db.add(row)
    app = make_app(db, actors[alice.id], workspace.id, "Acme")
    app_key = app_api_keys.create_key(
        session=db,
        actor=actors[alice.id],
        workspace_id=str(workspace.id),
        app_slug=app.slug,
        name="Contract",
    ).secret
    # The loosest password policy an app can have: what the API's schema promises to accept.
    apps.update_auth_settings(
        session=db,
        actor=actors[alice.id],
        workspace_id=str(workspace.id),
        app_slug=app.slug,
        sign_in_methods=["password"],
        password_min_length=8,
    )
    world = World(
        alice=bearer(make_token(db, alice, actor=actors[alice.id])),
        reggie=bearer(make_token(db, reggie, actor=actors[reggie.id])),
        bob=bearer(make_token(db, bob, actor=actors[bob.id])),
        account_a=account_a,
        account_b=account_b,
        workspace=str(workspace.id),
        workspace_name=workspace.name,
        other=str(other.id),
        app_key=bearer(app_key),
    )
    db.commit()
    return world


def set_status(db, workspace_id: str, status: str) -> None:
    row = db.get(Workspace, uuid.UUID(workspace_id))
    row.status = status
    db.add(row)
    db.commit()
