"""Secrets in the browser: add (the name's rule at the field), the matrix, reveal (shown, then
gone from the page at Hide and after 30 s, and in no state the server keeps), edit and roll
back, copy, a .env block previewed then applied, delete with its confirmation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.models import User
from tests.e2e.conftest import save_two_looks
from tests.e2e.helpers import choose_option
from tests.e2e.test_secrets_shown_once import _state_blobs, _wait_for_states_holding
from tests.factories import account_of, make_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.stores]

VALUE = "postgres://app:Pa55-revealed-e2e-91c3@db.example/app"
SECOND = "second-value-e2e-5d7e"
PASTED = "pasted-value-e2e-a41b"


def test_secrets_add_reveal_edit_roll_back_paste_and_delete(page: Page, server) -> None:
    email = server.person(name="Sol Secrets")
    with server.db() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        workspace_id = str(make_workspace(session, account_of(session, user.id), "Keyring").id)
    # Playwright's clock (time flows as usual) lets the 30 s until a value hides pass at once.
    page.clock.install()
    server.sign_in(page, email, to=f"/workspaces/{workspace_id}/secrets")
    expect(page.get_by_text("No secrets yet")).to_be_visible()
    expect(page.get_by_role("link", name="Secrets")).to_have_attribute("aria-current", "page")
    save_two_looks(page, "secrets-empty")

    # Add: a name against the rule is refused at the field, the dialog keeps what was typed.
    page.get_by_role("button", name="Add secret").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("database-url")
    dialog.get_by_label("Value").fill(VALUE)
    expect(dialog.get_by_label("Value")).to_have_attribute("type", "password")
    choose_option(page, dialog, "Environment", "prod")
    dialog.get_by_role("button", name="Save secret").click()
    expect(dialog.locator("#name-error")).to_contain_text("capital letters")
    dialog.get_by_label("Name").fill("DATABASE_URL")
    dialog.get_by_role("button", name="Save secret").click()
    expect(dialog).to_have_count(0)

    # The matrix: set in prod only; who and when; never the value.
    row = page.locator(".secret-row").filter(has_text="DATABASE_URL")
    expect(row.locator(".secret-cell[data-environment=prod]")).to_contain_text("v1")
    expect(row.locator(".secret-cell")).to_have_count(1)
    expect(row).to_contain_text(email)
    assert VALUE not in page.content()
    save_two_looks(page, "secrets-matrix")

    # Reveal: shown in the dialog, gone from the page at Hide.
    row.locator(".secret-cell[data-environment=prod]").click()
    detail = page.locator("#secret-detail")
    detail.get_by_role("button", name="Reveal value").click()
    revealed = page.locator("#secret-revealed-value")
    expect(revealed).to_have_text(VALUE)
    save_two_looks(page, "secrets-revealed")
    # The server's states hold the page (its name) but never the value.
    blobs = _wait_for_states_holding(server, b"DATABASE_URL")
    assert [where for where, blob in blobs.items() if VALUE.encode() in blob] == []
    detail.get_by_role("button", name="Hide").click()
    expect(revealed).to_have_count(0)
    assert VALUE not in page.content()

    # Edit: a new version; roll back to version 1 (confirmed): its value is current again.
    detail.get_by_label("New value").fill(SECOND)
    detail.get_by_role("button", name="Save new version").click()
    versions = detail.locator(".version-row")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("current")
    versions.filter(has_text="v1").get_by_role("button", name="Roll back").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text("becomes current again, as version 3")
    question.get_by_role("button", name="Roll back").click()
    expect(versions).to_have_count(3)
    expect(versions.first).to_contain_text("rollback")
    detail.get_by_role("button", name="Reveal value").click()
    expect(revealed).to_have_text(VALUE)
    # Left alone, it hides itself after 30 s, not before.
    page.clock.fast_forward("00:25")
    expect(revealed).to_have_text(VALUE)
    page.clock.fast_forward("00:06")
    expect(revealed).to_have_count(0)
    assert VALUE not in page.content()

    # Copy to staging.
    choose_option(page, detail, "Copy to environment", "staging")
    detail.get_by_role("button", name="Copy", exact=True).click()
    expect(row.locator(".secret-cell[data-environment=staging]")).to_contain_text("v1")
    detail.get_by_role("button", name="Close").click()

    # Paste a .env block: errors by line, then a preview, then apply.
    page.get_by_role("button", name="Paste .env").click()
    paste = page.get_by_role("dialog")
    choose_option(page, paste, "Environment", "prod")
    block = f"DATABASE_URL={VALUE}\nexport PASTED_KEY={PASTED}\n"
    paste.get_by_label(".env block").fill(block + "9BAD=1\n")
    paste.get_by_role("button", name="Preview changes").click()
    expect(paste.locator(".preview-error")).to_contain_text("Line 3")
    paste.get_by_label(".env block").fill(block)
    paste.get_by_role("button", name="Preview changes").click()
    expect(paste.locator("#preview-summary")).to_contain_text("1 created, 1 unchanged")
    expect(paste.locator(".preview-item").filter(has_text="PASTED_KEY")).to_contain_text("created")
    expect(paste.locator(".preview-item").filter(has_text="DATABASE_URL")).to_contain_text(
        "unchanged"
    )
    save_two_looks(page, "secrets-paste-preview")
    paste.get_by_role("button", name="Apply changes").click()
    expect(paste).to_have_count(0)
    pasted_row = page.locator(".secret-row").filter(has_text="PASTED_KEY")
    expect(pasted_row.locator(".secret-cell[data-environment=prod]")).to_contain_text("v1")

    # Delete, after a question that says what goes.
    pasted_row.locator(".secret-cell[data-environment=prod]").click()
    detail.get_by_role("button", name="Delete").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text(re.compile(r"Delete PASTED_KEY from prod\?"))
    expect(question).to_contain_text("all 1 of its versions")
    question.get_by_role("button", name="Delete secret").click()
    expect(pasted_row).to_have_count(0)
    expect(page.locator(".secret-row")).to_have_count(1)

    # No value typed, revealed or pasted is in any state the server keeps.
    blobs = _state_blobs(server)
    for secret in (VALUE, SECOND, PASTED):
        assert [where for where, blob in blobs.items() if secret.encode() in blob] == []
