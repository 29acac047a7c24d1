"""File downloads for the browser: authenticated by the session cookie, like the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Cookie, Header, Path, Query
from fastapi.responses import FileResponse, Response

from portal.api.files import stream_download
from portal.api.schemas import INT32_MAX, WireInteger
from portal.db import transaction
from portal.domain.wording import action_prefix
from portal.services import apps, exports, files, sessions

router = APIRouter(include_in_schema=False)


@router.get("/downloads/exports/{process_id}")
def download_export(
    process_id: Annotated[int, Path(ge=1, le=INT32_MAX), WireInteger],
    portal_session: str | None = Cookie(default=None),
):
    """An export archive, for administrators of its workspace; anyone else gets 404."""
    with transaction() as session:
        actor = sessions.resolve_actor(session=session, token=portal_session)
        path = exports.archive_for_download(session=session, actor=actor, process_id=process_id)
    return FileResponse(
        path, media_type="application/zip", filename=f"portal-export-{process_id}.zip"
    )


@router.get("/downloads/apps/{workspace_id}/{app_slug}/audit.csv")
def download_app_audit(
    workspace_id: str,
    app_slug: str,
    actor: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
    portal_session: str | None = Cookie(default=None),
):
    """An app's audit log as CSV, with the log page's filters (days in UTC, `until`
    included), for anyone who can read the app's workspace; anyone else gets 404."""
    with transaction() as session:
        person = sessions.resolve_actor(session=session, token=portal_session)
        body = apps.audit_csv(
            session=session,
            actor=person,
            workspace_id=workspace_id,
            app_slug=app_slug,
            actor_filter=actor,
            action_filter=action_prefix(action or "") or None,
            since=datetime.combine(since, time.min, UTC) if since else None,
            until=datetime.combine(until + timedelta(days=1), time.min, UTC) if until else None,
        )
    safe_slug = "".join(c for c in app_slug if c.isalnum() or c == "-")[:64] or "app"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe_slug}-audit.csv"'},
    )


@router.get("/downloads/files/{workspace_id}/{path:path}")
def download_file(
    workspace_id: str,
    path: str,
    version: Annotated[int | None, Query(ge=1, le=INT32_MAX), WireInteger] = None,
    portal_session: str | None = Cookie(default=None),
    if_none_match: Annotated[str | None, Header()] = None,
):
    """A workspace file's content (routes.file_download_url), streamed as an attachment, for
    anyone who can read the workspace (frozen too); anyone else gets 404."""
    with transaction() as session:
        actor = sessions.resolve_actor(session=session, token=portal_session)
        found = files.download(
            session=session, actor=actor, workspace_id=workspace_id, path=path, version=version
        )
    response = stream_download(found, if_none_match)
    # An attachment, never shown; without `sandbox`, which makes Chromium refuse to save a
    # download the page's own link started.
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response
