"""The workspace dashboard: its counts, Need action's order, Recent apps, its query count, and
the demo workspace that shows every situation."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from portal.domain.errors import NotFound
from portal.models import App, AppApiKey, EndUser, Organization, OrganizationMember, User, Workspace
from portal.models._base import utcnow
from portal.services import app_api_keys, apps, dashboard, demo, demo_apps, workspaces
from tests.factories import actor_for, admin_actor, grant, make_app, make_user, make_workspace


def _ready(db, actor, workspace_id, name: str, *, active: bool = False):
    """An app with its baseline complete (and activity today when `active`)."""
    app = make_app(db, actor, workspace_id, name)
    apps.update_email_settings(
        session=db,
        actor=actor,
        workspace_id=str(workspace_id),
        app_slug=app.slug,
        sender_name="Acme",
        sender_address="no-reply@acme.test",
    )
    app_api_keys.create_key(
        session=db, actor=actor, workspace_id=str(workspace_id), app_slug=app.slug, name="Key"
    )
    if active:
        row = db.get(App, app.id)
        row.last_active_at = utcnow()
        db.add(row)
        db.flush()
    return app


def _board(db, actor, workspace_id):
    return dashboard.workspace_dashboard(session=db, actor=actor, workspace_id=str(workspace_id))


def test_counts_follow_each_apps_state(db):
    actor, account = admin_actor(db)
    workspace = make_workspace(db, account)
    make_app(db, actor, workspace.id, "Setup One")
    make_app(db, actor, workspace.id, "Setup Two")
    _ready(db, actor, workspace.id, "Ready")
    active = _ready(db, actor, workspace.id, "Active", active=True)
    org = Organization(app_id=active.id, name="Globex", last_active_at=utcnow())
    quiet = Organization(
        app_id=active.id, name="Quiet", last_active_at=utcnow() - timedelta(days=9)
    )
    db.add_all([org, quiet])
    db.flush()
    member = EndUser(app_id=active.id, email="a@globex.test")
    db.add(member)
    db.flush()
    db.add(OrganizationMember(organization_id=org.id, end_user_id=member.id, role="admin"))
    db.flush()

    board = _board(db, actor, workspace.id)

    assert board.apps == 4
    assert board.needs_attention == 2
    assert board.operational == 1
    assert board.live_organizations == 1  # Quiet's activity is 9 days old
    # The two in setup, and Active, whose organization "Quiet" has no admin member.
    assert board.need_action == 3
    assert [item.app_name for item in board.action_items] == ["Active", "Setup One", "Setup Two"]
    assert board.action_items[0].problem == "The organization Quiet has no admin member."
    assert board.action_items[0].page == "organizations"
    assert board.action_items[1].action == "Set an email sender"
    assert board.action_items[1].page == "email"


def test_an_expiring_key_comes_before_setup_gaps_and_a_frozen_workspace_first(db):
    actor, account = admin_actor(db)
    workspace = make_workspace(db, account, "Orbit")
    make_app(db, actor, workspace.id, "Aardvark")  # a setup gap, first by name
    expiring = _ready(db, actor, workspace.id, "Zebra")
    app_api_keys.create_key(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug=expiring.slug,
        name="Short",
        expires_in_days=3,
    )
    board = _board(db, actor, workspace.id)
    assert [item.app_name for item in board.action_items] == ["Zebra", "Aardvark"]
    assert board.action_items[0].blocker is True
    assert board.action_items[0].page == "api-keys"

    workspaces.freeze(session=db, actor=actor, workspace_id=str(workspace.id), reason="Audit")
    board = _board(db, actor, workspace.id)
    assert board.action_items[0].app_slug == ""
    assert "Orbit is frozen" in board.action_items[0].problem
    assert board.need_action == 2  # every app, on a frozen workspace


def test_recent_apps_are_the_readers_own_latest(db):
    actor, account = admin_actor(db)
    workspace = make_workspace(db, account)
    first = make_app(db, actor, workspace.id, "First")
    make_app(db, actor, workspace.id, "Second")
    apps.get_app(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=first.slug, visit=True
    )
    assert [r.name for r in _board(db, actor, workspace.id).recent] == ["First", "Second"]

    # Someone else who reads the workspace has opened nothing yet.
    other = make_user(db)
    grant(db, other.id, workspace_id=workspace.id, permission="read")
    assert _board(db, actor_for(db, other), workspace.id).recent == []


def test_a_stranger_gets_not_found(db):
    actor, account = admin_actor(db)
    workspace = make_workspace(db, account)
    stranger = actor_for(db, make_user(db))
    with pytest.raises(NotFound):
        _board(db, stranger, workspace.id)


@contextmanager
def _statements(db):
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_same_number_of_queries_for_3_apps_and_30(db):
    actor, account = admin_actor(db)
    small, large = make_workspace(db, account, "Small"), make_workspace(db, account, "Large")
    for n in range(3):
        make_app(db, actor, small.id, f"Small {n}")
    for n in range(30):
        app = make_app(db, actor, large.id, f"Large {n}")
        db.add(Organization(app_id=app.id, name=f"Org {n}", last_active_at=utcnow()))
    db.flush()
    _board(db, actor, small.id)  # warm: the actor's and statement caches
    counts = []
    for workspace in (small, large):
        with _statements(db) as seen:
            board = _board(db, actor, workspace.id)
        counts.append(len(seen))
        assert board.apps in (3, 30)
    assert counts[0] == counts[1]


def test_the_demo_workspace_shows_every_situation(db):
    demo.seed_demo(session=db)
    db.flush()
    user = db.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
    actor = actor_for(db, user, password=demo.DEMO_PASSWORD)
    workspace = db.exec(select(Workspace).where(Workspace.slug == demo.APPS_WORKSPACE)).one()
    board = _board(db, actor, workspace.id)
    assert board.apps == 5
    assert board.operational == 2
    assert board.live_organizations == 3
    assert board.needs_attention == 1
    problems = {item.app_name: item.problem for item in board.action_items}
    assert problems == {
        "Billing Portal": "An API key expires within 7 days.",
        "Support Desk": "The organization Vandelay Industries has no admin member.",
        "Mobile App": "No email sender is set.",
    }
    states = {
        card.name: card.state
        for card in apps.list_apps(session=db, actor=actor, workspace_id=str(workspace.id)).items
    }
    assert states == {
        "Billing Portal": "operating",
        "Mobile App": "setup",
        "Partner API": "ready",
        "Storefront": "operating",
        "Support Desk": "ready",
    }
    # The demo's keys are stored as hashes only.
    assert all(len(k) == 64 for k in db.exec(select(AppApiKey.key_hash)).all())


def test_seed_scale_adds_apps_with_organizations_and_end_users(db):
    demo.seed_demo(session=db)
    workspace = demo.scale_workspace(db)
    seen = []
    demo_apps.seed_scale(
        db,
        workspace,
        apps=3,
        organizations_per_app=4,
        end_users_per_app=5,
        progress=lambda what, done, total: seen.append((what, done, total)),
    )
    ids = db.exec(select(App.id).where(App.workspace_id == workspace.id)).all()
    assert len(ids) == 3
    assert len(db.exec(select(Organization).where(Organization.app_id.in_(ids))).all()) == 12
    assert len(db.exec(select(EndUser).where(EndUser.app_id.in_(ids))).all()) == 15
    assert seen[-1] == ("end users", 15, 15)
    # A second run adds apps without duplicating the first ones' people.
    demo_apps.seed_scale(db, workspace, apps=4, organizations_per_app=1, end_users_per_app=1)
    assert len(db.exec(select(App.id).where(App.workspace_id == workspace.id)).all()) == 4


def test_each_organization_without_an_admin_is_its_own_item_and_the_list_is_bounded(db):
    actor, account = admin_actor(db)
    workspace = make_workspace(db, account)
    app = _ready(db, actor, workspace.id, "Crm")
    for n in range(12):
        db.add(Organization(app_id=app.id, name=f"Org {n:02d}"))
    db.flush()
    board = _board(db, actor, workspace.id)
    assert board.need_action == 1  # one app
    assert len(board.action_items) == dashboard.ITEMS_SHOWN
    assert [i.problem for i in board.action_items[:2]] == [
        "The organization Org 00 has no admin member.",
        "The organization Org 01 has no admin member.",
    ]
