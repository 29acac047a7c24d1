"""What a person does in the browser, as small steps the tests share."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def ready(page: Page) -> None:
    """Wait until the page's guard has run and the page is live."""
    page.wait_for_selector("[data-hydrated='true']", state="attached", timeout=30_000)


def settle(page: Page) -> None:
    """Wait for what loads after the guard (chained events, lists): the network quiet for
    half a second (the websocket stays open), and a moment for React to draw it."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def open_page(page: Page, path: str) -> None:
    page.goto(path)
    ready(page)


def mailed_code(page: Page, email: str) -> str:
    """The sign-up code mailed to `email`, read in the dev outbox in another tab."""
    outbox = page.context.new_page()
    try:
        open_page(outbox, "/dev/outbox")
        mail = outbox.locator(".outbox-mail").filter(has_text=email).filter(has_text="sign-up code")
        expect(mail).to_have_count(1)
        return re.search(r"sign-up code: (\d{6})", mail.inner_text()).group(1)
    finally:
        outbox.close()


def sign_up(
    page: Page,
    *,
    email: str,
    name: str = "Sam Tester",
    password: str = PASSWORD,
    path: str = "/sign-up",
) -> None:
    """Sign up through the form and the code mailed to the dev outbox: signed in after."""
    open_page(page, path)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.get_by_label("Code from the email").fill(mailed_code(page, email))
    page.get_by_role("button", name="Finish signing up").click()
    expect(page.get_by_role("heading", name="Check your email")).to_have_count(0)


def sign_in(page: Page, *, email: str, password: str = PASSWORD, path: str = "/sign-in") -> None:
    open_page(page, path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    """Sign out from the user menu and wait for the sign-in page (the cookie is gone then)."""
    page.locator("#user-menu").click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in"))
    ready(page)
