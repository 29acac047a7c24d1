"""Developer apps (seed 001): create an app, its dashboard counts and list, its General
details, its draft manifest (save, validate, diff) and publishing numbered versions.

Who may do what is the team's role on the app (permissions.require_team, domain/developer.py
TEAM_RULES). Creating an app, publishing and install links also need the current developer
terms accepted, whoever calls: a page's route guard is a courtesy, these checks are the rule.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.db import lock_row_for_write, savepoint
from portal.domain.access import Actor
from portal.domain.developer import (
    DATA_TYPES,
    DESCRIPTION_MAX,
    EVENT_CATEGORIES,
    NAME_MAX,
    SLUG_MAX,
    STARTER_MANIFEST,
    DeveloperAction,
    TeamRole,
    VersionState,
    Visibility,
)
from portal.domain.dto import DTO
from portal.domain.errors import Conflict, Invalid, NotFound
from portal.domain.paging import Page
from portal.domain.text import clean as clean_text
from portal.domain.text import unstorable
from portal.models import (
    DeveloperApp,
    DeveloperAppInstallation,
    DeveloperAppMember,
    DeveloperAppVersion,
    User,
    Workspace,
)
from portal.models._base import utcnow
from portal.services import audit, keyset, manifests, permissions, slugs
from portal.services.apps import slugify
from portal.services.keyset import Key
from portal.services.manifests import ManifestProblem

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class DeveloperAppRow(DTO):
    """An app on the developer dashboard."""

    id: int
    name: str
    slug: str
    visibility: Visibility
    role: TeamRole
    latest_version: int | None  # the newest published version's number
    has_draft: bool
    installs: int  # workspaces it is installed in
    updated_at: datetime


class DeveloperCounts(DTO):
    apps: int
    published_apps: int
    draft_versions: int


class DeveloperAppDetail(DTO):
    id: int
    name: str
    slug: str
    description: str
    visibility: Visibility
    role: TeamRole
    created_at: datetime
    updated_at: datetime


class VersionRow(DTO):
    id: int
    number: int
    published_at: datetime
    published_by: str
    scopes: list[str]


class Draft(DTO):
    """The app's draft (or a starter one, not saved yet) and what checking it found."""

    text: str
    saved: bool
    updated_at: datetime | None
    problems: list[str]  # "line 5 (scopes[1]): ..." in the document's order
    problem_lines: list[int]
    valid: bool
    # The draft against the newest published version: unified diff lines, "" if none yet.
    diff: list[str]
    latest_version: int | None


DeveloperAppPage = Page[DeveloperAppRow]
VersionPage = Page[VersionRow]

_A, _M = DeveloperApp.__table__.c, DeveloperAppMember.__table__.c
_V = DeveloperAppVersion.__table__.c

_LIST = keyset.Keyset(
    "developer_apps",
    sorts={"name": Key(func.lower(_A.name), str), "updated_at": Key(_A.updated_at, datetime)},
    tiebreak=Key(_A.id, int),
)
_VERSIONS = keyset.Keyset(
    "developer_app_versions", sorts={"number": None}, tiebreak=Key(_V.number, int)
)


# Identity -----------------------------------------------------------------------------------


def _valid_name(name: str | None) -> str:
    return clean_text(name, field="name", max_length=NAME_MAX, required="Enter a name for the app.")


def _valid_slug(slug: str | None) -> str:
    return slugs.valid(slug, max_length=SLUG_MAX, example="acme-sync")


def _valid_description(text: str | None) -> str:
    return clean_text(text, field="description", max_length=DESCRIPTION_MAX) or ""


def _free_slug(session: Session, base: str) -> str:
    taken = set(
        session.exec(
            select(DeveloperApp.slug).where(
                (col(DeveloperApp.slug) == base)
                | col(DeveloperApp.slug).startswith(f"{base}-", autoescape=True)
            )
        ).scalars()
    )
    return slugs.next_free(base, taken, SLUG_MAX)


