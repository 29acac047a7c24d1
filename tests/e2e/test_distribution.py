"""Broader distribution in the browser: a developer requests a public listing with a reason
on the General tab; platform staff reject it with a note on /platform/reviews; the developer
sees it rejected with the note and requests again; staff approve it, and the app's visibility
reads public. Both pages at 390 px without sideways scrolling, and in dark mode."""

from __future__ import annotations

import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.config import get_settings
from portal.models import User
from portal.services import developer_apps, developer_terms
from tests.e2e.conftest import SCREENSHOTS, save_screenshot
from tests.e2e.every_page import PHONE, overflow
from tests.e2e.helpers import navigate, settle, use_scheme
from tests.factories import actor_for

pytestmark = pytest.mark.e2e

REVIEWS = "/platform/reviews"
SECTION = "section[aria-label='Distribution']"
AXE = Axe()
COLOUR_RULES = {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}


def _owner_with_app(server, name: str) -> tuple[str, str]:
    """A developer (current terms accepted) whose app has version 1 published: (email, slug)."""
    email = server.person(name="Dana Developer")
    with server.db() as session:
        actor = actor_for(session, session.exec(select(User).where(User.email == email)).one())
        developer_terms.accept(
            session=session, actor=actor, version=get_settings().developer_terms_version
        )
        app = developer_apps.create_app(session=session, actor=actor, name=name)
        draft = developer_apps.get_draft(session=session, actor=actor, app_id=app.id)
        developer_apps.save_draft(session=session, actor=actor, app_id=app.id, text=draft.text)
        developer_apps.publish(session=session, actor=actor, app_id=app.id)
        return email, app.slug


def _axe(page: Page, scheme: str, within: str) -> list[str]:
    """axe-core's critical and serious violations in the elements `within` selects (in dark:
    the colour rules only)."""
    options = {"resultTypes": ["violations"]}
    if scheme == "dark":
        options["runOnly"] = COLOUR_RULES
    if page.evaluate("typeof window.axe === 'undefined'"):
        page.evaluate(AXE.axe_script)
    violations = page.evaluate(
        "([within, options]) => axe.run({include: [[within]]}, options)", [within, options]
    )["violations"]
    return [
        f"{scheme}: {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:4]}"
        for v in violations
        if v.get("impact") in ("critical", "serious")
    ]


def _looks(page: Page, name: str, within: str = "main") -> None:
    """At 390 px the page scrolls only up and down, and axe finds nothing critical or serious
    in `within`, in light and dark; with screenshots on, NAME-390-light.png, NAME-390-dark.png and
    NAME-1440-dark.png."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    settle(page)
    assert overflow(page, name) is None
    for scheme in ("light", "dark"):
        use_scheme(page, scheme)
        assert _axe(page, scheme, within) == [], name
        if SCREENSHOTS:
            save_screenshot(page, f"{name}-390-{scheme}")
    if SCREENSHOTS:
        page.set_viewport_size({"width": 1440, "height": 900})
        settle(page)
        save_screenshot(page, f"{name}-1440-dark")
    use_scheme(page, "light")
    if size:
        page.set_viewport_size(size)
        settle(page)


def _request(page: Page, reason: str) -> None:
    page.get_by_role("button", name="Request public listing").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("what version 1 asks for")
    dialog.get_by_label("Reason").fill(reason)
    dialog.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("Request sent: platform staff review it")).to_be_visible()
    expect(page.locator("#distribution-state")).to_have_text("pending")
    expect(page.locator("#distribution-reason")).to_have_text(reason)


def test_request_reject_request_again_approve(page: Page, server, shot) -> None:
    name = f"Orbit Sync {uuid.uuid4().hex[:6]}"
    developer, slug = _owner_with_app(server, name)
    staff = server.person(name="Pat Platform", platform_admin=True)
    general = f"/developer/apps/{slug}/general"

    # The developer asks, with a reason.
    server.sign_in(page, developer)
    navigate(page, general)
    section = page.get_by_role("region", name="Distribution")
    expect(section.locator("#distribution-empty")).to_contain_text("No request yet")
    expect(section.locator("#distribution-listing")).to_have_text(
        "Not listed in the app directory."
    )
    _request(page, "For teams who keep their audit log in a spreadsheet.")
    expect(page.get_by_role("button", name="Withdraw request")).to_be_visible()
    expect(page.get_by_role("button", name="Request public listing")).to_have_count(0)
    _looks(page, "distribution-pending", SECTION)

    # Staff find it first in the queue, with the version and scopes it asks for, and reject
    # it with a note.
    server.sign_in(page, staff)
    navigate(page, REVIEWS)
    row = page.locator(".review-row").filter(has_text=name)
    expect(row).to_contain_text("Dana Developer")
    expect(row).to_contain_text("For teams who keep their audit log in a spreadsheet.")
    expect(row).to_contain_text("v1")
    expect(row).to_contain_text("workspace:read")
    _looks(page, "distribution-reviews-pending")
    row.get_by_role("button", name="Reject").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Reject {name}?")
    expect(dialog).to_contain_text("keeps its visibility")
    dialog.get_by_label("Note to the developer").fill("Add a homepage to the manifest.")
    shot("distribution-reject-dialog")
    dialog.get_by_role("button", name="Reject request").click()
    expect(page.get_by_text(f"Rejected: {name}'s team sees your note.")).to_be_visible()
    expect(page.locator(".review-row").filter(has_text=name)).to_have_count(0)
    page.get_by_role("combobox", name="Show requests").click()
    page.get_by_role("option", name="Decided").click()
    decided = page.locator(".review-row").filter(has_text=name)
    expect(decided).to_contain_text("rejected")
    expect(decided).to_contain_text("Add a homepage to the manifest.")

    # The developer sees the rejection and the note, and asks again.
    server.sign_in(page, developer)
    navigate(page, general)
    expect(page.locator("#distribution-state")).to_have_text("rejected")
    expect(page.locator("#distribution-note")).to_contain_text("Add a homepage to the manifest.")
    expect(page.locator("#distribution-status")).to_contain_text("Rejected by Pat Platform")
    _looks(page, "distribution-rejected", SECTION)
    _request(page, "Homepage added to version 1's display info.")

    # Staff approve it.
    server.sign_in(page, staff)
    navigate(page, REVIEWS)
    row = page.locator(".review-row").filter(has_text=name)
    expect(row).to_contain_text("Homepage added")
    row.get_by_role("button", name="Approve").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("listed in the app directory for every signed-in user")
    dialog.get_by_role("button", name="Approve and list").click()
    expect(
        page.get_by_text(f"Approved: {name} is listed in the app directory now.")
    ).to_be_visible()
    # Out of the queue (other tests' requests may wait there: the server is shared).
    expect(row).to_have_count(0)
    _looks(page, "distribution-reviews-after-approval")

    # The developer's app is public now.
    server.sign_in(page, developer)
    navigate(page, general)
    expect(page.locator("#distribution-state")).to_have_text("approved")
    expect(page.locator("#distribution-listing")).to_have_text(
        "Listed in the app directory for every signed-in user."
    )
    expect(page.locator("#visibility-meaning")).to_contain_text("Listed in the app directory")
    expect(page.locator("#visibility-read-only")).to_contain_text("ask them to withdraw")
    expect(page.get_by_role("button", name="Request public listing")).to_have_count(0)
    _looks(page, "distribution-approved", SECTION)
