"""A developer app's icon (issue 10, item 3): one small PNG, JPEG or WebP, kept apart from the
app's row (models DeveloperAppIcon) and served at its content's hash.

The kind of an upload is read from its first bytes (its magic number), never from its file
name or the type the browser claims; anything else, or anything over ICON_MAX_BYTES, is
refused with a sentence saying why. Setting and removing it need EDIT_APP on the app (the
developer role) and are audited; reading it back is open to anyone who was shown its URL:
`/developer-icons/{app_id}?v={sha256}` answers only for the icon's current hash, so the URL is
what the directory, the consent page and the app's team pages hand out, and guessing an app id
shows nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal.db import savepoint
from portal.domain.access import Actor
from portal.domain.developer import DeveloperAction
from portal.domain.dto import DTO
from portal.domain.errors import Invalid, NotFound
from portal.models import DeveloperAppIcon, DeveloperAppMember
from portal.models._base import utcnow
from portal.services import developer_apps, permissions

ICON_MAX_BYTES = 256 * 1024
ICON_PATH = "/developer-icons/{app_id}"
# What each accepted kind starts with; WebP is a RIFF container whose form type is WEBP.
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
KINDS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP"}


class IconInfo(DTO):
    content_type: str
    size: int  # bytes
    sha256: str
    url: str  # icon_path: where the browser loads it
    updated_at: datetime


class IconFile(DTO):
    content_type: str
    sha256: str
    data: bytes


def icon_path(app_id: int, sha256: str | None) -> str:
    """The icon's URL path (served beside the API); "" when the app has no icon."""
    if not sha256:
        return ""
    return f"{ICON_PATH.format(app_id=app_id)}?v={sha256}"


def sniff(data: bytes) -> str | None:
    """The image type `data` is by its first bytes: image/png, image/jpeg, image/webp or None."""
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _checked(data: object) -> tuple[bytes, str]:
    if not isinstance(data, bytes | bytearray) or not data:
        raise Invalid("Choose an image file: a PNG, JPEG or WebP.", field="icon")
    data = bytes(data)
    if len(data) > ICON_MAX_BYTES:
        raise Invalid(
            f"The icon is {len(data) / 1024:,.0f} KiB: it may be at most "
            f"{ICON_MAX_BYTES // 1024} KiB. Save it smaller (256 × 256 pixels is plenty).",
            field="icon",
        )
    content_type = sniff(data)
    if content_type is None:
        raise Invalid(
            "This file is not a PNG, JPEG or WebP image (whatever its name says). Export the "
            "icon in one of those formats.",
            field="icon",
        )
    return data, content_type


def _info(row: DeveloperAppIcon) -> IconInfo:
    return IconInfo(
        content_type=row.content_type,
        size=len(row.data),
        sha256=row.sha256,
        url=icon_path(row.app_id, row.sha256),
        updated_at=row.updated_at,
    )


def get_icon(*, session: Session, actor: Actor, app_id: int) -> IconInfo | None:
    """The app's icon for its team (None: none uploaded)."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    row = session.get(DeveloperAppIcon, app.id)
    return _info(row) if row is not None else None


def set_icon(*, session: Session, actor: Actor, app_id: int, data: bytes) -> IconInfo:
    """Upload (or replace) the app's icon: a PNG, JPEG or WebP of at most ICON_MAX_BYTES,
    its kind read from its bytes."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.EDIT_APP, app_id)
    data, content_type = _checked(data)
    digest = hashlib.sha256(data).hexdigest()
    row = session.get(DeveloperAppIcon, app.id)
    before = {"sha256": row.sha256} if row is not None else None
    if row is not None and row.sha256 == digest:
        return _info(row)  # the same image again: nothing changes, nothing to audit
    now = utcnow()
    if row is None:
        row = DeveloperAppIcon(
            app_id=app.id, content_type=content_type, data=data, sha256=digest, updated_at=now
        )
        try:
            with savepoint(session):  # added inside it: opening a savepoint flushes first
                session.add(row)
                session.flush()
        except IntegrityError:
            # Another upload made the app's first icon meanwhile: this one replaces it (the
            # last upload wins, as when an icon is already there).
            if row in session:
                session.expunge(row)
            row = session.get(DeveloperAppIcon, app.id, populate_existing=True)
    row.content_type, row.data, row.sha256, row.updated_at = content_type, data, digest, now
    app.updated_at = now
    session.add_all([row, app])
    session.flush()
    developer_apps.record_event(
        session,
        actor,
        "developer_app.icon_changed",
        app,
        before=before,
        after={"sha256": digest, "content_type": content_type, "bytes": len(data)},
    )
    return _info(row)


def remove_icon(*, session: Session, actor: Actor, app_id: int) -> None:
    """Remove the app's icon (its initials show instead); no icon: nothing to do."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.EDIT_APP, app_id)
    row = session.get(DeveloperAppIcon, app.id)
    if row is None:
        return
    before = {"sha256": row.sha256}
    session.delete(row)
    app.updated_at = utcnow()
    session.add(app)
    session.flush()
    developer_apps.record_event(session, actor, "developer_app.icon_removed", app, before=before)


def icon_for_download(*, session: Session, actor: Actor, app_id: int, sha256: str) -> IconFile:
    """The icon's bytes for a signed-in browser that has its URL: the app's current icon if
    `sha256` is its hash, NotFound for anything else (no icon, an old or guessed hash)."""
    del actor  # any signed-in person: the hash in the URL is what was handed out
    row = None
    if type(app_id) is int and 0 < app_id < 2**31:
        row = session.get(DeveloperAppIcon, app_id)
    expected = row.sha256 if row is not None else ""
    given = sha256 if isinstance(sha256, str) and sha256.isascii() else ""
    if row is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise NotFound("Icon not found.")
    return IconFile(content_type=row.content_type, sha256=row.sha256, data=row.data)


def icon_urls(*, session: Session, actor: Actor, app_ids: list[int]) -> dict[int, str]:
    """{app id: icon_path} of those of `app_ids` the actor is on the team of that have an
    icon (a list of apps beside developer_apps.list_apps: one query, no bytes loaded)."""
    ids = [i for i in app_ids if type(i) is int and 0 < i < 2**31][:100]
    if not ids:
        return {}
    rows = session.exec(
        select(DeveloperAppIcon.app_id, DeveloperAppIcon.sha256)
        .join(DeveloperAppMember, col(DeveloperAppMember.app_id) == col(DeveloperAppIcon.app_id))
        .where(col(DeveloperAppIcon.app_id).in_(ids), DeveloperAppMember.user_id == actor.user_id)
    ).all()
    return {app_id: icon_path(app_id, sha) for app_id, sha in rows}
