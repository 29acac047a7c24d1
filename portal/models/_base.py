"""Helpers shared by the table modules."""

from datetime import UTC, datetime

from sqlmodel import SQLModel

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
