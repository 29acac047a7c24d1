"""Apps in the browser: create one from the portfolio, follow its next actions through the
baseline until it is ready, the duplicate warning, switching apps on the same page, delete
with the typed name, and what a reader and a frozen workspace allow."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.domain.access import Permission
from portal.models import AppApiKey, User, Workspace
from portal.services import demo_apps, workspaces
from tests.e2e.helpers import open_page, settle
from tests.factories import account_of, actor_for, grant, make_app, make_workspace

pytestmark = pytest.mark.e2e

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _person_with_workspace(server, name: str, workspace: str) -> tuple[str, str]:
    email = server.person(name=name)
    with server.db() as session:
        user_id = session.exec(select(User.id).where(User.email == email)).one()
        workspace_id = str(make_workspace(session, account_of(session, user_id), workspace).id)
    return email, workspace_id


def _on_app_page(page: Page, label: str) -> None:
    """Wait until the app page `label` has loaded (its tab is marked current by the load)."""
    tabs = page.get_by_role("navigation", name="App pages")
    expect(tabs.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")


def _create_app(page: Page, name: str) -> None:
    page.get_by_role("button", name="Create App").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_role("button", name="Create App").click()


def test_a_new_app_goes_from_setup_to_ready_by_its_next_actions(page: Page, server, shot) -> None:
    email, workspace_id = _person_with_workspace(server, "Nia Builder", "Storefront")
    server.sign_in(page, email, to="/apps")
    expect(page.get_by_text("No apps in this workspace yet")).to_be_visible()
    shot("apps-empty")
    open_page(page, "/")
    expect(page.locator("#first-app")).to_contain_text("Create your first app")
    shot("dashboard-no-apps")
    open_page(page, "/apps")

    _create_app(page, "Acme Billing")
    expect(page).to_have_url(re.compile(rf"/workspaces/{workspace_id}/apps/acme-billing/overview$"))
    expect(page.get_by_role("heading", name="Acme Billing")).to_be_visible()
    # The open app's name stands in the sidebar above its pages, and in the switcher.
    expect(page.locator("#sidebar-app-name")).to_have_text("Acme Billing")
    expect(page.locator("#app-switcher")).to_contain_text("Acme Billing")
    expect(page.locator("#baseline li")).to_have_count(3)
    next_action = page.locator("#next-action")
    expect(next_action).to_have_text("Set an email sender")
    shot("app-overview-setup")

    # The dashboard lists it under Need action, with the action linking to where it is fixed.
    open_page(page, "/")
    expect(page.locator("#tile-needs-attention")).to_contain_text("1")
    item = page.locator("#need-action li").filter(has_text="Acme Billing")
    expect(item).to_contain_text("No email sender is set.")
    shot("dashboard-need-action")
    item.get_by_role("link", name="Set an email sender").click()
    expect(page).to_have_url(re.compile(r"/apps/acme-billing/email$"))
    _on_app_page(page, "Email settings")
    page.get_by_label("Sender name").fill("Acme")
    page.get_by_label("Sender address").fill(
        "no-reply@acme"
    )  # the browser takes it; the server does not
    page.get_by_role("button", name="Save email settings").click()
    expect(page.locator("#sender_address-error")).to_contain_text("Enter an email address")
    expect(page.get_by_label("Sender name")).to_have_value("Acme")  # what was typed stays
    page.get_by_label("Sender address").fill("no-reply@acme.test")
    page.get_by_role("button", name="Save email settings").click()
    expect(page.get_by_text("Email settings saved.")).to_be_visible()
    page.get_by_role("button", name="Send test email").click()
    expect(page.get_by_text(re.compile(rf"Test email sent to {re.escape(email)}"))).to_be_visible()
    shot("app-email-settings")

    # Next: a prod API key. Its secret is shown once.
    page.get_by_role("navigation", name="App pages").get_by_role("link", name="Overview").click()
    expect(page.locator("#next-action")).to_have_text("Create a prod API key")
    page.locator("#next-action").click()
    expect(page).to_have_url(re.compile(r"/apps/acme-billing/api-keys$"))
    _on_app_page(page, "API keys")
    expect(page.get_by_text("No prod keys yet")).to_be_visible()
    page.get_by_role("button", name="Create key").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Backend")
    dialog.get_by_role("button", name="Create key").click()
    toast = page.locator(".secret-once-toast")
    expect(toast).to_contain_text(re.compile(r"sk_prod_[0-9A-Za-z]{38}"))
    secret = re.search(r"sk_prod_[0-9A-Za-z]{38}", toast.inner_text()).group(0)
    expect(page.locator(".key-row")).to_have_count(1)
    expect(page.locator(".key-row")).to_contain_text(secret[:12])
    expect(page.locator(".key-row")).not_to_contain_text(secret)
    page.locator(".secret-once-toast").get_by_role("button", name="Close toast").click()
    shot("app-api-keys")
    with server.db() as session:
        stored = session.exec(select(AppApiKey.key_hash)).all()
        assert secret not in stored and len(stored) == 1

    # Baseline complete: the app is ready and nothing needs doing.
    page.get_by_role("navigation", name="App pages").get_by_role("link", name="Overview").click()
    expect(page.get_by_text("Nothing needs doing")).to_be_visible()
    expect(page.locator("#baseline .pt-missing")).to_have_count(0)
    shot("app-overview-ready")

    # The portfolio card says so too, and the dashboard has nothing left to do.
    open_page(page, "/apps")
    card = page.locator("[data-app-slug='acme-billing']")
    expect(card).to_contain_text("ready")
    expect(card).to_contain_text("No action needed")
    open_page(page, "/")
    expect(page.get_by_text("Nothing needs action")).to_be_visible()
    expect(page.locator("#recent-apps")).to_contain_text("Acme Billing")
    shot("dashboard-all-clear")

    # The customer's backend calls the data plane with the key: an organization, an end user
    # who is its admin, and a sign-in. The activity (flushed every few seconds) makes the app
    # operating and the organization live.
    api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {secret}"})
    org = api.post("/v1/organizations", json={"name": "Globex"}).json()["id"]
    ana = api.post(
        "/v1/end-users", json={"email": "ana@globex.example", "password": "a long passphrase"}
    ).json()["id"]
    api.put(f"/v1/organizations/{org}/members/{ana}", json={"role": "admin"})
    signed_in = api.post(
        f"/v1/end-users/{ana}/sign-ins",
        json={"method": "password", "password": "a long passphrase"},
    )
    assert signed_in.status_code == 201, signed_in.text
    overview = f"/workspaces/{workspace_id}/apps/acme-billing/overview"
    for _ in range(20):  # the flush runs every 5 s
        open_page(page, overview)
        # Flushes run every second: wait for the one that holds the sign-in too, and for the
        # status that the calls' activity makes (the two can land in different flushes).
        heading = page.locator("#app-heading").locator("..").inner_text()
        if "1 sign-in in 30 days" in page.locator("#chart-sign-ins").inner_text() and (
            "operating" in heading
        ):
            break
        page.wait_for_timeout(1000)
    expect(page.locator("#app-heading").locator("..")).to_contain_text("operating")
    expect(page.locator("#chart-sign-ins")).to_contain_text("1 sign-in in 30 days")
    expect(page.locator("#recent-audit")).to_contain_text("End user created")
    shot("app-overview-operating")
    tabs = page.get_by_role("navigation", name="App pages")
    tabs.get_by_role("link", name="Organizations").click()
    expect(page.locator(".organization-row").filter(has_text="Globex")).to_contain_text("live")

    # The audit log names the key that acted, filters, and exports what it shows as CSV.
    tabs.get_by_role("link", name="Audit log").click()
    _on_app_page(page, "Audit log")
    expect(page.locator(".activity-row").filter(has_text="Organization created")).to_contain_text(
        "key sk_prod_"
    )
    page.get_by_label("Filter by action").fill("organization")
    expect(page.locator(".activity-row")).to_have_count(2)  # created, member added
    shot("app-audit-log")
    href = page.locator("#audit-csv").get_attribute("href")
    assert "action=organization" in href
    exported = page.request.get(href)
    assert exported.status == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.text().count("\n") == 1 + 2


def test_portfolio_search_duplicates_switching_and_delete(page: Page, server, shot) -> None:
    email, workspace_id = _person_with_workspace(server, "Dev Duplicate", "Portfolio Home")
    with server.db() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        actor = actor_for(session, user)
        make_app(session, actor, workspace_id, "Acme Billing")
        make_app(session, actor, workspace_id, "Zeta Reports")
    server.sign_in(page, email)
    # A dashboard count opens the portfolio filtered to what it counts.
    expect(page.locator("#tile-apps")).to_contain_text("2")
    page.locator("#tile-needs-attention").click()
    expect(page).to_have_url(re.compile(r"/apps\?state=setup$"))
    expect(page.locator("#app-cards article")).to_have_count(2)
    page.get_by_role("combobox", name="Filter by state").click()
    page.get_by_role("option", name="Ready").click()
    expect(page.get_by_text("No app matches")).to_be_visible()
    open_page(page, "/apps")
    expect(page.locator("#app-cards article")).to_have_count(2)
    shot("apps-portfolio")

    # Search is on the server, by name or slug.
    page.get_by_label("Search by name or slug").fill("zeta")
    expect(page.locator("#app-cards article")).to_have_count(1)
    page.get_by_label("Search by name or slug").fill("nothing-like-this")
    expect(page.get_by_text("No app matches")).to_be_visible()
    page.get_by_label("Search by name or slug").fill("")
    expect(page.locator("#app-cards article")).to_have_count(2)

    # A close name: the portfolio shows the existing app and asks first.
    _create_app(page, "Acme Biling")
    warning = page.locator("#duplicate-warning")
    expect(warning).to_contain_text("Acme Billing")
    shot("apps-duplicate-warning")
    page.get_by_role("dialog").get_by_role("button", name="Create anyway").click()
    expect(page).to_have_url(re.compile(r"/apps/acme-biling/overview$"))

    # The switcher opens the same page of another app.
    page.get_by_role("navigation", name="App pages").get_by_role(
        "link", name="Email settings"
    ).click()
    expect(page).to_have_url(re.compile(r"/apps/acme-biling/email$"))
    # The URL changes before the new page has drawn (its code may still be loading): a menu
    # opened on the page before would close as that page goes. The tab is current once the
    # email page's own load has run.
    expect(
        page.get_by_role("navigation", name="App pages").get_by_role("link", name="Email settings")
    ).to_have_attribute("aria-current", "page")
    settle(page)
    page.locator("#app-switcher").click()
    page.get_by_role("menuitem", name="Zeta Reports").click()
    expect(page).to_have_url(re.compile(rf"/workspaces/{workspace_id}/apps/zeta-reports/email$"))
    expect(page.get_by_role("heading", name="Zeta Reports")).to_be_visible()
    expect(page.locator("#sidebar-app-name")).to_have_text("Zeta Reports")

    # Delete asks for the app's name.
    open_page(page, "/apps")
    page.get_by_role("button", name="Delete Acme Biling").click()
    dialog = page.get_by_role("alertdialog")
    confirm = dialog.get_by_role("button", name="Delete app")
    expect(confirm).to_be_disabled()
    dialog.get_by_label("to confirm").fill("Acme Biling")
    expect(confirm).to_be_enabled()
    shot("apps-delete-confirm")
    confirm.click()
    expect(page.get_by_text("Deleted Acme Biling.")).to_be_visible()
    expect(page.locator("#app-cards article")).to_have_count(2)
    expect(page.locator("[data-app-slug='acme-biling']")).to_have_count(0)


def test_readers_see_apps_but_no_controls_and_a_frozen_workspace_refuses_changes(
    page: Page, server, shot
) -> None:
    owner_email, workspace_id = _person_with_workspace(server, "Olga Owner", "Shared Apps")
    reader_email = server.person(name="Rita Reader")
    with server.db() as session:
        owner = session.exec(select(User).where(User.email == owner_email)).one()
        reader_id = session.exec(select(User.id).where(User.email == reader_email)).one()
        make_app(session, actor_for(session, owner), workspace_id, "Shared Billing")
        grant(session, reader_id, workspace_id=workspace_id, permission=Permission.READ)
    server.sign_in(page, reader_email, to="/apps")
    expect(page.locator("[data-app-slug='shared-billing']")).to_be_visible()
    expect(page.get_by_role("button", name="Create App")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete Shared Billing")).to_have_count(0)
    open_page(page, f"/workspaces/{workspace_id}/apps/shared-billing/email")
    expect(page.get_by_role("button", name="Save email settings")).to_be_disabled()
    expect(page.get_by_text("changing them needs administer")).to_be_visible()

    # The owner, on a frozen workspace: the reason shows and the controls are disabled.
    with server.db() as session:
        owner = session.exec(select(User).where(User.email == owner_email)).one()
        workspaces.freeze(
            session=session,
            actor=actor_for(session, owner),
            workspace_id=workspace_id,
            reason="Audit",
        )
    page.context.clear_cookies()
    server.sign_in(page, owner_email, to="/apps")
    expect(page.get_by_text("is frozen").first).to_be_visible()
    expect(page.get_by_role("button", name="Create App")).to_be_disabled()
    expect(page.get_by_role("button", name="Delete Shared Billing")).to_be_disabled()
    shot("apps-frozen")


def test_organizations_and_end_users_of_an_app(page: Page, server, shot) -> None:
    email, workspace_id = _person_with_workspace(server, "Omar Orgs", "People Home")
    with server.db() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        make_app(session, actor_for(session, user), workspace_id, "Crm")
    server.sign_in(page, email, to=f"/workspaces/{workspace_id}/apps/crm/organizations")
    expect(page.get_by_text("No organizations yet")).to_be_visible()
    page.get_by_role("button", name="Create organization").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Globex")
    dialog.get_by_role("button", name="Create organization").click()
    row = page.locator(".organization-row").filter(has_text="Globex")
    expect(row).to_contain_text("no admin")
    shot("app-organizations")
    # Without an admin it is a blocker, and the overview links to this page to fix it.
    tabs = page.get_by_role("navigation", name="App pages")
    tabs.get_by_role("link", name="Overview").click()
    blocker = page.locator("#blockers li").filter(has_text="no admin member")
    expect(blocker).to_be_visible()
    blocker.get_by_role("link", name="Fix").click()
    expect(page).to_have_url(re.compile(r"/apps/crm/organizations$"))

    # End users: add one, disable (asked first), delete (asked first).
    tabs.get_by_role("link", name="End users").click()
    _on_app_page(page, "End users")
    page.get_by_role("button", name="Add end user").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Email", exact=True).fill("ana@globex.example")
    dialog.get_by_label("Name").fill("Ana")
    dialog.get_by_role("button", name="Add end user").click()
    row = page.locator(".end-user-row").filter(has_text="ana@globex.example")
    expect(row).to_contain_text("active")

    # Make her Globex's admin: the blocker goes.
    tabs.get_by_role("link", name="Organizations").click()
    _on_app_page(page, "Organizations")
    globex = page.locator(".organization-row").filter(has_text="Globex")
    globex.get_by_role("button", name="Members").click()
    members = page.get_by_role("dialog")
    members.get_by_label("End user's email").fill("nobody@globex.example")
    members.get_by_role("button", name="Add member").click()
    expect(members.locator("#email-error")).to_contain_text("add them on End users first")
    members.get_by_label("End user's email").fill("ana@globex.example")
    members.get_by_role("combobox", name="Role").click()
    page.get_by_role("option", name="admin").click()
    members.get_by_role("button", name="Add member").click()
    expect(members.locator(".member-row")).to_contain_text("ana@globex.example")
    shot("app-organization-members")
    members.get_by_role("button", name="Done").click()
    expect(globex).not_to_contain_text("no admin")
    expect(globex).to_contain_text("1")
    tabs.get_by_role("link", name="End users").click()
    _on_app_page(page, "End users")
    row = page.locator(".end-user-row").filter(has_text="ana@globex.example")
    expect(row).to_contain_text("Globex")  # her memberships
    # Inviting needs magic links, which this app has not enabled: said beside the checkbox.
    page.get_by_role("button", name="Add end user").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Email", exact=True).fill("bo@globex.example")
    dialog.get_by_text("Email them a sign-in link").click()
    dialog.get_by_role("button", name="Add end user").click()
    expect(dialog.locator("#invite-error")).to_contain_text("not enabled")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator(".end-user-row")).to_have_count(1)

    row.get_by_role("button", name="Disable").click()
    alert = page.get_by_role("alertdialog")
    expect(alert).to_contain_text("sessions end at once")
    alert.get_by_role("button", name="Disable end user").click()
    expect(row).to_contain_text("disabled")
    shot("app-end-users")
    row.get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete end user").click()
    expect(page.get_by_text("No end users yet")).to_be_visible()


def test_webhook_endpoints_with_their_signing_secret(page: Page, server, shot) -> None:
    email, workspace_id = _person_with_workspace(server, "Wes Hooks", "Hook Home")
    with server.db() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        make_app(session, actor_for(session, user), workspace_id, "Shop")
    server.sign_in(page, email, to=f"/workspaces/{workspace_id}/apps/shop/webhooks")
    expect(page.get_by_text("Delivery arrives with the webhooks release")).to_be_visible()
    page.get_by_role("button", name="Add endpoint").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Endpoint URL").fill("https://10.1.2.3/hook")
    dialog.get_by_role("button", name="Add endpoint").click()
    expect(dialog.locator("#url-error")).to_contain_text("not a public address (private)")
    dialog.get_by_label("Endpoint URL").fill("https://hooks.shop.example/portal")
    dialog.get_by_role("button", name="Add endpoint").click()
    toast = page.locator(".secret-once-toast")
    expect(toast).to_contain_text(re.compile(r"whsec_[A-Za-z0-9+/=]{32}"))
    first = re.search(r"whsec_[A-Za-z0-9+/=]{32}", toast.inner_text()).group(0)
    toast.get_by_role("button", name="Close toast").click()
    expect(page.locator(".secret-once-toast")).to_have_count(0)
    row = page.locator(".endpoint-row")
    expect(row).to_contain_text("hooks.shop.example")
    expect(row).not_to_contain_text(first)
    shot("app-webhooks")
    # Reveal shows the same secret again; rotate (asked first) a new one.
    row.get_by_role("button", name="Reveal secret").click()
    revealed = page.locator(".secret-once-toast").filter(has_text="revealed")
    expect(revealed).to_contain_text(first)
    revealed.get_by_role("button", name="Close toast").dispatch_event("click")
    expect(page.locator(".secret-once-toast")).to_have_count(0)
    row.get_by_role("button", name="Rotate").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Rotate secret").click()
    rotated = page.locator(".secret-once-toast").filter(has_text="A new signing secret")
    expect(rotated).to_contain_text(re.compile(r"whsec_[A-Za-z0-9+/=]{32}"))
    new = re.search(r"whsec_[A-Za-z0-9+/=]{32}", rotated.inner_text()).group(0)
    assert new != first
    rotated.get_by_role("button", name="Close toast").dispatch_event("click")
    row.get_by_role("button", name="Disable").click()
    expect(row).to_contain_text("disabled")


def test_an_oauth_client_is_saved_sealed_and_enables_its_sign_in(page: Page, server) -> None:
    email, workspace_id = _person_with_workspace(server, "Otto Auth", "Auth Home")
    with server.db() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        make_app(session, actor_for(session, user), workspace_id, "Crm")
    server.sign_in(page, email, to=f"/workspaces/{workspace_id}/apps/crm/auth")
    google = page.get_by_label("Google")
    expect(google).to_be_disabled()  # no client yet
    form = page.locator("#oauth-google")
    form.get_by_label("Client ID").fill("123.apps.googleusercontent.com")
    form.get_by_role("button", name="Save Google client").click()
    expect(form.locator("#google_client_secret-error")).to_contain_text("client secret")
    form.get_by_label("Client secret").fill("GOCSPX-e2e-secret")
    form.get_by_role("button", name="Save Google client").click()
    expect(page.get_by_text("Google client saved")).to_be_visible()
    expect(form.get_by_label("Client secret")).to_have_value("")  # never filled back in
    expect(form.get_by_label("Client secret")).to_have_attribute("placeholder", re.compile("Saved"))
    expect(google).to_be_enabled()
    google.check()
    page.get_by_role("button", name="Save auth settings").click()
    expect(page.get_by_text("Auth settings saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Google")).to_be_checked()
    assert "GOCSPX-e2e-secret" not in page.content()


def test_the_dashboard_and_portfolio_at_a_thousand_apps(page: Page, server, shot) -> None:
    email, workspace_id = _person_with_workspace(server, "Sky Scale", "Scale Home")
    with server.db() as session:
        workspace = session.get(Workspace, uuid.UUID(workspace_id))
        demo_apps.seed_scale(
            session, workspace, apps=1000, organizations_per_app=2, end_users_per_app=3
        )
    server.sign_in(page, email)
    expect(page.locator("#tile-apps")).to_contain_text("1,000")
    expect(page.locator("#need-action li")).to_have_count(10)  # bounded, most important first
    expect(page.locator("#need-action-all")).to_have_text("See all 1,000 in the portfolio")
    shot("dashboard-1000-apps")
    open_page(page, "/apps")
    expect(page.locator("#app-cards article")).to_have_count(24)
    expect(page.get_by_text("1,000 apps")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2")).to_be_visible()
    expect(page.locator("#app-cards article").first).to_contain_text("Scale App 00025")
    page.get_by_label("Search by name or slug").fill("00999")
    expect(page.locator("#app-cards article")).to_have_count(1)
    shot("apps-1000")
