"""Phones: every page at 390 px scrolls only up and down, dialogs fit, and each page is saved
at 1440 and 390 px, light and dark (tests/artifacts/page-*.png), to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.every_page import make_world, signed_in_paths, signed_out_paths
from tests.e2e.helpers import open_page, ready

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}

# What sticks out past the right edge, to name in a failure.
_OVERFLOW = """() => {
  const width = window.innerWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      out.push(`${el.tagName.toLowerCase()}.${String(el.className).slice(0, 60)} ` +
               `right=${Math.round(box.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: width, out: out.slice(0, 8)};
}"""

# Controls cut off at the right edge by a card that hides its overflow (the page does not
# scroll, yet the control cannot be read or reached); a table's own scrolling box is fine.
_CUT_OFF = """() => {
  const width = window.innerWidth;
  const scrolls = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const x = getComputedStyle(up).overflowX;
      if ((x === 'auto' || x === 'scroll') && up.scrollWidth > up.clientWidth) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll('input, button, textarea, a, select')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !el.offsetParent || box.right <= width + 1 || scrolls(el)) continue;
    out.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.name || el.id || '')
      .slice(0, 30)}" right=${Math.round(box.right)}`);
  }
  return out.slice(0, 8);
}"""


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:60] or "dashboard"


def _settle(page: Page) -> None:
    """Lists load after the guard: wait for the network to go quiet (the websocket stays)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def _overflow(page: Page, path: str) -> str | None:
    seen = page.evaluate(_OVERFLOW)
    if seen["scroll"] > seen["inner"]:
        return f"{path}: {seen['scroll']} px wide in {seen['inner']} px: {seen['out']}"
    cut = page.evaluate(_CUT_OFF)
    return f"{path}: cut off at the right edge: {cut}" if cut else None


def _shots(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(150)
            page.screenshot(
                path=str(ARTIFACTS / f"page-{name}-{width}-{scheme}.png"), full_page=True
            )
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(PHONE)


def _walk(page: Page, paths: list[str], *, shots: bool) -> list[str]:
    problems = []
    for path in paths:
        open_page(page, path)
        _settle(page)
        problem = _overflow(page, path)
        if problem:
            problems.append(problem)
        if shots:
            _shots(page, _name(path))
    return problems


@pytest.mark.timeout(300, func_only=True)  # every page, and four screenshots of each
def test_no_page_scrolls_sideways_on_a_phone(page: Page, server) -> None:
    world = make_world(server)
    page.set_viewport_size(PHONE)
    problems = _walk(page, signed_out_paths(world), shots=True)
    server.sign_in(page, world.email)
    problems += _walk(page, signed_in_paths(world), shots=True)
    assert not problems, "\n".join(problems)


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
    assert page.evaluate(_OVERFLOW)["scroll"] <= PHONE["width"]


def test_dialogs_fit_a_phone(page: Page, server) -> None:
    world = make_world(server)
    page.set_viewport_size(PHONE)
    server.sign_in(page, world.email)
    open_page(page, "/workspaces")
    page.get_by_role("button", name="Create workspace").click()
    dialog = page.get_by_role("dialog")
    _fits(page, dialog)
    page.screenshot(path=str(ARTIFACTS / "dialog-create-workspace-390.png"))
    dialog.get_by_role("button", name="Cancel").click()

    open_page(page, f"/workspaces/{world.workspace_id}")
    _settle(page)
    page.locator("#workspace-actions").click()
    page.get_by_role("menuitem", name="Offboard").click()
    dialog = page.get_by_role("alertdialog")
    _fits(page, dialog)
    page.screenshot(path=str(ARTIFACTS / "dialog-offboard-390.png"))
    dialog.get_by_role("button", name="Cancel").click()

    page.locator("#workspace-actions").click()
    page.get_by_role("menuitem", name="Freeze").click()
    dialog = page.get_by_role("alertdialog")
    _fits(page, dialog)
    page.screenshot(path=str(ARTIFACTS / "dialog-freeze-390.png"))
    dialog.get_by_role("button", name="Cancel").click()

    open_page(page, "/settings")
    _settle(page)
    page.locator(".token-row").get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("alertdialog")
    _fits(page, dialog)
    page.screenshot(path=str(ARTIFACTS / "dialog-revoke-token-390.png"))
