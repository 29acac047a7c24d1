"""The Alembic migrations build exactly the schema the models describe, and take it down again.

Runs on SQLite and on PostgreSQL (skipped when no PostgreSQL server answers).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import portal.models  # noqa: F401 - registers the tables
from portal import cli
from tests.conftest import sqlite_url


@pytest.fixture(
    params=[
        pytest.param("sqlite"),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def empty_database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "empty.db")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(empty_database) -> Iterator[Engine]:
    engine = create_engine(empty_database, poolclass=pool.NullPool)
    yield engine
    engine.dispose()


def _schema_diff(engine: Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, SQLModel.metadata)


def _index_names(engine: Engine, table: str) -> set[str]:
    """Every index on `table` by name. SQLAlchemy's SQLite inspector leaves out expression
    indexes (``lower(name)``), so SQLite's own catalogue is read there."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
                {"t": table},
            )
            return {name for (name,) in rows}
    return {index["name"] for index in inspect(engine).get_indexes(table)}


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_builds_exactly_the_models(empty_database, engine):
    assert _tables(engine) == set()

    cli.upgrade(url=empty_database)

    assert _tables(engine) == set(SQLModel.metadata.tables)
    assert _schema_diff(engine) == []
    head = ScriptDirectory.from_config(cli.alembic_config()).get_current_head()
    assert _current_revision(engine) == head


def test_constraints_and_indexes_carry_the_models_names(empty_database, engine):
    cli.upgrade(url=empty_database)
    inspector = inspect(engine)
    for table in SQLModel.metadata.sorted_tables:
        expected_fks = {fk.name for fk in table.foreign_key_constraints}
        assert {fk["name"] for fk in inspector.get_foreign_keys(table.name)} == expected_fks
        expected_indexes = {index.name for index in table.indexes}
        assert expected_indexes <= _index_names(engine, table.name), table.name
        if engine.dialect.name == "postgresql":
            assert inspector.get_pk_constraint(table.name)["name"] == f"pk_{table.name}"


def test_downgrade_to_base_removes_everything(empty_database, engine):
    cli.upgrade(url=empty_database)

    cli.downgrade("base", url=empty_database)

    assert _tables(engine) == set()
    assert _current_revision(engine) is None
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            leftovers = connection.execute(
                text(
                    "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relname <> 'alembic_version' "
                    "AND c.relname <> 'alembic_version_pkc'"
                )
            ).all()
        assert leftovers == []

    # And up again: the downgrade left nothing behind that the upgrade trips over.
    cli.upgrade(url=empty_database)
    assert _schema_diff(engine) == []


def test_every_revision_downgrades_and_upgrades_step_by_step(empty_database, engine):
    script = ScriptDirectory.from_config(cli.alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        cli.upgrade(revision, url=empty_database)
        cli.downgrade("-1", url=empty_database)
        cli.upgrade(revision, url=empty_database)
    assert _current_revision(engine) == revisions[-1]


def test_the_history_is_linear():
    script = ScriptDirectory.from_config(cli.alembic_config())
    assert len(script.get_heads()) == 1, "merge the branches: more than one head"
    assert len(script.get_bases()) == 1


def test_migrations_run_on_a_connection_handed_in_by_code(tmp_path):
    engine = create_engine(sqlite_url(tmp_path / "given.db"), poolclass=pool.NullPool)
    config = cli.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert _tables(engine) == set(SQLModel.metadata.tables)
    engine.dispose()


def test_0014_adds_the_secrets_tables_and_removes_them_again(empty_database, engine):
    secrets_tables = {"secrets", "secret_versions", "workspace_data_keys"}
    cli.upgrade("0013", url=empty_database)
    assert _tables(engine) & secrets_tables == set()
    cli.upgrade("0014", url=empty_database)
    assert secrets_tables <= _tables(engine)
    assert "ix_secrets_workspace_id_name" in _index_names(engine, "secrets")
    cli.downgrade("0013", url=empty_database)
    assert _tables(engine) & secrets_tables == set()


def test_0016_adds_the_data_vault_tables_and_removes_them_again(empty_database, engine):
    vault_tables = {"vault_collections", "vault_records", "vault_blind_indexes"}
    cli.upgrade("0015", url=empty_database)
    assert _tables(engine) & vault_tables == set()
    cli.upgrade("0016", url=empty_database)
    assert vault_tables <= _tables(engine)
    assert "ix_vault_blind_indexes_lookup" in _index_names(engine, "vault_blind_indexes")
    assert "ix_vault_records_collection_id_id" in _index_names(engine, "vault_records")
    cli.downgrade("0015", url=empty_database)
    assert _tables(engine) & vault_tables == set()
