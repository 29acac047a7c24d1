"""Activity counted in memory and flushed in batches: one row per app, environment,
organization and day, added to on every flush; last activity moves forward only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.models import App, AppActivity, Organization
from portal.models._base import utcnow
from portal.services import app_activity
from tests import factories as f


@pytest.fixture(autouse=True)
def _empty_tally():
    app_activity.reset()
    yield
    app_activity.reset()


def _app_and_org(db):
    actor, account = f.admin_actor(db)
    workspace = f.make_workspace(db, account)
    app = f.make_app(db, actor, workspace.id, "Acme")
    org = Organization(app_id=app.id, name="Globex")
    db.add(org)
    db.flush()
    return app, org


def test_counts_add_up_across_flushes_in_one_row_per_key(db):
    app, org = _app_and_org(db)
    app_activity.count(app_id=app.id, environment="prod", api_calls=1)
    app_activity.count(app_id=app.id, environment="prod", api_calls=1)
    app_activity.count(app_id=app.id, environment="prod", organization_id=org.id, sign_ins=1)
    assert app_activity.pending() == 2
    assert app_activity.flush(db) == 2
    assert app_activity.pending() == 0
    app_activity.count(app_id=app.id, environment="prod", api_calls=3)
    assert app_activity.flush(db) == 1

    rows = db.exec(select(AppActivity)).all()
    assert sorted((r.organization_id or 0, r.api_calls, r.sign_ins) for r in rows) == [
        (0, 5, 0),
        (org.id, 0, 1),
    ]


def test_a_flush_moves_last_activity_forward_only(db):
    app, org = _app_and_org(db)
    now = utcnow()
    app_activity.count(
        app_id=app.id, environment="prod", organization_id=org.id, api_calls=1, at=now
    )
    app_activity.flush(db)
    db.expire_all()
    assert db.get(App, app.id).last_active_at == now
    assert db.get(Organization, org.id).last_active_at == now
    # An older count (flushed late) does not move it back.
    app_activity.count(app_id=app.id, environment="prod", api_calls=1, at=now - timedelta(hours=1))
    app_activity.flush(db)
    db.expire_all()
    assert db.get(App, app.id).last_active_at == now


def test_counts_of_a_deleted_app_are_dropped_and_nothing_is_written_when_idle(db):
    app, _ = _app_and_org(db)
    app_activity.count(app_id=app.id + 1000, environment="prod", api_calls=1)
    assert app_activity.flush(db) == 0
    assert app_activity.flush(db) == 0
    assert db.exec(select(AppActivity)).all() == []


def test_a_failed_flush_gives_its_counts_back(db, monkeypatch):
    app, _ = _app_and_org(db)
    app_activity.count(app_id=app.id, environment="prod", api_calls=2)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(app_activity, "_write", broken)
    with pytest.raises(RuntimeError):
        app_activity.flush(db)
    monkeypatch.undo()
    assert app_activity.pending() == 1
    app_activity.flush(db)
    assert db.exec(select(AppActivity.api_calls)).all() == [2]


def test_dev_and_staging_calls_are_counted_but_make_nothing_operating_or_live(db):
    app, org = _app_and_org(db)
    app_activity.count(app_id=app.id, environment="staging", organization_id=org.id, api_calls=4)
    assert app_activity.flush(db) == 1
    db.expire_all()
    assert db.get(App, app.id).last_active_at is None
    assert db.get(Organization, org.id).last_active_at is None
    assert db.exec(select(AppActivity.api_calls)).all() == [4]


def test_an_organization_counted_for_another_app_is_neither_written_nor_live(db):
    app, org = _app_and_org(db)
    actor, account = f.admin_actor(db)
    theirs = f.make_app(db, actor, f.make_workspace(db, account).id, "Theirs")
    # Counted as app "theirs" for an organization id that belongs to `app` (an id reused).
    app_activity.count(app_id=theirs.id, environment="prod", organization_id=org.id, api_calls=1)
    app_activity.flush(db)
    db.expire_all()
    assert db.get(Organization, org.id).last_active_at is None
    assert db.exec(select(AppActivity)).all() == []
