"""Workspaces in the browser: create and watch provisioning, freeze, offboard, the picker,
the Process Log, and another account's workspace being not found."""

from __future__ import annotations

import json
import re
import zipfile

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.models import User
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import (
    open_page,
    sign_out,
    unique_email,
)
from tests.factories import account_of, grant, make_workspace

pytestmark = pytest.mark.e2e

SCHEMES = ("light", "dark") if SCREENSHOTS else ("light",)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def create_workspace(page: Page, name: str) -> str:
    """Create a workspace through the dialog; returns its UUID from the detail page URL."""
    open_page(page, "/workspaces")
    page.get_by_role("button", name="Create workspace").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_role("button", name="Create workspace").click()
    expect(page).to_have_url(re.compile(rf"/workspaces/{UUID}$"))
    return page.url.rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.stores  # the saga's worker writes through its own transactions
def test_create_workspace_then_provisioning_turns_ready(page: Page, signed_in, shot) -> None:
    signed_in(name="Cara Creator", to="/workspaces")
    expect(page.get_by_text("No workspaces yet")).to_be_visible()
    shot("workspaces-empty")

    # A blank name is refused in the dialog, which stays open with what was typed.
    page.get_by_role("button", name="Create workspace").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("   ")
    dialog.get_by_role("button", name="Create workspace").click()
    expect(dialog.locator("#name-error")).to_be_visible()
    shot("workspace-create-error")
    dialog.get_by_role("button", name="Cancel").click()

    workspace_id = create_workspace(page, "Orbit Production")
    expect(page.get_by_role("heading", name="Orbit Production")).to_be_visible()
    expect(page.locator("#workspace-uuid")).to_have_text(workspace_id)
    expect(page.locator("#workspace-slug")).to_have_text("orbit-production")
    for env in ("dev", "staging", "prod"):
        expect(page.locator(f"#environment-{env}")).to_be_visible()
    shot("workspace-provisioning")
    # The saga runs in the background; the page follows it live.
    for env in ("dev", "staging", "prod"):
        expect(page.locator(f"#environment-{env}")).to_contain_text("ready", timeout=60_000)
    expect(page.get_by_role("heading", name="Orbit Production").locator("..")).to_contain_text(
        "active", timeout=30_000
    )
    expect(page.locator(".activity-row").filter(has_text="Workspace created")).to_have_count(1)
    # The coderunner integration (a stub on loopback here) lists the workspace's runners.
    expect(page.locator(".runner-row")).to_have_count(2)
    expect(page.locator(".runner-row").first).to_contain_text("builder-1")
    shot("workspace-ready")

    # The list shows it, and the name opens the detail page.
    open_page(page, "/workspaces")
    row = page.locator(".workspace-row").filter(has_text="Orbit Production")
    expect(row).to_contain_text("active")
    shot("workspaces-list")
    row.get_by_role("link", name="Orbit Production").click()
    expect(page).to_have_url(re.compile(rf"/workspaces/{workspace_id}$"))

    # The Process Log shows the provisioning saga and its steps.
    page.get_by_role("link", name="Process Log").first.click()
    expect(page).to_have_url(re.compile(rf"/workspaces/{workspace_id}/process-log$"))
    card = page.locator(".process-card[data-kind=provision]")
    # Through /process-log's redirect, then the page's load: on CI's busiest pass (two
    # backend workers on Redis beside the other tests) that once took over the default 5 s.
    expect(card).to_contain_text("succeeded", timeout=20_000)
    expect(card).to_contain_text("dev")
    shot("process-log")


def test_freeze_refuses_writes_until_unfrozen(page: Page, signed_in, shot) -> None:
    signed_in()
    create_workspace(page, "Glacier")
    actions = page.locator("#workspace-actions")
    actions.click()
    page.get_by_role("menuitem", name="Freeze").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Freeze workspace").click()
    expect(page.locator("#frozen-banner")).to_be_visible()
    # Writes wait, and the form says why before anyone types; reads keep working.
    expect(page.get_by_label("Workspace name")).to_be_disabled()
    expect(page.get_by_role("button", name="Rename")).to_be_disabled()
    expect(page.locator("#rename-locked")).to_contain_text("Frozen")
    shot("workspace-frozen")
    actions.click()
    page.get_by_role("menuitem", name="Unfreeze").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Unfreeze workspace").click()
    expect(page.locator("#frozen-banner")).to_have_count(0)
    page.get_by_label("Workspace name").fill("Glacier Renamed")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", name="Glacier Renamed")).to_be_visible()


