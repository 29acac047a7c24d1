"""The shell (picker, dark mode, guards by requirement) and account settings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from portal.models import User
from tests.e2e.helpers import PASSWORD, open_page, ready, sign_in, sign_out
from tests.factories import account_of, make_workspace

pytestmark = pytest.mark.e2e


def test_workspace_picker_lists_readable_workspaces_and_keeps_the_choice(
    page: Page, server, shot
) -> None:
    email = server.person(name="Pia Picker", account_name="Picker Co")
    with server.db() as session:
        user_id = session.exec(select(User.id).where(User.email == email)).one()
        account_id = account_of(session, user_id)
        make_workspace(session, account_id=account_id, name="Picker Alpha")
        make_workspace(session, account_id=account_id, name="Picker Beta")
    server.sign_in(page, email)
    picker = page.locator("#workspace-picker")
    expect(picker).to_have_text(re.compile("Picker Alpha"))
    picker.click()
    options = page.get_by_role("option")
    expect(options).to_have_count(2)
    shot("workspace-picker-open")
    page.get_by_role("option", name=re.compile("Picker Beta")).click()
    expect(picker).to_have_text(re.compile("Picker Beta"))
    # The choice survives navigation and a reload.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Apps").click()
    expect(page.get_by_role("heading", name="Apps")).to_be_visible()
    expect(picker).to_have_text(re.compile("Picker Beta"))
    page.reload()
    ready(page)
    expect(page.locator("#workspace-picker")).to_have_text(re.compile("Picker Beta"))


def test_dark_mode_toggle(page: Page, signed_in, shot) -> None:
    signed_in()
    html = page.locator("html")
    before = html.get_attribute("class") or ""
    page.get_by_role("button", name="Toggle dark mode").click()
    expect(html).not_to_have_class(before) if before else expect(html).to_have_class(
        re.compile("dark")
    )
    expect(html).to_have_class(re.compile("dark"))
    shot("dashboard-dark")
    page.get_by_role("button", name="Toggle dark mode").click()
    expect(html).not_to_have_class(re.compile("dark"))


def test_developer_terms_gate(page: Page, signed_in, shot) -> None:
    signed_in()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Developer portal").click()
    expect(page).to_have_url(re.compile(r"/developer/terms\?next=%2Fdeveloper"))
    expect(page.get_by_text("Not accepted yet")).to_be_visible()
    shot("developer-terms")
    page.get_by_role("button", name="Accept developer terms").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("Tick the box"))
    page.get_by_role("checkbox").click()
    page.get_by_role("button", name="Accept developer terms").click()
    expect(page).to_have_url(re.compile(r"/developer$"))
    expect(page.get_by_role("heading", name="Developer portal")).to_be_visible()
    # The portal itself: no apps yet, and what to do next.
    expect(page.get_by_text("No developer apps yet")).to_be_visible()
    expect(page.get_by_role("button", name="Create app")).to_be_visible()
    shot("developer-portal")


def test_platform_admin_page_is_only_for_platform_staff(page: Page, server, signed_in) -> None:
    signed_in()
    expect(page.get_by_role("link", name="Distribution reviews")).to_have_count(0)
    page.goto("/platform/reviews")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Distribution reviews")).to_have_count(0)

    staff = server.person(name="Stella Staff", platform_admin=True)
    sign_out(page)
    server.sign_in(page, staff)
    page.get_by_role("link", name="Distribution reviews").click()
    expect(page.get_by_role("heading", name="Distribution reviews")).to_be_visible()


def test_settings_profile_password_and_sessions(
    page: Page, browser: Browser, base_url, server, signed_in, shot
):
    email = signed_in(name="Sid Settings")
    # A second browser signs in as the same person.
    other = browser.new_context(base_url=base_url)
    other_page = other.new_page()
    server.sign_in(other_page, email)

    open_page(page, "/settings")
    expect(page.locator(".session-row")).to_have_count(2)
    expect(page.get_by_text("This browser")).to_have_count(1)
    shot("settings")

    # Profile: a blank name is refused where it was typed; a real one is saved.
    name = page.get_by_label("Name", exact=True)
    name.fill("   ")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#name-error")).to_have_text("Enter your name.")
    name.fill("Sid Renamed")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    expect(page.locator("#user-menu")).to_have_text(re.compile("Sid Renamed"))

    # Password: wrong current password is refused beside that field.
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill("another good passphrase")
    page.get_by_label("Confirm new password").fill("another good passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#current_password-error")).to_have_text(
        "That is not your current password."
    )
    shot("settings-password-error")

    # Revoke the other browser's session: it is signed out on its next step.
    page.locator(".session-row").filter(has_not_text="This browser").get_by_role(
        "button", name="Revoke"
    ).click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke session").click()
    expect(page.locator(".session-row")).to_have_count(1)
    other_page.reload()
    expect(other_page).to_have_url(re.compile(r"/sign-in"))
    other.close()

    # Changing the password keeps this session and works for the next sign-in.
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("another good passphrase")
    page.get_by_label("Confirm new password").fill("another good passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()
    # Sign-out is a full page load (/auth/sign-out): wait for it before going anywhere.
    sign_out(page)
    sign_in(page, email=email, password="another good passphrase")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_a_personal_access_token_is_shown_once_in_a_toast(page: Page, signed_in, shot):
    signed_in(name="Tess Token", to="/settings")
    expect(page.get_by_text("No tokens yet")).to_be_visible()

    page.get_by_label("Token name").fill("CI deploys")
    page.get_by_role("button", name="Create token").click()

    toast = page.locator("[data-sonner-toast]").filter(has_text="shown only once")
    expect(toast).to_contain_text(re.compile(r"pat_\S{8,}"))
    expect(toast.get_by_role("button", name="Copy")).to_be_visible()
    expect(page.locator(".token-row")).to_have_count(1)
    expect(page.locator(".token-row")).to_contain_text("CI deploys")
    shot("settings-token-created")

    # Shown once: a reload lists the token but never its secret again.
    page.reload()
    ready(page)
    expect(page.locator(".token-row")).to_contain_text("CI deploys")
    expect(page.get_by_text(re.compile(r"pat_\S{20,}"))).to_have_count(0)

    page.locator(".token-row").get_by_role("button", name="Revoke").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke token").click()
    expect(page.locator(".token-row")).to_contain_text("revoked")
