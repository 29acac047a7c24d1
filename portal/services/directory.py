"""The app directory (issue 10, item 6): the developer apps platform staff approved for public
listing (visibility public) that have a published version, for any signed-in person to browse
and search. Installing one goes through the same consent and install path as an install link
(installations.consent / install with the app's slug), which checks again that it is public.

Search matches the name or the description, ignoring case, as a bound LIKE pattern; the list
is paged on the server by name with the keyset pager.
"""

from __future__ import annotations

from sqlalchemy import bindparam, exists, func, or_, select
from sqlmodel import Session

from portal.domain.access import Actor, ActorKind
from portal.domain.developer import VersionState, Visibility
from portal.domain.dto import DTO
from portal.domain.errors import PermissionDenied
from portal.domain.paging import Page
from portal.domain.text import search_term
from portal.models import (
    DeveloperApp,
    DeveloperAppIcon,
    DeveloperAppInstallation,
    DeveloperAppVersion,
)
from portal.services import developer_icons, keyset
from portal.services.keyset import Key

SEARCH_MAX = 80


class DirectoryRow(DTO):
    name: str
    slug: str
    description: str
    icon_url: str  # developer_icons.icon_path, "" without an icon
    latest_version: int
    install_count: int  # workspaces it is installed in


DirectoryPage = Page[DirectoryRow]

_A = DeveloperApp.__table__.c
_V = DeveloperAppVersion.__table__.c
_I = DeveloperAppInstallation.__table__.c
_ICON = DeveloperAppIcon.__table__.c

_LIST = keyset.Keyset(
    "directory", sorts={"name": Key(func.lower(_A.name), str)}, tiebreak=Key(_A.id, int)
)


def _query(searching: bool):
    latest = (
        select(func.max(_V.number))
        .where(_V.app_id == _A.id, _V.state == VersionState.PUBLISHED)
        .scalar_subquery()
    )
    installs = select(func.count(_I.id)).where(_I.app_id == _A.id).scalar_subquery()
    query = (
        select(
            _A.id,
            _A.name,
            _A.slug,
            _A.description,
            _ICON.sha256.label("icon_sha256"),
            latest.label("latest_version"),
            installs.label("install_count"),
        )
        .select_from(DeveloperApp.__table__.outerjoin(DeveloperAppIcon.__table__))
        .where(
            _A.visibility == Visibility.PUBLIC.value,
            exists().where(_V.app_id == _A.id, _V.state == VersionState.PUBLISHED),
        )
    )
    if searching:
        pattern = bindparam("pattern")
        query = query.where(
            or_(
                func.lower(_A.name).like(pattern, escape="\\"),
                func.lower(_A.description).like(pattern, escape="\\"),
            )
        )
    return query


# Built once: the keyset pager caches each query's ordered forms (and SQLAlchemy its SQL).
_ALL, _SEARCHED = _query(False), _query(True)


def _pattern(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_directory(
    *,
    session: Session,
    actor: Actor,
    search: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[DirectoryRow]:
    """Public apps with a published version, by name, narrowed by `search` (in the name or
    the description, any case). Any signed-in person; not an installed app's token."""
    if actor.kind is ActorKind.INSTALLATION:
        raise PermissionDenied("An installed app's token cannot browse the app directory.")
    term = search_term(search, SEARCH_MAX).lower()
    page = _LIST.page(
        session,
        _SEARCHED if term else _ALL,
        sort="name",
        direction="asc",
        limit=limit,
        cursor=cursor,
        params={"pattern": _pattern(term)} if term else None,
    )
    return DirectoryPage(
        items=[
            DirectoryRow(
                name=row.name,
                slug=row.slug,
                description=row.description,
                icon_url=developer_icons.icon_path(row.id, row.icon_sha256),
                latest_version=row.latest_version,
                install_count=row.install_count,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )
