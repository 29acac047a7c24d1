"""An endpoint's page in the browser: reached from its row on the Webhooks tab, it shows the
endpoint, its delivery health as figures and charts, and its messages with their attempts;
recovering the failed ones since a time typed in the browser's own zone, and replaying one,
add pending ones. Screenshots at 1440 and 390 px, light and dark, with PORTAL_SCREENSHOTS=1."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.models import User
from portal.models._base import utcnow
from portal.services import webhook_endpoints
from tests.e2e.helpers import use_scheme
from tests.factories import account_of, actor_for, make_app, make_workspace
from tests.webhook_rows import delivery, failure

pytestmark = pytest.mark.e2e

# A zone 5:30 from UTC, without daylight saving: local readings cannot pass for UTC ones.
KOLKATA = ZoneInfo("Asia/Kolkata")
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": "Asia/Kolkata"}


def _world(server) -> tuple[str, str]:
    """A person with an app whose endpoint had 4 attempts in the last hours: 2 succeeded
    (120 ms), 2 failed (a timeout, a 500 at 300 ms), one message failed for good."""
    email = server.person(name="Wen Hooks")
    with server.db() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        actor = actor_for(session, user)
        workspace = make_workspace(session, account_of(session, user.id), "Hooks Co")
        app = make_app(session, actor, workspace.id, "Hook Shop")
        endpoint_id = webhook_endpoints.create_endpoint(
            session=session,
            actor=actor,
            workspace_id=str(workspace.id),
            app_slug=app.slug,
            url="https://hooks.shop.example/in",
            categories=["sign_in"],
        ).endpoint.id
        now = utcnow()
        delivery(
            session,
            endpoint_id,
            created_at=now - timedelta(hours=2),
            attempts=[failure("timeout", status_code=None, latency_ms=None), {}],
        )
        delivery(session, endpoint_id, created_at=now - timedelta(hours=1), attempts=[{}])
        delivery(
            session,
            endpoint_id,
            status="failed",
            event_type="end_user.created",
            created_at=now - timedelta(minutes=30),
            attempts=[failure(response_body="upstream down")],
        )
    return email, f"/workspaces/{workspace.id}/apps/{app.slug}"


def _shots(page: Page, shot, name: str) -> None:
    for scheme in ("light", "dark"):
        use_scheme(page, scheme)
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            page.wait_for_timeout(300)
            shot(f"{name}-{size['width']}-{scheme}")
    use_scheme(page, "light")
    page.set_viewport_size(DESKTOP)


def test_endpoint_health_messages_and_replay(page: Page, server, shot) -> None:
    email, base = _world(server)
    server.sign_in(page, email, to=f"{base}/webhooks")
    page.get_by_role("link", name="https://hooks.shop.example/in").click()
    expect(page.locator("#endpoint-url")).to_have_text("https://hooks.shop.example/in")
    expect(page.get_by_text("Healthy", exact=True)).to_be_visible()

    health = page.get_by_role("region", name="Delivery health")
    expect(health.locator(".pt-tile").filter(has_text="Success rate")).to_contain_text("50.0 %")
    expect(health.locator(".pt-tile").filter(has_text="p50 latency")).to_contain_text("120 ms")
    expect(health.locator(".pt-tile").filter(has_text="p95 latency")).to_contain_text("300 ms")
    # Both charts drew their bars (recharts renders SVG rectangles per bar).
    expect(page.locator("#volume-chart .recharts-bar-rectangle").first).to_be_visible()
    expect(page.locator("#causes-chart .recharts-bar-rectangle").first).to_be_visible()
    expect(page.locator("#causes-chart")).to_contain_text("Timeout")
    # Hour buckets read in the browser's zone (UTC+05:30): each starts at half past.
    ticks = page.locator("#volume-chart .recharts-cartesian-axis-tick-value")
    expect(ticks.first).to_have_text(re.compile(r"^\d\d:30$"))
    expect(page.get_by_text("(UTC)")).to_have_count(0)

    rows = page.locator("tr.message-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("end_user.created")
    expect(rows.first).to_contain_text("failed")

    rows.first.get_by_role("button", name="Attempts").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Attempt 1")
    expect(dialog).to_contain_text("500")
    dialog.get_by_text("Response body").click()
    expect(dialog).to_contain_text("upstream down")
    _shots(page, shot, "webhook-endpoint-attempts")
    dialog.get_by_role("button", name="Close").click()

    _shots(page, shot, "webhook-endpoint")
    page.get_by_role("radio", name="Last 7 days").click()
    expect(page.locator("#volume-chart .recharts-bar-rectangle").first).to_be_visible()

    # An hour ago, typed in Kolkata's time.
    since = (utcnow() - timedelta(hours=1)).replace(second=0, microsecond=0)
    typed = since.astimezone(KOLKATA).strftime("%Y-%m-%dT%H:%M")
    page.locator("#since").fill(typed)
    page.get_by_role("button", name="Recover failed…").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("1 failed messages since " + typed.replace("T", " "))
    confirm.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("1 failed messages will be sent again.")).to_be_visible()
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("end_user.created")
    expect(rows.first).to_contain_text("pending")

    rows.nth(1).get_by_role("button", name="Replay").click()
    expect(page.get_by_text("will be sent again now")).to_be_visible()
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("end_user.created")
    expect(rows.first).to_contain_text("pending")
