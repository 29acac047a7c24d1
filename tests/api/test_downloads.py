"""Export archives download with the browser's session cookie, for administrators only."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from fastapi.testclient import TestClient

from portal.services import exports
from tests.api_app import shared_api
from tests.conftest import from_snapshot
from tests.factories import account_of, actor_for, create_workspace, grant, make_user, sign_in
from tests.services.processes_support import Clock, run_all, use_data_dir


@pytest.fixture
def exported(db, monkeypatch, tmp_path):
    use_data_dir(monkeypatch, tmp_path)
    return from_snapshot(db, "downloads-exported", lambda: _exported(db))


def _exported(db):
    """A finished export of the owner's workspace (the archive in the data directory), and
    the session tokens of the owner, a reader and a stranger."""
    owner = make_user(db, email="owner@example.com")
    actor = actor_for(db, owner)
    workspace = create_workspace(db, actor, account_of(db, owner.id), name="Archive Me")
    process_id = exports.start_export(session=db, actor=actor, workspace_id=str(workspace.id))
    reader = make_user(db, email="reader@example.com")
    grant(db, reader.id, workspace_id=workspace.id, permission="read")
    stranger = make_user(db, email="stranger@example.com")
    tokens = {
        "owner": sign_in(db, owner)[0],
        "reader": sign_in(db, reader)[0],
        "stranger": sign_in(db, stranger)[0],
    }
    db.commit()
    run_all(Clock())
    return process_id, tokens


def _get(process_id: int, cookie: str | None):
    client = TestClient(shared_api())
    if cookie:
        client.cookies.set("portal_session", cookie)
    return client.get(f"/downloads/exports/{process_id}")


def test_the_administrator_downloads_the_archive(exported):
    process_id, tokens = exported
    response = _get(process_id, tokens["owner"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["schema_version"] == 1
    assert manifest["counts"]["environments"] == 3


@pytest.mark.parametrize(("who", "status"), [("reader", 403), ("stranger", 404), (None, 401)])
def test_anyone_else_gets_no_archive(exported, who, status):
    process_id, tokens = exported
    response = _get(process_id, tokens[who] if who else None)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert b"PK" not in response.content[:2]


def test_an_unknown_export_is_not_found(exported):
    _, tokens = exported
    assert _get(999_999, tokens["owner"]).status_code == 404
