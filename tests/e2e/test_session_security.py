"""The session cookie page scripts cannot read, and what another origin can do with it.

- Signing in through the form leaves an HttpOnly cookie that `document.cookie` does not show;
  the websocket handshake carries it, so every page works; signing out clears it.
- CORS: the backend grants CORS only to Portal's own origin. A page on another port of the
  same host (same site, so the SameSite=Strict cookie goes along) can neither read a
  credentialed response (an export download) nor open the event websocket.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import open_page, ready, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.stores]


def _foreign_origin(server) -> str:
    """Another port on Portal's host: another origin, the same site."""
    parts = urlsplit(server.url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port + 1 if parts.port < 65535 else 1}"


def _session_cookie(page: Page) -> dict:
    [cookie] = [c for c in page.context.cookies() if c["name"] == "portal_session"]
    return cookie


def test_the_form_sign_in_leaves_a_cookie_page_scripts_cannot_read(page: Page, server) -> None:
    email = server.person(name="Hana Httponly")
    sign_in(page, email=email)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    cookie = _session_cookie(page)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert "portal_session" not in page.evaluate("document.cookie")
    # The websocket carries it: handlers act as this person (the settings page loads them).
    open_page(page, "/settings")
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()
    expect(page.locator("#profile-email")).to_have_text(email)

    page.locator("#user-menu").click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in/?$"))
    ready(page)
    assert [c for c in page.context.cookies() if c["name"] == "portal_session"] == []
    open_page(page, "/settings")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fsettings"))


def test_a_script_cannot_set_a_session_cookie(page: Page, signed_in) -> None:
    """A forged cookie written by page script (what rx.Cookie did) is not a session, and it
    cannot replace the HttpOnly one."""
    signed_in()
    before = _session_cookie(page)["value"]
    page.evaluate("document.cookie = 'portal_session=forged; path=/'")
    assert _session_cookie(page)["value"] == before  # the browser refuses to overwrite it
    open_page(page, "/settings")
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/v1/health", {}),
        ("OPTIONS", "/v1/workspaces", {"Access-Control-Request-Method": "POST"}),
        ("GET", "/downloads/exports/1", {}),
        ("OPTIONS", "/auth/session", {"Access-Control-Request-Method": "POST"}),
        ("OPTIONS", "/_upload", {"Access-Control-Request-Method": "POST"}),
        ("GET", "/ping", {}),
    ],
)
def test_cors_is_granted_to_portals_origin_only(server, method, path, headers) -> None:
    foreign = httpx.request(
        method, server.url + path, headers={"Origin": _foreign_origin(server), **headers}
    )
    assert "access-control-allow-origin" not in foreign.headers, (path, foreign.headers)

    own = httpx.request(method, server.url + path, headers={"Origin": server.url, **headers})
    assert own.headers.get("access-control-allow-origin") == server.url, (path, own.headers)


_PROBE = """async ([portal, wsUrl]) => {
    const result = {};
    try {
        const r = await fetch(portal + "/downloads/exports/1", {credentials: "include"});
        result.fetch = "read " + r.status;
    } catch (e) {
        result.fetch = "blocked";
    }
    result.websocket = await new Promise((resolve) => {
        const ws = new WebSocket(wsUrl);
        const timer = setTimeout(() => resolve("no answer"), 10000);
        ws.onmessage = (m) => {
            clearTimeout(timer); ws.close(); resolve("open " + m.data.slice(0, 1));
        };
        ws.onerror = () => { clearTimeout(timer); resolve("refused"); };
    });
    return result;
}"""


def test_another_origin_on_the_same_host_gets_nothing_with_the_cookie(
    page: Page, server, signed_in
) -> None:
    signed_in()
    ws_url = server.url.replace("http", "ws", 1) + "/_event/?EIO=4&transport=websocket"
    # Portal's own page: the websocket opens (Engine.IO's open packet, "0").
    own = page.evaluate(_PROBE, [server.url, ws_url])
    assert own == {"fetch": "read 404", "websocket": "open 0"}

    # A page of another origin on the same host, in the same signed-in browser.
    foreign = _foreign_origin(server)
    page.route(
        foreign + "/",
        lambda route: route.fulfill(content_type="text/html", body="<title>elsewhere</title>"),
    )
    page.goto(foreign + "/")
    result = page.evaluate(_PROBE, [server.url, ws_url])
    assert result == {"fetch": "blocked", "websocket": "refused"}, json.dumps(result)
