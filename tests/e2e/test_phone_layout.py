"""Phones: dialogs fit at 390 px and the sidebar folds into a menu. (Every page at 390 px:
test_every_page.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.every_page import OVERFLOW, PHONE, make_world
from tests.e2e.helpers import open_page, ready, settle

pytestmark = pytest.mark.e2e


def test_the_sidebar_folds_into_a_drawer_on_a_phone(page: Page, server) -> None:
    world = make_world(server)
    page.set_viewport_size(PHONE)
    server.sign_in(page, world.email)
    nav = page.get_by_role("navigation", name="Main", exact=True)
    expect(nav).to_be_hidden()
    # The drawer: the same links, the current page marked, pinned to the left at full height.
    page.get_by_role("button", name="Open navigation").click()
    drawer = page.get_by_role("dialog", name="Portal")
    expect(drawer.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    page.wait_for_timeout(300)  # the open animation
    box = drawer.bounding_box()
    assert box is not None
    assert box["x"] == 0 and box["width"] <= PHONE["width"] * 0.9, box
    assert box["height"] >= PHONE["height"] - 1, box
    save_screenshot(page, "nav-drawer-390", full_page=False)
    # Escape closes it; a link navigates and closes it.
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    page.get_by_role("button", name="Open navigation").click()
    drawer.get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings$"))
    expect(drawer).to_be_hidden()
    ready(page)
    page.set_viewport_size({"width": 1440, "height": 900})
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name="Open navigation")).to_be_hidden()


def _fits(page: Page, dialog) -> None:
    expect(dialog).to_be_visible()
    page.wait_for_timeout(300)  # the open animation
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert page.evaluate(OVERFLOW)["scroll"] <= PHONE["width"]


def _fits_then_cancel(page: Page, role: str, name: str) -> None:
    """The open dialog fits the phone (saved as dialog-NAME-390.png); Cancel closes it."""
    dialog = page.get_by_role(role)
    _fits(page, dialog)
    save_screenshot(page, f"dialog-{name}-390", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()


def test_dialogs_fit_a_phone(page: Page, server) -> None:
    world = make_world(server)
    page.set_viewport_size(PHONE)
    server.sign_in(page, world.email, to="/workspaces")
    page.get_by_role("button", name="Create workspace").click()
    _fits_then_cancel(page, "dialog", "create-workspace")

    open_page(page, f"/workspaces/{world.workspace_id}")
    settle(page)
    for action in ("Offboard", "Freeze"):
        page.locator("#workspace-actions").click()
        page.get_by_role("menuitem", name=action).click()
        _fits_then_cancel(page, "alertdialog", action.lower())

    open_page(page, "/settings")
    settle(page)
    page.locator(".token-row").get_by_role("button", name="Revoke").click()
    _fits_then_cancel(page, "alertdialog", "revoke-token")
