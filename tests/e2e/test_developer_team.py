"""A developer app's team in the browser: the owner invites by email from the Security tab ->
the mail in the dev outbox -> the invitee, signed in, opens the link, accepts and opens the
app -> the owner makes them a viewer -> the viewer sees the team read-only and no client
credentials; the last owner's Leave is refused with the reason; the owner removes the viewer.
An owner who makes themselves a developer loses the credentials card at once."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.domain.developer import TeamRole
from tests.e2e.developer_world import add_to_team, developer, looks, new_app
from tests.e2e.helpers import open_page

pytestmark = pytest.mark.e2e


def test_invite_accept_demote_and_the_last_owner_stays(
    page: Page, browser: Browser, base_url, server
) -> None:
    owner = developer(server, "Odile Owner")
    invitee = developer(server, "Ivo Invitee")
    name = f"Reef Sync {uuid.uuid4().hex[:6]}"
    slug = new_app(server, owner, name).slug
    security = f"/developer/apps/{slug}/security"

    server.sign_in(page, owner)
    open_page(page, security)
    team = page.get_by_role("region", name="Team")
    members = page.locator(".team-member-row")
    expect(members).to_have_count(1)
    expect(members.first).to_contain_text("Odile Owner")
    expect(members.first).to_contain_text("You")
    expect(team.get_by_text("No pending invitations")).to_be_visible()
    expect(team.get_by_text("Invite someone by email with the form above")).to_be_visible()
    looks(page, "developer-team-owner")

    # Someone already on the team is refused beside the field.
    team.get_by_label("Email").fill(owner)
    team.get_by_role("button", name="Send invitation").click()
    expect(team.locator("#email-error")).to_contain_text("is already on the team of")

    # Invite by email, as a developer (the form's default role).
    expect(team.get_by_role("combobox", name="Role", exact=True)).to_contain_text("Developer")
    team.get_by_label("Email").fill(invitee)
    team.get_by_role("button", name="Send invitation").click()
    expect(team.locator("#team-invite-sent")).to_contain_text(invitee)
    expect(team.get_by_label("Email")).to_have_value("")
    invitations = page.locator(".team-invitation-row")
    expect(invitations).to_have_count(1)
    expect(invitations.first).to_contain_text(invitee)
    expect(invitations.first).to_contain_text("developer")
    looks(page, "developer-team-invited")

    # The mail is in the dev outbox, with the link.
    open_page(page, "/dev/outbox")
    mail = page.locator(".outbox-mail").filter(has_text=invitee)
    expect(mail).to_have_count(1)
    expect(mail).to_contain_text(f"Odile Owner invited you to the team of {name}")
    link = mail.get_by_role("link", name="Open link").get_attribute("href")
    assert re.search(r"/developer/invitations/[\w-]+$", link), link

    # The invitee, signed in in a browser of their own, opens the link and accepts.
    other = browser.new_context(base_url=base_url)
    them = other.new_page()
    server.sign_in(them, invitee)
    open_page(them, "/" + link.split("/", 3)[3])
    expect(them.get_by_role("heading", name=f"Join the team of {name}")).to_be_visible()
    expect(them.locator("#team-invitation-state")).to_have_text("pending")
    expect(them.get_by_text("Odile Owner <")).to_be_visible()
    looks(them, "developer-invitation")
    them.get_by_role("button", name="Accept invitation").click()
    expect(them.locator("#team-joined")).to_contain_text(f"You are on the team of {name}")
    looks(them, "developer-invitation-accepted")
    them.get_by_role("link", name="Open the app").click()
    expect(them).to_have_url(re.compile(rf"/developer/apps/{slug}/general$"))
    expect(them.locator("#dev-app-heading")).to_have_text(name)

    # The owner sees the new member and makes them a viewer.
    open_page(page, security)
    expect(invitations).to_have_count(0)
    row = members.filter(has_text=invitee)
    expect(row).to_contain_text("Ivo Invitee")
    row.get_by_role("combobox").click()
    page.get_by_role("option", name="viewer").click()
    expect(row.get_by_role("combobox")).to_have_text("viewer")

    # The viewer sees the team read-only, and no client credentials.
    open_page(them, security)
    expect(them.locator("#team-role")).to_have_text("viewer")
    expect(them.locator("#owners-only")).to_be_visible()
    expect(them.locator("#client-id")).to_have_count(0)
    expect(them.locator(".team-member-row")).to_have_count(2)
    expect(them.get_by_role("button", name="Send invitation")).to_have_count(0)
    expect(them.locator(".team-member-row").get_by_role("combobox")).to_have_count(0)
    expect(them.get_by_role("button", name="Remove")).to_have_count(0)
    expect(them.get_by_text("Only owners change the team: ask one of them")).to_be_visible()
    looks(them, "developer-team-viewer")
    other.close()

    # The owner, the last one, cannot leave: the confirmation, then the reason.
    page.get_by_role("button", name="Leave app").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"You lose access to {name} at once")
    dialog.get_by_role("button", name="Leave app").click()
    expect(page.locator("#leave-error")).to_contain_text(
        f"You are the last owner of {name}. Make someone else owner first"
    )
    expect(page).to_have_url(re.compile(rf"{security}$"))
    expect(members).to_have_count(2)
    looks(page, "developer-team-last-owner")

    # The owner removes the viewer, through the confirmation that says what it does.
    row.get_by_role("button", name="Remove").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"loses access to {name} at once")
    dialog.get_by_role("button", name="Remove from team").click()
    expect(members).to_have_count(1)
    expect(members.filter(has_text=invitee)).to_have_count(0)


def test_an_owner_who_steps_down_loses_the_credentials_at_once(page: Page, server) -> None:
    owner = developer(server, "Olga Owner")
    other = developer(server, "Otto Owner")
    app = new_app(server, owner, f"Kelp Sync {uuid.uuid4().hex[:6]}")
    add_to_team(server, app, other, TeamRole.OWNER)
    server.sign_in(page, owner, to=f"/developer/apps/{app.slug}/security")
    expect(page.locator("#client-id")).to_be_visible()

    # Making yourself a developer asks first (Cancel keeps you owner); then the credentials
    # card goes, without a reload.
    mine = page.locator(".team-member-row").filter(has_text=owner)
    mine.get_by_role("combobox").click()
    page.get_by_role("option", name="developer").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text("Make yourself developer?")
    expect(question).to_contain_text("Only another owner can make you owner again.")
    question.get_by_role("button", name="Cancel").click()
    expect(question).to_have_count(0)
    expect(page.locator("#team-role")).to_have_text("owner")
    mine.get_by_role("combobox").click()
    page.get_by_role("option", name="developer").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Change my role").click()
    expect(page.locator("#team-role")).to_have_text("developer")
    expect(page.locator("#client-id")).to_have_count(0)
    expect(page.locator("#owners-only")).to_be_visible()
    expect(page.get_by_role("button", name="Send invitation")).to_have_count(0)
    looks(page, "developer-team-stepped-down")
