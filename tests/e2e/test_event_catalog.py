"""The event catalog page: each type with its categories, data types and example payload; at a
phone's width nothing scrolls sideways, and it reads in dark mode."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal import routes
from tests.e2e.every_page import PHONE, overflow
from tests.e2e.helpers import open_page

pytestmark = pytest.mark.e2e


def test_the_catalog_shows_each_type_with_its_example(page: Page, signed_in, shot) -> None:
    signed_in(to=routes.DEVELOPER_EVENTS)
    expect(page.get_by_role("heading", name="Event catalog")).to_be_visible()
    frozen = page.locator(".pt-event-type").filter(has=page.locator("#event-workspace-frozen"))
    expect(frozen).to_contain_text("The workspace was frozen")
    expect(frozen).to_contain_text("workspace_profile")
    example = frozen.get_by_label("Example payload of workspace.frozen")
    expect(example).to_contain_text('"type": "workspace.frozen"')
    expect(example).to_contain_text('"status": "frozen"')
    session = page.locator(".pt-event-type").filter(has=page.locator("#event-session-created"))
    expect(session).to_contain_text("Sign-ins")  # the webhook endpoint category it goes to
    deleted = page.locator("#category-apps .pt-event-type").filter(
        has=page.locator("#event-app-deleted")
    )
    expect(deleted).to_contain_text("for installed developer apps only")
    expect(deleted.get_by_label("Example payload of app.deleted")).to_contain_text('"slug"')
    for anchor in (
        "#event-app-created",
        "#event-workspace-offboarded",
        "#event-workspace-restored",
    ):
        expect(page.locator(anchor)).to_be_visible()
    totp = page.locator("#category-end_users .pt-event-type").filter(
        has=page.locator("#event-end_user-totp_enrolled")
    )
    expect(totp).to_contain_text("End users")
    shot("event-catalog")
    page.get_by_role("button", name="Toggle dark mode").click()
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    page.set_viewport_size(PHONE)
    open_page(page, routes.DEVELOPER_EVENTS, reload=True)
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    expect(example).to_be_visible()
    assert overflow(page, routes.DEVELOPER_EVENTS) is None
    # The example's box is dark in dark mode (its colours come from the theme).
    background = example.evaluate("el => getComputedStyle(el).backgroundColor")
    red, green, blue = (int(v) for v in re.findall(r"\d+", background)[:3])
    assert red + green + blue < 3 * 96, background
    shot("event-catalog-phone-dark")
