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
    page.wait_for_selector("[data-hydrated='true']", timeout=30_000)


def open_page(page: Page, path: str) -> None:
    page.goto(path)
    ready(page)


def sign_up(page: Page, *, email: str, name: str = "Sam Tester", password: str = PASSWORD) -> None:
    open_page(page, "/sign-up")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?reason=signed_up"))


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
