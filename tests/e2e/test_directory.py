"""The app directory in the browser (issue 10): a public app with a published version is
listed with its icon, the search narrows the list, Install opens the same consent page an
install link does, approving installs it in the workspace, and Change version on the
workspace page asks for explicit consent before a version with more scopes.

Making an app public is platform staff's decision (another page): here it is set directly,
as their approval would. The refusals (a private app by its slug, versions, consent) are the
service's and state's tests (tests/services/test_installations.py, test_directory.py)."""

from __future__ import annotations

import re
import struct
import uuid
import zlib

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.config import get_settings
from portal.domain.developer import Visibility
from portal.models import DeveloperApp, User
from portal.services import developer_apps, developer_icons, developer_terms
from tests.e2e.every_page import PHONE
from tests.e2e.helpers import open_page, settle, use_scheme
from tests.factories import account_of, actor_for, make_workspace

pytestmark = pytest.mark.e2e

MANIFEST = """\
display:
  name: Lumen Notes
  description: Notes for each workspace.
scopes:
  - workspace:read
"""
MORE_SCOPES = MANIFEST.replace("  - workspace:read\n", "  - workspace:read\n  - audit:read\n")


def _png(size: int = 32) -> bytes:
    """A real PNG: an indigo square (the icon the directory shows)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes([79, 70, 229]) * size
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def _user(session, email: str) -> User:
    return session.exec(select(User).where(User.email == email)).one()


def _phone_shot(page: Page, shot, name: str) -> None:
    """The page at 390 px in dark mode, saved as NAME (when screenshots are on)."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    use_scheme(page, "dark")
    settle(page)
    shot(name)
    use_scheme(page, "light")
    page.set_viewport_size(size)


def test_install_a_public_app_from_the_directory(page: Page, server, shot) -> None:
    suffix = uuid.uuid4().hex[:6]
    app_name = f"Lumen Notes {suffix}"
    hidden_name = f"Hidden Ledger {suffix}"
    workspace_name = f"Lumen Ops {suffix}"
    developer = server.person(name="Dana Developer")
    admin = server.person(name="Ada Admin", account_name=f"Lumen Inc {suffix}")
    with server.db() as session:
        actor = actor_for(session, _user(session, developer))
        developer_terms.accept(
            session=session, actor=actor, version=get_settings().developer_terms_version
        )
        app = developer_apps.create_app(
            session=session,
            actor=actor,
            name=app_name,
            description=f"Shared notes for every workspace ({suffix}).",
        )
        developer_apps.save_draft(session=session, actor=actor, app_id=app.id, text=MANIFEST)
        developer_apps.publish(session=session, actor=actor, app_id=app.id)
        developer_icons.set_icon(session=session, actor=actor, app_id=app.id, data=_png())
        row = session.get(DeveloperApp, app.id)
        row.visibility = Visibility.PUBLIC  # as platform staff's approval makes it
        session.add(row)
        hidden = developer_apps.create_app(session=session, actor=actor, name=hidden_name)
        developer_apps.save_draft(session=session, actor=actor, app_id=hidden.id, text=MANIFEST)
        developer_apps.publish(session=session, actor=actor, app_id=hidden.id)  # private
        workspace = make_workspace(
            session, account_of(session, _user(session, admin).id), name=workspace_name
        )
        workspace_id, app_id, slug = str(workspace.id), app.id, app.slug

    # The administrator browses the directory from the sidebar.
    server.sign_in(page, admin)
    page.locator(".pt-sidebar").get_by_role("link", name="App directory").click()
    expect(page.get_by_role("heading", name="App directory")).to_be_visible()
    search = page.get_by_role("searchbox", name="Search the directory")
    search.fill(suffix)
    card = page.locator(".directory-card")
    expect(card).to_have_count(1)  # the private app is not listed
    expect(card).to_contain_text(app_name)
    expect(card).to_contain_text("Version 1")
    expect(card).to_contain_text("Not installed anywhere yet")
    icon = card.locator("img.pt-app-icon")
    expect(icon).to_have_attribute(
        "src", re.compile(rf"/developer-icons/{app_id}\?v=[0-9a-f]{{64}}$")
    )
    assert page.evaluate("img => img.naturalWidth", icon.element_handle()) == 32
    _phone_shot(page, shot, "directory-phone-dark")

    search.fill(f"{hidden_name}")
    expect(page.get_by_text("No app matches your search")).to_be_visible()
    search.fill(f"notes for every workspace ({suffix}")  # the description, any case
    expect(card).to_have_count(1)

    # Install opens the consent page: the same one an install link opens.
    card.get_by_role("link", name=f"Install {app_name}").click()
    expect(page).to_have_url(re.compile(rf"/directory/{slug}$"))
    expect(page.get_by_role("heading", name=app_name)).to_be_visible()
    expect(page.locator("code", has_text="workspace:read").first).to_be_visible()
    choice = page.get_by_role("radio", name=re.compile(workspace_name))
    choice.click()
    expect(choice).to_be_checked()
    _phone_shot(page, shot, "directory-consent-phone-dark")
    page.get_by_role("button", name="Approve and install").click()
    expect(page.get_by_text(f"{app_name} is installed").first).to_be_visible()
    page.get_by_role("link", name="Open the workspace").click()
    expect(page).to_have_url(re.compile(rf"/workspaces/{workspace_id}$"))
    installed = page.locator(".installed-app-row")
    expect(installed).to_have_count(1)
    expect(installed).to_contain_text(app_name)
    expect(installed).to_contain_text("v1")

    # Version 2 asks for one more scope: Change version waits for the consent checkbox.
    with server.db() as session:
        actor = actor_for(session, _user(session, developer))
        developer_apps.save_draft(session=session, actor=actor, app_id=app_id, text=MORE_SCOPES)
        developer_apps.publish(session=session, actor=actor, app_id=app_id)
    open_page(page, f"/workspaces/{workspace_id}", reload=True)
    installed.get_by_role("button", name="Change version").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Change the version of {app_name}")
    expect(dialog.get_by_role("radio", name="Version 1 (installed)")).to_be_checked()
    move = dialog.get_by_role("button", name="Change version")
    expect(move).to_be_disabled()
    dialog.get_by_role("radio", name="Version 2").click()
    expect(dialog.locator("#change-version-added")).to_contain_text("audit:read")
    expect(dialog.locator("#change-version-added")).to_contain_text(
        "Read this workspace's audit log"
    )
    expect(move).to_be_disabled()  # until the box is ticked
    _phone_shot(page, shot, "change-version-phone-dark")
    dialog.get_by_role("checkbox").click()
    expect(move).to_be_enabled()
    move.click()
    expect(page.get_by_text(f"{app_name} moved to version 2.")).to_be_visible()
    expect(dialog).to_have_count(0)
    expect(installed).to_contain_text("v2")
    expect(installed).to_contain_text("workspace:read, audit:read")

    # The directory counts the installation now.
    open_page(page, "/directory")
    page.get_by_role("searchbox", name="Search the directory").fill(suffix)
    listed = page.locator(".directory-card").filter(has_text=app_name)
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("Installed in 1 workspace")


