"""The Files page's downloads (routes.file_download_url): the session cookie, read on the
workspace (frozen too), any version; anyone else gets 404, no cookie 401."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from portal import routes
from portal.services import files, workspaces
from tests.api_app import shared_api
from tests.factories import account_of, actor_for, create_workspace, grant, make_user, sign_in


@pytest.fixture
def stored(db):
    owner = make_user(db, email="owner@example.com", account_name="Owner Co")
    actor = actor_for(db, owner)
    ws = str(create_workspace(db, actor, account_of(db, owner.id), name="Docs").id)
    for content in (b"first", b"second"):
        files.upload_file(
            session=db, actor=actor, workspace_id=ws, path="reports/q 1.txt", chunks=[content]
        )
    reader = make_user(db, email="reader@example.com")
    grant(db, reader.id, workspace_id=ws, permission="read")
    stranger = make_user(db, email="stranger@example.com", account_name="Stranger Co")
    tokens = {name: sign_in(db, user)[0] for name, user in (("owner", owner), ("reader", reader))}
    tokens["stranger"] = sign_in(db, stranger)[0]
    db.commit()
    return ws, actor, tokens


def _get(url: str, cookie: str | None):
    client = TestClient(shared_api())
    if cookie:
        client.cookies.set("portal_session", cookie)
    return client.get(url)


def test_a_reader_downloads_the_current_and_an_earlier_version(stored):
    ws, _, tokens = stored
    url = routes.file_download_url(ws, "reports/q 1.txt")
    assert url.endswith("/reports/q%201.txt")
    response = _get(url, tokens["reader"])
    assert response.status_code == 200 and response.content == b"second"
    assert response.headers["content-disposition"].startswith('attachment; filename="q 1.txt"')
    assert response.headers["x-content-type-options"] == "nosniff"
    # Nothing in it loads, yet a browser may save it (Chromium refuses a sandboxed one).
    assert response.headers["content-security-policy"] == "default-src 'none'"
    earlier = _get(routes.file_download_url(ws, "reports/q 1.txt", version=1), tokens["owner"])
    assert earlier.status_code == 200 and earlier.content == b"first"


def test_a_frozen_workspace_still_downloads(db, stored):
    ws, actor, tokens = stored
    workspaces.freeze(session=db, actor=actor, workspace_id=ws)
    db.commit()
    assert _get(routes.file_download_url(ws, "reports/q 1.txt"), tokens["owner"]).content == (
        b"second"
    )


@pytest.mark.parametrize(("who", "status"), [("stranger", 404), (None, 401)])
def test_anyone_else_gets_nothing(stored, who, status):
    ws, _, tokens = stored
    response = _get(routes.file_download_url(ws, "reports/q 1.txt"), tokens[who] if who else None)
    assert response.status_code == status
    assert b"second" not in response.content


def test_an_unknown_path_or_version_is_not_found(stored):
    ws, _, tokens = stored
    assert _get(routes.file_download_url(ws, "nope.txt"), tokens["owner"]).status_code == 404
    missing = routes.file_download_url(ws, "reports/q 1.txt", version=9)
    assert _get(missing, tokens["owner"]).status_code == 404
