"""Installing developer apps (seed 001): install links, the consent a workspace administrator
gives, installations, and the allowlist of a private app.

An install link installs one published version. Its token is `<id>.<signature>`, the
signature an HMAC of the id under Portal's secret key: it cannot be forged or guessed, and the
developer can copy it again from the list. A link can expire, be revoked, and counts its uses.

Installing needs administer on the workspace (Action.INSTALL_APPS, refused while it is frozen
or offboarding) and, for a private app, the workspace or its account on the app's allowlist:
checked here whenever a link is used, whoever calls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.config import get_settings
from portal.db import savepoint
from portal.domain.access import Action, Actor, ActorKind
from portal.domain.developer import (
    DATA_TYPES,
    EVENT_CATEGORIES,
    SCOPES,
    SLUG_MAX,
    DeveloperAction,
    VersionState,
    Visibility,
)
from portal.domain.dto import DTO
from portal.domain.errors import Conflict, Invalid, NotFound, PermissionDenied
from portal.domain.events import EventType
from portal.domain.paging import Page
from portal.domain.text import search_term
from portal.domain.workspaces import WorkspaceStatus
from portal.models import (
    Account,
    DeveloperApp,
    DeveloperAppAllowlistEntry,
    DeveloperAppIcon,
    DeveloperAppInstallation,
    DeveloperAppVersion,
    DeveloperInstallLink,
    Workspace,
)
from portal.models._base import utcnow
from portal.services import developer_apps, developer_icons, events, keyset, permissions
from portal.services.keyset import Key

MAX_EXPIRY_DAYS = 365
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # as developer_apps writes them
CHOICES_LIMIT = 20


class InstallLinkRow(DTO):
    id: int
    url: str
    version: int
    created_at: datetime
    expires_at: datetime | None
    revoked: bool
    expired: bool
    use_count: int


class Described(DTO):
    """A scope, event category or data type in plain words."""

    name: str
    says: str


class WorkspaceChoice(DTO):
    id: str
    name: str
    account_name: str
    installed_version: int | None  # this app's version installed there now


class Consent(DTO):
    """What the consent page shows for a link: the app, the version, what it asks for, and
    where the person may install it."""

    app_name: str
    app_description: str
    icon_url: str  # developer_icons.icon_path, "" without an icon
    version: int
    scopes: list[Described]
    event_categories: list[Described]
    data_types: list[Described]
    workspaces: list[WorkspaceChoice]
    more_workspaces: bool


class InstallationRow(DTO):
    id: int
    app_name: str
    app_slug: str
    version: int
    scopes: list[str]
    installed_at: datetime


class AppInstallationRow(DTO):
    """Where a developer's app is installed, as its team sees it: the installation's id (what
    the client_credentials grant names), the version, and the workspace's and its account's
    names only when the installed version declares the workspace_profile data type (the
    administrator consented to sharing them); None otherwise."""

    id: int
    workspace_name: str | None
    account_name: str | None
    version: int
    installed_at: datetime


InstallLinkPage = Page[InstallLinkRow]
InstallationPage = Page[InstallationRow]
AppInstallationPage = Page[AppInstallationRow]

_L = DeveloperInstallLink.__table__.c
_I = DeveloperAppInstallation.__table__.c
_V = DeveloperAppVersion.__table__.c
_A = DeveloperApp.__table__.c

_LINKS = keyset.Keyset("install_links", sorts={"newest": None}, tiebreak=Key(_L.id, int))
_INSTALLED = keyset.Keyset("installations", sorts={"newest": None}, tiebreak=Key(_I.id, int))
_WS = Workspace.__table__.c
_AC = Account.__table__.c
_APP_INSTALLED = keyset.Keyset(
    "app_installations", sorts={"newest": None}, tiebreak=Key(_I.id, int)
)


# Links --------------------------------------------------------------------------------------


def _signature(link_id: int) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    digest = hmac.new(key, f"install-link:{link_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def link_token(link_id: int) -> str:
    return f"{link_id}.{_signature(link_id)}"


def link_url(link_id: int) -> str:
    return f"{get_settings().public_url}/install/{link_token(link_id)}"


def _link_for(session: Session, token: str) -> DeveloperInstallLink:
    """The link a token names, if its signature holds; NotFound for anything else (forged,
    malformed, deleted), the same answer each time."""
    text = token if isinstance(token, str) else ""
    head, _, signature = text.partition(".")
    if not (head.isascii() and head.isdigit()) or len(head) > 12 or not signature:
        raise NotFound("This install link is not valid. Ask the app's developer for a new one.")
    link_id = int(head)
    if not hmac.compare_digest(signature.encode(), _signature(link_id).encode()):
        raise NotFound("This install link is not valid. Ask the app's developer for a new one.")
    link = session.get(DeveloperInstallLink, link_id)
    if link is None:
        raise NotFound("This install link is not valid. Ask the app's developer for a new one.")
    return link


def _usable(link: DeveloperInstallLink, now: datetime) -> None:
    if link.revoked_at is not None:
        raise Conflict("This install link was revoked. Ask the app's developer for a new one.")
    if link.expires_at is not None and link.expires_at <= now:
        raise Conflict("This install link has expired. Ask the app's developer for a new one.")


def _row(link: DeveloperInstallLink, version: int, now: datetime) -> InstallLinkRow:
    return InstallLinkRow(
        id=link.id,
        url=link_url(link.id),
        version=version,
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked=link.revoked_at is not None,
        expired=link.expires_at is not None and link.expires_at <= now,
        use_count=link.use_count,
    )


def _published(session: Session, app_id: int, number: int | None) -> DeveloperAppVersion:
    query = select(DeveloperAppVersion).where(
        DeveloperAppVersion.app_id == app_id, DeveloperAppVersion.state == VersionState.PUBLISHED
    )
    if number is None:
        query = query.order_by(col(DeveloperAppVersion.number).desc()).limit(1)
    else:
        if not isinstance(number, int) or isinstance(number, bool):
            raise Invalid("Choose a published version.", field="version")
        query = query.where(DeveloperAppVersion.number == number)
    version = session.exec(query).scalar()
    if version is None:
        raise Invalid(
            "Publish a version first: an install link installs a published version.",
            field="version",
        )
    return version


def create_link(
    *,
    session: Session,
    actor: Actor,
    app_id: int,
    version: int | None = None,
    expires_in_days: int | None = None,
) -> InstallLinkRow:
    """A link installing the published `version` (the newest if None), valid for
    `expires_in_days` (None: until revoked). Needs the current developer terms."""
    app, _role = permissions.require_team(
        session, actor, DeveloperAction.CREATE_INSTALL_LINK, app_id
    )
    published = _published(session, app.id, version)
    if expires_in_days is not None and (
        not isinstance(expires_in_days, int)
        or isinstance(expires_in_days, bool)
        or not 1 <= expires_in_days <= MAX_EXPIRY_DAYS
    ):
        raise Invalid(
            f"Choose between 1 and {MAX_EXPIRY_DAYS} days, or no expiry.", field="expires_in_days"
        )
    now = utcnow()
    link = DeveloperInstallLink(
        app_id=app.id,
        version_id=published.id,
        created_by_user_id=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(link)
    session.flush()
    developer_apps.record_event(
        session,
        actor,
        "developer_app.install_link_created",
        app,
        after={"link": link.id, "version": published.number},
    )
    return _row(link, published.number, now)


def revoke_link(*, session: Session, actor: Actor, app_id: int, link_id: int) -> None:
    app, _role = permissions.require_team(
        session, actor, DeveloperAction.MANAGE_INSTALL_LINKS, app_id
    )
    is_id = type(link_id) is int and 0 < link_id < 2**31  # no bool; within INTEGER
    link = session.get(DeveloperInstallLink, link_id) if is_id else None
    if link is None or link.app_id != app.id:
        raise NotFound("Install link not found.")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        session.add(link)
        session.flush()
        developer_apps.record_event(
            session,
            actor,
            "developer_app.install_link_revoked",
            app,
            after={"link": link.id},
        )


def list_links(
    *,
    session: Session,
    actor: Actor,
    app_id: int,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[InstallLinkRow]:
    """The app's install links, newest first (the team can copy them again)."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    query = (
        select(
            _L.id,
            _L.created_at,
            _L.expires_at,
            _L.revoked_at,
            _L.use_count,
            _V.number.label("version"),
        )
        .select_from(DeveloperInstallLink.__table__.join(DeveloperAppVersion.__table__))
        .where(_L.app_id == bindparam("app_id"))
    )
    page = _LINKS.page(
        session,
        query,
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params={"app_id": app.id},
    )
    now = utcnow()
    items = [
        _row(
            DeveloperInstallLink(
                id=row.id,
                app_id=app.id,
                version_id=0,
                created_at=row.created_at,
                expires_at=row.expires_at,
                revoked_at=row.revoked_at,
                use_count=row.use_count,
            ),
            row.version,
            now,
        )
        for row in page.rows
    ]
    return InstallLinkPage(items=items, next_cursor=page.next_cursor)


