"""Every page, signed out and signed in, in two walks (one load each page):

- axe-core (bundled with axe-playwright-python, so it runs offline) at 1440 px, light and
  dark: no critical and no serious violations; the moderate ones are counted and printed
  (run with -s to see them). In dark only the colour rules run again: the others read the
  same document.
- at 390 px the page scrolls only up and down, and no control is cut off at the right edge;
- no element blurs what lies behind it (a backdrop filter, redrawn on every frame);
- with `make screenshots`, each page saved at 1440 and 390 px, light and dark
  (tests/artifacts/page-*.png), to look at.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from portal import routes
from tests.e2e.conftest import SCREENSHOTS, save_screenshot
from tests.e2e.every_page import (
    PHONE,
    backdrop_blur,
    make_world,
    overflow,
    signed_in_paths,
    signed_out_paths,
)
from tests.e2e.helpers import navigate, next_frame, open_page, settle, use_scheme

pytestmark = pytest.mark.e2e

AXE = Axe()
DESKTOP = {"width": 1440, "height": 900}
# The rules whose answer changes with the colour scheme.
COLOUR_RULES = {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}


def _audit(page: Page, path: str, scheme: str) -> tuple[list[str], Counter]:
    """Blocking violations on the page as `path: rule (impact) xN: targets`, and the
    moderate ones counted by rule."""
    use_scheme(page, scheme)
    options = {"resultTypes": ["violations"]}
    if scheme == "dark":
        options["runOnly"] = COLOUR_RULES
    # axe-core is injected once per page (the light run); the dark run calls it again.
    if page.evaluate("typeof window.axe === 'undefined'"):
        page.evaluate(AXE.axe_script)
    violations = page.evaluate("options => axe.run(document, options)", options)["violations"]
    blocking, moderate = [], Counter()
    for violation in violations:
        impact = violation.get("impact")
        if impact in ("critical", "serious"):
            targets = [node["target"] for node in violation["nodes"]][:4]
            why = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")
            blocking.append(
                f"{path} [{scheme}]: {violation['id']} ({impact}) "
                f"x{len(violation['nodes'])}: {targets}: {why}"
            )
        elif impact == "moderate":
            moderate[violation["id"]] += len(violation["nodes"])
    return blocking, moderate


def _name(path: str) -> str:
    # The tail names the page (an app page's path starts with a long workspace UUID).
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[-60:] or "dashboard"


def _shots(page: Page, name: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            page.wait_for_timeout(150)
            save_screenshot(page, f"page-{name}-{size['width']}-{scheme}")


# Pages of one workspace reached without one: each opens that page of a workspace the person
# can read (workspaces.workspace_to_open), walked again under its own path.
PICKED = (routes.PROCESS_LOG, routes.SECRETS, routes.FILES, routes.VAULT)


def _opens_the_picked_workspace(path: str, landed: str) -> bool:
    workspace_page = rf"/workspaces/[0-9a-f-]{{36}}{path}"
    return path in PICKED and re.fullmatch(workspace_page, landed) is not None


def _walk(page: Page, paths: list[str]) -> tuple[list[str], Counter]:
    """The first page is loaded, the others reached as a link reaches them (no reload: each
    page's load still runs on the server, the bundle is not compiled again for each).

    Each page is checked in three looks: wide and light, wide and dark, narrow. Every other
    page takes them in the reverse order, starting from the look the page before ended in,
    so each page costs one change of width and one of scheme (each a new layout or new
    styles for the whole page), not two of each."""
    problems, moderate = [], Counter()
    page.set_viewport_size(DESKTOP)
    use_scheme(page, "light")
    for number, path in enumerate(paths):
        if number == 0:
            open_page(page, path)
            settle(page)
        else:
            navigate(page, path)
        landed = page.evaluate("() => location.pathname + location.search")
        if landed != path and not _opens_the_picked_workspace(path, landed):
            problems.append(f"{path}: opened {landed} instead")
        blurred = backdrop_blur(page, path)
        if blurred:
            problems.append(blurred)
        looks = ["light", "dark", "narrow"]
        for look in looks if number % 2 == 0 else reversed(looks):
            if look == "narrow":
                page.set_viewport_size(PHONE)
                next_frame(page)  # the layout for the narrow screen
                problem = overflow(page, path)
                if problem:
                    problems.append(problem)
                continue
            if page.viewport_size != DESKTOP:
                page.set_viewport_size(DESKTOP)
            found, count = _audit(page, path, look)
            problems += found
            moderate += count
        if SCREENSHOTS:
            _shots(page, _name(path))
            # _shots leaves the page narrow and dark, where an even page's looks end.
            if number % 2:
                page.set_viewport_size(DESKTOP)
                use_scheme(page, "light")
    return problems, moderate


def _report(problems: list[str], moderate: Counter, who: str) -> None:
    print(
        f"\naxe: {moderate.total()} moderate violations across every page {who}, light and "
        f"dark: {dict(moderate)}"
    )
    assert not problems, "\n".join(problems)


def _workspace_app_page(path: str) -> bool:
    """A workspace app's page (/workspaces/{uuid}/apps/...), not a developer app's."""
    return path.startswith("/workspaces/") and "/apps/" in path


# Signed out and signed in are separate tests, so browser workers walk them side by side.
@pytest.mark.timeout(300, func_only=True)
def test_every_page_signed_out_passes_axe_and_fits_a_phone(page: Page, server) -> None:
    world = make_world(server)
    _report(*_walk(page, signed_out_paths(world)), "signed out")


# Signed in in three parts (an app's pages, and the rest in two halves): the longest test
# sets the suite's time, and the browser workers walk the parts side by side.
@pytest.mark.timeout(300, func_only=True)
@pytest.mark.parametrize("half", [0, 1])
def test_every_page_signed_in_passes_axe_and_fits_a_phone(page: Page, server, half) -> None:
    world = make_world(server)
    server.sign_in(page, world.email)
    paths = [p for p in signed_in_paths(world) if not _workspace_app_page(p)][half::2]
    _report(*_walk(page, paths), "signed in")


@pytest.mark.timeout(300, func_only=True)
def test_every_app_page_passes_axe_and_fits_a_phone(page: Page, server) -> None:
    world = make_world(server)
    server.sign_in(page, world.email)
    paths = [p for p in signed_in_paths(world) if _workspace_app_page(p)]
    assert len(paths) == len(routes.APP_PAGES)
    _report(*_walk(page, paths), "on an app's pages")
