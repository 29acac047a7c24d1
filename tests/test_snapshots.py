"""from_snapshot (tests/conftest.py): a later test gets the first build's rows and result from a
copy, its sign-in sessions as fresh as they were, and never a copy laid over rows it wrote
itself.

Each test plays two tests in a row on its worker's database path: the first builds, then the
path gets a fresh copy of the template as the next test's `database` would lay it."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

import tests.conftest
from portal.models import User, UserSession
from portal.models._base import utcnow
from tests.conftest import fresh_sqlite_copy, from_snapshot
from tests.factories import make_user, sign_in

pytestmark = pytest.mark.skipif(
    os.environ.get("PORTAL_TEST_DATABASE") == "postgresql",
    reason="snapshots are SQLite files; on PostgreSQL from_snapshot builds every time",
)


def _builder(db, built: list[int]):
    def build() -> dict[str, int]:
        built.append(1)
        user = make_user(db, name="Snap Shot")
        db.commit()
        return {"user_id": user.id}

    return build


def _next_test(db, template, path) -> None:
    """What the `database` fixture does before the next test: a fresh copy at the same path."""
    db.close()
    fresh_sqlite_copy(template, path)


def test_a_later_test_gets_the_first_builds_rows_and_result(
    db, migrated_template, worker_database_path
):
    name, built = f"test-{uuid.uuid4().hex}", []
    first = from_snapshot(db, name, _builder(db, built))
    _next_test(db, migrated_template, worker_database_path)

    second = from_snapshot(db, name, _builder(db, built))

    assert built == [1]
    assert second == first
    assert db.get(User, second["user_id"]).name == "Snap Shot"


def test_no_snapshot_is_laid_over_rows_the_test_wrote_first(
    db, migrated_template, worker_database_path
):
    name, built = f"test-{uuid.uuid4().hex}", []
    from_snapshot(db, name, _builder(db, built))
    _next_test(db, migrated_template, worker_database_path)
    mine = make_user(db, name="Written First")
    db.commit()

    from_snapshot(db, name, _builder(db, built))

    assert built == [1, 1]  # built again, not copied in
    assert db.get(User, mine.id).name == "Written First"


def test_a_later_test_finds_the_snapshots_sessions_as_fresh_as_the_first_did(
    db, migrated_template, worker_database_path, monkeypatch
):
    name = f"test-{uuid.uuid4().hex}"

    def build() -> dict[str, str]:
        return {"token": sign_in(db, make_user(db, name="Snap Shot"))[0]}

    from_snapshot(db, name, build)
    first_seen = db.exec(select(UserSession)).one().last_seen_at
    _next_test(db, migrated_template, worker_database_path)
    # The next test starts 45 minutes later: past the idle timeout, had the session kept its
    # time.
    later = utcnow() + timedelta(minutes=45)
    monkeypatch.setattr(tests.conftest, "utcnow", lambda: later)

    from_snapshot(db, name, build)

    assert db.exec(select(UserSession)).one().last_seen_at - first_seen >= timedelta(minutes=45)
