"""Accessibility: axe-core (bundled with axe-playwright-python, so it runs offline) on every
page, signed out and signed in, light and dark: no critical and no serious violations. The
moderate ones are counted and printed (run with -s to see them)."""

from __future__ import annotations

from collections import Counter

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.e2e.every_page import make_world, signed_in_paths, signed_out_paths
from tests.e2e.helpers import open_page

pytestmark = pytest.mark.e2e

AXE = Axe()


def _audit(page: Page, path: str, scheme: str) -> tuple[list[str], Counter]:
    """Blocking violations on the page as `path: rule (impact) xN: targets`, and the
    moderate ones counted by rule."""
    page.emulate_media(color_scheme=scheme)
    page.wait_for_timeout(200)
    results = AXE.run(page)
    blocking, moderate = [], Counter()
    for violation in results.response["violations"]:
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


def _walk(page: Page, paths: list[str]) -> tuple[list[str], Counter]:
    blocking, moderate = [], Counter()
    for path in paths:
        open_page(page, path)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        for scheme in ("light", "dark"):
            found, count = _audit(page, path, scheme)
            blocking += found
            moderate += count
    page.emulate_media(color_scheme="light")
    return blocking, moderate


@pytest.mark.timeout(300, func_only=True)
def test_axe_finds_nothing_critical_or_serious_on_any_page(page: Page, server) -> None:
    world = make_world(server)
    blocking, moderate = _walk(page, signed_out_paths(world))
    server.sign_in(page, world.email)
    found, count = _walk(page, signed_in_paths(world))
    blocking += found
    moderate += count
    print(
        f"\naxe: {moderate.total()} moderate violations across every page, light and dark: "
        f"{dict(moderate)}"
    )
    assert not blocking, "\n".join(blocking)
