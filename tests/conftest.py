"""Shared fixtures. None is autouse: a test gets a database only by asking for one.

- ``database``: a fresh, migrated SQLite database for this test (DATABASE_URL points at it;
  PORTAL_TEST_DATABASE=postgresql makes it a PostgreSQL one);
- ``db``: a Session on that database;
- ``postgres_url``: a throwaway, empty PostgreSQL database, or a clean skip when no server
  answers; ``migrated_postgres_url``: the same, migrated to head.

The schema comes from the real Alembic migrations, run once per test session (per xdist
worker) into a template: each test gets a fresh copy of the SQLite file (~1 ms, a migration
run ~80 ms); on PostgreSQL each worker copies the template database once (`CREATE DATABASE
... TEMPLATE`) and empties it before each test (WorkerDatabase: a few ms against ~0.1 s of
the server's CPU for a copy and its drop).

Passwords are hashed with cheap argon2 parameters in tests (see below); ``production_hashing``
switches a test back to the production ones.

A fixture that many tests share and that costs far more to make than a file to copy can make
its data once per worker with ``from_snapshot`` (tests/api's ``world``).
"""

from __future__ import annotations

import contextlib
import copy
import gc
import os
import shutil
import sqlite3
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest

# An oversized Reflex state fails loudly in tests (ARCHITECTURE.md, Reflex specifics).
os.environ.setdefault("REFLEX_PERF_MODE", "raise")
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from portal import cli
from portal.config import get_settings
from portal.db import engine_for, get_engine
from portal.models import UserSession
from portal.models._base import utcnow
from portal.services import passwords
from tests.file_stores import file_store, moto_url, s3_bucket  # noqa: F401 - fixtures for every test

# A production argon2 hash costs ~50 ms of CPU, and factories hash a password for every user
# they make: about a minute of the suite. In this process (and each xdist worker) hashes are
# made with the cheapest argon2id parameters instead; tests/services/test_passwords.py checks
# the production ones, and tests/test_cli.py the hash a real `portal create-user` stores.
TEST_HASHING = passwords.Argon2Parameters(memory_cost=8, time_cost=1, parallelism=1)
passwords.use_parameters(TEST_HASHING)


# Python's cyclic garbage collector ran ~3,000 young and ~280 middle collections in each
# worker (one every 700 allocations by default), a tenth of the non-browser tests' CPU: 15-16 s
# of GC in the three workers, 7-9 s with these thresholds (timed with gc.callbacks), the
# workers' peak memory about the same (290-460 MB against 300-370). (rxconfig.py raises only
# the young generation's, for Reflex's processes, and leaves these as they are.)
gc.set_threshold(50_000, 20, 100)


# A test's SQLite database lives for one test: nothing needs to survive a power cut, and an
# fsync on every commit (~3 ms here) and on switching a fresh copy to WAL (~10 ms) was a
# tenth of the non-browser suite. Portal itself keeps SQLite's default (synchronous=FULL).
@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


@pytest.fixture
def production_hashing() -> Iterator[None]:
    """Hash with the production argon2 parameters for this test (~50 ms a hash)."""
    previous = passwords.use_parameters(passwords.PRODUCTION)
    yield
    passwords.use_parameters(previous)


