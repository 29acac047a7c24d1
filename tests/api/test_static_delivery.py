"""The built frontend's delivery (portal/api/static_delivery.py): hashed assets cached for
good, and a page served at its own address instead of a redirect to it plus a slash."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from portal.api.static_delivery import IMMUTABLE, StaticDelivery


@pytest.fixture
def client(tmp_path):
    """A build laid out as Reflex's: /assets, a page that is also a directory, one that is
    not; an API route beside it; the whole app wrapped as portal.py wraps it."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "entry.client-ztWJY0Jw.js").write_text("console.log(1)")
    (tmp_path / "workspaces").mkdir()
    (tmp_path / "workspaces" / "index.html").write_text("<p>the workspaces page</p>")
    (tmp_path / "logo.svg").write_text("<svg/>")
    inner = Starlette(
        routes=[
            Route("/v1/things", lambda request: JSONResponse({"ok": True}), methods=["GET"]),
            Mount("/", app=StaticFiles(directory=tmp_path, html=True)),
        ]
    )
    return StaticDelivery(inner)


def _get(app, path: str) -> httpx.Response:
    async def go():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as c:
            return await c.get(path)

    return asyncio.run(go())


def test_hashed_assets_are_cached_for_good(client):
    response = _get(client, "/assets/entry.client-ztWJY0Jw.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE


def test_other_files_keep_revalidating(client):
    # Not under /assets: their names do not change with their content.
    response = _get(client, "/logo.svg")
    assert response.status_code == 200
    assert "cache-control" not in response.headers


def test_a_page_that_is_a_directory_is_served_at_its_own_address(client):
    response = _get(client, "/workspaces")
    assert response.status_code == 200, response.headers
    assert response.text == "<p>the workspaces page</p>"
    assert _get(client, "/workspaces/").text == "<p>the workspaces page</p>"


def test_everything_else_is_answered_as_before(client):
    assert _get(client, "/v1/things").json() == {"ok": True}
    assert _get(client, "/missing").status_code == 404
    assert _get(client, "/assets/missing.js").status_code == 404
