"""Keyset pagination: the one way a list walks its pages.

A list declares once, in a `Keyset`, its name, its sort keys (each a SQL expression with the
Python type of its values) and the id that breaks ties. `Keyset.page()` then orders the caller's
query by the chosen key and the id (both in the chosen direction), resumes after the cursor's
position, fetches one row more than the page to learn whether another follows, and returns the
rows with the cursor of the next page. The sort values in a cursor are the ones the database
computed (`lower(name)` as the database lowers it), so a page resumes exactly where the last
one ended on every dialect.

A cursor is opaque to clients but untrusted: it comes back in a URL. It names the list, the
sort and the direction it was made for, and `decode()` checks every field before any of it
reaches SQL: its size, its encoding, its shape, and each value against the key's type (a
timestamp is an ISO datetime as aware as its column, an id an int that is not a bool and fits
its column, or a canonical UUID string, a string a bounded string a database can store). Anything
else (forged, truncated, from another list or sort, oversized) is `InvalidCursor`, an
`Invalid` naming the field "cursor", and never reaches the database.

Cursors are not signed: a well-formed forged cursor only moves the start of a page within what
the query already allows the caller to read.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Integer, Row, Select, bindparam, tuple_
from sqlalchemy.sql.elements import ColumnElement, TypeCoerce
from sqlmodel import Session

from portal.domain.errors import Invalid
from portal.domain.paging import InvalidCursor, clamp_limit

DIRECTIONS = ("asc", "desc")

# Bounds a cursor must keep before it is even decoded, and each value inside it.
CURSOR_MAX_CHARS = 2048
TEXT_MAX_CHARS = 512
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_DATETIME_MAX_CHARS = 40
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_FIELDS = frozenset({"l", "s", "d", "k"})
_TYPES = (str, int, uuid.UUID, datetime)


@dataclass(frozen=True)
class Key:
    """One sort key: the SQL expression the rows are ordered by, and the Python type of its
    values (str, int, uuid.UUID or datetime). Keys must not be NULL."""

    expression: ColumnElement[Any]
    type: type

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise TypeError(f"a keyset key is one of {_TYPES}, not {self.type!r}")

    @property
    def column_type(self) -> Any:
        """The SQL type values of this key bind as: the column's own, also when the list
        reads it through type_coerce() (portal.db.UuidText, UtcTimestampText)."""
        expression = self.expression
        if isinstance(expression, TypeCoerce):
            expression = expression.clause
        return expression.type

    @property
    def int_range(self) -> tuple[int, int]:
        """What an int key's column holds: 64 bits for a BigInteger, else 32 (an INTEGER on
        PostgreSQL; binding a larger value there is a database error, not an empty page)."""
        if isinstance(self.column_type, BigInteger):
            return _INT_MIN, _INT_MAX
        return -(2**31), 2**31 - 1

    @property
    def aware(self) -> bool:
        """Whether datetimes of this key carry a zone: as the column stores them."""
        return bool(getattr(self.column_type, "timezone", False))


@dataclass(frozen=True)
class Slice:
    """One page of rows (as the query selected them) and the next page's cursor, if any."""

    rows: list[Row]
    next_cursor: str | None


def _refuse(reason: str = "") -> InvalidCursor:
    return InvalidCursor(reason or "The cursor is not valid; start from the first page.")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: Python's json accepts them


def _bounded_int(text: str) -> int:
    # Refuse long digit strings before converting them (a 31-digit id, a 5,000-digit one).
    if len(text.lstrip("-")) > 19:
        raise ValueError("number too long")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _storable_text(value: object) -> str:
    if not isinstance(value, str) or len(value) > TEXT_MAX_CHARS or "\x00" in value:
        raise ValueError("not a string a column can hold")
    value.encode("utf-8")  # lone surrogates (UnicodeEncodeError is a ValueError)
    return value


