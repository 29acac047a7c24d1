"""Helpers shared by the table modules."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlmodel import Field, SQLModel
from sqlmodel.main import default_registry

# Every constraint and index gets a predictable name, so migrations can refer to it on every
# database (SQLite batch mode cannot alter an unnamed constraint). Set here, before any table
# module defines its tables. Check constraints are named by hand in the models.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utcnow() -> datetime:
    """Aware UTC: SQLModel's UTCDateTime stores and returns every timestamp in UTC."""
    return datetime.now(UTC)


# AppHarness and Reflex's hot reload can import the models twice.
EXTEND = {"extend_existing": True}


# --- secret columns ------------------------------------------------------------------------
# Every column is classified, and tests/services/test_exports.py fails on one that is not:
#
# - a column holding a secret (the hash of a password or token, key material, anything that
#   would let its reader act as someone) is declared with `secret_field(...)` instead of
#   `Field(...)`, which marks it in the column's info;
# - every other column is named in its table class's `__not_secret__`.
#
# Exports copy only the columns declared not secret, so a column nobody classified stays out
# of every archive rather than leaking. Secrets live on the table class only, never in a DTO.

SECRET = "secret"  # noqa: S105 - the key in Column.info, not a secret


def secret_field(**kwargs: Any) -> Any:
    """`Field(...)` for a column that holds a secret: no export or DTO ever carries it."""
    column_kwargs = dict(kwargs.pop("sa_column_kwargs", None) or {})
    column_kwargs["info"] = {**column_kwargs.get("info", {}), SECRET: True}
    return Field(sa_column_kwargs=column_kwargs, **kwargs)


def model_for(table: Table) -> type[SQLModel] | None:
    """The SQLModel class mapped to `table` (the last one defined, after a reload)."""
    found = None
    for mapper in default_registry.mappers:
        if mapper.local_table is table:
            found = mapper.class_
    return found


def secret_columns(table: Table) -> dict[str, bool | None]:
    """column name -> True (secret), False (declared not secret) or None (unclassified)."""
    model = model_for(table)
    not_secret = frozenset(getattr(model, "__not_secret__", ()))
    return {
        column.name: True
        if column.info.get(SECRET)
        else (False if column.name in not_secret else None)
        for column in table.columns
    }
