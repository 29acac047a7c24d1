"""The SQL Portal sends for one API request, recorded so the bare route can send the same.

The bare baseline must do the same database work as Portal, whatever Portal's query is today
(an index, a rewritten keyset query or a cached token lookup changes it): so rather than a
hand-written copy that would drift, the bench calls Portal's own /v1 app in this process
(FastAPI's TestClient on portal.api.app.create_api(), on the seeded file), records every
statement SQLAlchemy hands to the driver, and gives the SELECTs to bare_api.py to replay.

It also works out how the rows of the list statement become the response's items (which
column, read how), and checks that this reproduces Portal's JSON item for item; the bare
route then answers the same bytes Portal does, minus the framework around them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _as_uuid(value: Any) -> str:
    return str(uuid.UUID(str(value)))


def _as_utc(value: Any) -> str:
    """Pydantic's JSON for an aware UTC datetime, from SQLite's naive UTC text."""
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat().replace("+00:00", "Z")


# How a stored value becomes its JSON value; bare_api.py applies them by name.
CONVERTERS = {"same": lambda v: v, "uuid": _as_uuid, "utc": _as_utc, "str": str}


def convert(name: str, value: Any) -> Any:
    return None if value is None else CONVERTERS[name](value)


def _mapping(rows: list[tuple], items: list[dict]) -> list[tuple[str, int, str]] | None:
    """(field, column, converter) for every field of the items, if these rows give exactly
    these items (the statement may fetch one row more than the page, to see a next page)."""
    if not items or len(rows) not in (len(items), len(items) + 1):
        return None
    fields = []
    for name in items[0]:
        for column in range(len(rows[0])):
            found = None
            for converter in CONVERTERS:
                try:
                    if all(
                        convert(converter, row[column]) == item[name]
                        for row, item in zip(rows, items, strict=False)
                    ):
                        found = converter
                        break
                except (TypeError, ValueError, AttributeError):
                    continue
            if found:
                fields.append((name, column, found))
                break
        else:
            return None
    return fields


def capture(sqlite_path: Path, path: str, token: str) -> dict:
    """Record the statements of GET `path` on Portal's API (the second call: the first one
    warms up and may write the token's last_used_at, which Portal does once a minute).

    Needs DATABASE_URL pointing at `sqlite_path` before Portal's settings are first read.
    The statement whose parameters hold the token's SHA-256 is the token look-up: the bare
    route puts each request's own hash there.
    """
    with warnings.catch_warnings():  # Starlette's notice about httpx, not ours to act on
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from sqlalchemy import event

    from portal.api.app import create_api
    from portal.db import get_engine

    recorded: list[tuple[str, tuple]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        recorded.append((statement, tuple(parameters or ())))

    engine = get_engine()
    client = TestClient(create_api())
    headers = {"Authorization": f"Bearer {token}"}
    client.get(path, headers=headers).raise_for_status()
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path, headers=headers)
        response.raise_for_status()
    finally:
        event.remove(engine, "before_cursor_execute", record)
        engine.dispose()
    body = response.json()
    selects = [
        (sql, params) for sql, params in recorded if sql.lstrip().upper().startswith("SELECT")
    ]
    writes = len(recorded) - len(selects)

    connection = sqlite3.connect(sqlite_path)
    try:
        items_statement, fields = None, None
        for i, (sql, params) in enumerate(selects):
            fields = _mapping(connection.execute(sql, params).fetchall(), body["items"])
            if fields:
                items_statement = i
                break
    finally:
        connection.close()
    if items_statement is None:
        raise RuntimeError(
            f"none of the {len(selects)} SELECTs Portal sent for {path} gives its items; "
            "bench/sql_capture.py needs a converter for a new column type"
        )
    return {
        "path": path,
        "statements": [
            {"sql": sql, "params": list(params), "token_param": _index(params, token)}
            for sql, params in selects
        ],
        "items_statement": items_statement,
        "fields": fields,
        "page_size": len(body["items"]),
        "writes_skipped": writes,
        "portal_body": body,
    }


def _index(params: tuple, token: str) -> int | None:
    """Where the token's SHA-256 is among a statement's parameters (the token look-up)."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    return params.index(digest) if digest in params else None


def save(replay: dict, path: Path) -> Path:
    path.write_text(json.dumps(replay, default=str))
    return path