def test_upload_and_remove_an_apps_icon(page: Page, server, shot) -> None:
    developer = server.person(name="Iris Icon")
    with server.db() as session:
        actor = actor_for(session, _user(session, developer))
        developer_terms.accept(
            session=session, actor=actor, version=get_settings().developer_terms_version
        )
        app = developer_apps.create_app(session=session, actor=actor, name="Prism Board")
        slug, app_id = app.slug, app.id

    server.sign_in(page, developer)
    open_page(page, f"/developer/apps/{slug}/general")
    section = page.get_by_role("region", name="Icon")
    header = page.locator("#dev-app-heading").locator("..")
    expect(section.get_by_text("No icon yet")).to_be_visible()
    expect(header.locator(".pt-app-icon-initials")).to_have_text("PB")
    files = section.locator("input[type=file]")

    # A GIF named .png is refused by its bytes, whatever its name says.
    files.set_input_files(
        {"name": "icon.png", "mimeType": "image/png", "buffer": b"GIF89a" + b"\x00" * 64}
    )
    expect(section.get_by_role("alert")).to_contain_text("not a PNG, JPEG or WebP")

    files.set_input_files({"name": "prism.png", "mimeType": "image/png", "buffer": _png(64)})
    expect(page.get_by_text("Icon saved.")).to_be_visible()
    expect(section.get_by_role("alert")).to_have_count(0)
    header_icon = header.locator("img.pt-app-icon")
    expect(header_icon).to_have_attribute(
        "src", re.compile(rf"/developer-icons/{app_id}\?v=[0-9a-f]{{64}}$")
    )
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 64", arg=header_icon.element_handle()
    )
    _phone_shot(page, shot, "developer-icon-phone-dark")

    section.get_by_role("button", name="Remove icon").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Remove the icon?")
    confirm.get_by_role("button", name="Remove icon").click()
    expect(header.locator(".pt-app-icon-initials")).to_have_text("PB")
    expect(section.get_by_text("No icon yet")).to_be_visible()
