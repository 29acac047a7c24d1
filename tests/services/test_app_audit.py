"""An app's activity by day and its audit log: only that app's entries, the filters, the CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from portal.domain.errors import NotFound
from portal.models import AppActivity
from portal.models._base import utcnow
from portal.services import app_api_keys, apps
from tests.factories import actor_for, admin_actor, make_app, make_user, make_workspace


@pytest.fixture
def setup(db):
    actor, account = admin_actor(db)
    workspace = str(make_workspace(db, account).id)
    acme = make_app(db, actor, workspace, "Acme")
    other = make_app(db, actor, workspace, "Other")
    return actor, workspace, acme, other


def test_activity_is_thirty_days_with_zeros_and_only_this_apps_prod(db, setup):
    actor, workspace, acme, other = setup
    today = utcnow().date()
    db.add_all(
        [
            AppActivity(app_id=acme.id, day=today, api_calls=5, sign_ins=1),
            AppActivity(app_id=acme.id, day=today - timedelta(days=3), api_calls=2),
            AppActivity(app_id=acme.id, day=today - timedelta(days=40), api_calls=99),
            AppActivity(app_id=acme.id, environment="dev", day=today, api_calls=7),
            AppActivity(app_id=other.id, day=today, api_calls=11),
        ]
    )
    db.flush()
    days = apps.activity_by_day(session=db, actor=actor, workspace_id=workspace, app_slug="acme")
    assert len(days) == 30 and days[-1].day == today and days[0].day == today - timedelta(days=29)
    assert (days[-1].api_calls, days[-1].sign_ins) == (5, 1)
    assert days[-4].api_calls == 2
    assert sum(d.api_calls for d in days) == 7  # not day 40, not dev, not the other app


def _change_things(db, actor, workspace):
    apps.update_email_settings(
        session=db,
        actor=actor,
        workspace_id=workspace,
        app_slug="acme",
        sender_name="=HYPERLINK(1)",
        sender_address="no-reply@acme.test",
    )
    app_api_keys.create_key(
        session=db, actor=actor, workspace_id=workspace, app_slug="acme", name="Backend"
    )
    apps.rename_app(session=db, actor=actor, workspace_id=workspace, app_slug="other", name="X")


def test_the_log_holds_only_this_apps_entries_newest_first(db, setup):
    actor, workspace, _, _ = setup
    _change_things(db, actor, workspace)
    page = apps.list_audit(session=db, actor=actor, workspace_id=workspace, app_slug="acme")
    assert [e.action for e in page.items] == [
        "app_api_key.created",
        "app.email_settings_changed",
        "app.created",
    ]
    assert all(e.target_label == "app Acme" for e in page.items)
    filtered = apps.list_audit(
        session=db, actor=actor, workspace_id=workspace, app_slug="acme", action_filter="app."
    )
    assert [e.action for e in filtered.items] == ["app.email_settings_changed", "app.created"]
    tomorrow = utcnow() + timedelta(days=1)
    assert (
        apps.list_audit(
            session=db, actor=actor, workspace_id=workspace, app_slug="acme", since=tomorrow
        ).items
        == []
    )
    assert (
        len(
            apps.list_audit(
                session=db, actor=actor, workspace_id=workspace, app_slug="acme", until=tomorrow
            ).items
        )
        == 3
    )
    nobody = apps.list_audit(
        session=db, actor=actor, workspace_id=workspace, app_slug="acme", actor_filter="zed@"
    )
    assert nobody.items == []


def test_the_csv_has_the_same_rows_and_cannot_run_formulas(db, setup):
    actor, workspace, _, _ = setup
    _change_things(db, actor, workspace)
    text = apps.audit_csv(session=db, actor=actor, workspace_id=workspace, app_slug="acme")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["when_utc", "actor", "action", "target", "details"]
    assert [r[2] for r in rows[1:]] == [
        "app_api_key.created",
        "app.email_settings_changed",
        "app.created",
    ]
    details = rows[2][4]
    assert "=HYPERLINK" in details and not details.startswith("=")
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_strangers_get_not_found(db, setup):
    _, workspace, _, _ = setup
    stranger = actor_for(db, make_user(db))
    for call in (apps.list_audit, apps.audit_csv, apps.activity_by_day):
        with pytest.raises(NotFound):
            call(session=db, actor=stranger, workspace_id=workspace, app_slug="acme")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_a_cell_a_spreadsheet_would_run_is_quoted(text):
    assert apps._csv_safe(text) == "'" + text
    assert apps._csv_safe("Ana " + text) == "Ana " + text
