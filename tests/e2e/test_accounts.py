"""Accounts in the browser: invite by email -> the mail in the dev outbox -> the invitee signs
up, opens the link, accepts -> the administrator sees the new member; the last administrator
cannot be demoted or removed; declining, and another email being refused."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from portal.models import User
from portal.services import accounts
from tests.e2e.conftest import SCREENSHOTS, save_screenshot
from tests.e2e.helpers import PASSWORD, open_page, ready, sign_out, unique_email
from tests.factories import account_of, actor_for, make_workspace

pytestmark = pytest.mark.e2e


def open_my_account(page: Page) -> str:
    """From /accounts, open the (only) account; returns its page path."""
    open_page(page, "/accounts")
    page.locator(".account-row").first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/\d+$"))
    ready(page)
    expect(page.locator("#members")).to_be_visible()
    return "/" + page.url.split("/", 3)[3]


def test_invite_accept_and_the_administrator_sees_the_new_member(
    page: Page, browser: Browser, base_url, server, signed_in, shot
) -> None:
    signed_in(name="Ada Admin", to="/accounts")
    expect(page.locator(".account-row")).to_have_count(1)
    shot("accounts")
    looks(page, "accounts")
    account_path = open_my_account(page)

    invitee = unique_email("invitee")
    page.get_by_role("button", name="Invite member").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Email").fill("ivy@localhost")  # the browser lets it through
    dialog.get_by_role("button", name="Send invitation").click()
    expect(dialog.locator("#email-error")).to_be_visible()
    dialog.get_by_label("Email").fill(invitee)
    dialog.get_by_role("button", name="Send invitation").click()
    expect(dialog.locator("#invite-sent")).to_contain_text(invitee)
    expect(dialog.get_by_role("link", name="dev outbox")).to_be_visible()
    shot("account-invite-sent")
    dialog.get_by_role("button", name="Done").click()
    expect(page.locator(".invitation-row").filter(has_text=invitee)).to_have_count(1)
    shot("account")
    looks(page, "account")

    # The mail is in the dev outbox, with the link.
    open_page(page, "/dev/outbox")
    mail = page.locator(".outbox-mail").filter(has_text=invitee)
    expect(mail).to_have_count(1)
    expect(mail).to_contain_text("Ada Admin invited you to")
    link = mail.get_by_role("link").get_attribute("href")
    assert re.search(r"/invitations/[\w-]+$", link)

    # The invitee, who has signed up, in a browser of their own: opens the link, signs in
    # from it.
    server.person(invitee, name="Ivy Invitee")
    other = browser.new_context(base_url=base_url)
    them = other.new_page()
    open_page(them, link)
    expect(them.get_by_role("heading", name=re.compile("You're invited to"))).to_be_visible()
    expect(them.locator("#invitation-state")).to_have_text("pending")
    expect(them.get_by_text(re.compile(r"^Ada Admin <"))).to_be_visible()
    shot_page(them, "invitation-signed-out")
    them.get_by_role("link", name="Sign in").click()
    ready(them)
    expect(them.get_by_label("Email")).to_have_value(invitee)  # filled in from the link
    expect(them.get_by_label("Email")).to_be_focused()
    them.get_by_label("Email").fill(invitee)
    them.get_by_label("Password").fill(PASSWORD)
    them.get_by_role("button", name="Sign in").click()
    expect(them).to_have_url(re.compile(r"/invitations/[\w-]+$"))
    ready(them)
    expect(them.get_by_role("button", name="Accept")).to_be_visible()
    shot_page(them, "invitation-signed-in")
    looks(them, "invitation")
    them.get_by_role("button", name="Accept").click()
    expect(them).to_have_url(re.compile(rf"{account_path}$"))
    ready(them)
    # A reader sees the page read-only, and who the administrators are.
    expect(them.locator("#read-only-notice")).to_contain_text("Ada Admin")
    expect(them.get_by_role("button", name="Invite member")).to_have_count(0)
    expect(them.get_by_role("button", name="Remove")).to_have_count(0)
    shot_page(them, "account-read-only")
    looks(them, "account-read-only")
    other.close()

    # The administrator sees the new member; the invitation is no longer pending.
    open_page(page, account_path)
    row = page.locator(".member-row").filter(has_text=invitee)
    expect(row).to_contain_text("Ivy Invitee")
    expect(page.locator(".invitation-row")).to_have_count(0)
    expect(page.locator(".activity-row").filter(has_text="Invitation accepted")).to_have_count(1)

    # The administrator makes the new member an administrator too.
    row.get_by_role("combobox").click()
    page.get_by_role("option", name="administer").click()
    expect(row.get_by_role("combobox")).to_have_text("administer")
    shot("account-members")


def test_the_last_administrator_cannot_be_demoted_or_removed(page: Page, signed_in, shot) -> None:
    email = signed_in(name="Lone Admin")
    open_my_account(page)
    row = page.locator(".member-row").filter(has_text=email)
    row.get_by_role("combobox").click()
    page.get_by_role("option", name="read").click()
    error = row.locator(".member-error")
    expect(error).to_contain_text(f"{email} is the last administrator")
    expect(row.get_by_role("combobox")).to_have_text("administer")
    shot("account-last-admin")

    row.get_by_role("button", name="Remove").click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_role("button", name="Remove member").click()
    expect(dialog.get_by_role("alert")).to_contain_text("is the last administrator")
    shot("account-last-admin-remove")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator(".member-row")).to_have_count(1)


def test_workspace_grants_and_another_email_and_decline(page: Page, server, shot) -> None:
    owner = server.person(name="Omar Owner")
    invitee = server.person(name="Dee Decliner")
    with server.db() as session:
        owner_user = session.exec(select(User).where(User.email == owner)).one()
        account_id = account_of(session, owner_user.id)
        workspace_id = str(make_workspace(session, account_id=account_id, name="Staging Area").id)
        created = accounts.invite(
            session=session,
            actor=actor_for(session, owner_user),
            account_id=account_id,
            email=invitee,
            permission="administer",
        )
        # The path only: this process's settings do not know the server's public URL.
        link = "/invitations/" + created.link.rsplit("/", 1)[-1]

    # The owner opens the link: it was sent to someone else.
    server.sign_in(page, owner, to=link)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("alert")).to_contain_text(f"This invitation was sent to {invitee}")
    shot("invitation-wrong-email")

    # The workspace page links its account; a grant on one workspace, through a member's
    # Workspace grants dialog, and back.
    open_page(page, f"/workspaces/{workspace_id}")
    page.get_by_role("link", name="Omar Owner's account").click()
    expect(page).to_have_url(re.compile(rf"/accounts/{account_id}$"))
    ready(page)
    row = page.locator(".member-row").filter(has_text=owner)
    row.get_by_role("button", name="Workspace grants").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("No workspace grants.")).to_be_visible()
    dialog.get_by_role("button", name="Grant").click()
    expect(dialog.locator(".workspace-grant-row")).to_contain_text("Staging Area")
    expect(row).to_contain_text("Staging Area: read")
    shot("account-workspace-grants")
    looks(page, "account-workspace-grants")
    dialog.locator(".workspace-grant-row").get_by_role("button", name="Remove").click()
    expect(dialog.locator(".workspace-grant-row")).to_have_count(0)
    dialog.get_by_role("button", name="Done").click()

    # The invitee declines.
    sign_out(page)
    server.sign_in(page, invitee, to=link)
    page.get_by_role("button", name="Decline").click()
    expect(page.locator("#invitation-state")).to_have_text("declined")
    expect(page.locator("#invitation-explained")).to_contain_text("declined")
    shot("invitation-declined")

    # An unknown link says so; another account's page is not found.
    open_page(page, "/invitations/not-a-real-token")
    expect(page.get_by_text("This invitation link is not valid")).to_be_visible()
    open_page(page, f"/accounts/{account_id}")
    expect(page.get_by_text("Account not found")).to_be_visible()
    expect(page.get_by_text("Omar Owner")).to_have_count(0)
    shot("account-not-found")


def shot_page(page: Page, name: str) -> None:
    """Like the `shot` fixture, for a second browser's page."""
    save_screenshot(page, name)


def looks(page: Page, name: str) -> None:
    """NAME-1440-light.png ... NAME-390-dark.png: the page wide and narrow, light and dark,
    to look at (when screenshots are on); the page is left as it was (size, colour scheme)."""
    if not SCREENSHOTS:
        return
    size = page.viewport_size
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900})
            save_screenshot(page, f"{name}-{width}-{scheme}")
    page.emulate_media(color_scheme="light")
    if size:
        page.set_viewport_size(size)
