"""A prod webhook endpoint disabled after failures, or failing for over an hour, is a blocker
on the workspace dashboard, its next action a link to the app's Webhooks page; a short
failure, one a person turned off while it worked, or one in another environment, is not."""

from __future__ import annotations

from datetime import timedelta

from portal.domain.apps import AppPage, BlockerKind
from portal.models import WebhookEndpoint
from portal.models._base import utcnow
from portal.services import app_api_keys, apps, dashboard
from tests.factories import admin_actor, make_app, make_workspace
from tests.services.test_dashboard import _ready


def _endpoint(db, app, *, environment="prod", enabled=True, failing_for=None):
    row = WebhookEndpoint(
        app_id=app.id,
        environment=environment,
        url="https://hooks.acme.test/portal",
        signing_secret_sealed="sealed",
        enabled=enabled,
        failing_since=utcnow() - failing_for if failing_for is not None else None,
        disabled_at=None if enabled else utcnow(),
    )
    db.add(row)
    db.flush()
    return row


def _board(db, actor, workspace):
    return dashboard.workspace_dashboard(session=db, actor=actor, workspace_id=str(workspace.id))


def test_a_disabled_or_long_failing_endpoint_is_a_blocker_with_its_webhooks_link(db):
    actor, account = admin_actor(db)
    workspace = make_workspace(db, account, "Orbit")
    quiet = _ready(db, actor, workspace.id, "Quiet")
    _endpoint(db, quiet, failing_for=timedelta(minutes=20))  # a blip
    _endpoint(db, quiet, environment="dev", enabled=False, failing_for=timedelta(days=5))
    _endpoint(db, quiet, enabled=False)  # turned off by a person while it worked: not a blocker
    assert _board(db, actor, workspace).need_action == 0

    failing = _ready(db, actor, workspace.id, "Failing")
    _endpoint(db, failing, failing_for=timedelta(hours=2))
    stopped = _ready(db, actor, workspace.id, "Stopped")
    _endpoint(db, stopped, enabled=False, failing_for=timedelta(days=5))  # disabled after failures

    board = _board(db, actor, workspace)
    assert board.need_action == 2
    items = {item.app_name: item for item in board.action_items}
    assert set(items) == {"Failing", "Stopped"}
    assert items["Failing"].problem == (
        "The webhook endpoint at hooks.acme.test has been failing for over an hour."
    )
    assert "disabled" in items["Stopped"].problem
    for item in items.values():
        assert (item.page, item.blocker) == ("webhooks", True)


def test_a_failing_webhook_comes_after_an_expiring_key_and_before_setup_gaps(db):
    actor, account = admin_actor(db)
    workspace = make_workspace(db, account, "Orbit")
    make_app(db, actor, workspace.id, "Aardvark")  # a setup gap
    hooked = _ready(db, actor, workspace.id, "Hooked")
    _endpoint(db, hooked, enabled=False, failing_for=timedelta(days=5))
    keyed = _ready(db, actor, workspace.id, "Zebra")
    app_api_keys.create_key(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug=keyed.slug,
        name="Short",
        expires_in_days=3,
    )
    board = _board(db, actor, workspace)
    assert [i.app_name for i in board.action_items] == ["Zebra", "Hooked", "Aardvark"]


def test_the_portfolio_card_and_app_show_the_same_blocker(db):
    actor, account = admin_actor(db)
    workspace = make_workspace(db, account, "Orbit")
    stopped = _ready(db, actor, workspace.id, "Stopped")
    _endpoint(db, stopped, enabled=False, failing_for=timedelta(days=5))  # disabled after failures
    _ready(db, actor, workspace.id, "Fine")

    cards = apps.list_apps(
        session=db, actor=actor, workspace_id=str(workspace.id), state="need_action"
    ).items
    assert [card.name for card in cards] == ["Stopped"]
    [blocker] = cards[0].blockers
    assert (blocker.kind, blocker.page) == (BlockerKind.WEBHOOK_FAILING, AppPage.WEBHOOKS)
    detail = apps.get_app(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=stopped.slug
    )
    assert detail.blockers == cards[0].blockers
    assert detail.next_action.page == AppPage.WEBHOOKS
