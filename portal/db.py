"""The engine and the one way services get a transaction."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from functools import lru_cache
from typing import Any

from sqlalchemy import CHAR, DateTime, String, TypeDecorator, Uuid, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, create_engine

from portal.config import get_settings

# SQLite connections kept open: as many as the threads that can run a request or a handler
# at once (anyio's default thread limit is 40). Past that, extra connections open and close.
SQLITE_POOL_SIZE = 40


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        # A file database keeps its connections: opening one (and its PRAGMAs) costs more
        # than the query of a page, and the default pool of 5 reopened connections under 16
        # concurrent API requests. An in-memory database is one connection per thread.
        pooling = (
            {"poolclass": QueuePool, "pool_size": SQLITE_POOL_SIZE, "max_overflow": -1}
            if _is_file(url)
            else {}
        )
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **pooling
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - driver hook
            # Once per connection (the pool keeps them): foreign keys are per connection,
            # WAL is kept in the file.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            _use_wal(cursor)
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _use_wal(cursor) -> None:
    """Switch a new file to WAL. Switching needs the file to itself and SQLite does not wait
    for that (no busy handler): two connections opening a fresh file at once (the worker's
    two loops) saw "database is locked". A file already in WAL needs no switch."""
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    for attempt in range(50):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.1)


def _is_file(url: str) -> bool:
    database = make_url(url).database
    return bool(database) and database != ":memory:" and "mode=memory" not in url


# Column types for reading many rows into DTOs (use with type_coerce() in a select; the
# column keeps its own type for writes and binds). On SQLite, SQLAlchemy's Uuid builds a
# uuid.UUID per row and UTCDateTime parses and re-zones a datetime per row, together about
# a third of the /v1 list's time; a DTO wants text for the one and parses ISO text for the
# other (in pydantic's Rust core) at a fraction of the cost.


class UuidText(TypeDecorator):
    """A UUID column read as its canonical text: SQLite's 32 hex digits are hyphenated
    directly; PostgreSQL's driver hands a UUID, which is written out."""

    impl = Uuid
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.supports_native_uuid:
            return dialect.type_descriptor(Uuid())
        return dialect.type_descriptor(CHAR(32))

    def process_bind_param(self, value, dialect):
        if value is None or dialect.supports_native_uuid:
            return value
        return value.hex

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return str(value)


class UtcTimestampText(TypeDecorator):
    """A UTC timestamp column (UTCDateTime) read for a DTO field to parse: on SQLite its
    stored UTC text with the zone added ("2026-04-26 17:20:34.000000+00:00"), on PostgreSQL
    the driver's aware datetime in UTC. Read-only: bind the column's own type."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value, dialect):
        raise TypeError("UtcTimestampText only reads; bind the column's own type")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            return value + "+00:00"
        return value.astimezone(UTC)


def lock_row_for_write(
    session: Session, model: Any, row_id: Any, *, key_share: bool = False
) -> None:
    """Serialize this transaction with every other that locks the same row, before reading
    what the write will depend on (a count of administrators, the slugs taken).

    PostgreSQL: SELECT ... FOR UPDATE on the row (FOR NO KEY UPDATE with `key_share`, which
    rows that merely reference it, such as audit events, do not wait for).

    SQLite has no row locks, and pysqlite runs a transaction's SELECTs before its first write
    outside any transaction (BEGIN DEFERRED comes with the first INSERT or UPDATE), so two
    transactions could both read "one administrator left" and both go on. BEGIN IMMEDIATE
    takes the database's write lock before those reads (waiting, like any writer, up to the
    busy timeout); when a write of this transaction already began it, the lock is held.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    table = model.__table__
    statement = select(table.c.id).where(table.c.id == row_id).with_for_update(key_share=key_share)
    session.execute(statement).first()


@contextmanager
def savepoint(session: Session) -> Iterator[Any]:
    """`session.begin_nested()`, inside the caller's transaction on SQLite too.

    pysqlite sends no BEGIN before a SAVEPOINT: a savepoint opened before the transaction's
    first write would be the outermost transaction, and its RELEASE would commit what it
    holds, whatever the rest of the transaction then does (an end user created by a request
    that fails afterwards would stay). So BEGIN first when none is open.
    """
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    with session.begin_nested() as nested:
        yield nested


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
