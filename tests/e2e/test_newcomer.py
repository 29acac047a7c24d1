"""What a newcomer meets (issue 8): mailed links, the not-found page, sign-up that signs in,
renaming an account, and the small things."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import open_page

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

    signed_in()
    open_page(page, "/workspaces-typo/deeper")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("link", name="Go to your dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
