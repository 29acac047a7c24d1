"""The bare baseline of a file upload and download: two Starlette routes doing the transfer by
hand, as a server with no framework around it would.

    granian --interface asgi --workers 1 bare_files:app   (workspace_data.py starts it, with
    BENCH_SQLITE_PATH, the SQLite file Portal serves, and BENCH_FILES_DIR, where it writes)

The same work and nothing more: read the bearer token, hash it and look it up; stream the
request body to a temporary file in 1 MB writes while hashing it with SHA-256, then rename it
into place (Portal's local store does the same); answer the size and digest. A download looks
the token up again and streams the file back in 1 MB reads. What it leaves out is what Portal
adds around that: the workspace's permission check, the size limit, sniffing the type, the
version rows and their audit entries, idempotency, FastAPI.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

DATABASE = os.environ.get("BENCH_SQLITE_PATH", "")
STORE = Path(os.environ.get("BENCH_FILES_DIR", tempfile.gettempdir()))
CHUNK = 1024 * 1024
_local = threading.local()


def _authenticated(request: Request) -> bool:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.startswith("pat_") or len(secret) > 200:
        return False
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = sqlite3.connect(DATABASE, timeout=30)
    found = connection.execute(
        "SELECT id FROM personal_access_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        (hashlib.sha256(secret.encode()).hexdigest(),),
    ).fetchone()
    return found is not None


def _target(request: Request) -> Path:
    name = hashlib.sha256(request.path_params["path"].encode()).hexdigest()
    return STORE / name


async def upload(request: Request) -> Response:
    if not _authenticated(request):
        return JSONResponse({"title": "unauthenticated"}, status_code=401)
    digest, size = hashlib.sha256(), 0
    STORE.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=STORE)
    with os.fdopen(handle, "wb") as out:
        pending = bytearray()
        async for part in request.stream():
            pending += part
            if len(pending) >= CHUNK:
                out.write(pending)
                digest.update(pending)
                size += len(pending)
                pending.clear()
        out.write(pending)
        digest.update(pending)
        size += len(pending)
    os.replace(temporary, _target(request))
    return JSONResponse({"size": size, "sha256": digest.hexdigest()})


async def download(request: Request) -> Response:
    if not _authenticated(request):
        return JSONResponse({"title": "unauthenticated"}, status_code=401)
    target = _target(request)
    if not target.exists():
        return JSONResponse({"title": "not found"}, status_code=404)
    return _FileResponse(target, media_type="application/octet-stream")


class _FileResponse(FileResponse):
    chunk_size = CHUNK  # Portal's store reads 1 MB at a time too


def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/v1/workspaces/{workspace_id}/files/{path:path}", upload, methods=["PUT"]),
        Route("/v1/workspaces/{workspace_id}/files/{path:path}", download, methods=["GET"]),
        Route("/v1/health", health),
    ]
)
