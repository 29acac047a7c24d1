"""The bare baseline of `GET /v1/workspaces`: one Starlette route doing the same work by hand.

    granian --interface asgi --workers 1 bare_api:app   (compare.py starts it, with
    BENCH_SQLITE_PATH, the SQLite file Portal serves, and BENCH_REPLAY, the SQL Portal sends
    for the request as recorded by sql_capture.py)

The same work and nothing more: read the bearer token and hash it; send Portal's own SELECTs
for the request, in Portal's order, on the same database file, the token look-up with this
request's hash (no row: 401); build the items from the list statement's rows; answer the same
JSON. What it leaves out is what Portal adds around that: FastAPI's dependency injection and
validation, the ORM and its sessions, DTOs, the connection pool. Writes are left out (Portal
writes a token's last_used_at at most once a minute); the next-page cursor is the one Portal
returned for the same page (encoding it costs microseconds).

The endpoint is a plain `def`, so Starlette runs it in its thread pool exactly as FastAPI runs
Portal's `def` routes: the server, worker count and threading model are the same on both
sides. Each thread keeps one sqlite3 connection open for its lifetime.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path

from sql_capture import convert
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DATABASE = os.environ.get("BENCH_SQLITE_PATH", "")
REPLAY = (
    json.loads(Path(os.environ["BENCH_REPLAY"]).read_text()) if "BENCH_REPLAY" in os.environ else {}
)

_local = threading.local()


def _connection() -> sqlite3.Connection:
    """This thread's connection, opened once with Portal's pragmas (foreign keys, WAL)."""
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = sqlite3.connect(DATABASE, timeout=30, isolation_level=None)
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA journal_mode=WAL")
        _local.connection = connection
    return connection


def _unauthenticated() -> Response:
    return JSONResponse({"title": "A valid personal access token is required."}, status_code=401)


def list_workspaces(request: Request) -> Response:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.startswith("pat_") or len(secret) > 200:
        return _unauthenticated()
    token_hash = hashlib.sha256(secret.encode()).hexdigest()
    connection = _connection()
    rows: list[tuple] = []
    for i, statement in enumerate(REPLAY["statements"]):
        params = list(statement["params"])
        if statement["token_param"] is not None:
            params[statement["token_param"]] = token_hash
        result = connection.execute(statement["sql"], params).fetchall()
        if statement["token_param"] is not None and not result:
            return _unauthenticated()
        if i == REPLAY["items_statement"]:
            rows = result
    page_size = REPLAY["page_size"]
    fields = REPLAY["fields"]
    items = [
        {name: convert(converter, row[column]) for name, column, converter in fields}
        for row in rows[:page_size]
    ]
    next_cursor = REPLAY["portal_body"]["next_cursor"] if len(rows) > page_size else None
    return Response(
        json.dumps({"items": items, "next_cursor": next_cursor}, separators=(",", ":")),
        media_type="application/json",
    )


def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route(REPLAY.get("path", "/v1/workspaces").split("?")[0], list_workspaces),
        Route("/v1/health", health),
    ]
)