def record_event(
    session: Session,
    actor: Actor | None,
    action: str,
    app: DeveloperApp,
    *,
    workspace: Workspace | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """An audit row about a developer app (in `workspace`'s trail when it happened there:
    an install, a move, an uninstall). The one way the developer-app services record; a
    None actor is Portal itself (demo data)."""
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="developer_app",
        target_id=app.id,
        account_id=workspace.account_id if workspace is not None else None,
        workspace_id=workspace.id if workspace is not None else None,
        before=before,
        after=after,
    )


def create_app(
    *, session: Session, actor: Actor, name: str, description: str = ""
) -> DeveloperAppDetail:
    """A new private app with its creator as its owner; its slug is the name's, made unique
    across Portal (`acme-sync-2`)."""
    permissions.require_developer_terms(session, actor)
    name = _valid_name(name)
    description = _valid_description(description)
    app = DeveloperApp(
        name=name,
        slug=_free_slug(session, slugify(name)),
        description=description,
        created_by_user_id=actor.user_id,
    )
    session.add(app)
    session.flush()
    session.add(DeveloperAppMember(app_id=app.id, user_id=actor.user_id, role=TeamRole.OWNER))
    session.flush()
    record_event(
        session, actor, "developer_app.created", app, after={"name": name, "slug": app.slug}
    )
    return _detail(app, TeamRole.OWNER)


def _detail(app: DeveloperApp, role: TeamRole) -> DeveloperAppDetail:
    return DeveloperAppDetail(
        id=app.id,
        name=app.name,
        slug=app.slug,
        description=app.description,
        visibility=Visibility(app.visibility),
        role=role,
        created_at=app.created_at,
        updated_at=app.updated_at,
    )


def find_app(session: Session, actor: Actor, slug: str) -> int:
    """The id of the app with this slug if the actor is on its team; NotFound otherwise (the
    same answer for an app that does not exist)."""
    if not isinstance(slug, str) or len(slug) > SLUG_MAX or not _SLUG.fullmatch(slug):
        raise NotFound("App not found.")  # no app has it (and NUL would be a database error)
    app_id = session.exec(
        select(DeveloperApp.id)
        .join(DeveloperAppMember, col(DeveloperAppMember.app_id) == col(DeveloperApp.id))
        .where(
            DeveloperApp.slug == slug,
            DeveloperAppMember.user_id == actor.user_id,
        )
    ).scalar()
    if app_id is None:
        raise NotFound("App not found.")
    return app_id


def get_app(*, session: Session, actor: Actor, slug: str) -> DeveloperAppDetail:
    app, role = permissions.require_team(
        session, actor, DeveloperAction.VIEW_APP, find_app(session, actor, slug)
    )
    return _detail(app, role)


def update_general(
    *,
    session: Session,
    actor: Actor,
    app_id: int,
    name: str,
    slug: str,
    description: str,
) -> DeveloperAppDetail:
    """Rename the app, change its slug (unique across Portal) or its description."""
    app, role = permissions.require_team(session, actor, DeveloperAction.EDIT_APP, app_id)
    before = {"name": app.name, "slug": app.slug, "description": app.description}
    name, slug, description = _valid_name(name), _valid_slug(slug), _valid_description(description)
    if slug != app.slug:
        taken = session.exec(
            select(DeveloperApp.id).where(DeveloperApp.slug == slug, DeveloperApp.id != app.id)
        ).first()
        if taken is not None:
            raise Conflict(f"The slug {slug} is taken. Choose another.", field="slug")
    app.name, app.slug, app.description = name, slug, description
    app.updated_at = utcnow()
    session.add(app)
    try:
        with savepoint(session):
            session.flush()
    except IntegrityError as error:  # taken meanwhile
        raise Conflict(f"The slug {slug} is taken. Choose another.", field="slug") from error
    after = {"name": name, "slug": slug, "description": description}
    if after != before:
        record_event(session, actor, "developer_app.updated", app, before=before, after=after)
    return _detail(app, role)


