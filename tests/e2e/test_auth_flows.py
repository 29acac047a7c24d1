"""Sign up, sign in, the shell, sign out; guards; the throttle; expiry; reset by email."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.services import throttle
from tests.e2e.helpers import (
    PASSWORD,
    open_page,
    ready,
    sign_in,
    sign_up,
    unique_email,
)

pytestmark = pytest.mark.e2e


def test_sign_up_sign_in_shell_sign_out(page: Page, shot) -> None:
    email = unique_email("newcomer")
    open_page(page, "/sign-up")
    shot("sign-up")
    # Signed in by the code from the mail, straight onto the dashboard.
    sign_up(page, email=email, name="Nora Newcomer")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # The shell: sidebar sections, the picker's empty state, the app slot, the user menu.
    nav = page.get_by_role("navigation", name="Main")
    for label in ("Dashboard", "Workspaces", "Apps", "Developer portal", "Settings"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    expect(nav.get_by_text("OVERVIEW")).to_be_visible()
    expect(page.locator("#workspace-picker")).to_have_text(re.compile("No workspaces"))
    expect(page.locator("#app-switcher")).to_have_text("No app open")
    # The dashboard says what to do first: there is no workspace to triage yet.
    expect(page.get_by_text("No workspace yet")).to_be_visible()
    expect(page.get_by_role("link", name="Create a workspace")).to_be_visible()
    shot("dashboard-new-user")

    page.locator("#workspace-picker").click()
    expect(page.get_by_text("No workspaces yet")).to_be_visible()
    expect(page.get_by_role("link", name="Go to Workspaces")).to_be_visible()
    shot("workspace-picker-empty")
    page.keyboard.press("Escape")

    page.locator("#user-menu").click()
    expect(page.get_by_text(email)).to_be_visible()
    page.get_by_role("menuitem", name="Sign out").click()
    # A full page load through /auth/sign-out (which clears the HttpOnly cookie); the
    # production server answers /sign-in at /sign-in/.
    expect(page).to_have_url(re.compile(r"/sign-in/?$"))
    ready(page)
    # Signed out on the server too: a guarded page sends us back to sign in.
    open_page(page, "/settings")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fsettings"))


def test_guarded_page_redirects_when_signed_out(page: Page, server, shot) -> None:
    page.goto("/settings")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fsettings"))
    ready(page)
    expect(page.get_by_role("heading", name="Account settings")).to_have_count(0)
    shot("guard-redirect")
    # After signing in, the person lands where they were going.
    email = server.person(unique_email("guarded"))
    page.goto("/sign-in?next=%2Fsettings")
    ready(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()


# The throttle locks a client address out. The browser tests share one server and all come
# from 127.0.0.1, so this one comes "through a proxy" (the test server trusts one hop) from
# an address of its own, and the others can go on signing in meanwhile.
THROTTLED_CLIENT = "198.51.100.23"


def test_wrong_password_then_throttle(page: Page, server, shot) -> None:
    page.set_extra_http_headers({"X-Forwarded-For": THROTTLED_CLIENT})
    email = server.person(unique_email("throttled"))
    # Nine failures already counted (services/test_throttle.py counts them one by one); the
    # tenth is typed here, then the eleventh is refused.
    with server.db() as session:
        for _ in range(9):
            throttle.record(
                session=session, email=email, ip_address=THROTTLED_CLIENT, succeeded=False
            )
    try:
        sign_in(page, email=email, password="wrong password")
        expect(page.get_by_role("alert")).to_have_text(re.compile("email and password don't match"))
        # The 11th try is refused even with the right password, and the wait is shown.
        sign_in(page, email=email, password=PASSWORD)
        expect(page.get_by_role("alert")).to_have_text(
            re.compile(r"Too many failed sign-ins\. Try again in 1[45] minutes")
        )
        expect(page).to_have_url(re.compile(r"/sign-in"))
        shot("sign-in-throttled")
        # An unknown email gets the same message as a wrong password: nothing is revealed.
        sign_in(page, email=unique_email("nobody"), password="whatever password")
        expect(page.get_by_role("alert")).to_have_text(re.compile("Too many failed sign-ins"))
        # Every try was counted against that address, not against the server's other clients.
        tried_from = server.sql(
            "SELECT DISTINCT ip_address FROM sign_in_attempts WHERE email = :email", email=email
        )
        assert [row[0] for row in tried_from] == [THROTTLED_CLIENT]
    finally:
        server.sql("DELETE FROM sign_in_attempts WHERE ip_address = :ip", ip=THROTTLED_CLIENT)


def test_expired_session_is_refused(page: Page, server, signed_in, shot) -> None:
    email = signed_in(to="/settings")
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()
    idle = datetime.now(UTC) - timedelta(minutes=31)
    server.sql(
        "UPDATE sessions SET last_seen_at = :idle WHERE user_id = "
        "(SELECT id FROM users WHERE email = :email)",
        idle=idle.replace(tzinfo=None) if server.database_url.startswith("sqlite") else idle,
        email=email,
    )
    page.goto("/settings")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fsettings&reason=expired"))
    expect(page.get_by_text("Your session expired. Sign in again.")).to_be_visible()
    expect(page.get_by_role("heading", name="Account settings")).to_have_count(0)
    shot("session-expired")


def test_password_reset_by_emailed_link(page: Page, server, shot) -> None:
    email = server.person(unique_email("forgetful"))
    open_page(page, "/reset-password")
    shot("reset-request")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_text("we sent it a link")).to_be_visible()
    page.get_by_role("link", name="dev outbox").click()
    ready(page)
    mail = (
        page.locator(".outbox-mail")
        .filter(has_text="Reset your Portal password")
        .filter(has_text=email)
    )
    expect(mail).to_have_count(1)
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 1")
    shot("dev-outbox")
    mail.get_by_role("link", name="Open link").click()
    ready(page)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("Confirm new password").fill("a brand new passphrase")
    page.get_by_role("button", name="Set new password").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?reason=reset"))
    sign_in(page, email=email, password=PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(re.compile("don't match"))
    sign_in(page, email=email, password="a brand new passphrase")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
