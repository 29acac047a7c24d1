"""File downloads for the browser: authenticated by the session cookie, like the pages."""

from __future__ import annotations

from fastapi import APIRouter, Cookie
from fastapi.responses import FileResponse

from portal.db import transaction
from portal.services import exports, sessions

router = APIRouter(include_in_schema=False)


@router.get("/downloads/exports/{process_id}")
def download_export(process_id: int, portal_session: str | None = Cookie(default=None)):
    """An export archive, for administrators of its workspace; anyone else gets 404."""
    with transaction() as session:
        actor = sessions.resolve_actor(session=session, token=portal_session)
        path = exports.archive_for_download(session=session, actor=actor, process_id=process_id)
    return FileResponse(
        path, media_type="application/zip", filename=f"portal-export-{process_id}.zip"
    )
