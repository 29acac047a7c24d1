"""The developer portal's whole working pattern (seed 001) in one browser, as a developer who
also administers a workspace follows it: create the app on /developer -> shape it in General
(its description; the workspace on the private app's allowlist) -> write a draft in Versions,
Validate (the mistake shown at its line and path), fix it, save and publish version 1 -> an
install link, read from the list -> open it, approve the consent and install into the workspace
-> Security: a client secret, then a rotation -> the token exchange (RFC 6749 section 4.4)
takes both secrets during the overlap and refuses the old one once End now ends it -> the
token reads what its scopes open in its workspace and nothing else.

Only what a person could not do quickly is set up through the services: the person, the terms
acceptance and the workspaces. The installation id the token request names is read where the
developer reads it: the Versions tab's Installations. Each step's details
and refusals are the other browser tests' (test_developer_portal.py, test_install_flow.py,
test_developer_security.py) and tests/api/test_oauth.py's."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.developer_world import (
    close_secret_toast,
    developer,
    read_secret_once,
    tab,
    workspace,
)
from tests.e2e.helpers import navigate

pytestmark = pytest.mark.e2e

# The mistake: a scope that does not exist, on line 6 (scopes[1]).
MISTAKEN_MANIFEST = """\
display:
  name: Jetty Sync
  description: Keeps Jetty in step with the workspace.
scopes:
  - workspace:read
  - workspace:write
data_types:
  - workspace_profile
"""

MANIFEST = """\
display:
  name: Jetty Sync
  description: Keeps Jetty in step with the workspace.
scopes:
  - workspace:read
  - audit:read
data_types:
  - workspace_profile
