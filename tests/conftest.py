"""Shared fixtures. None is autouse: a test gets a database only by asking for one.

- ``database``: a fresh, migrated SQLite database for this test (DATABASE_URL points at it;
  PORTAL_TEST_DATABASE=postgresql makes it a PostgreSQL one);
- ``db``: a Session on that database;
- ``postgres_url``: a throwaway PostgreSQL database, or a clean skip when no server answers.

The schema comes from the real Alembic migrations, run once per test session into a template
file that each test copies (a copy costs ~1 ms, a migration run ~80 ms).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# An oversized Reflex state fails loudly in tests (ARCHITECTURE.md, Reflex specifics).
os.environ.setdefault("REFLEX_PERF_MODE", "raise")
from sqlalchemy.engine import make_url
from sqlmodel import Session

from portal import cli
from portal.config import get_settings
from portal.db import engine_for, get_engine

# Where PostgreSQL tests create their throwaway databases (any database on the server works as
# the maintenance connection). Override with PORTAL_TEST_POSTGRES_URL.
POSTGRES_ADMIN_URL = os.environ.get(
    "PORTAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# Settings a developer's shell might carry that would change what the services do
# (PORTAL_TEST_* configure the tests themselves and stay).
_SETTINGS_PREFIXES = ("PORTAL_", "SMTP_")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Point portal.config (and so portal.db) at `url` with default settings otherwise."""
    for name in list(os.environ):
        if name.startswith(_SETTINGS_PREFIXES) and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, once per test session, through the CLI's code path."""
    path = tmp_path_factory.mktemp("template") / "portal.db"
    cli.upgrade(url=sqlite_url(path))
    return path


@pytest.fixture
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A fresh migrated database for this test; yields its URL (also DATABASE_URL).

    SQLite by default. With PORTAL_TEST_DATABASE=postgresql, a throwaway PostgreSQL database
    migrated for this test instead (slower; run it to catch dialect differences).
    """
    if os.environ.get("PORTAL_TEST_DATABASE") == "postgresql":
        url = request.getfixturevalue("postgres_url")
        cli.upgrade(url=url)
    else:
        path = tmp_path / "portal.db"
        shutil.copyfile(request.getfixturevalue("migrated_template"), path)
        url = sqlite_url(path)
    use_database(monkeypatch, url)
    yield url
    engine_for(url).dispose()
    # monkeypatch restores the environment after this; the next get_settings() re-reads it.
    get_settings.cache_clear()


@pytest.fixture
def db(database: str) -> Iterator[Session]:
    """A Session on the test's database. Call db.commit() where the code under test expects
    its caller's transaction to end."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database (SQLAlchemy URL, psycopg driver), dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    server = make_url(POSTGRES_ADMIN_URL)
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    shown = server.render_as_string(hide_password=True)
    try:
        admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())
        pytest.skip(f"no PostgreSQL server answers at {shown}: {reason}")
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(
                hide_password=False
            )
        finally:
            # Connections a test left open (pooled engines) would block DROP DATABASE.
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
