"""The Data Vault in the browser: create a collection (a schema error at its field), add
records (a value error at its field), see them masked, search by exact value, reveal one field
then hide it (gone from the page, in no state the server keeps), edit, delete a record with its
confirmation. The auto-hide after 30 s is the shared reveal script's (portal/components/
reveal.py), waited for in tests/e2e/test_workspace_secrets.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.models import User
from tests.e2e.conftest import save_two_looks
from tests.e2e.helpers import choose_option
from tests.e2e.test_secrets_shown_once import _state_blobs, _wait_for_states_holding
from tests.factories import account_of, make_workspace

pytestmark = [pytest.mark.e2e, pytest.mark.stores]

EMAIL = "jane.vault-e2e@example.com"
SSN = "ssn-e2e-7c91-revealed"
PHONE_NUMBER = "+1 415 555 4242"


@pytest.mark.timeout(240, func_only=True)
def test_vault_collection_records_search_reveal_edit_and_delete(page: Page, server) -> None:
    email = server.person(name="Val Vault")
    with server.db() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        workspace_id = str(make_workspace(session, account_of(session, user.id), "Lockbox").id)
    server.sign_in(page, email, to=f"/workspaces/{workspace_id}/vault")
    expect(page.get_by_text("No collections yet")).to_be_visible()
    expect(page.get_by_role("link", name="Data Vault")).to_have_attribute("aria-current", "page")
    save_two_looks(page, "vault-empty")

    # A collection with three fields; a bad field name is refused at that field.
    page.get_by_role("button", name="New collection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill("customers")
    rows = dialog.locator(".draft-field")
    rows.nth(0).get_by_label("Field name").fill("Email")
    choose_option(page, rows.nth(0), "Type", "email")
    rows.nth(0).get_by_role("checkbox").click()
    dialog.get_by_role("button", name="Add field").click()
    rows.nth(1).get_by_label("Field name").fill("phone")
    choose_option(page, rows.nth(1), "Type", "phone")
    dialog.get_by_role("button", name="Add field").click()
    rows.nth(2).get_by_label("Field name").fill("ssn")
    choose_option(page, rows.nth(2), "Sensitivity", "secret")
    dialog.get_by_role("button", name="Create collection").click()
    expect(rows.nth(0)).to_contain_text("lowercase letters")
    rows.nth(0).get_by_label("Field name").fill("email")
    save_two_looks(page, "vault-new-collection")
    dialog.get_by_role("button", name="Create collection").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_text("No records yet")).to_be_visible()

    # Records: a bad phone number is refused at its field; then two stored.
    page.get_by_role("button", name="Add record").click()
    add = page.get_by_role("dialog")
    add.locator("#value-email").fill(EMAIL)
    add.locator("#value-phone").fill("12")
    add.get_by_role("button", name="Store record").click()
    expect(add.locator(".value-error")).to_contain_text("phone number")
    add.locator("#value-phone").fill(PHONE_NUMBER)
    add.locator("#value-ssn").fill(SSN)
    expect(add.locator("#value-ssn")).to_have_attribute("type", "password")
    add.get_by_role("button", name="Store record").click()
    expect(add).to_have_count(0)
    page.get_by_role("button", name="Add record").click()
    page.get_by_role("dialog").locator("#value-email").fill("bo@example.org")
    page.get_by_role("dialog").get_by_role("button", name="Store record").click()
    expect(page.locator(".record-row")).to_have_count(2)
    expect(page.locator("#record-count")).to_have_text("2 records")

    # Masked: never the values.
    jane = page.locator(".record-row").filter(has_text="j***@example.com")
    expect(jane).to_contain_text("**** 4242")
    expect(jane).to_contain_text("••••••")
    for value in (EMAIL, SSN, "555 4242"):
        assert value not in page.content()
    save_two_looks(page, "vault-records")

    # Exact search: the value typed in any case finds the record; it is in no URL.
    search = page.get_by_role("search")
    search.get_by_label("Search value").fill(EMAIL.upper())
    search.get_by_role("button", name="Search").click()
    expect(page.locator(".record-row")).to_have_count(1)
    assert EMAIL.upper() not in page.url and "jane" not in page.url
    search.get_by_role("button", name="Clear search").click()
    expect(page.locator(".record-row")).to_have_count(2)

    # Reveal one field, then Hide: gone from the page.
    jane.locator(".vault-token").click()
    detail = page.locator("#vault-record")
    detail.get_by_role("button", name="Reveal ssn").click()
    revealed = page.locator("#vault-revealed-value")
    expect(revealed).to_have_text(SSN)
    save_two_looks(page, "vault-revealed")
    blobs = _wait_for_states_holding(server, b"customers")
    assert [where for where, blob in blobs.items() if SSN.encode() in blob] == []
    detail.get_by_role("button", name="Hide").click()
    expect(revealed).to_have_count(0)
    assert SSN not in page.content()

    # Edit: a new phone number; the others keep theirs.
    detail.locator("#value-phone").fill("+44 20 7946 0958")
    detail.get_by_role("button", name="Save record").click()
    expect(detail.locator(".vault-detail-value").filter(has_text="phone")).to_contain_text(
        "**** 0958"
    )
    expect(jane).to_contain_text("**** 0958")

    # Delete, after a question that says the key goes.
    detail.get_by_role("button", name="Delete record").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text("destroys its key")
    question.get_by_role("button", name="Delete record").click()
    expect(page.locator(".record-row")).to_have_count(1)
    expect(page.locator("#record-count")).to_have_text("1 record")

    blobs = _state_blobs(server)
    for secret in (EMAIL, SSN):
        assert [where for where, blob in blobs.items() if secret.encode() in blob] == []