def test_offboard_needs_the_typed_name_and_can_be_restored(page: Page, signed_in, shot) -> None:
    signed_in()
    create_workspace(page, "Sunset")
    page.locator("#workspace-actions").click()
    page.get_by_role("menuitem", name="Offboard").click()
    dialog = page.get_by_role("alertdialog")
    # The button waits for the exact name (the service checks it again).
    expect(dialog.get_by_role("button", name="Offboard workspace")).to_be_disabled()
    dialog.get_by_label(re.compile("Type the workspace name")).fill("sunset")
    expect(dialog.get_by_role("button", name="Offboard workspace")).to_be_disabled()
    shot("workspace-offboard-confirm")
    dialog.get_by_label(re.compile("Type the workspace name")).fill("Sunset")
    dialog.get_by_role("button", name="Offboard workspace").click()
    banner = page.locator("#offboarding-banner")
    expect(banner).to_contain_text("30 days left")
    shot("workspace-offboarding")
    page.locator("#workspace-actions").click()
    page.get_by_role("menuitem", name="Restore").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Restore workspace").click()
    expect(banner).to_have_count(0)


def test_picker_choice_survives_sign_out(page: Page, server) -> None:
    email = server.person(name="Pat Persist")
    with server.db() as session:
        user_id = session.exec(select(User.id).where(User.email == email)).one()
        account_id = account_of(session, user_id)
        make_workspace(session, account_id=account_id, name="Persist Alpha")
        make_workspace(session, account_id=account_id, name="Persist Beta")
    server.sign_in(page, email)
    picker = page.locator("#workspace-picker")
    expect(picker).to_have_text(re.compile("Persist Alpha"))
    picker.click()
    page.get_by_role("option", name=re.compile("Persist Beta")).click()
    expect(picker).to_have_text(re.compile("Persist Beta"))
    sign_out(page)
    server.sign_in(page, email)
    expect(page.locator("#workspace-picker")).to_have_text(re.compile("Persist Beta"))
    # The sidebar's Process Log opens the picked workspace's log.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Process Log").click()
    expect(page).to_have_url(re.compile(rf"/workspaces/{UUID}/process-log$"))
    expect(page.get_by_role("link", name="Persist Beta")).to_be_visible()


def test_another_accounts_workspace_is_not_found(page: Page, server, signed_in, shot) -> None:
    owner = server.person(name="Olga Owner")
    with server.db() as session:
        user_id = session.exec(select(User.id).where(User.email == owner)).one()
        theirs = make_workspace(session, account_id=account_of(session, user_id), name="Private")
        theirs_id = str(theirs.id)
    signed_in()
    for path in (
        f"/workspaces/{theirs_id}",
        f"/workspaces/{theirs_id}/process-log",
        "/workspaces/not-a-uuid",
    ):
        open_page(page, path)
        expect(page.get_by_text("Workspace not found")).to_be_visible()
        expect(page.get_by_text("Private")).to_have_count(0)
    shot("workspace-not-found")


