"""/auth/session and /auth/sign-out: the only places the session cookie is set and cleared,
HttpOnly, and only for a form posted by a page of Portal's own origin."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from reflex.config import get_config

from portal.api.browser_session import SessionCookieHashing, hash_session_cookie
from portal.domain.errors import Unauthenticated
from portal.services import auth, sessions
from portal.services.tokens import token_hash
from tests.api_app import shared_api
from tests.factories import CLIENT, PASSWORD, make_user, sign_in

OWN = "http://localhost:3000"  # PORTAL_PUBLIC_URL's default, Portal's origin in tests
FOREIGN = "http://localhost:4444"  # another port of the same host: same site, other origin


@pytest.fixture
def client() -> TestClient:
    assert OWN in get_config().cors_allowed_origins
    assert FOREIGN not in get_config().cors_allowed_origins
    return TestClient(shared_api(), base_url=OWN)


@pytest.fixture
def handoff(db):
    user = make_user(db)
    signed_in = auth.sign_in(
        session=db, email=user.email, password=PASSWORD, client=CLIENT, handoff=True
    )
    db.commit()
    return signed_in.token


def _post_session(client, handoff, origin=OWN, next_path="/settings"):
    return client.post(
        "/auth/session",
        data={"handoff": handoff, "next": next_path},
        headers={"Origin": origin} if origin else {},
        follow_redirects=False,
    )


def test_the_handoff_becomes_an_httponly_strict_cookie_and_the_browser_goes_on(client, handoff, db):
    response = _post_session(client, handoff)

    assert response.status_code == 303
    assert response.headers["location"] == OWN + "/settings"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("portal_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie
    token = response.cookies["portal_session"]
    assert token != handoff
    assert sessions.resolve_actor(session=db, token=token)


@pytest.mark.parametrize("origin", [FOREIGN, "null", "https://evil.example", None])
def test_another_origin_cannot_sign_a_browser_in(client, handoff, db, origin):
    response = _post_session(client, handoff, origin=origin)
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    # Untouched: the browser it belongs to can still redeem it.
    assert _post_session(client, handoff).status_code == 303


def test_a_used_or_forged_handoff_sends_to_sign_in_and_sets_nothing(client, handoff):
    assert _post_session(client, handoff).status_code == 303
    for value in (handoff, "forged"):
        response = _post_session(client, value)
        assert response.status_code == 303
        assert response.headers["location"] == OWN + "/sign-in?next=%2Fsettings&reason=expired"
        assert "set-cookie" not in response.headers


def test_an_unsafe_next_lands_on_the_dashboard(client, handoff):
    response = _post_session(client, handoff, next_path="//evil.example/")
    assert response.headers["location"] == OWN + "/"


def test_signing_in_ends_the_session_the_browser_held(client, handoff, db):
    old, _ = sign_in(db, make_user(db))
    db.commit()
    client.cookies.set("portal_session", old)
    assert _post_session(client, handoff).status_code == 303
    with pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=db, token=old)


def test_sign_out_ends_the_session_and_clears_the_cookie(client, db):
    token, _ = sign_in(db, make_user(db))
    db.commit()
    client.cookies.set("portal_session", token)

    refused = client.post("/auth/sign-out", headers={"Origin": FOREIGN}, follow_redirects=False)
    assert refused.status_code == 403
    assert sessions.resolve_actor(session=db, token=token)

    response = client.post("/auth/sign-out", headers={"Origin": OWN}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == OWN + "/sign-in"
    cleared = response.headers["set-cookie"]
    assert cleared.startswith('portal_session="";') or cleared.startswith("portal_session=;")
    assert "Max-Age=0" in cleared
    db.expire_all()
    with pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=db, token=token)


def test_the_handshake_cookie_reaches_reflex_as_its_hash_only():
    assert hash_session_cookie(b"theme=dark; portal_session=tok-1; lang=en") == (
        f"theme=dark; portal_session_sha256={token_hash('tok-1')}; lang=en".encode()
    )
    # A hash sent by the client is dropped, never trusted; no cookie, no hash.
    assert hash_session_cookie(b"portal_session_sha256=forged; a=1") == b"a=1"
    assert hash_session_cookie(b"a=1; portal_session=") == b"a=1"


def _seen_by_app(path: str, kind: str = "websocket") -> list:
    seen = []

    async def app(scope, receive, send):
        seen.append(dict(scope["headers"]))

    scope = {
        "type": kind,
        "path": path,
        "headers": [(b"origin", OWN.encode()), (b"cookie", b"portal_session=tok-2")],
    }
    asyncio.run(SessionCookieHashing(app)(scope, None, None))
    return seen[0]


def test_only_the_event_websocket_gets_the_hash():
    assert _seen_by_app("/_event/")[b"cookie"] == (
        f"portal_session_sha256={token_hash('tok-2')}".encode()
    )
    assert _seen_by_app("/_event/", kind="http")[b"cookie"].startswith(b"portal_session_sha256=")
    for path in ("/auth/session", "/downloads/exports/1", "/v1/workspaces"):
        assert _seen_by_app(path, kind="http")[b"cookie"] == b"portal_session=tok-2"