def set_visibility(
    *, session: Session, actor: Actor, app_id: int, visibility: str
) -> DeveloperAppDetail:
    """Private (allowlist only) or unlisted (anyone with an install link). Public is not set
    here: platform staff approve a request for broader distribution."""
    app, role = permissions.require_team(session, actor, DeveloperAction.MANAGE_ALLOWLIST, app_id)
    if visibility not in (Visibility.PRIVATE, Visibility.UNLISTED):
        raise Invalid(
            "Choose private or unlisted. Public listing needs a review by platform staff.",
            field="visibility",
        )
    if app.visibility == Visibility.PUBLIC:
        raise Conflict("This app is listed publicly; ask platform staff to withdraw it first.")
    if app.visibility != visibility:
        before = {"visibility": app.visibility}
        app.visibility = Visibility(visibility)
        app.updated_at = utcnow()
        session.add(app)
        session.flush()
        record_event(
            session,
            actor,
            "developer_app.visibility_changed",
            app,
            before=before,
            after={"visibility": app.visibility},
        )
    return _detail(app, role)


# The dashboard ------------------------------------------------------------------------------


def counts(*, session: Session, actor: Actor) -> DeveloperCounts:
    """The actor's apps, how many have a published version, and how many drafts they hold."""
    mine = select(DeveloperAppMember.app_id).where(DeveloperAppMember.user_id == actor.user_id)
    apps = session.exec(select(func.count()).select_from(mine.subquery())).one()
    published = session.exec(
        select(func.count(func.distinct(DeveloperAppVersion.app_id))).where(
            col(DeveloperAppVersion.app_id).in_(mine),
            DeveloperAppVersion.state == VersionState.PUBLISHED,
        )
    ).one()
    drafts = session.exec(
        select(func.count()).where(
            col(DeveloperAppVersion.app_id).in_(mine),
            DeveloperAppVersion.state == VersionState.DRAFT,
        )
    ).one()
    return DeveloperCounts(apps=apps[0], published_apps=published[0], draft_versions=drafts[0])


def _list_query():
    latest = (
        select(func.max(_V.number))
        .where(_V.app_id == _A.id, _V.state == VersionState.PUBLISHED)
        .scalar_subquery()
    )
    draft = (
        select(func.count(_V.id))
        .where(_V.app_id == _A.id, _V.state == VersionState.DRAFT)
        .scalar_subquery()
    )
    installed = DeveloperAppInstallation.__table__.c
    installs = select(func.count(installed.id)).where(installed.app_id == _A.id).scalar_subquery()
    return (
        select(
            _A.id,
            _A.name,
            _A.slug,
            _A.visibility,
            _A.updated_at,
            _M.role,
            latest.label("latest_version"),
            draft.label("drafts"),
            installs.label("installs"),
        )
        .select_from(DeveloperApp.__table__.join(DeveloperAppMember.__table__, _M.app_id == _A.id))
        .where(_M.user_id == bindparam("user_id"))
    )


_QUERY = _list_query()


