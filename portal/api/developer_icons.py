"""Developer apps' icons for the browser: authenticated by the session cookie, like the pages,
and served only at the icon's content hash (services/developer_icons.py).

The bytes were checked to be a PNG, JPEG or WebP when uploaded; they go out with the type
read from them then, `nosniff`, a policy that lets nothing in them run, and, since the URL
names the content, a year's cache marked immutable with the hash as the ETag.
"""

from __future__ import annotations

from fastapi import APIRouter, Cookie, Header
from fastapi.responses import Response

from portal.db import transaction
from portal.services import developer_icons, sessions

router = APIRouter(include_in_schema=False)

CACHE = "private, max-age=31536000, immutable"


@router.get(developer_icons.ICON_PATH)
def developer_icon(
    app_id: int,
    v: str = "",
    if_none_match: str | None = Header(default=None),
    portal_session: str | None = Cookie(default=None),
) -> Response:
    """The app's icon if `v` is its current hash; 404 for anything else."""
    with transaction() as session:
        actor = sessions.resolve_actor(session=session, token=portal_session)
        icon = developer_icons.icon_for_download(
            session=session, actor=actor, app_id=app_id, sha256=v[:64]
        )
    etag = f'"{icon.sha256}"'
    headers = {
        "Cache-Control": CACHE,
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": "inline",
    }
    if if_none_match is not None and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(icon.data, media_type=icon.content_type, headers=headers)
