"""What a newcomer meets (issue 8): mailed links, the not-found page, sign-up that signs in,
renaming an account, and the small things."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from portal.models import User
from portal.services import accounts
from tests.e2e.helpers import PASSWORD, open_page, ready, sign_in, unique_email
from tests.factories import account_of, actor_for, make_workspace

pytestmark = pytest.mark.e2e


def test_an_unknown_path_shows_portals_not_found_page_with_a_way_home(
    page: Page, signed_in, shot
) -> None:
    # What the old welcome mail linked to: "/sign-in." (the period taken into the link).
    open_page(page, "/sign-in.")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text("404: Page not found")).to_have_count(0)
    expect(page).to_have_title(re.compile("Page not found"))
    shot("not-found-signed-out")
    page.get_by_role("link", name="Go to sign in").click()
    expect(page).to_have_url(re.compile(r"/sign-in/?$"))

    signed_in(to="/workspaces-typo/deeper")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("link", name="Go to your dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_sign_up_with_a_taken_email_shows_the_same_next_step(page: Page, server, shot) -> None:
    """The code step looks the same for a taken email (its owner is mailed instead), and no
    code signs anyone in."""
    taken = server.person(name="Tara Taken")
    open_page(page, "/sign-up")
    expect(page.get_by_label("Your name")).to_be_focused()
    page.get_by_label("Your name").fill("Mallory")
    page.get_by_label("Email").fill(taken)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text(taken)).to_be_visible()
    shot("sign-up-code")
    page.get_by_label("Code from the email").fill("123456")
    page.get_by_role("button", name="Finish signing up").click()
    expect(page.locator("#code-error")).to_contain_text("That code is not right")
    open_page(page, "/settings")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))


def test_sign_up_from_an_invitation_comes_back_to_it_signed_in(
    page: Page, browser: Browser, base_url, server, shot
) -> None:
    owner = server.person(name="Olga Owner", account_name="Acme Inc.")
    invitee = unique_email("invited")
    with server.db() as session:
        owner_user = session.exec(select(User).where(User.email == owner)).one()
        created = accounts.invite(
            session=session,
            actor=actor_for(session, owner_user),
            account_id=account_of(session, owner_user.id),
            email=invitee,
            permission="read",
        )
        link = "/invitations/" + created.link.rsplit("/", 1)[-1]

    open_page(page, link)
    expect(page.get_by_role("heading", name=re.compile("You're invited to"))).to_be_visible()
    # No button inside a link: "Sign in" is one link, styled as a button.
    assert page.locator("a button, button a").count() == 0
    shot("invitation-signed-out")
    page.get_by_label("Your name").fill("Ivo Invited")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up and continue").click()
    expect(page).to_have_url(re.compile(r"/invitations/[\w-]+$"))
    expect(page.get_by_text(f"Signed in as {invitee}")).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    # "Acme Inc." ends in a period already: the welcome does not add a second one.
    expect(page.get_by_text("Welcome to Acme Inc.", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/\d+$"))
    # Joined, with no account of their own made on the way.
    open_page(page, "/accounts")
    expect(page.locator(".account-row")).to_have_count(1)
    expect(page.locator(".account-row")).to_contain_text("Acme Inc.")


def test_an_administrator_renames_the_account(page: Page, signed_in, shot) -> None:
    signed_in(name="Rita Renamer", to="/accounts")
    page.locator(".account-row").first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/\d+$"))
    ready(page)
    page.get_by_role("button", name="Rename", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Name")).to_have_value("Rita Renamer's account")
    shot("account-rename")
    dialog.get_by_label("Name").fill("Acme Inc.")
    dialog.get_by_role("button", name="Rename account").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", name="Acme Inc.", exact=True)).to_be_visible()
    expect(page.get_by_text("Account renamed to Acme Inc.")).to_be_visible()
    expect(page.locator(".activity-row").filter(has_text="renamed")).to_have_count(1)
    open_page(page, "/accounts")
    expect(page.locator(".account-row")).to_contain_text("Acme Inc.")


def test_the_sidebar_highlights_what_the_page_belongs_to_and_runs_the_full_height(
    page: Page, server, signed_in, shot
) -> None:
    email = signed_in(name="Nav Tester")
    with server.db() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        workspace_id = str(make_workspace(session, account_of(session, user.id), "Navigated").id)
    nav = page.get_by_role("navigation", name="Main")

    open_page(page, f"/workspaces/{workspace_id}/process-log")
    expect(nav.get_by_role("link", name="Process Log")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Workspaces")).to_have_attribute("aria-current", "false")
    open_page(page, f"/workspaces/{workspace_id}")
    expect(nav.get_by_role("link", name="Workspaces")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Process Log")).to_have_attribute("aria-current", "false")

    # A page longer than the window: the sidebar's background reaches its end.
    page.set_viewport_size({"width": 1440, "height": 420})
    open_page(page, "/settings")
    painted, full = page.evaluate(
        """() => {
            let el = document.querySelector('[aria-label="Main"]');
            while (el && getComputedStyle(el).backgroundColor === 'rgba(0, 0, 0, 0)') {
                el = el.parentElement;
            }
            return [el.getBoundingClientRect().height, document.documentElement.scrollHeight];
        }"""
    )
    assert full > 420 * 2, full  # the page really is long
    assert painted >= full, (painted, full)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    # The links stay in the window while the page scrolls; in a window shorter than they
    # are, the sidebar scrolls on its own to the last of them.
    settings = nav.get_by_role("link", name="Settings")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_in_viewport()
    settings.scroll_into_view_if_needed()
    expect(settings).to_be_in_viewport()
    assert page.evaluate("() => window.scrollY") > 0  # the page itself stayed scrolled down


def test_pages_load_without_a_redirect_and_their_scripts_from_cache(server) -> None:
    """A page with sub-pages answers at its own address (no 307 to a trailing slash), and
    its hashed scripts are cached for good: a returning browser asks the server for neither."""
    page_response = httpx.get(f"{server.url}/workspaces", timeout=10)
    assert page_response.status_code == 200
    scripts = re.findall(r'/assets/[^"]+\.js', page_response.text)
    assert scripts
    asset = httpx.get(f"{server.url}{scripts[0]}", timeout=10)
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_favicon_and_logo_come_from_assets(page: Page, server, signed_in) -> None:
    ico = httpx.get(f"{server.url}/favicon.ico", timeout=10)
    assert ico.status_code == 200
    assert ico.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    svg = httpx.get(f"{server.url}/favicon.svg", timeout=10)
    assert svg.status_code == 200 and "<svg" in svg.text
    signed_in()
    expect(page.locator("head link[rel=icon][href='/favicon.svg']")).to_have_count(1)
    logo = page.get_by_role("navigation", name="Main").locator("img.logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")


def test_a_garbled_reset_link_says_so_on_load(page: Page) -> None:
    open_page(page, "/reset-password?token=not-a-real-token")
    expect(page.get_by_role("alert")).to_contain_text("This reset link has expired")
    expect(page.get_by_label("New password", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Request a new link")).to_be_visible()


def test_sessions_name_the_browser(page: Page, server) -> None:
    email = server.person(name="Uma Agent")
    open_page(page, "/sign-in")
    expect(page.get_by_label("Email")).to_be_focused()  # type straight away
    sign_in(page, email=email)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    open_page(page, "/settings")
    expect(page.locator(".session-browser").first).to_have_text(re.compile(r"Chrome on Linux$"))
    expect(page.get_by_text("Mozilla/5.0")).to_have_count(0)
