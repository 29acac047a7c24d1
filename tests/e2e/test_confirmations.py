"""What a person sees before an action and after it: freeze, unfreeze, restore and revoking a
session or a token ask first and say what they will do (Cancel changes nothing); the offboard
button waits for the typed name; a frozen workspace's rename form says why it is locked; the
Create workspace dialog names the accounts it leaves out and who can grant administer; the
activity feed names its targets as people know them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.domain.dto import UserPublic
from portal.models import PermissionGrant, User
from portal.services import accounts
from tests.e2e.helpers import unique_email
from tests.factories import account_of, actor_for, create_workspace, grant

pytestmark = pytest.mark.e2e

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _user(session, email: str) -> UserPublic:
    row = session.exec(select(User).where(User.email == email)).one()
    return UserPublic.model_validate(row, from_attributes=True)


def _owner_with_workspace(server, name: str) -> tuple[str, str, int]:
    email = server.person(name="Fran Freezer", account_name=f"{name} Co")
    with server.db() as session:
        user = _user(session, email)
        actor = actor_for(session, user)
        account_id = account_of(session, user.id)
        workspace = create_workspace(session, actor, account_id, name)
        accounts.invite(
            session=session,
            actor=actor,
            account_id=account_id,
            email="ana@example.com",
            permission="read",
        )
    return email, str(workspace.id), account_id


def test_status_changes_ask_first_and_cancel_changes_nothing(page: Page, server, shot) -> None:
    email, workspace_id, _ = _owner_with_workspace(server, "Glacier")
    server.sign_in(page, email, to=f"/workspaces/{workspace_id}")
    actions = page.locator("#workspace-actions")

    actions.click()
    page.get_by_role("menuitem", name="Freeze").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Freeze Glacier?")
    expect(dialog).to_contain_text("every write to the workspace")
    shot("confirm-freeze")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#frozen-banner")).to_have_count(0)

    actions.click()
    page.get_by_role("menuitem", name="Freeze").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Freeze workspace").click()
    expect(page.locator("#frozen-banner")).to_be_visible()
    expect(page.get_by_role("alertdialog")).to_have_count(0)

    # The rename form is locked with the reason, before anything is typed.
    expect(page.get_by_label("Workspace name")).to_be_disabled()
    expect(page.get_by_role("button", name="Rename")).to_be_disabled()
    expect(page.locator("#rename-locked")).to_contain_text("until an administrator unfreezes")
    shot("rename-locked-frozen")

    actions.click()
    page.get_by_role("menuitem", name="Unfreeze").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Unfreeze Glacier?")
    dialog.get_by_role("button", name="Unfreeze workspace").click()
    expect(page.locator("#frozen-banner")).to_have_count(0)
    expect(page.get_by_label("Workspace name")).to_be_enabled()

    # Offboard: the button waits for the exact name.
    actions.click()
    page.get_by_role("menuitem", name="Offboard").click()
    dialog = page.get_by_role("alertdialog")
    button = dialog.get_by_role("button", name="Offboard workspace")
    expect(button).to_be_disabled()
    field = dialog.get_by_label(re.compile("Type the workspace name"))
    field.fill("glacier")
    expect(button).to_be_disabled()
    field.fill("Glacier")
    expect(button).to_be_enabled()
    button.click()
    banner = page.locator("#offboarding-banner")
    expect(banner).to_be_visible()
    expect(page.locator("#rename-locked")).to_contain_text("Offboarding")

    actions.click()
    page.get_by_role("menuitem", name="Restore").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Restore Glacier?")
    expect(dialog).to_contain_text("no longer deleted")
    dialog.get_by_role("button", name="Cancel").click()
    expect(banner).to_be_visible()
    actions.click()
    page.get_by_role("menuitem", name="Restore").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Restore workspace").click()
    expect(banner).to_have_count(0)

    # The feed says what changed in words a person knows: no raw ids.
    rows = page.locator(".activity-row")
    expect(rows.filter(has_text="Workspace restored")).to_contain_text("Glacier")
    # The provisioning saga runs in the server's worker, meanwhile frozen and offboarded: on a
    # busy machine its environment rows come seconds later (the page follows it live).
    expect(rows.filter(has_text=re.compile("Environment (ready|failed)"))).not_to_have_count(
        0, timeout=30_000
    )
    for text in rows.all_inner_texts():
        assert not re.search(UUID, text), text
        assert not re.search(r"\benvironment \d+\b", text), text


def test_the_account_feed_names_invitations_and_environments(page: Page, server) -> None:
    email, _, account_id = _owner_with_workspace(server, "Orbit")
    server.sign_in(page, email, to=f"/accounts/{account_id}")
    rows = page.locator(".activity-row")
    expect(rows.filter(has_text="invitation to ana@example.com")).to_have_count(1)
    expect(rows.filter(has_text="Orbit").first).to_be_visible()
    for text in rows.all_inner_texts():
        assert not re.search(UUID, text), text
        assert not re.search(r"\b(environment|invitation|workspace) \d+\b", text), text


def test_revoking_a_session_or_a_token_asks_first(page: Page, server, browser, shot) -> None:
    email = server.person(name="Reva Revoker")
    other = browser.new_context(base_url=server.url)
    other_page = other.new_page()
    server.sign_in(other_page, email)
    server.sign_in(page, email, to="/settings")
    page.get_by_label("Token name").fill("CI deploys")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".token-row")).to_have_count(1)

    # A token: Cancel keeps it, confirming revokes it.
    page.locator(".token-row").get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Revoke the token CI deploys?")
    expect(dialog).to_contain_text("cannot be undone")
    shot("confirm-revoke-token")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator(".token-row")).to_contain_text("active")
    page.locator(".token-row").get_by_role("button", name="Revoke").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke token").click()
    expect(page.locator(".token-row")).to_contain_text("revoked")

    # Another browser's session.
    rows = page.locator(".session-row")
    expect(rows).to_have_count(2)
    rows.filter(has_not_text="This browser").get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Revoke this session?")
    expect(dialog).to_contain_text("signed out at once")
    dialog.get_by_role("button", name="Cancel").click()
    expect(rows).to_have_count(2)
    rows.filter(has_not_text="This browser").get_by_role("button", name="Revoke").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke session").click()
    expect(rows).to_have_count(1)
    other.close()


def test_create_workspace_names_the_accounts_it_leaves_out(page: Page, server, shot) -> None:
    owner = server.person(name="Ana Admin", account_name="Acme Inc.")
    reader = server.person(name="Rob Reader", account_name="Rob's Own")
    with server.db() as session:
        acme = account_of(session, _user(session, owner).id)
        grant(session, _user(session, reader).id, account_id=acme, permission="read")
    server.sign_in(page, reader, to="/workspaces")
    page.get_by_role("button", name="Create workspace").click()
    dialog = page.get_by_role("dialog")
    note = dialog.locator(".cannot-create")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("You can't create workspaces in Acme Inc.")
    expect(note).to_contain_text(f"Ask an administrator ({owner})")
    shot("create-workspace-read-only-account")


def test_a_person_without_administer_anywhere_is_told_whom_to_ask(page: Page, server) -> None:
    owner = server.person(name="Ana Admin", account_name="Solo Inc.")
    reader_email = unique_email("reader")
    server.person(reader_email, name="Rhea Reader")
    with server.db() as session:
        reader = _user(session, reader_email)
        acme = account_of(session, _user(session, owner).id)
        grant(session, reader.id, account_id=acme, permission="read")
        own = account_of(session, reader.id)
        # Their own account handed over: they administer nothing now.
        for row in session.exec(
            select(PermissionGrant).where(
                PermissionGrant.user_id == reader.id, PermissionGrant.account_id == own
            )
        ):
            session.delete(row)
    server.sign_in(page, reader_email, to="/workspaces")
    expect(page.get_by_role("button", name="Create workspace")).to_be_disabled()
    expect(page.locator(".cannot-create")).to_contain_text(
        f"You can't create workspaces in Solo Inc.: it needs administer. Ask an administrator "
        f"({owner})."
    )