class Keyset:
    """How one list pages: its sorts, each mapped to a `Key` (or None: by the tiebreak
    alone), and the `tiebreak` id that makes the order total."""

    def __init__(self, name: str, *, sorts: Mapping[str, Key | None], tiebreak: Key) -> None:
        if tiebreak.type not in (int, uuid.UUID):
            raise TypeError("the tiebreak is an id: int or uuid.UUID")
        self.name = name
        self.sorts = dict(sorts)
        self.tiebreak = tiebreak

    def _keys(self, sort: str) -> tuple[Key, ...]:
        key = self.sorts[sort]
        return (self.tiebreak,) if key is None else (key, self.tiebreak)

    # The cursor ---------------------------------------------------------------------------

    def encode(self, *, sort: str, direction: str, values: Sequence[Any]) -> str:
        keys = self._keys(sort)
        if len(values) != len(keys):
            raise ValueError("one value per key")
        encoded = []
        for key, value in zip(keys, values, strict=True):
            if key.type in (uuid.UUID, datetime) and isinstance(value, str):
                value = _read_as_text(key, value)  # UuidText, UtcTimestampText
            if value is None or not isinstance(value, key.type) or isinstance(value, bool):
                raise ValueError(f"{value!r} is not a {key.type.__name__} for the cursor")
            if isinstance(value, str):
                value = _storable_text(value)
            elif isinstance(value, uuid.UUID):
                value = str(value)
            elif isinstance(value, datetime):
                value = (value.astimezone(UTC) if key.aware else value).isoformat()
            encoded.append(value)
        raw = json.dumps(
            {"l": self.name, "s": sort, "d": direction, "k": encoded},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str | None, *, sort: str, direction: str) -> tuple[Any, ...] | None:
        """The position a cursor of this list, sort and direction names, typed as the keys;
        None for no cursor (the first page). InvalidCursor for anything else."""
        if cursor is None or cursor == "":
            return None
        if not isinstance(cursor, str) or len(cursor) > CURSOR_MAX_CHARS:
            raise _refuse()
        if not _BASE64URL.fullmatch(cursor) or len(cursor) % 4 == 1:
            raise _refuse()
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            payload = json.loads(
                raw.decode("utf-8"),
                parse_constant=_no_constants,
                parse_int=_bounded_int,
                object_pairs_hook=_unique_keys,
            )
        except (ValueError, binascii.Error, RecursionError):
            raise _refuse() from None
        if not isinstance(payload, dict) or set(payload) != _FIELDS:
            raise _refuse()
        if payload["l"] != self.name:
            raise _refuse("The cursor belongs to another list; start from the first page.")
        if payload["s"] != sort or payload["d"] != direction:
            raise _refuse("The cursor does not match this sort; start from the first page.")
        keys = self._keys(sort)
        values = payload["k"]
        if not isinstance(values, list) or len(values) != len(keys):
            raise _refuse()
        try:
            return tuple(_typed(key, value) for key, value in zip(keys, values, strict=True))
        except (ValueError, OverflowError):
            raise _refuse() from None

    # A page ---------------------------------------------------------------------------------

    def page(
        self,
        session: Session,
        query: Select,
        *,
        sort: str,
        direction: str,
        limit: int | None,
        cursor: str | None,
        params: Mapping[str, Any] | None = None,
    ) -> Slice:
        """The page of `query` after `cursor`, in `sort` order (ties broken by the id in the
        same direction), and the cursor of the page after it.

        The rows are the query's own columns, then any key the query does not select itself.
        `params` are the values of the query's bound parameters: a query built once with
        `bindparam()`s (and its ordered, resumed forms, which are built once per query, sort,
        direction and whether a cursor is given) skips SQLAlchemy's statement building and
        cache-key work on every request.
        """
        if sort not in self.sorts:
            raise Invalid(f"sort must be one of: {', '.join(self.sorts)}.", field="sort")
        if direction not in DIRECTIONS:
            raise Invalid("direction must be asc or desc.", field="direction")
        size = clamp_limit(limit)
        position = self.decode(cursor, sort=sort, direction=direction)
        statement, where = _prepared(self, query, sort, direction, position is not None)
        values = {**(params or {}), _LIMIT: size + 1}
        if position is not None:
            values.update(zip(_AFTER, position, strict=False))
        if session.autoflush:
            session.flush()  # as the ORM does before a query; a Core statement does not
        rows = list(session.execute(statement, values).all())
        next_cursor = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            next_cursor = self.encode(
                sort=sort, direction=direction, values=[last[i] for i in where]
            )
        return Slice(rows=rows, next_cursor=next_cursor)


_LIMIT = "keyset_limit"
_AFTER = tuple(f"keyset_after_{i}" for i in range(2))


@lru_cache(maxsize=256)
def _prepared(
    keyset: Keyset, query: Select, sort: str, direction: str, resume: bool
) -> tuple[Select, tuple[int, ...]]:
    """`query` ordered by the sort's keys, resumed after bound key values if `resume`, and
    limited by a bound parameter; with where each key is in its rows. Keys the query selects
    already are read from their column rather than selected twice."""
    keys = keyset._keys(sort)
    # What each row holds: an entity (select(AuditEvent)) is one element, a column one.
    selected = [described["expr"] for described in query.column_descriptions]
    where: list[int] = []
    extra = []
    for key in keys:
        found = next((i for i, c in enumerate(selected) if c is key.expression), None)
        if found is None:
            found = len(selected) + len(extra)
            extra.append(key.expression.label(f"keyset_{len(extra)}"))
        where.append(found)
    columns = [key.expression for key in keys]
    bind_types = [key.column_type for key in keys]
    if extra:
        query = query.add_columns(*extra)
    if resume:
        # A row value comparison: one index range on SQLite and PostgreSQL alike.
        after = tuple_(*columns)
        at = tuple_(
            *(
                bindparam(name, type_=bind_type)
                for name, bind_type in zip(_AFTER, bind_types, strict=False)
            )
        )
        query = query.where(after > at if direction == "asc" else after < at)
    order = [c.asc() if direction == "asc" else c.desc() for c in columns]
    query = query.order_by(*order).limit(bindparam(_LIMIT, type_=Integer))
    return query, tuple(where)


def _read_as_text(key: Key, value: str) -> Any:
    """A key value a text-reading column type gave (see portal.db), as the key's type."""
    if key.type is uuid.UUID:
        return uuid.UUID(value)
    moment = datetime.fromisoformat(value)
    return moment.astimezone(UTC) if key.aware else moment


def _typed(key: Key, value: object) -> Any:
    """A cursor value as the key's type, or ValueError."""
    if key.type is int:
        low, high = key.int_range
        if type(value) is not int or not low <= value <= high:
            raise ValueError("not an id the column can hold")
        return value
    if key.type is uuid.UUID:
        if not isinstance(value, str) or not _CANONICAL_UUID.fullmatch(value):
            raise ValueError("not a UUID")
        return uuid.UUID(value)
    if key.type is datetime:
        if not isinstance(value, str) or len(value) > _DATETIME_MAX_CHARS:
            raise ValueError("not a timestamp")
        moment = datetime.fromisoformat(value)
        if (moment.utcoffset() is not None) != key.aware:
            raise ValueError("a timestamp with or without a zone, unlike its column")
        return moment.astimezone(UTC) if key.aware else moment
    return _storable_text(value)