"""


def test_create_publish_install_rotate_and_use_the_token(page: Page, server, shot) -> None:
    suffix = uuid.uuid4().hex[:6]
    name = f"Jetty Sync {suffix}"
    slug = f"jetty-sync-{suffix}"
    email = developer(server, "Jo Journey", account_name=f"Jetty Inc {suffix}")
    mine = workspace(server, email, f"Jetty Ops {suffix}")
    other = workspace(server, email, f"Jetty Lab {suffix}")  # the same account, not installed
    server.sign_in(page, email, to="/developer")

    # 1. Create the app from the developer dashboard: its General tab opens.
    page.get_by_role("button", name="Create app").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_role("button", name="Create app").click()
    expect(page).to_have_url(re.compile(rf"/developer/apps/{slug}/general$"))
    expect(page.get_by_role("heading", name=name)).to_be_visible()

    # 2. General: the description, and the workspace on the private app's allowlist.
    page.get_by_label("Description").fill("Keeps Jetty in step with the workspace.")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Details saved.")).to_be_visible()
    who = page.get_by_role("region", name="Who can install it")
    who.get_by_label("Workspace UUID").fill(mine)
    who.get_by_role("button", name="Add workspace").click()
    expect(page.locator(".allowlist-row")).to_contain_text(mine)

    # 3. Versions: a draft with a mistake, validated: the problem at its line and path.
    tab(page, "Versions")
    editor = page.locator("#manifest")
    editor.fill(MISTAKEN_MANIFEST)
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#manifest-problems")).to_contain_text(
        "line 6 (scopes[1]): 'workspace:write' is not one of the scopes"
    )
    expect(editor).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#publish")).to_be_disabled()
    shot("journey-versions-mistake")

    # 4. Fixed, validated, saved and published (through the confirmation).
    editor.fill(MANIFEST)
    # The server has the edit (the earlier check no longer holds) before Validate: a click
    # within the editor's debounce can still race it (see the issue note).
    expect(page.locator("#draft-validity")).to_have_text("Not checked")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#draft-validity")).to_have_text("Valid")
    expect(editor).to_have_attribute("aria-invalid", "false")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#draft-saved")).to_have_text("Saved")
    page.locator("#publish").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Publish version").click()
    expect(page.get_by_text("Published version 1.")).to_be_visible()
    expect(page.locator(".version-row")).to_contain_text("workspace:read, audit:read")

    # 5. An install link for version 1, read from the list.
    page.get_by_role("button", name="Create install link").click()
    page.get_by_role("dialog").get_by_role("button", name="Create link").click()
    url_field = page.locator(".install-link-row .install-link-url")
    expect(url_field).to_have_value(re.compile(r"/install/\d+\.[A-Za-z0-9_-]+$"))
    link = url_field.input_value()
    assert link.startswith(server.url + "/install/")

    # 6. Opened by the workspace's administrator (the same person): only the allowlisted
    #    workspace is offered; approve the consent and install.
    navigate(page, link.removeprefix(server.url))
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.locator("code", has_text="audit:read")).to_be_visible()
    choice = page.get_by_role("radio", name=re.compile(f"Jetty Ops {suffix}"))
    expect(page.get_by_role("radio")).to_have_count(1)
    choice.click()
    expect(choice).to_be_checked()
    shot("journey-consent")
    page.get_by_role("button", name="Approve and install").click()
    expect(page.get_by_text(f"{name} is installed").first).to_be_visible()
    page.get_by_role("link", name="Open the workspace").click()
    expect(page.locator(".installed-app-row")).to_contain_text(name)

    # The developer reads the installation's id on the Versions tab.
    navigate(page, f"/developer/apps/{slug}/versions")
    installed = page.locator(".installation-row")
    expect(installed).to_have_count(1)
    expect(installed).to_contain_text(f"Jetty Ops {suffix}")
    installation_id = installed.locator("code").inner_text()
    assert installation_id.isdigit(), installation_id

    # 7. Security: a client secret (shown once, in its toast), then a rotation.
    navigate(page, f"/developer/apps/{slug}/security")
    client_id = page.locator("#client-id").inner_text()
    assert client_id
    page.get_by_role("button", name="Create client secret").click()
    first = read_secret_once(page)
    close_secret_toast(page)

    def exchange(secret: str) -> httpx.Response:
        return httpx.post(
            f"{server.url}/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
                "installation_id": installation_id,
            },
            timeout=10,
        )

    assert exchange(first).status_code == 200

    page.get_by_role("button", name="Rotate secret").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Rotate secret").click()
    second = read_secret_once(page)
    assert second != first
    close_secret_toast(page)
    rows = page.locator(".client-secret-row")
    expect(rows).to_have_count(2)

    # 8. During the overlap both secrets get tokens.
    for secret in (first, second):
        response = exchange(secret)
        assert response.status_code == 200, response.text
        assert set(response.json()["scope"].split()) == {"workspace:read", "audit:read"}

    # 9. End now ends the overlap: the old secret is refused, the new one works.
    rows.nth(1).get_by_role("button", name="End now").click()
    page.get_by_role("alertdialog").get_by_role("button", name="End secret now").click()
    expect(rows).to_have_count(1)
    refused = exchange(first)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "invalid_client"
    issued = exchange(second)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["token_type"] == "Bearer" and body["access_token"].startswith("at_")

    # 10. The token reads what its scopes open, in its workspace, and nothing else.
    bearer = {"Authorization": f"Bearer {body['access_token']}"}

    def get(path: str) -> httpx.Response:
        return httpx.get(f"{server.url}{path}", headers=bearer, timeout=10)

    read = get(f"/v1/workspaces/{mine}")  # workspace:read
    assert read.status_code == 200, read.text
    assert read.json()["name"] == f"Jetty Ops {suffix}"
    assert get(f"/v1/workspaces/{mine}/audit").status_code == 200  # audit:read
    assert get(f"/v1/workspaces/{mine}/environments").status_code == 403  # no such scope
    assert get("/v1/workspaces").status_code == 403
    assert get(f"/v1/workspaces/{other}").status_code == 404  # not its workspace
