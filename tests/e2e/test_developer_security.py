"""The Security tab of a developer app in the browser: its owner creates a client secret (shown
once, in a toast), rotates it through the confirmation (two secrets, the older one ending) and
ends the overlap through its confirmation; a viewer of the team sees no secrets and no buttons,
only that owners manage credentials."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.domain.developer import TeamRole
from portal.models import DeveloperClientSecret
from portal.services import client_credentials
from portal.services.tokens import token_hash
from tests.e2e.developer_world import (
    add_to_team,
    close_secret_toast,
    developer,
    looks,
    new_app,
    read_secret_once,
    secret_toast,
    user,
)
from tests.e2e.helpers import open_page
from tests.factories import actor_for

pytestmark = pytest.mark.e2e


def _live_hashes(server, app_id: int) -> set[str]:
    with server.db() as session:
        rows = session.exec(
            select(DeveloperClientSecret).where(
                DeveloperClientSecret.app_id == app_id,
                DeveloperClientSecret.expires_at.is_(None),  # the current one
            )
        ).all()
        return {row.secret_hash for row in rows}


def test_an_owner_creates_rotates_and_ends_a_secret(page: Page, server, shot) -> None:
    owner = developer(server, "Odile Owner")
    app = new_app(server, owner, f"Harbor Sync {uuid.uuid4().hex[:6]}")
    app_id, slug = app.id, app.slug
    server.sign_in(page, owner, to=f"/developer/apps/{slug}/security")

    expect(page.locator("#team-role")).to_have_text("owner")
    client_id = page.locator("#client-id")
    expect(client_id).not_to_be_empty()
    expect(page.get_by_role("button", name="Copy client ID")).to_be_visible()
    expect(page.locator("#token-usage")).to_contain_text("POST /v1/oauth/token")
    expect(page.locator("#token-usage")).to_contain_text("grant_type=client_credentials")
    expect(page.locator("#token-usage")).to_contain_text(f"client_id={client_id.inner_text()}")
    expect(page.get_by_text("No client secrets yet")).to_be_visible()
    expect(page.get_by_role("button", name="Rotate secret")).to_have_count(0)
    looks(page, "developer-security-empty")

    # Create: the secret shows once, in the toast; the table shows its prefix.
    page.get_by_role("button", name="Create client secret").click()
    first = read_secret_once(page)
    rows = page.locator(".client-secret-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(first[:9] + "…")
    expect(rows.first).to_contain_text("Current")
    assert _live_hashes(server, app_id) == {token_hash(first)}
    looks(page, "developer-security-created")
    close_secret_toast(page)
    assert first not in page.content()

    # Rotate, through the confirmation: two secrets, the older one ending in 24 hours.
    page.get_by_role("button", name="Rotate secret").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(
        "A new secret is made. The current one keeps working for 24 hours so you can switch, "
        "then stops."
    )
    dialog.get_by_role("button", name="Rotate secret").click()
    second = read_secret_once(page)
    assert second != first
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(second[:9] + "…")
    expect(rows.nth(0)).to_contain_text("Current")
    expect(rows.nth(1)).to_contain_text(first[:9] + "…")
    expect(rows.nth(1)).to_contain_text(re.compile(r"Ends \d{4}-\d\d-\d\d \d\d:\d\d"))
    expect(rows.nth(0).get_by_role("button", name="End now")).to_have_count(0)
    expect(page.get_by_role("button", name="Rotate secret")).to_be_disabled()
    close_secret_toast(page)
    looks(page, "developer-security-overlap")

    # End the older one now, through its confirmation.
    rows.nth(1).get_by_role("button", name="End now").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Apps still using it will fail to get tokens")
    shot("developer-security-end-now")
    dialog.get_by_role("button", name="End secret now").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(second[:9] + "…")
    expect(page.get_by_role("button", name="Rotate secret")).to_be_enabled()

    # A reload lists the same and shows no secret.
    open_page(page, f"/developer/apps/{slug}/security", reload=True)
    expect(rows).to_have_count(1)
    expect(secret_toast(page)).to_have_count(0)
    assert second not in page.content()


def test_a_viewer_sees_no_secrets(page: Page, server) -> None:
    owner = developer(server, "Owain Owner")
    viewer = developer(server, "Vivi Viewer")
    app = new_app(server, owner, f"Quay Sync {uuid.uuid4().hex[:6]}")
    with server.db() as session:
        # A live secret the viewer must not see.
        client_credentials.rotate(
            session=session, actor=actor_for(session, user(session, owner)), app_id=app.id
        )
    add_to_team(server, app, viewer, TeamRole.VIEWER)

    server.sign_in(page, viewer, to=f"/developer/apps/{app.slug}/security")
    expect(page.locator("#team-role")).to_have_text("viewer")
    expect(page.locator("#owners-only")).to_have_text(
        "Only the app's owners see and manage its client credentials."
    )
    expect(page.locator("#client-id")).to_have_count(0)
    expect(page.locator(".client-secret-row")).to_have_count(0)
    for label in ("Create client secret", "Rotate secret", "End now"):
        expect(page.get_by_role("button", name=label)).to_have_count(0)
    looks(page, "developer-security-viewer")