# Where PostgreSQL tests create their throwaway databases (any database on the server works as
# the maintenance connection). Override with PORTAL_TEST_POSTGRES_URL.
POSTGRES_ADMIN_URL = os.environ.get(
    "PORTAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# Settings a developer's shell might carry that would change what the services do
# (PORTAL_TEST_* configure the tests themselves and stay).
_SETTINGS_PREFIXES = ("PORTAL_", "SMTP_")


# pytest-xdist (make test) ------------------------------------------------------------------

BROWSER_TESTS = "tests/e2e/"


# The browser tests that take longest (every page walked; an app's review and install
# journeys; provisioning followed): first, so none of them is the run's last.
SLOW_BROWSER_TESTS = (
    "test_every_page.py::",
    "test_distribution.py::",
    "test_install_flow.py::",
    "test_developer_portal.py::test_create_edit",
    "test_webhook_endpoint.py::",
    "test_workspaces.py::test_workspace_detail",
)

# At most this many workers share the browser tests: they all talk to one Portal server (one
# backend process), which more of them would only queue on.
BROWSER_WORKERS = 4


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than there are CPUs. A browser test spends part of its time
    waiting (for the server, for Chromium to draw) and a third worker fills those gaps: on
    this 2-core machine `make test` took 200 s with 3 workers against 222 s with 2."""
    return len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else 3


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadgroup` for this suite: the browser tests split over the first workers (up
    to BROWSER_WORKERS), which share one server (tests/e2e/conftest.py), the other tests
    load-balanced over all.

    The first worker starts on its share of the browser tests (and builds the frontend); the
    others run a share of the other tests meanwhile, then theirs; all take more of the rest as
    they finish. The slowest browser tests go first, one to each.

    pytest-xdist 3.8 groups tests by renaming their node ids, which pytest 9 no longer reads
    (and schemathesis' per-operation tests share one node id there, which xdist's group
    scheduler collapses into one test), hence this scheduler: xdist's `load` one, by test
    index, with the browser tests sent out at the start."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScheduling

    class BrowserTestsShared(LoadScheduling):
        def schedule(self) -> None:
            collections = list(self.node2collection.values())
            if (
                self.collection is not None  # rescheduling
                or len(self.nodes) < 2
                or any(c != collections[0] for c in collections)  # xdist reports the error
            ):
                return super().schedule()
            collection = collections[0]
            browser = [i for i, nodeid in enumerate(collection) if nodeid.startswith(BROWSER_TESTS)]
            if not browser:
                return super().schedule()
            browser.sort(
                key=lambda i: not any(slow in collection[i] for slow in SLOW_BROWSER_TESTS)
            )
            in_browser = set(browser)
            others = [i for i in range(len(collection)) if i not in in_browser]
            self.collection = collection
            self.maxschedchunk = self.maxschedchunk or len(collection)
            sharing = self.nodes[:BROWSER_WORKERS]
            rest = self.nodes[len(sharing) :]
            meanwhile = others[: len(others) // 3]  # while the first worker builds
            self.pending[:] = others[len(meanwhile) :]
            for number, node in enumerate(sharing):
                tests = browser[number :: len(sharing)]
                if number:  # the first worker builds meanwhile
                    tests = meanwhile[number - 1 :: len(sharing) - 1] + tests
                self.node2pending[node].extend(tests)
                node.send_runtest_some(tests)
            chunk = max(2, len(self.pending) // len(self.nodes) // 4)
            for node in rest:
                self._send_tests(node, chunk)
            if not self.pending:
                for node in self.nodes:
                    node.shutdown()

    return BrowserTestsShared(config, log)


# Databases ----------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Point portal.config (and so portal.db) at `url` with default settings otherwise."""
    for name in list(os.environ):
        if name.startswith(_SETTINGS_PREFIXES) and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()


def _worker() -> str:
    """This xdist worker's name (gw0, gw1, ...), or "main" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, once per test session, through the CLI's code path."""
    path = tmp_path_factory.mktemp("template") / "portal.db"
    cli.upgrade(url=sqlite_url(path))
    # In WAL already (kept in the file's header), so a copy needs no switch when it opens.
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    return path


@pytest.fixture(scope="session")
def worker_database_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this worker's tests find their SQLite database (a new copy for each test)."""
    return tmp_path_factory.mktemp("database") / "portal.db"


def lay_sqlite_copy(source: Path, path: Path) -> None:
    """A copy of the SQLite file `source` at `path`, in place of what was there: the engine's
    pooled connections closed first, the old file's WAL and shared memory removed."""
    engine_for(sqlite_url(path)).dispose()
    for leftover in (path, _wal(path), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(source, path)


def fresh_sqlite_copy(template: Path, path: Path) -> None:
    """A test's fresh database: a copy of the migrated `template` at `path`, which
    from_snapshot may replace until something writes to it."""
    lay_sqlite_copy(template, path)
    _fresh_copies[path] = _file_state(path)


@pytest.fixture
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A fresh migrated database for this test; yields its URL (also DATABASE_URL).

    SQLite by default. With PORTAL_TEST_DATABASE=postgresql, this worker's PostgreSQL
    database, emptied, instead (run it to catch dialect differences).
    Files Portal writes (export archives) go to the test's own folder.
    """
    if os.environ.get("PORTAL_TEST_DATABASE") == "postgresql":
        # This worker's database, emptied: the same URL for every test, as on SQLite.
        worker_database = request.getfixturevalue("postgres_worker_database")
        engine_for(worker_database.url).dispose()  # the last test's pooled connections
        worker_database.empty()
        url = worker_database.url
    else:
        # One path per worker, a fresh copy of the template at it for each test: the URL
        # stays the same, so does portal.db's engine, and with it the SQL SQLAlchemy has
        # compiled (kept per engine; compiling again for every test cost a fifth of the
        # non-browser suite's time).
        path = request.getfixturevalue("worker_database_path")
        fresh_sqlite_copy(request.getfixturevalue("migrated_template"), path)
        url = sqlite_url(path)
    use_database(monkeypatch, url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield url
    engine_for(url).dispose()
    # monkeypatch restores the environment after this; the next get_settings() re-reads it.
    get_settings.cache_clear()


# Snapshots ----------------------------------------------------------------------------------

T = TypeVar("T")

# The state of each worker's database file just after `database` copied the template in: a
# snapshot goes only where nothing has written since.
_fresh_copies: dict[Path, tuple[int, int]] = {}
# name -> (the database file after build, the data directory after it, build's result, when
# the build began)
_snapshots: dict[str, tuple[Path, Path, object, datetime]] = {}


def _file_state(path: Path) -> tuple[int, int]:
    state = path.stat()
    return state.st_mtime_ns, state.st_size


def from_snapshot(db: Session, name: str, build: Callable[[], T]) -> T:
    """What `build()` makes in the test's database, made through the services once per worker:
    later tests start from a copy of the database file (and of PORTAL_DATA_DIR) as the first
    one's build left them, and get the same result. For a fixture many tests share whose data
    costs far more to make than a file to copy (tests/api's `world`: ~50 ms against ~1 ms).

    `build` makes its rows in `db` (committed here after it) or in transactions of its own, and
    returns plain data (ids, tokens, headers; no rows, which belong to the first test's
    session); it must not depend on the test: each test gets the first build's. It runs as
    usual on PostgreSQL, or where the test wrote to its database first."""
    # Only `database`'s SQLite copies are in _fresh_copies: on PostgreSQL this always builds.
    path = Path(db.get_bind().url.database or "")
    fresh = (
        not db.in_transaction()
        and path in _fresh_copies
        and _file_state(path) == _fresh_copies[path]
        and not _wal(path).exists()
    )
    if not fresh:
        return _built(db, build)
    data_dir = get_settings().data_dir
    if name in _snapshots:
        database_copy, data_copy, result, built_at = _snapshots[name]
        lay_sqlite_copy(database_copy, path)
        if data_copy.exists():
            shutil.copytree(data_copy, data_dir, dirs_exist_ok=True)
        _sessions_as_if_made_now(db, built_at)
        return copy.deepcopy(result)
    built_at = utcnow()
    result = _built(db, build)
    folder = path.parent / f"snapshot-{name}"
    folder.mkdir()
    database_copy, data_copy = folder / path.name, folder / "data"
    # SQLite's backup: the committed pages, the ones still in the WAL included.
    with (
        contextlib.closing(sqlite3.connect(path)) as source,
        contextlib.closing(sqlite3.connect(database_copy)) as target,
    ):
        source.backup(target)
    if data_dir.exists():
        shutil.copytree(data_dir, data_copy)
    _snapshots[name] = (database_copy, data_copy, copy.deepcopy(result), built_at)
    return result


def _sessions_as_if_made_now(db: Session, built_at: datetime) -> None:
    """The sign-in sessions of a snapshot moved forward by its age, so a later test finds them
    as the first one did: one seen over a minute ago is touched on its next use (a write a
    test comparing the database would see) and one idle for 30 minutes has ended."""
    age = utcnow() - built_at
    with Session(db.get_bind()) as session:
        for row in session.exec(select(UserSession)).all():
            row.created_at += age
            row.last_seen_at += age
            if row.handoff_expires_at is not None:
                row.handoff_expires_at += age
        session.commit()


def _built(db: Session, build: Callable[[], T]) -> T:
    result = build()
    db.commit()
    return result


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


@pytest.fixture
def db(database: str) -> Iterator[Session]:
    """A Session on the test's database. Call db.commit() where the code under test expects
    its caller's transaction to end."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


# PostgreSQL ---------------------------------------------------------------------------------


class PostgresServer:
    """Maintenance connections (one per thread): create and drop this session's throwaway
    databases, mostly in the background.

    A CREATE DATABASE waits ~0.1 s on the server's disk, and three side by side take little
    longer than one: `copies` makes copies of a template ahead of the tests that take them. A
    DROP DATABASE forces a checkpoint (0.3 s, seconds under load), and drops that run together
    share one: `drop_later` gathers databases and drops a batch of them at once (12 at a time),
    which keeps checkpoints out of the way of the tests."""

    DROP_BATCH = 128

    def __init__(self, connect, server_url) -> None:
        self._connect = connect
        self._server = server_url
        self._local = threading.local()
        self._connections = []
        self._background = ThreadPoolExecutor(max_workers=3, thread_name_prefix="pg-create")
        self._dropping = ThreadPoolExecutor(max_workers=12, thread_name_prefix="pg-drop")
        self._to_drop: list[str] = []
        self._drops: list[Future] = []

    def _admin(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
            self._connections.append(connection)
        return connection

    def url(self, name: str) -> str:
        """The SQLAlchemy URL (psycopg driver) of database `name` on this server."""
        return self._server.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )

    def create(self, prefix: str, *, template: str | None = None) -> str:
        """A new database (empty, or a copy of `template`); returns its name. Names carry the
        xdist worker and a random part: other test runs may share the server."""
        name = f"{prefix}_{_worker()}_{uuid.uuid4().hex[:12]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        self._admin().execute(f'CREATE DATABASE "{name}"{copy}')
        return name

    def drop(self, name: str) -> None:
        # FORCE ends connections a test left open (pooled engines) that would block the drop.
        self._admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_later(self, name: str) -> None:
        """Drop `name` in the background with the next batch; close() drops what is left and
        reports any failure."""
        self._to_drop.append(name)
        if len(self._to_drop) >= self.DROP_BATCH:
            self._drop_batch()

    def _drop_batch(self) -> None:
        batch, self._to_drop = self._to_drop, []
        self._drops += [self._dropping.submit(self.drop, name) for name in batch]

    def seal(self, name: str) -> None:
        """Make `name` a template nobody can connect to, so nothing blocks copying it."""
        self._admin().execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        self._admin().execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )

    def copies(self, template: str, *, ahead: int = 3) -> TemplateCopies:
        return TemplateCopies(self, template, ahead)

    def submit(self, function, *args, **kwargs) -> Future:
        return self._background.submit(function, *args, **kwargs)

    def close(self) -> None:
        self._drop_batch()
        self._background.shutdown(wait=True)
        self._dropping.shutdown(wait=True)
        for connection in self._connections:
            connection.close()
        for dropped in self._drops:
            dropped.result()  # a database left behind fails the session's teardown


class TemplateCopies:
    """Copies of a template database, `ahead` of them always being made in the background."""

    def __init__(self, server: PostgresServer, template: str, ahead: int) -> None:
        self._server = server
        self._template = template
        self._coming = deque(self._order() for _ in range(ahead))

    def _order(self) -> Future:
        return self._server.submit(self._server.create, "portal_test", template=self._template)

    def take(self) -> str:
        """A new database, migrated (a copy of the template); the caller drops it."""
        name = self._coming.popleft().result(timeout=120)
        self._coming.append(self._order())
        return name

    def close(self) -> None:
        while self._coming:
            self._server.drop_later(self._coming.popleft().result(timeout=120))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server the tests use, or a clean skip when none answers."""
    psycopg = pytest.importorskip("psycopg")
    server = make_url(POSTGRES_ADMIN_URL)
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    shown = server.render_as_string(hide_password=True)

    def connect():
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=3)

    try:
        connect().close()
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())
        pytest.skip(f"no PostgreSQL server answers at {shown}: {reason}")
    postgres = PostgresServer(connect, server)
    try:
        yield postgres
    finally:
        postgres.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> Iterator[str]:
    """A PostgreSQL database migrated to head once per test session (and xdist worker),
    through the CLI's code path; its name, for `CREATE DATABASE ... TEMPLATE`."""
    name = postgres_server.create("portal_template")
    try:
        cli.upgrade(url=postgres_server.url(name))  # a private engine, closed when done
        postgres_server.seal(name)
        yield name
    finally:
        postgres_server.drop_later(name)  # after the copies: postgres_copies ends first


@pytest.fixture(scope="session")
def postgres_copies(postgres_server: PostgresServer, postgres_template: str):
    """Migrated databases for this session's tests, made ahead (see PostgresServer)."""
    copies = postgres_server.copies(postgres_template)
    try:
        yield copies
    finally:
        copies.close()


class WorkerDatabase:
    """One migrated PostgreSQL database per test process, emptied before each test that asks
    for `database`: every row deleted and every sequence restarted, in one transaction.

    A copy of the template per test cost ~0.1 s of the server's CPU (CREATE, then DROP) and,
    with a new URL each time, a new engine that compiled its SQL again; emptying the same
    database costs a few milliseconds and keeps the engine. Deleting with the foreign-key
    triggers off (`session_replication_role = replica`) needs a superuser; another role
    truncates instead, slower but the same result."""

    def __init__(self, server: PostgresServer, name: str) -> None:
        self.name = name
        self.url = server.url(name)
        self._server = server
        self._connection = None
        self._statement = ""

    def _connect(self):
        import psycopg

        url = make_url(self.url).set(drivername="postgresql")
        self._connection = psycopg.connect(
            url.render_as_string(hide_password=False), autocommit=True, connect_timeout=3
        )
        tables = [
            row[0]
            for row in self._connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version' ORDER BY tablename"
            )
        ]
        (superuser,) = self._connection.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        quoted = ", ".join(f'"{table}"' for table in tables)
        # Without vacuuming, rows deleted here leave no room that new ones would fill: a
        # test's rows stay in the order it wrote them, as in a new database. (Autovacuum
        # once reordered a SELECT without ORDER BY that a test unpacked.)
        for table in tables:
            self._connection.execute(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)')
        if superuser:
            sequences = [
                row[0]
                for row in self._connection.execute(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                )
            ]
            self._statement = "; ".join(
                ["SET LOCAL session_replication_role = replica"]
                + [f'DELETE FROM "{table}"' for table in tables]  # noqa: S608 - catalog names
                + [f'ALTER SEQUENCE "{sequence}" RESTART' for sequence in sequences]
            )
        else:
            self._statement = f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"

    def empty(self) -> None:
        if self._connection is None:
            self._connect()
        for attempt in range(2):
            try:
                with self._connection.transaction():
                    # A connection a test left open (a thread, a server it started) must
                    # not hang the suite: give up waiting, end those connections, retry.
                    self._connection.execute("SET LOCAL lock_timeout = '10s'")
                    self._connection.execute(self._statement)
                return
            except Exception:
                if attempt:
                    raise
                self._connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.name,),
                )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@pytest.fixture(scope="session")
def postgres_worker_database(
    postgres_server: PostgresServer, postgres_copies: TemplateCopies
) -> Iterator[WorkerDatabase]:
    """This test process's database for `database` (see WorkerDatabase)."""
    worker_database = WorkerDatabase(postgres_server, postgres_copies.take())
    try:
        yield worker_database
    finally:
        worker_database.close()
        engine_for(worker_database.url).dispose()
        postgres_server.drop_later(worker_database.name)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty PostgreSQL database (SQLAlchemy URL, psycopg driver), dropped afterwards."""
    name = postgres_server.create("portal_test")
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_later(name)


@pytest.fixture
def migrated_postgres_url(
    postgres_server: PostgresServer, postgres_copies: TemplateCopies
) -> Iterator[str]:
    """A new PostgreSQL database already migrated to head (a copy of the template)."""
    name = postgres_copies.take()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_later(name)
