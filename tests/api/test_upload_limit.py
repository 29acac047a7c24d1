"""Reflex's upload endpoint takes no body larger than an icon (and its framing): refused with
413 before the app reads it, declared or not; a handler allowed more (the Files page's upload)
takes its own bound and no more; other paths are untouched."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from portal.api import upload_limit
from portal.api.upload_limit import UPLOAD_MAX_BYTES, UploadLimit


async def _echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


def _client() -> TestClient:
    app = Starlette(
        routes=[
            Route("/_upload", _echo, methods=["POST"]),
            Route("/other", _echo, methods=["POST"]),
        ]
    )
    return TestClient(UploadLimit(app))


def test_an_upload_within_the_limit_reaches_the_app():
    response = _client().post("/_upload", content=b"x" * UPLOAD_MAX_BYTES)
    assert (response.status_code, response.text) == (200, str(UPLOAD_MAX_BYTES))


def test_a_larger_upload_is_refused_whether_declared_or_streamed():
    client = _client()
    assert client.post("/_upload", content=b"x" * (UPLOAD_MAX_BYTES + 1)).status_code == 413

    def chunks():
        for _ in range(UPLOAD_MAX_BYTES // 65536 + 2):
            yield b"x" * 65536

    assert client.post("/_upload", content=chunks()).status_code == 413


def test_other_paths_are_not_limited():
    response = _client().post("/other", content=b"x" * (UPLOAD_MAX_BYTES + 10))
    assert response.status_code == 200


LARGER = "reflex___state____state.files_state.upload"


@pytest.fixture
def allowed(monkeypatch):
    monkeypatch.setattr(upload_limit, "_ALLOWED", {})
    upload_limit.allow(LARGER, lambda: 3 * UPLOAD_MAX_BYTES)


def test_an_allowed_handler_takes_its_own_bound_and_no_more(allowed):
    client = _client()
    within = b"x" * (3 * UPLOAD_MAX_BYTES)
    response = client.post("/_upload", content=within, headers={"Reflex-Event-Handler": LARGER})
    assert (response.status_code, response.text) == (200, str(len(within)))
    over = within + b"x"
    assert (
        client.post("/_upload", content=over, headers={"Reflex-Event-Handler": LARGER}).status_code
        == 413
    )


def test_any_other_handler_keeps_the_icon_bound(allowed):
    # Naming an icon handler, or a made-up one, gives no more room than the icon's.
    for handler in ("reflex___state____state.icon_state.upload_icon", LARGER + "x", ""):
        response = _client().post(
            "/_upload",
            content=b"x" * (UPLOAD_MAX_BYTES + 1),
            headers={"Reflex-Event-Handler": handler},
        )
        assert response.status_code == 413, handler
