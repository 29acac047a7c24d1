"""Installing a developer app in the browser (seed 001): the developer creates an install
link in the Versions tab and copies it; a workspace administrator who is not on the private
app's allowlist is offered no workspace and told why; once the developer allowlists the
workspace in the General tab, the administrator approves and installs it; the workspace's
Apps section lists it (a reader sees it without Uninstall), the link counts the use, a revoked
link can't be used, and the administrator uninstalls the app.

Refusing a direct install in a workspace that is not allowlisted is the service's (tests/
services/test_installations.py)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import developer_world as world
from tests.e2e.helpers import open_page
from tests.factories import grant

pytestmark = pytest.mark.e2e


def test_install_a_private_app_through_its_install_link(page: Page, server, shot) -> None:
    suffix = uuid.uuid4().hex[:6]
    app_name = f"Harbor Sync {suffix}"
    workspace_name = f"Harbor Ops {suffix}"
    developer = world.developer(server, "Dana Developer")
    admin = server.person(name="Ada Admin", account_name=f"Harbor Inc {suffix}")
    reader = server.person(name="Reza Reader")
    # The developer accepted the terms and published version 1 (test_developer_portal.py
    # covers doing that in the browser); the administrator's workspace is active.
    slug = world.published_app(server, developer, app_name).slug
    workspace_id = world.workspace(server, admin, workspace_name)
    with server.db() as session:
        grant(session, world.user(session, reader).id, workspace_id=workspace_id, permission="read")

    # The developer creates an install link for version 1 (the newest, chosen for them).
    server.sign_in(page, developer, to=f"/developer/apps/{slug}/versions")
    links = page.locator("#install-links")
    expect(links.get_by_text("No install links yet")).to_be_visible()
    page.get_by_role("button", name="Create install link").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("combobox", name="Version")).to_contain_text("Version 1")
    expect(dialog.get_by_label("Expires after (days, optional)")).to_have_value("")
    dialog.get_by_role("button", name="Create link").click()
    expect(dialog).to_have_count(0)
    row = page.locator(".install-link-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("v1")
    expect(row).to_contain_text("Never")
    expect(row.locator("td").nth(1)).to_have_text("0")
    url_field = row.locator(".install-link-url")
    expect(url_field).to_have_value(re.compile(r"/install/\d+\.[A-Za-z0-9_-]+$"))
    shot("install-link-created")

    # Copy puts the link on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    row.get_by_role("button", name="Copy install link").click()
    expect(page.get_by_text("Install link copied")).to_be_visible()
    link = page.evaluate("() => navigator.clipboard.readText()")
    assert link == url_field.input_value()
    assert link.startswith(server.url + "/install/")

    # The app is private and the workspace not on its allowlist: nowhere to install it.
    server.sign_in(page, admin)
    page.goto(link)
    expect(page.get_by_role("heading", name=app_name)).to_be_visible()
    expect(
        page.get_by_text("You administer no workspace this app may be installed in")
    ).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_role("button", name="Approve and install")).to_be_disabled()
    shot("install-not-allowlisted")

    # The developer allowlists the workspace by its UUID (a bad one is refused at the field).
    server.sign_in(page, developer, to=f"/developer/apps/{slug}/general")
    section = page.get_by_role("region", name="Who can install it")
    expect(section.get_by_role("radio", name=re.compile("Private"))).to_be_checked()
    expect(section.get_by_text("No one is on the allowlist yet")).to_be_visible()
    section.get_by_label("Workspace UUID").fill("not-a-uuid")
    section.get_by_role("button", name="Add workspace").click()
    expect(section.locator("#workspace_id-error")).to_have_text("Enter a workspace's UUID.")
    section.get_by_label("Workspace UUID").fill(workspace_id)
    section.get_by_role("button", name="Add workspace").click()
    allowed = page.locator(".allowlist-row")
    expect(allowed).to_have_count(1)
    expect(allowed).to_contain_text("Workspace")
    expect(allowed).to_contain_text(workspace_id)
    expect(section.locator("#workspace_id-error")).to_have_count(0)
    expect(section.get_by_label("Workspace UUID")).to_have_value("")
    shot("install-allowlist")

    # The administrator opens the link again: the workspace is offered; approve and install.
    server.sign_in(page, admin)
    page.goto(link)
    choice = page.get_by_role("radio", name=re.compile(workspace_name))
    expect(choice).to_be_visible()
    choice.click()
    expect(choice).to_be_checked()
    expect(page.locator("code", has_text="workspace:read").first).to_be_visible()
    shot("install-consent")
    page.get_by_role("button", name="Approve and install").click()
    expect(page.get_by_text(f"{app_name} is installed").first).to_be_visible()
    shot("install-done")
    page.get_by_role("link", name="Open the workspace").click()
    expect(page).to_have_url(re.compile(rf"/workspaces/{workspace_id}$"))
    installed = page.locator(".installed-app-row")
    expect(installed).to_have_count(1)
    expect(installed).to_contain_text(app_name)
    expect(installed).to_contain_text("v1")
    expect(installed).to_contain_text("workspace:read, audit:read")
    expect(installed.get_by_role("button", name="Uninstall")).to_be_visible()
    shot("install-workspace-apps")

    # A reader of the workspace sees the app, without Uninstall.
    server.sign_in(page, reader, to=f"/workspaces/{workspace_id}")
    expect(page.locator(".installed-app-row")).to_contain_text(app_name)
    expect(page.get_by_role("button", name="Uninstall")).to_have_count(0)

    # The developer's link counts the use; revoked, it can't be used any more.
    server.sign_in(page, developer, to=f"/developer/apps/{slug}/versions")
    row = page.locator(".install-link-row")
    expect(row.locator("td").nth(1)).to_have_text("1")
    row.get_by_role("button", name="Revoke").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Revoke the install link for v1?")
    confirm.get_by_role("button", name="Revoke link").click()
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    shot("install-link-revoked")

    server.sign_in(page, admin)
    page.goto(link)
    expect(page.get_by_text("This install link can't be used")).to_be_visible()
    expect(page.get_by_text("This install link was revoked")).to_be_visible()
    shot("install-link-unusable")

    # The administrator uninstalls it, after a question naming the app and the workspace.
    open_page(page, f"/workspaces/{workspace_id}")
    page.locator(".installed-app-row").get_by_role("button", name="Uninstall").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text(f"Uninstall {app_name} from {workspace_name}?")
    confirm.get_by_role("button", name="Uninstall app").click()
    expect(page.get_by_text(f"{app_name} is uninstalled.")).to_be_visible()
    expect(page.locator(".installed-app-row")).to_have_count(0)
    expect(page.get_by_text("No developer apps installed")).to_be_visible()