def test_a_personal_access_token_from_settings_calls_the_api(
    page: Page, server, signed_in, shot
) -> None:
    signed_in(name="Tia Token")
    create_workspace(page, "API Target")
    open_page(page, "/settings")
    page.get_by_label("Token name").fill("laptop script")
    page.get_by_role("button", name="Create token").click()
    # The secret is shown once, in a toast (never kept in page state).
    toast = page.locator("[data-sonner-toast]").filter(has_text="shown only once")
    expect(toast).to_contain_text(re.compile(r"pat_\S{20,}"))
    token = re.search(r"pat_\S{20,}", toast.inner_text()).group(0)
    headers = {"Authorization": f"Bearer {token}"}
    listed = httpx.get(f"{server.url}/v1/workspaces", headers=headers, timeout=10)
    assert listed.status_code == 200
    assert [w["name"] for w in listed.json()["items"]] == ["API Target"]
    # Revoked in the page, refused by the API.
    page.locator(".token-row").get_by_role("button", name="Revoke").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke token").click()
    expect(page.locator(".token-row")).to_contain_text("revoked")
    refused = httpx.get(f"{server.url}/v1/workspaces", headers=headers, timeout=10)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_export_builds_an_archive_the_administrator_downloads(page: Page, signed_in, shot) -> None:
    signed_in()
    create_workspace(page, "Exported")
    page.locator("#workspace-actions").click()
    page.get_by_role("menuitem", name="Export").click()
    expect(page).to_have_url(re.compile(rf"/workspaces/{UUID}/process-log$"))
    card = page.locator(".process-card[data-kind=export]")
    expect(card).to_contain_text("succeeded", timeout=60_000)
    shot("process-log-export")
    with page.expect_download() as download_info:
        card.get_by_role("link", name="Download archive").click()
    archive = zipfile.ZipFile(download_info.value.path())
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["counts"]["workspaces"] == 1
    assert manifest["counts"]["environments"] == 3


def _many_workspaces(server, *, prefix: str, count: int = 30) -> str:
    """A person with `count` workspaces in their account and two in another's; their email."""
    email = server.person(unique_email(prefix), name="Mo Many", account_name="Many Co")
    other = server.person(unique_email(f"{prefix}-other"), name="Oz Other", account_name="Other Co")
    with server.db() as session:
        user_id = session.exec(select(User.id).where(User.email == email)).one()
        other_id = session.exec(select(User.id).where(User.email == other)).one()
        account_id = account_of(session, user_id)
        for n in range(count):
            make_workspace(
                session,
                account_id=account_id,
                name=f"Shop {n:02d}",
                status=("active", "frozen", "provisioning", "offboarding")[n % 4],
            )
        # The same name in another account: the picker tells them apart by the account.
        theirs = make_workspace(session, account_id=account_of(session, other_id), name="Shop 07")
        grant(session, user_id, workspace_id=theirs.id)
    return email


def test_the_picker_searches_pins_and_tells_same_names_apart(page: Page, server, shot) -> None:
    email = _many_workspaces(server, prefix="picker-search")
    server.sign_in(page, email)
    picker = page.locator("#workspace-picker")
    expect(picker).to_have_text(re.compile("Shop 00"))

    picker.click()
    options = page.get_by_role("option")
    # A bounded list, whatever the number of workspaces, and a hint to narrow it.
    expect(options).to_have_count(15)
    expect(page.get_by_text("More workspaces match")).to_be_visible()
    page.get_by_label("Search workspaces").fill("shop 07")
    expect(options).to_have_count(2)
    expect(options.filter(has_text="Many Co")).to_have_count(1)
    expect(options.filter(has_text="Other Co")).to_have_count(1)
    shot("workspace-picker-search")

    # Pin the other account's Shop 07: it comes first, even with the search cleared.
    page.get_by_label("Search workspaces").fill("")
    expect(options).to_have_count(15)
    page.get_by_label("Search workspaces").fill("shop 07")
    expect(options).to_have_count(2)
    row = page.locator(".picker-row").filter(has_text="Other Co")
    row.get_by_role("button", name="Pin", exact=True).click()
    expect(options.first).to_contain_text("Other Co")
    page.get_by_label("Search workspaces").fill("")
    expect(options.first).to_contain_text("Other Co")
    shot("workspace-picker-pinned")

    options.filter(has_text="Shop 03").click()
    expect(picker).to_have_text(re.compile("Shop 03"))
    # The pick shows first among the recent ones next time (after the pinned one).
    picker.click()
    expect(options.nth(0)).to_contain_text("Other Co")
    expect(options.nth(1)).to_contain_text("Shop 03")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")


