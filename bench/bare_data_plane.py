"""The bare baseline of the data plane's `GET /v1/end-users?limit=50`: one Starlette route
doing the same lookup by hand (data_plane.py starts it with granian, BENCH_SQLITE_PATH set).

The same work: read the Bearer key, check its shape, hash it, look it up with its app and
workspace (one SELECT: revoked, expired or deleted is 401), read the first page of the app
environment's end users by email (one SELECT of limit + 1 rows), answer the same JSON fields.
Left out is what Portal adds: FastAPI, the ORM and sessions, the keyset cursor's encoding,
DTOs, the activity tally, the connection pool.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DATABASE = os.environ.get("BENCH_SQLITE_PATH", "")
_local = threading.local()


def _db() -> sqlite3.Connection:
    if not hasattr(_local, "conn"):
        _local.conn = sqlite3.connect(DATABASE, check_same_thread=False)
    return _local.conn


def _utc(value):
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return (
        (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat().replace("+00:00", "Z")
    )


def end_users(request: Request):
    header = request.headers.get("authorization", "")
    secret = header[7:] if header.lower().startswith("bearer ") else ""
    if not secret.startswith("sk_"):
        return JSONResponse({"detail": "unauthenticated"}, status_code=401)
    key = (
        _db()
        .execute(
            "SELECT k.app_id, k.environment, k.revoked_at, k.expires_at, w.status "
            "FROM app_api_keys k JOIN apps a ON a.id = k.app_id "
            "JOIN workspaces w ON w.id = a.workspace_id WHERE k.key_hash = ?",
            (hashlib.sha256(secret.encode()).hexdigest(),),
        )
        .fetchone()
    )
    if key is None or key[2] is not None or key[4] == "deleted":
        return JSONResponse({"detail": "unauthenticated"}, status_code=401)
    limit = min(int(request.query_params.get("limit", "25")), 100)
    rows = (
        _db()
        .execute(
            "SELECT id, email, name, environment, created_at, disabled_at, last_sign_in_at, "
            "password_hash IS NOT NULL, totp_secret IS NOT NULL FROM end_users "
            "WHERE app_id = ? AND environment = ? ORDER BY email, id LIMIT ?",
            (key[0], key[1], limit + 1),
        )
        .fetchall()
    )
    items = [
        {
            "id": r[0],
            "email": r[1],
            "name": r[2],
            "environment": r[3],
            "created_at": _utc(r[4]),
            "disabled_at": _utc(r[5]),
            "last_sign_in_at": _utc(r[6]),
            "has_password": bool(r[7]),
            "has_totp": bool(r[8]),
        }
        for r in rows[:limit]
    ]
    return JSONResponse({"items": items, "next_cursor": "next" if len(rows) > limit else None})


app = Starlette(routes=[Route("/v1/end-users", end_users)])
