"""Phones: dialogs fit at 390 px and the sidebar folds into a menu. (Every page at 390 px:
test_every_page.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.every_page import OVERFLOW, PHONE, make_world
from tests.e2e.helpers import open_page, ready

pytestmark = pytest.mark.e2e


def _settle(page: Page) -> None:
    """Lists load after the guard: wait for the network to go quiet (the websocket stays)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def test_the_sidebar_folds_into_a_menu_on_a_phone(page: Page, server) -> None:
    world = make_world(server)
    page.set_viewport_size(PHONE)
    server.sign_in(page, world.email)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="Open navigation").click()
    page.get_by_role("menuitem", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings$"))
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


def test_dialogs_fit_a_phone(page: Page, server) -> None:
    world = make_world(server)
    page.set_viewport_size(PHONE)
    server.sign_in(page, world.email)
    open_page(page, "/workspaces")
    page.get_by_role("button", name="Create workspace").click()
    dialog = page.get_by_role("dialog")
    _fits(page, dialog)
    save_screenshot(page, "dialog-create-workspace-390", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()

    open_page(page, f"/workspaces/{world.workspace_id}")
    _settle(page)
    page.locator("#workspace-actions").click()
    page.get_by_role("menuitem", name="Offboard").click()
    dialog = page.get_by_role("alertdialog")
    _fits(page, dialog)
    save_screenshot(page, "dialog-offboard-390", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()

    page.locator("#workspace-actions").click()
    page.get_by_role("menuitem", name="Freeze").click()
    dialog = page.get_by_role("alertdialog")
    _fits(page, dialog)
    save_screenshot(page, "dialog-freeze-390", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()

    open_page(page, "/settings")
    _settle(page)
    page.locator(".token-row").get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("alertdialog")
    _fits(page, dialog)
    save_screenshot(page, "dialog-revoke-token-390", full_page=False)
