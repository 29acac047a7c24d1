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
from tests.e2e.helpers import open_page, sign_out
from tests.factories import account_of, make_workspace

pytestmark = pytest.mark.e2e

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


def test_create_workspace_then_provisioning_turns_ready(page: Page, signed_in, shot) -> None:
    signed_in(name="Cara Creator")
    open_page(page, "/workspaces")
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
    expect(page.locator(".activity-row").filter(has_text="workspace.created")).to_have_count(1)
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
    expect(card).to_contain_text("succeeded")
    expect(card).to_contain_text("dev")
    shot("process-log")


def test_freeze_refuses_writes_until_unfrozen(page: Page, signed_in, shot) -> None:
    signed_in()
    create_workspace(page, "Glacier")
    actions = page.locator("#workspace-actions")
    actions.click()
    page.get_by_role("menuitem", name="Freeze").click()
    expect(page.locator("#frozen-banner")).to_be_visible()
    # A write is refused with a clear message; reads keep working.
    page.get_by_label("Workspace name").fill("Glacier Renamed")
    page.get_by_role("button", name="Rename").click()
    expect(page.locator("#name-error")).to_contain_text("frozen")
    shot("workspace-frozen")
    actions.click()
    page.get_by_role("menuitem", name="Unfreeze").click()
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
    dialog.get_by_label(re.compile("Type the workspace name")).fill("sunset")
    dialog.get_by_role("button", name="Offboard workspace").click()
    expect(dialog.locator("#confirm_name-error")).to_be_visible()
    shot("workspace-offboard-confirm")
    dialog.get_by_label(re.compile("Type the workspace name")).fill("Sunset")
    dialog.get_by_role("button", name="Offboard workspace").click()
    banner = page.locator("#offboarding-banner")
    expect(banner).to_contain_text("30 days left")
    shot("workspace-offboarding")
    page.locator("#workspace-actions").click()
    page.get_by_role("menuitem", name="Restore").click()
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
    secret = page.locator("#new-token-secret")
    expect(secret).to_have_text(re.compile(r"^pat_"))
    shot("settings-token-created")
    token = secret.inner_text()
    headers = {"Authorization": f"Bearer {token}"}
    listed = httpx.get(f"{server.url}/v1/workspaces", headers=headers, timeout=10)
    assert listed.status_code == 200
    assert [w["name"] for w in listed.json()["items"]] == ["API Target"]
    # Revoked in the page, refused by the API.
    page.locator(".token-row").get_by_role("button", name="Revoke").click()
    expect(page.locator(".token-row")).to_contain_text("revoked")
    refused = httpx.get(f"{server.url}/v1/workspaces", headers=headers, timeout=10)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_export_builds_an_archive_the_administrator_downloads(
    page: Page, signed_in, shot
) -> None:
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