def test_workspaces_list_sorts_pages_and_fits_phone_and_desktop(page: Page, server, shot) -> None:
    email = _many_workspaces(server, prefix="list-widths")
    server.sign_in(page, email)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    open_page(page, "/workspaces")
    rows = page.locator(".workspace-row")
    expect(rows).to_have_count(25)
    expect(page.get_by_text(re.compile(r"31 workspaces"))).to_be_visible()
    # The name is a link in the theme's accent colour, told apart from the row's plain text.
    name_link = rows.first.get_by_role("link")
    colour = "el => getComputedStyle(el).color"
    assert name_link.evaluate(colour) != rows.first.locator("td").first.evaluate(colour)

    # Sort by name: aria-sort says so, and the first row follows.
    name_header = page.get_by_role("columnheader", name="Name")
    name_header.get_by_role("button").click()
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_contain_text("Shop 00")
    name_header.get_by_role("button").click()
    expect(name_header).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_contain_text("Shop 29")
    # Pages on the server: Next shows the 6 left, Previous comes back.
    page.get_by_role("button", name="Next").click()
    expect(rows).to_have_count(6)
    expect(page.get_by_text("Page 2")).to_be_visible()
    page.get_by_role("button", name="Previous").click()
    expect(rows).to_have_count(25)

    # Dates in the viewer's local time, the UTC time on hover.
    created = rows.first.locator("time")
    expect(created).to_have_attribute("title", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))
    expect(created).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$"))

    # Dark mode changes colours, not widths: it is loaded only for the screenshots.
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        for width, height in ((1440, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            open_page(page, "/workspaces")
            expect(rows).to_have_count(25)
            # The page never scrolls sideways on a phone: only the table inside its card.
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shot(f"workspaces-{width}-{scheme}")

    # On a phone the sidebar is a drawer behind the top bar's menu button.
    page.get_by_role("button", name="Open navigation").click()
    page.get_by_role("dialog", name="Portal").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings$"))


def test_workspace_detail_and_process_log_page_and_fit_phone_and_desktop(
    page: Page, signed_in, shot
) -> None:
    signed_in(name="Wes Widths")
    workspace_id = create_workspace(page, "Wide Orbit")
    for env in ("dev", "staging", "prod"):
        expect(page.locator(f"#environment-{env}")).to_contain_text("ready", timeout=60_000)
    # Enough activity for a second page (10 a page).
    for n in range(11):
        page.get_by_label("Workspace name").fill(f"Wide Orbit {n}")
        page.get_by_role("button", name="Rename").click()
        expect(page.get_by_role("heading", name=f"Wide Orbit {n}")).to_be_visible()
    rows = page.locator(".activity-row")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("Workspace renamed")
    action = rows.first.get_by_text("Workspace renamed")
    expect(action).to_have_attribute("title", "workspace.renamed")  # the code on hover
    # Dates in the viewer's local time, the UTC time on hover.
    when = rows.first.locator("time")
    expect(when).to_have_attribute("title", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"))
    # The shared pager: Older and Newer, on the server.
    page.get_by_role("button", name="Older").click()
    expect(page.get_by_text("Page 2")).to_be_visible()
    expect(rows.filter(has_text="Workspace created")).to_have_count(1)
    page.get_by_role("button", name="Newer").click()
    expect(page.get_by_text("Page 1")).to_be_visible()
    expect(rows).to_have_count(10)
    page.get_by_label("Filter activity by action").fill("workspace.created")
    expect(rows).to_have_count(1)

    for scheme in SCHEMES:  # dark only for the screenshots, as above
        page.emulate_media(color_scheme=scheme)
        for width, height in ((1440, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            open_page(page, f"/workspaces/{workspace_id}")
            expect(rows).to_have_count(10)
            # The page never scrolls sideways on a phone: only a table inside its card.
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shot(f"workspace-detail-{width}-{scheme}")
            open_page(page, f"/workspaces/{workspace_id}/process-log")
            card = page.locator(".process-card[data-kind=provision]")
            expect(card).to_contain_text("succeeded")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shot(f"process-log-{width}-{scheme}")
