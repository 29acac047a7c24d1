"""Alembic environment: Portal's tables (portal.models) on Portal's database.

Where the database comes from, first match wins:

1. ``config.attributes["connection"]``: a SQLAlchemy Connection (or Engine) handed in by code,
   e.g. a test that wants the migration to run on a connection it controls;
2. the ``sqlalchemy.url`` option, when code sets it (``Config.set_main_option``); alembic.ini
   deliberately holds none;
3. ``portal.config.get_settings().database_url``, i.e. DATABASE_URL or the local SQLite file.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import portal.models  # noqa: F401 - registers every table on SQLModel.metadata
from portal.config import get_settings

config = context.config

# The `alembic` command line logs as alembic.ini says; Portal's CLI and the tests configure
# logging themselves and must not have their loggers disabled by fileConfig.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``) instead of running it."""
    url = database_url()
    _configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    # SQLite cannot ALTER most things: batch mode copies the table instead.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run_on(given)
        return
    if isinstance(given, Engine):
        with given.connect() as connection:
            _run_on(connection)
            connection.commit()
        return
    # A private engine, not portal.db's: migrations must not run with the app's connection
    # hooks (SQLite's foreign_keys=ON would cascade deletes when batch mode drops a table).
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            _run_on(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
