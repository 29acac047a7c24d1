"""The Webhooks tab of a developer app in the browser: a developer reveals the signing secret
(once, in a toast; in no state the server keeps), rotates it through the confirmation (the old
one signing 24 hours more), turns a disabled webhook back on, reads delivery health over
the three windows, and works the message log: attempts, recover failed since a time typed in
the browser's own time zone, replay, test event."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.models import (
    AuditEvent,
    DeveloperApp,
    DeveloperAppInstallation,
    DeveloperAppVersion,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
)
from portal.models._base import utcnow
from portal.services import developer_webhooks
from portal.services.webhook_signing import new_message_id
from tests.e2e.developer_world import developer, looks, published_app, workspace
from tests.e2e.helpers import open_page
from tests.e2e.test_secrets_shown_once import _wait_for_states_holding
from tests.webhook_rows import developer_delivery, failure

pytestmark = [pytest.mark.e2e, pytest.mark.stores]

SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]{30,}")
# A zone 5:45 from UTC, without daylight saving: local readings cannot pass for UTC ones.
KATHMANDU = ZoneInfo("Asia/Kathmandu")


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": "Asia/Kathmandu"}


def _toast(page: Page, words: str):
    return page.locator("[data-sonner-toast]").filter(has_text=words)


def _read_and_close(page: Page, words: str) -> str:
    toast = _toast(page, words)
    expect(toast).to_contain_text(SECRET)
    expect(toast.get_by_role("button", name="Copy")).to_be_visible()
    secret = SECRET.search(toast.inner_text()).group(0)
    toast.get_by_role("button", name="Close toast").click()
    expect(toast).to_have_count(0)
    return secret


def _live(server, app_id: int) -> list[str]:
    with server.db() as session:
        return developer_webhooks.signing_secrets(session, session.get(DeveloperApp, app_id))


def test_reveal_shows_the_secret_once_and_rotate_confirms(page: Page, server) -> None:
    owner = developer(server, "Wanda Webhooks")
    app = published_app(server, owner, f"Harbor Hooks {uuid.uuid4().hex[:6]}")
    server.sign_in(page, owner, to=f"/developer/apps/{app.slug}/webhooks")

    expect(page.locator("#webhook-state")).to_contain_text("healthy")
    expect(page.get_by_text("No deliveries yet")).to_be_visible()
    looks(page, "developer-webhooks-empty")

    page.get_by_role("button", name="Reveal secret").click()
    first = _read_and_close(page, "verify deliveries with it")
    assert _live(server, app.id) == [first]
    assert first not in page.content()

    # In no state the server keeps (written after the reveal: they hold the app's slug).
    blobs = _wait_for_states_holding(server, app.slug.encode())
    tail = first[10:].encode()
    assert [w for w, blob in blobs.items() if first.encode() in blob or tail in blob] == []

    page.get_by_role("button", name="Rotate secret").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("The old one keeps signing beside it for 24 hours")
    dialog.get_by_role("button", name="Rotate secret").click()
    second = _read_and_close(page, "The old one also signs for 24 hours")
    assert second != first
    assert _live(server, app.id) == [second, first]
    expect(page.locator("#previous-secret")).to_contain_text("The previous secret also signs")
    blobs = _wait_for_states_holding(server, app.slug.encode())
    assert [w for w, blob in blobs.items() if second.encode() in blob] == []


def _history(server, app_id: int, admin: str) -> None:
    """A workspace that installed the app, with one delivery: two failures, then a success."""
    workspace_id = uuid.UUID(workspace(server, admin, f"Hooked {uuid.uuid4().hex[:4]}"))
    now = utcnow()
    with server.db() as session:
        version = session.exec(
            select(DeveloperAppVersion).where(DeveloperAppVersion.app_id == app_id)
        ).first()
        installation = DeveloperAppInstallation(
            app_id=app_id, workspace_id=workspace_id, version_id=version.id
        )
        event = OutboxEvent(
            message_id=new_message_id(now),
            type="app.updated",
            workspace_id=workspace_id,
            payload={},
        )
        session.add_all([installation, event])
        session.flush()
        delivery = WebhookDelivery(
            event_id=event.id,
            workspace_id=workspace_id,
            installation_id=installation.id,
            developer_app_id=app_id,
            status="succeeded",
        )
        session.add(delivery)
        session.flush()
        for number, (outcome, cause, latency) in enumerate(
            [
                ("failure", "timeout", 10_000),
                ("failure", "http_status", 300),
                ("success", None, 140),
            ],
            start=1,
        ):
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    developer_app_id=app_id,
                    attempt=number,
                    attempted_at=now - timedelta(minutes=10 - number),
                    outcome=outcome,
                    cause=cause,
                    status_code=None if cause == "timeout" else (500 if cause else 200),
                    latency_ms=latency,
                )
            )
        app = session.get(DeveloperApp, app_id)
        app.webhook_failing_since = now - timedelta(days=5)
        app.webhook_disabled_at = now
        app.webhook_disabled_reason = "Failing for 5 days without a success."
        session.add(app)
        session.commit()


def test_a_disabled_webhook_turns_back_on_and_health_reads_its_attempts(page: Page, server) -> None:
    owner = developer(server, "Hugo Health", account_name="Hugo's")
    app = published_app(server, owner, f"Health Hooks {uuid.uuid4().hex[:6]}")
    _history(server, app.id, owner)
    server.sign_in(page, owner, to=f"/developer/apps/{app.slug}/webhooks")

    state = page.locator("#webhook-state")
    expect(state).to_contain_text("disabled")
    expect(state).to_contain_text("Failing for 5 days without a success.")
    expect(page.locator("#health-attempts")).to_have_text("3")
    expect(page.locator("#health-success-rate")).to_have_text("33.3%")
    expect(page.locator("#health-p50")).to_have_text("300 ms")
    expect(page.locator("#health-p95")).to_have_text("10000 ms")
    expect(page.locator("#health-volume .recharts-bar-rectangle").first).to_be_visible()
    expect(page.locator("#health-causes")).to_contain_text("Timeout")
    looks(page, "developer-webhooks-health")

    month = page.get_by_role("radio", name="30 days")
    month.click()
    expect(month).to_have_attribute("aria-checked", "true")
    expect(page.locator("#health-attempts")).to_have_text("3")

    page.get_by_role("button", name="Turn back on").click()
    expect(state).to_contain_text("healthy")
    expect(page.get_by_role("button", name="Turn back on")).to_have_count(0)
    open_page(page, f"/developer/apps/{app.slug}/webhooks", reload=True)
    expect(page.locator("#webhook-state")).to_contain_text("healthy")


def _messages(server, app_id: int, admin: str) -> None:
    """The app installed in a workspace, with a message that failed 3 hours ago (a 500, then
    a timeout) and one that succeeded an hour ago."""
    workspace_id = uuid.UUID(workspace(server, admin, f"Logged {uuid.uuid4().hex[:4]}"))
    now = utcnow()
    with server.db() as session:
        version = session.exec(
            select(DeveloperAppVersion).where(DeveloperAppVersion.app_id == app_id)
        ).first()
        installation = DeveloperAppInstallation(
            app_id=app_id, workspace_id=workspace_id, version_id=version.id
        )
        session.add(installation)
        session.flush()
        developer_delivery(
            session,
            installation.id,
            status="failed",
            created_at=now - timedelta(hours=3),
            attempts=[failure(response_body="upstream down"), failure("timeout", status_code=None)],
        )
        developer_delivery(session, installation.id, created_at=now - timedelta(hours=1))


def test_the_message_log_recovers_in_local_time_replays_and_sends_a_test(
    page: Page, server
) -> None:
    owner = developer(server, "Mia Messages", account_name="Mia's")
    app = published_app(server, owner, f"Log Hooks {uuid.uuid4().hex[:6]}")
    _messages(server, app.id, owner)
    server.sign_in(page, owner, to=f"/developer/apps/{app.slug}/webhooks")

    rows = page.locator("tr.message-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("succeeded")
    expect(rows.nth(1)).to_contain_text("failed")
    # The hourly ticks read in the browser's zone (UTC+05:45): every hour starts at :45.
    ticks = page.locator("#health-volume .recharts-cartesian-axis-tick-value")
    expect(ticks.first).to_have_text(re.compile(r"^\d\d:45$"))
    expect(page.get_by_text("(UTC)")).to_have_count(0)
    # The tooltip names the bucket's local start, with its date.
    page.locator("#health-volume .recharts-bar-rectangle").first.hover()
    label = page.locator("#health-volume .recharts-tooltip-label")
    expect(label).to_have_text(re.compile(r"^\S+ \d+, \d\d:45$"))
    looks(page, "developer-webhooks-messages")

    rows.nth(1).get_by_role("button", name="Attempts").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Attempt 2")
    dialog.get_by_text("Response body").first.click()
    expect(dialog).to_contain_text("upstream down")
    dialog.get_by_role("button", name="Close").click()

    # Typed in Kathmandu's time: 5 hours ago there is 5 hours ago in UTC too.
    since = (utcnow() - timedelta(hours=5)).replace(second=0, microsecond=0)
    typed = since.astimezone(KATHMANDU).strftime("%Y-%m-%dT%H:%M")
    page.locator("#since").fill(typed)
    page.get_by_role("button", name="Recover failed…").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("1 failed messages since " + typed.replace("T", " "))
    confirm.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("1 failed messages will be sent again.")).to_be_visible()
    expect(rows).to_have_count(3)
    with server.db() as session:
        recovered = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "webhook_delivery.recovered")
            .where(AuditEvent.target_id == str(app.id))
        ).one()
        assert recovered.after["since"] == since.astimezone(UTC).isoformat()

    rows.nth(2).get_by_role("button", name="Replay").click()
    expect(page.get_by_text("will be sent again now")).to_be_visible()
    expect(rows).to_have_count(4)
    page.get_by_role("button", name="Send test event").click()
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("webhook.test")
    expect(rows.first).to_contain_text("pending")