def list_apps(
    *,
    session: Session,
    actor: Actor,
    sort: str = "name",
    direction: str = "asc",
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[DeveloperAppRow]:
    """The apps the actor is on the team of, a page at a time."""
    page = _LIST.page(
        session,
        _QUERY,
        sort=sort,
        direction=direction,
        limit=limit,
        cursor=cursor,
        params={"user_id": actor.user_id},
    )
    return DeveloperAppPage(
        items=[
            DeveloperAppRow(
                id=row.id,
                name=row.name,
                slug=row.slug,
                visibility=Visibility(row.visibility),
                role=TeamRole(row.role),
                latest_version=row.latest_version,
                has_draft=bool(row.drafts),
                installs=row.installs,
                updated_at=row.updated_at,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


# Versions -----------------------------------------------------------------------------------


def _draft_row(session: Session, app_id: int) -> DeveloperAppVersion | None:
    return session.exec(
        select(DeveloperAppVersion).where(
            DeveloperAppVersion.app_id == app_id, DeveloperAppVersion.state == VersionState.DRAFT
        )
    ).scalar()


def _latest_published(session: Session, app_id: int) -> DeveloperAppVersion | None:
    return session.exec(
        select(DeveloperAppVersion)
        .where(
            DeveloperAppVersion.app_id == app_id,
            DeveloperAppVersion.state == VersionState.PUBLISHED,
        )
        .order_by(col(DeveloperAppVersion.number).desc())
        .limit(1)
    ).scalar()


def _draft_view(
    text: str,
    *,
    saved: bool,
    updated_at: datetime | None,
    latest: DeveloperAppVersion | None,
) -> Draft:
    checked = manifests.check(text)
    problems: tuple[ManifestProblem, ...] = checked.problems
    diff: list[str] = []
    if latest is not None:
        diff = list(
            difflib.unified_diff(
                latest.manifest_text.splitlines(),
                text.splitlines(),
                fromfile=f"version {latest.number}",
                tofile="draft",
                lineterm="",
            )
        )
    return Draft(
        text=text,
        saved=saved,
        updated_at=updated_at,
        problems=[str(problem) for problem in problems],
        problem_lines=sorted({p.line for p in problems if p.line}),
        valid=checked.valid,
        diff=diff,
        latest_version=latest.number if latest else None,
    )


def get_draft(*, session: Session, actor: Actor, app_id: int) -> Draft:
    """The draft, checked; with no draft, the newest published manifest (or a starter one)
    to begin the next version from, not saved until the developer saves it."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    draft, latest = _draft_row(session, app.id), _latest_published(session, app.id)
    if draft is not None:
        return _draft_view(
            draft.manifest_text, saved=True, updated_at=draft.updated_at, latest=latest
        )
    start = latest.manifest_text if latest else STARTER_MANIFEST.format(name=app.name)
    return _draft_view(start, saved=False, updated_at=None, latest=latest)


def check_draft(*, session: Session, actor: Actor, app_id: int, text: str) -> Draft:
    """Validate a text without saving it (the editor's Validate)."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    text = _bounded(text)
    draft = _draft_row(session, app.id)
    return _draft_view(
        text,
        saved=draft is not None and draft.manifest_text == text,
        updated_at=draft.updated_at if draft else None,
        latest=_latest_published(session, app.id),
    )


def _bounded(text: Any) -> str:
    if not isinstance(text, str):
        raise Invalid("The manifest is text (YAML or JSON).", field="manifest")
    if unstorable(text):
        raise Invalid(
            "The manifest holds a character text cannot (NUL or a lone surrogate): remove it.",
            field="manifest",
        )
    return text


def save_draft(*, session: Session, actor: Actor, app_id: int, text: str) -> Draft:
    """Save the draft as typed (an invalid one too: work in progress is kept; publishing is
    what needs it valid)."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.EDIT_DRAFT, app_id)
    lock_row_for_write(session, DeveloperApp, app.id, key_share=True)  # one change at a time
    text = _bounded(text)
    checked = manifests.check(text)
    if checked.manifest is None and len(text) > 64_000:
        raise Invalid(str(checked.problems[0]), field="manifest")
    draft = _draft_row(session, app.id)
    now = utcnow()
    if draft is None:
        draft = DeveloperAppVersion(app_id=app.id, manifest_text=text, created_at=now)
    draft.manifest_text = text
    draft.manifest_format = checked.format
    draft.manifest = checked.manifest
    draft.updated_at = now
    session.add(draft)
    try:
        with savepoint(session):
            session.flush()
    except IntegrityError as error:  # another draft was saved meanwhile
        raise Conflict(
            "Someone else saved a draft of this app meanwhile. Reload to see it.",
            field="manifest",
        ) from error
    app.updated_at = now
    session.add(app)
    return _draft_view(text, saved=True, updated_at=now, latest=_latest_published(session, app.id))


def discard_draft(*, session: Session, actor: Actor, app_id: int) -> None:
    app, _role = permissions.require_team(session, actor, DeveloperAction.EDIT_DRAFT, app_id)
    lock_row_for_write(session, DeveloperApp, app.id, key_share=True)  # one change at a time
    draft = _draft_row(session, app.id)
    if draft is not None:
        session.delete(draft)
        session.flush()
        record_event(session, actor, "developer_app.draft_discarded", app)


def publish(*, session: Session, actor: Actor, app_id: int) -> VersionRow:
    """Publish the saved draft as the next numbered version, immutable from now on. Refused
    without accepted terms, without a draft, or while the draft has problems."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.PUBLISH_VERSION, app_id)
    lock_row_for_write(session, DeveloperApp, app.id, key_share=True)  # one change at a time
    draft = _draft_row(session, app.id)
    if draft is None:
        raise Invalid("Save a draft before publishing.", field="manifest")
    checked = manifests.check(draft.manifest_text)
    if not checked.valid:
        raise Invalid(f"Fix the draft before publishing: {checked.problems[0]}", field="manifest")
    number = (
        session.exec(
            select(func.max(DeveloperAppVersion.number)).where(DeveloperAppVersion.app_id == app.id)
        ).scalar()
        or 0
    ) + 1
    now = utcnow()
    draft.state = VersionState.PUBLISHED
    draft.number = number
    draft.manifest = checked.manifest
    draft.published_at = now
    draft.published_by_user_id = actor.user_id
    draft.updated_at = now
    app.updated_at = now
    session.add_all([draft, app])
    try:
        with savepoint(session):
            session.flush()
    except IntegrityError as error:  # two publishes at once: one gets the number
        raise Conflict("This draft was just published. Reload to see it.") from error
    record_event(session, actor, "developer_app.version_published", app, after={"version": number})
    return VersionRow(
        id=draft.id,
        number=number,
        published_at=now,
        published_by=actor.name,
        scopes=list(checked.manifest.get("scopes", [])),
    )


def list_versions(
    *,
    session: Session,
    actor: Actor,
    app_id: int,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[VersionRow]:
    """Published versions, newest first."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    users = User.__table__.c
    query = (
        select(_V.id, _V.number, _V.published_at, _V.manifest, users.name.label("publisher"))
        .select_from(
            DeveloperAppVersion.__table__.outerjoin(
                User.__table__, users.id == _V.published_by_user_id
            )
        )
        .where(_V.app_id == bindparam("app_id"), _V.state == VersionState.PUBLISHED)
    )
    page = _VERSIONS.page(
        session,
        query,
        sort="number",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params={"app_id": app.id},
    )
    return VersionPage(
        items=[
            VersionRow(
                id=row.id,
                number=row.number,
                published_at=row.published_at,
                published_by=row.publisher or "someone who left",
                scopes=list((row.manifest or {}).get("scopes", [])),
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


# Webhooks -----------------------------------------------------------------------------------


class Declared(DTO):
    """What one declared name means (an event category or a data type)."""

    name: str
    description: str


class DeclaredByVersion(DTO):
    """What the newest published version declares for webhooks; version None: none yet."""

    version: int | None
    webhook_url: str
    event_categories: list[Declared]
    data_types: list[Declared]


def declared(*, session: Session, actor: Actor, app_id: int) -> DeclaredByVersion:
    """The event categories and data types the newest published version declares, each with
    its meaning (domain/developer.py), and where its events go."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    latest = _latest_published(session, app.id)
    manifest = (latest.manifest if latest else None) or {}

    def described(names: Any, meanings: dict[str, str]) -> list[Declared]:
        names = names if isinstance(names, list) else []
        return [Declared(name=str(n), description=meanings.get(str(n), "")) for n in names]

    return DeclaredByVersion(
        version=latest.number if latest else None,
        webhook_url=str(manifest.get("webhook_url") or ""),
        event_categories=described(manifest.get("event_categories"), EVENT_CATEGORIES),
        data_types=described(manifest.get("data_types"), DATA_TYPES),
    )