# The allowlist of a private app ------------------------------------------------------------


def _allowed(session: Session, app: DeveloperApp, workspace: Workspace) -> bool:
    if app.visibility != Visibility.PRIVATE:
        return True
    return (
        session.exec(
            select(DeveloperAppAllowlistEntry.id).where(
                DeveloperAppAllowlistEntry.app_id == app.id,
                or_(
                    DeveloperAppAllowlistEntry.workspace_id == workspace.id,
                    DeveloperAppAllowlistEntry.account_id == workspace.account_id,
                ),
            )
        ).first()
        is not None
    )


def allow(
    *,
    session: Session,
    actor: Actor,
    app_id: int,
    workspace_id: str | None = None,
    account_id: int | None = None,
) -> None:
    """Let one workspace (by UUID), or every workspace of one account, install a private
    app. The developer need not see the workspace: only its id is kept."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.MANAGE_ALLOWLIST, app_id)
    if (workspace_id is None) == (account_id is None):
        raise Invalid("Add a workspace or an account.", field="allowlist")
    entry = DeveloperAppAllowlistEntry(app_id=app.id)
    if workspace_id is not None:
        try:
            entry.workspace_id = uuid.UUID(str(workspace_id))
        except ValueError as error:
            raise Invalid("Enter a workspace's UUID.", field="workspace_id") from error
        if session.get(Workspace, entry.workspace_id) is None:
            raise Invalid("No workspace has this UUID.", field="workspace_id")
    else:
        if not isinstance(account_id, int) or session.get(Account, account_id) is None:
            raise Invalid("No account has this id.", field="account_id")
        entry.account_id = account_id
    exists = session.exec(
        select(DeveloperAppAllowlistEntry.id).where(
            DeveloperAppAllowlistEntry.app_id == app.id,
            DeveloperAppAllowlistEntry.workspace_id == entry.workspace_id,
            DeveloperAppAllowlistEntry.account_id == entry.account_id,
        )
    ).first()
    if exists is None:
        session.add(entry)
        session.flush()


class AllowedRow(DTO):
    id: int
    kind: str  # "workspace" or "account"
    target_id: str  # the workspace's UUID or the account's id
    added_at: datetime


AllowedPage = Page[AllowedRow]
_W = DeveloperAppAllowlistEntry.__table__.c
_ALLOWED = keyset.Keyset("allowlist", sorts={"newest": None}, tiebreak=Key(_W.id, int))


def list_allowed(
    *,
    session: Session,
    actor: Actor,
    app_id: int,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[AllowedRow]:
    """The private app's allowlist, newest first (ids only: the developer need not be able to
    read the workspaces and accounts they allow)."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    page = _ALLOWED.page(
        session,
        select(_W.id, _W.workspace_id, _W.account_id, _W.added_at).where(
            _W.app_id == bindparam("app_id")
        ),
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params={"app_id": app.id},
    )
    return AllowedPage(
        items=[
            AllowedRow(
                id=row.id,
                kind="workspace" if row.workspace_id is not None else "account",
                target_id=str(row.workspace_id if row.workspace_id is not None else row.account_id),
                added_at=row.added_at,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


def disallow(*, session: Session, actor: Actor, app_id: int, entry_id: int) -> None:
    """Remove an allowlist entry. Installations made meanwhile stay: uninstalling is the
    workspace's decision."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.MANAGE_ALLOWLIST, app_id)
    entry = (
        session.get(DeveloperAppAllowlistEntry, entry_id)
        if type(entry_id) is int and 0 < entry_id < 2**31  # untrusted: no bool, no overflow
        else None
    )
    if entry is None or entry.app_id != app.id:
        raise NotFound("Allowlist entry not found.")
    session.delete(entry)
    session.flush()


# Consent and installing --------------------------------------------------------------------


def _described(names: list[str], catalog: dict) -> list[Described]:
    out = []
    for name in names:
        entry = catalog.get(name)
        says = entry.says if hasattr(entry, "says") else (entry or name)
        out.append(Described(name=name, says=says))
    return out


def _choices(
    session: Session, actor: Actor, app: DeveloperApp, search: str | None
) -> tuple[list[tuple[Workspace, str]], bool]:
    """The live workspaces the actor may install `app` in (administer, directly or through
    the account; a private app's allowlist), by name: one query, at most CHOICES_LIMIT, and
    whether more match."""
    if actor.kind is ActorKind.INSTALLATION:
        allowed = false()  # an installed app's token installs nothing
    else:
        allowed = permissions.workspaces_held_by(actor.user_id, Action.INSTALL_APPS.rule.permission)
    query = (
        select(Workspace, Account.name)
        .join(Account, col(Account.id) == col(Workspace.account_id))
        .where(
            allowed,
            col(Workspace.status).in_([WorkspaceStatus.ACTIVE, WorkspaceStatus.PROVISIONING]),
        )
        .order_by(func.lower(Workspace.name), Workspace.id)
        .limit(CHOICES_LIMIT + 1)
    )
    if app.visibility == Visibility.PRIVATE:
        entries = DeveloperAppAllowlistEntry.__table__.c
        workspaces = Workspace.__table__.c
        query = query.where(
            exists().where(
                entries.app_id == app.id,
                or_(
                    entries.workspace_id == workspaces.id,
                    entries.account_id == workspaces.account_id,
                ),
            )
        )
    term = search_term(search, 80).lower()
    if term:
        query = query.where(func.lower(Workspace.name).contains(term, autoescape=True))
    rows = [(workspace, account_name) for workspace, account_name in session.exec(query).all()]
    return rows[:CHOICES_LIMIT], len(rows) > CHOICES_LIMIT


def _listed(session: Session, app_slug: str) -> DeveloperApp:
    """A public app (listed in the directory) by its slug; NotFound for any other (private,
    unlisted: only their install links install them), the same answer as for no app."""
    app = None
    # Untrusted (a URL's): only a slug's shape reaches the database (NUL would not).
    if isinstance(app_slug, str) and len(app_slug) <= SLUG_MAX and _SLUG.fullmatch(app_slug):
        app = session.exec(select(DeveloperApp).where(DeveloperApp.slug == app_slug)).scalar()
    if app is None or app.visibility != Visibility.PUBLIC:
        raise NotFound("This app is not in the directory. Check the link, or search for it.")
    return app


def _latest_published(session: Session, app: DeveloperApp) -> DeveloperAppVersion:
    version = session.exec(
        select(DeveloperAppVersion)
        .where(
            DeveloperAppVersion.app_id == app.id,
            DeveloperAppVersion.state == VersionState.PUBLISHED,
        )
        .order_by(col(DeveloperAppVersion.number).desc())
        .limit(1)
    ).scalar()
    if version is None:  # listed without a published version: not in the directory yet
        raise NotFound("This app is not in the directory. Check the link, or search for it.")
    return version


def _offered(
    session: Session, *, token: str | None, app_slug: str | None
) -> tuple[DeveloperApp, DeveloperAppVersion, DeveloperInstallLink | None]:
    """What a consent page offers: an install link's app and version (the link usable), or
    a public app's newest published version (from the directory). Exactly one of the two."""
    if (token is None) == (app_slug is None):
        raise NotFound("This install link is not valid. Ask the app's developer for a new one.")
    if token is not None:
        link = _link_for(session, token)
        _usable(link, utcnow())
        app = session.get(DeveloperApp, link.app_id)
        return app, session.get(DeveloperAppVersion, link.version_id), link
    app = _listed(session, app_slug)
    return app, _latest_published(session, app), None


def consent(
    *,
    session: Session,
    actor: Actor,
    token: str | None = None,
    app_slug: str | None = None,
    search: str | None = None,
) -> Consent:
    """What a link (`token`) or a public app of the directory (`app_slug`, its newest
    published version) asks for, and the workspaces the person may install it in
    (administer, and on the allowlist of a private app), at most CHOICES_LIMIT, narrowed by
    `search`."""
    app, version, _link = _offered(session, token=token, app_slug=app_slug)
    manifest = version.manifest or {}
    rows, more = _choices(session, actor, app, search)
    # Which of the offered workspaces have the app already (not every tenant's installs).
    installed = dict(
        session.exec(
            select(DeveloperAppInstallation.workspace_id, DeveloperAppVersion.number)
            .join(
                DeveloperAppVersion,
                col(DeveloperAppVersion.id) == col(DeveloperAppInstallation.version_id),
            )
            .where(
                DeveloperAppInstallation.app_id == app.id,
                col(DeveloperAppInstallation.workspace_id).in_([w.id for w, _ in rows]),
            )
        ).all()
    )
    icon = session.exec(
        select(DeveloperAppIcon.sha256).where(DeveloperAppIcon.app_id == app.id)
    ).scalar()
    return Consent(
        app_name=app.name,
        app_description=(manifest.get("display") or {}).get("description", app.description),
        icon_url=developer_icons.icon_path(app.id, icon),
        version=version.number,
        scopes=_described(manifest.get("scopes", []), SCOPES),
        event_categories=_described(manifest.get("event_categories", []), EVENT_CATEGORIES),
        data_types=_described(manifest.get("data_types", []), DATA_TYPES),
        workspaces=[
            WorkspaceChoice(
                id=str(workspace.id),
                name=workspace.name,
                account_name=account_name,
                installed_version=installed.get(workspace.id),
            )
            for workspace, account_name in rows
        ],
        more_workspaces=more,
    )


def install(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    token: str | None = None,
    app_slug: str | None = None,
    version: int | None = None,
) -> InstallationRow:
    """Install what the consent page showed in the workspace (the person approved it): the
    link's version (`token`), or a public app's newest published version (`app_slug`, with
    the `version` the page showed: a newer one published meanwhile must be reviewed first).
    A new installation, or the existing one moved to this version."""
    app, target, link = _offered(session, token=token, app_slug=app_slug)
    now = utcnow()
    if link is None and (type(version) is not int or version != target.number):
        raise Conflict(
            f"{app.name} has a newer version ({target.number}) than the one you reviewed. "
            "Review what it asks for, then approve again."
        )
    workspace = permissions.require(session, actor, Action.INSTALL_APPS, workspace_id)
    if not _allowed(session, app, workspace):
        raise PermissionDenied(
            f"{app.name} is private: its developers have not allowed {workspace.name} to "
            "install it. Ask them to add the workspace or its account to the allowlist."
        )
    installation = _installed_in(session, app, workspace)
    before = None
    if installation is None:
        installation = DeveloperAppInstallation(
            app_id=app.id,
            workspace_id=workspace.id,
            version_id=target.id,
            installed_by_user_id=actor.user_id,
            installed_at=now,
        )
    else:
        before = {"version": session.get(DeveloperAppVersion, installation.version_id).number}
        installation.version_id = target.id
    installation.updated_at = now
    try:
        with savepoint(session):  # added inside it: opening a savepoint flushes first
            session.add(installation)
            session.flush()
    except IntegrityError as error:
        # Someone installed it in this workspace meanwhile (one installation per app and
        # workspace): theirs stands. The same version is what this person approved too.
        if installation in session:
            session.expunge(installation)
        theirs = _installed_in(session, app, workspace)
        if theirs is not None and theirs.version_id == target.id:
            return _installation_row(theirs, app, target)
        raise Conflict(
            f"{app.name} was just installed in {workspace.name} by someone else. Reload to "
            "see its version."
        ) from error
    if link is not None:
        session.execute(
            update(DeveloperInstallLink)
            .where(col(DeveloperInstallLink.id) == link.id)
            .values(use_count=DeveloperInstallLink.use_count + 1)
        )
    after = {"app": app.slug, "version": target.number}
    if link is None:
        after["from"] = "directory"
    developer_apps.record_event(
        session,
        actor,
        "workspace.app_installed",
        app,
        workspace=workspace,
        before=before,
        after=after,
    )
    if before is None:
        _event(session, EventType.INSTALLATION_CREATED, installation, app, target)
    else:
        _event(
            session,
            EventType.INSTALLATION_UPDATED,
            installation,
            app,
            target,
            previous_version=before["version"],
        )
    return _installation_row(installation, app, target)


def _event(
    session: Session,
    kind: EventType,
    installation: DeveloperAppInstallation,
    app: DeveloperApp,
    version: DeveloperAppVersion,
    **extra: Any,
) -> None:
    data: dict[str, Any] = {
        "installation_id": installation.id,
        "app": {"slug": app.slug, "name": app.name},
        "version": version.number,
    }
    if kind is not EventType.INSTALLATION_REMOVED:
        data["scopes"] = list((version.manifest or {}).get("scopes", []))
    events.emit(session, type=kind, workspace_id=installation.workspace_id, data=data | extra)


def _installed_in(
    session: Session, app: DeveloperApp, workspace: Workspace
) -> DeveloperAppInstallation | None:
    return session.exec(
        select(DeveloperAppInstallation).where(
            DeveloperAppInstallation.app_id == app.id,
            DeveloperAppInstallation.workspace_id == workspace.id,
        )
    ).scalar()


def _installation_row(
    installation: DeveloperAppInstallation, app: DeveloperApp, version: DeveloperAppVersion
) -> InstallationRow:
    return InstallationRow(
        id=installation.id,
        app_name=app.name,
        app_slug=app.slug,
        version=version.number,
        scopes=list((version.manifest or {}).get("scopes", [])),
        installed_at=installation.installed_at,
    )


def _installation(
    session: Session, workspace: Workspace, installation_id: int
) -> DeveloperAppInstallation:
    found = (
        session.get(DeveloperAppInstallation, installation_id)
        if type(installation_id) is int and 0 < installation_id < 2**31  # within INTEGER
        else None
    )
    if found is None or found.workspace_id != workspace.id:
        raise NotFound("Installation not found.")
    return found


def move(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    installation_id: int,
    version: int,
    consented: bool = False,
) -> InstallationRow:
    """Move an installation to another published version. One that asks for scopes the
    installed version did not needs the administrator's consent again (`consented`, given
    after the page showed the new scopes); fewer or the same scopes do not."""
    workspace = permissions.require(session, actor, Action.INSTALL_APPS, workspace_id)
    installation = _installation(session, workspace, installation_id)
    app = session.get(DeveloperApp, installation.app_id)
    current = session.get(DeveloperAppVersion, installation.version_id)
    target = _published(session, app.id, version)
    added = sorted(
        set((target.manifest or {}).get("scopes", []))
        - set((current.manifest or {}).get("scopes", []))
    )
    if target.id == current.id:
        return _installation_row(installation, app, current)  # nothing moves, nothing to audit
    if added and not consented:
        raise PermissionDenied(
            f"Version {target.number} asks for more: {', '.join(added)}. Review and approve "
            "the new scopes to move to it."
        )
    installation.version_id = target.id
    installation.updated_at = utcnow()
    session.add(installation)
    session.flush()
    developer_apps.record_event(
        session,
        actor,
        "workspace.app_version_changed",
        app,
        workspace=workspace,
        before={"version": current.number},
        after={"version": target.number},
    )
    _event(
        session,
        EventType.INSTALLATION_UPDATED,
        installation,
        app,
        target,
        previous_version=current.number,
    )
    return _installation_row(installation, app, target)


class VersionOption(DTO):
    """A published version an installation may move to, against the installed one."""

    number: int
    published_at: datetime | None
    scopes: list[Described]
    added: list[Described]  # scopes the installed version does not ask for: consent again
    removed: list[str]
    current: bool


class MoveChoices(DTO):
    app_name: str
    current: int
    versions: list[VersionOption]  # newest first, at most VERSION_CHOICES_LIMIT


VERSION_CHOICES_LIMIT = 50


def move_choices(
    *, session: Session, actor: Actor, workspace_id: str, installation_id: int
) -> MoveChoices:
    """The published versions an installation may move to (the newest
    VERSION_CHOICES_LIMIT), each with the scopes it adds and drops: what the Change version
    dialog shows an administrator before move()."""
    workspace = permissions.require(session, actor, Action.INSTALL_APPS, workspace_id)
    installation = _installation(session, workspace, installation_id)
    app = session.get(DeveloperApp, installation.app_id)
    current = session.get(DeveloperAppVersion, installation.version_id)
    held = set((current.manifest or {}).get("scopes", []))
    published = session.exec(
        select(DeveloperAppVersion)
        .where(
            DeveloperAppVersion.app_id == app.id,
            DeveloperAppVersion.state == VersionState.PUBLISHED,
        )
        .order_by(col(DeveloperAppVersion.number).desc())
        .limit(VERSION_CHOICES_LIMIT)
    ).scalars()
    versions = []
    for version in published:
        scopes = list((version.manifest or {}).get("scopes", []))
        versions.append(
            VersionOption(
                number=version.number,
                published_at=version.published_at,
                scopes=_described(scopes, SCOPES),
                added=_described([s for s in scopes if s not in held], SCOPES),
                removed=sorted(held - set(scopes)),
                current=version.id == current.id,
            )
        )
    return MoveChoices(app_name=app.name, current=current.number, versions=versions)


def uninstall(*, session: Session, actor: Actor, workspace_id: str, installation_id: int) -> None:
    workspace = permissions.require(session, actor, Action.INSTALL_APPS, workspace_id)
    installation = _installation(session, workspace, installation_id)
    app = session.get(DeveloperApp, installation.app_id)
    version = session.get(DeveloperAppVersion, installation.version_id)
    session.delete(installation)
    session.flush()
    developer_apps.record_event(
        session,
        actor,
        "workspace.app_uninstalled",
        app,
        workspace=workspace,
        before={"app": app.slug},
    )
    _event(session, EventType.INSTALLATION_REMOVED, installation, app, version)


def list_installations(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[InstallationRow]:
    """The developer apps installed in the workspace, newest first (its detail page)."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    query = (
        select(
            _I.id,
            _I.installed_at,
            _A.name,
            _A.slug,
            _V.number,
            _V.manifest,
        )
        .select_from(
            DeveloperAppInstallation.__table__.join(
                DeveloperApp.__table__, _A.id == _I.app_id
            ).join(DeveloperAppVersion.__table__, _V.id == _I.version_id)
        )
        .where(_I.workspace_id == bindparam("workspace_id"))
    )
    page = _INSTALLED.page(
        session,
        query,
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params={"workspace_id": workspace.id},
    )
    return InstallationPage(
        items=[
            InstallationRow(
                id=row.id,
                app_name=row.name,
                app_slug=row.slug,
                version=row.number,
                scopes=list((row.manifest or {}).get("scopes", [])),
                installed_at=row.installed_at,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )


def list_app_installations(
    *,
    session: Session,
    actor: Actor,
    app_id: int,
    limit: int | None = None,
    cursor: str | None = None,
) -> AppInstallationPage:
    """Where the app is installed, newest first: for anyone on its team (the installation id
    is what the app's backend names when it asks for a token)."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    query = (
        select(_I.id, _I.installed_at, _WS.name, _AC.name, _V.number, _V.manifest)
        .select_from(
            DeveloperAppInstallation.__table__.join(Workspace.__table__, _WS.id == _I.workspace_id)
            .join(Account.__table__, _AC.id == _WS.account_id)
            .join(DeveloperAppVersion.__table__, _V.id == _I.version_id)
        )
        .where(_I.app_id == bindparam("app_id"))
    )
    page = _APP_INSTALLED.page(
        session,
        query,
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params={"app_id": app.id},
    )

    def shared(manifest: Any) -> bool:
        return "workspace_profile" in ((manifest or {}).get("data_types") or [])

    return AppInstallationPage(
        items=[
            AppInstallationRow(
                id=row[0],
                installed_at=row[1],
                workspace_name=row[2] if shared(row[5]) else None,
                account_name=row[3] if shared(row[5]) else None,
                version=row[4],
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )
