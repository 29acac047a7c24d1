"""Apps: the portfolio, create (with the duplicate check), open, rename, settings, delete.

An app lives in a workspace; reading it needs `read` on the workspace (VIEW_WORKSPACE) and
every change needs MANAGE_APPS (`administer`, refused on a frozen or offboarding workspace).
An app of a workspace the caller cannot read is "not found", like the workspace. Apps are
named in URLs by their slug, unique within the workspace.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import re
import uuid
from datetime import datetime, timedelta
from email.utils import formataddr
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from slugify import slugify as python_slugify
from sqlalchemy import bindparam, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.db import lock_row_for_write, savepoint
from portal.domain import apps as rules
from portal.domain.access import Action, Actor, Permission
from portal.domain.apps import (
    BASELINE,
    KEY_EXPIRY_WARNING,
    NAME_MAX,
    PRODUCTION,
    SLUG_MAX,
    AppState,
    BlockerKind,
    Gap,
    SignInMethod,
)
from portal.domain.dto import (
    ActivityDay,
    AppBlocker,
    AppCard,
    AppChoice,
    AppDetail,
    AppLink,
    AppSummary,
    AuditEventPublic,
    AuthSettings,
    BaselineItem,
    EmailSettings,
    NextAction,
    PossibleDuplicate,
)
from portal.domain.errors import Conflict, Invalid, NotFound, PortalError
from portal.domain.events import EventType
from portal.domain.paging import Page
from portal.domain.text import clean as clean_text
from portal.domain.workspaces import WorkspaceStatus
from portal.models import (
    App,
    AppActivity,
    AppApiKey,
    AppVisit,
    EndUser,
    Organization,
    OrganizationMember,
    WebhookEndpoint,
    Workspace,
)
from portal.models._base import utcnow
from portal.services import app_states, audit, events, keyset, mailer, permissions, sealing, slugs
from portal.services.keyset import Key

SEARCH_MAX = 120
# How alike two names must be (difflib's ratio of their slugs) to ask before creating.
_CLOSE = 0.8
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SESSION_MINUTES = (5, 60 * 24 * 90)  # 5 minutes to 90 days
_PASSWORD_LENGTH = (8, 128)
_REDIRECT_URLS_MAX = 20

_A = App.__table__.c
_LIST = keyset.Keyset(
    "apps",
    sorts={"name": Key(func.lower(_A.name), str), "created_at": Key(_A.created_at, datetime)},
    tiebreak=Key(_A.id, int),
)
SORTS = tuple(_LIST.sorts)
AppCardPage = Page[AppCard]


class DuplicateSuspected(Conflict):
    """Creating the app may duplicate these: the caller shows them and asks before creating
    it anyway (`create_app(..., confirmed=True)`)."""

    def __init__(self, candidates: list[PossibleDuplicate]) -> None:
        first = candidates[0]
        reason = "uses that slug" if first.same_slug else "has a similar name"
        super().__init__(
            f"The app {first.name} ({first.slug}) {reason}. Open it, or create the new app anyway.",
            field="name",
        )
        self.candidates = candidates


# Helpers ----------------------------------------------------------------------------------


def slugify(name: str) -> str:
    """ "Acme Billing" -> "acme-billing"; other scripts transliterated; "app" if nothing is
    left."""
    return python_slugify(name, max_length=SLUG_MAX - 4, word_boundary=True) or "app"


def _valid_name(name: str | None) -> str:
    return clean_text(name, field="name", max_length=NAME_MAX, required="Enter a name for the app.")


def _valid_slug(slug: str | None) -> str:
    return slugs.valid(slug, max_length=SLUG_MAX, example="acme-billing")


def _free_slug(session: Session, workspace_id: uuid.UUID, base: str) -> str:
    taken = set(
        session.exec(
            select(App.slug).where(
                App.workspace_id == workspace_id,
                or_(App.slug == base, col(App.slug).startswith(f"{base}-", autoescape=True)),
            )
        ).scalars()
    )
    return slugs.next_free(base, taken, SLUG_MAX)


def _record(
    session: Session,
    actor: Actor,
    action: str,
    workspace: Workspace,
    app: App,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="app",
        target_id=app.id,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        before=before,
        after=after,
    )


def _app_ref(app: App) -> dict[str, Any]:
    """An app as its events name it."""
    return {"id": app.id, "slug": app.slug, "name": app.name}


def _updated(session: Session, workspace: Workspace, app: App, changed: str) -> None:
    """The app.updated event: which part of the app changed, never its values' secrets."""
    events.emit(
        session,
        type=EventType.APP_UPDATED,
        workspace_id=workspace.id,
        app_id=app.id,
        data={"app": _app_ref(app), "changed": [changed]},
    )


def find_app(
    session: Session, actor: Actor, action: Action, workspace_id: str, app_slug: str
) -> tuple[Workspace, App]:
    """The workspace (permission checked for `action`) and its app named `app_slug`."""
    workspace = permissions.require(session, actor, action, workspace_id)
    app = None
    if isinstance(app_slug, str) and len(app_slug) <= SLUG_MAX:
        app = session.exec(
            select(App).where(App.workspace_id == workspace.id, App.slug == app_slug)
        ).scalar_one_or_none()
    if app is None:
        raise NotFound("App not found.")
    return workspace, app


def remember_app(session: Session, actor: Actor, app: App) -> None:
    """Remember that the actor opened or changed `app` (the dashboard's Recent apps)."""
    now = utcnow()
    visit = session.get(AppVisit, (actor.user_id, app.id))
    if visit is not None:
        visit.visited_at = now
        return
    try:
        with savepoint(session):
            session.add(AppVisit(user_id=actor.user_id, app_id=app.id, visited_at=now))
    except IntegrityError:  # the same person in two tabs at once: the other visit stands
        pass


def _summary(app: App) -> AppSummary:
    return AppSummary(
        id=app.id,
        workspace_id=str(app.workspace_id),
        name=app.name,
        slug=app.slug,
        created_at=app.created_at,
    )


# Create -----------------------------------------------------------------------------------


def _possible_duplicates(
    session: Session, workspace_id: uuid.UUID, name: str, slug: str
) -> list[PossibleDuplicate]:
    """Apps of the workspace with the same slug or a close name, the closest first."""
    wanted = slugify(name)
    found: list[tuple[float, PossibleDuplicate]] = []
    rows = session.execute(
        select(App.name, App.slug).where(App.workspace_id == workspace_id).limit(5000)
    ).all()
    for other_name, other_slug in rows:
        if other_slug == slug:
            found.append((2.0, PossibleDuplicate(name=other_name, slug=other_slug, same_slug=True)))
            continue
        ratio = difflib.SequenceMatcher(None, wanted, slugify(other_name)).ratio()
        if ratio >= _CLOSE:
            found.append(
                (ratio, PossibleDuplicate(name=other_name, slug=other_slug, same_slug=False))
            )
    found.sort(key=lambda pair: -pair[0])
    return [candidate for _, candidate in found[:3]]


def create_app(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    name: str,
    slug: str | None = None,
    confirmed: bool = False,
) -> AppSummary:
    """A new app in the workspace. Unless `confirmed`, an app with the same slug or a close
    name raises DuplicateSuspected (the portfolio shows it and asks); confirmed, the new app
    takes the next free slug (`acme-2`)."""
    workspace = permissions.require(session, actor, Action.MANAGE_APPS, workspace_id)
    name = _valid_name(name)
    slug = _valid_slug(slug) if (slug or "").strip() else slugify(name)
    lock_row_for_write(session, Workspace, workspace.id, key_share=True)
    if not confirmed:
        candidates = _possible_duplicates(session, workspace.id, name, slug)
        if candidates:
            raise DuplicateSuspected(candidates)
    app = App(workspace_id=workspace.id, name=name, slug=_free_slug(session, workspace.id, slug))
    session.add(app)
    session.flush()
    remember_app(session, actor, app)
    _record(
        session, actor, "app.created", workspace, app, after={"name": app.name, "slug": app.slug}
    )
    events.emit(
        session,
        type=EventType.APP_CREATED,
        workspace_id=workspace.id,
        app_id=app.id,
        data={"app": _app_ref(app)},
    )
    return _summary(app)


# The portfolio ------------------------------------------------------------------------------


def _frozen(workspace: Workspace) -> bool:
    return workspace.status == WorkspaceStatus.FROZEN


def _search_term(search: str | None) -> str | None:
    term = clean_text(search, field="search", max_length=SEARCH_MAX)
    if not term:
        return None
    escaped = term.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


# What the portfolio filters by: a state, or "need_action" (a setup gap or a blocker: the
# dashboard's Need action count opens the portfolio with it).
NEED_ACTION = "need_action"
FILTERS = (*AppState, NEED_ACTION)


def _valid_state(state: str | None) -> str | None:
    if state in (None, "", "all"):
        return None
    if state not in FILTERS:
        raise Invalid(f"state must be one of: {', '.join(FILTERS)}.", field="state")
    return str(state)


@lru_cache(maxsize=16)
def _list_query(by_search: bool, state: str | None, frozen: bool = False):
    query = select(
        _A.id,
        _A.name,
        _A.slug,
        _A.created_at,
        app_states.has_sign_in_method().label("has_method"),
        app_states.has_sender().label("has_sender"),
        app_states.has_active_key().label("has_key"),
        _A.last_active_at,
    ).where(_A.workspace_id == bindparam("workspace_id", type_=_A.workspace_id.type))
    if by_search:
        query = query.where(
            or_(
                # lower() on both sides: SQLite's lower() folds ASCII only, so a term lowered
                # by Python would miss "Äpfel" typed as it is written.
                func.lower(_A.name).like(func.lower(bindparam("search")), escape="/"),
                _A.slug.like(func.lower(bindparam("search")), escape="/"),
            )
        )
    if state == NEED_ACTION:
        query = query.where(app_states.needs_action(workspace_frozen=frozen))
    elif state is not None:
        query = query.where(app_states.is_state(AppState(state)))
    return query


def _counts(session: Session, model: Any, app_ids: list[int]) -> dict[int, int]:
    """How many rows of `model` (organizations, end users) each app has in prod."""
    if not app_ids:
        return {}
    table = model.__table__.c
    rows = session.execute(
        select(table.app_id, func.count())
        .where(table.app_id.in_(app_ids), table.environment == PRODUCTION.value)
        .group_by(table.app_id)
    ).all()
    return dict(rows)


def _expiring_keys(session: Session, app_ids: list[int], now: datetime) -> dict[int, list]:
    if not app_ids:
        return {}
    k = AppApiKey.__table__.c
    rows = session.execute(
        select(k.app_id, k.name, k.expires_at)
        .where(
            k.app_id.in_(app_ids),
            k.environment == PRODUCTION.value,
            k.revoked_at.is_(None),
            k.expires_at.is_not(None),
            k.expires_at > now,
            k.expires_at <= now + KEY_EXPIRY_WARNING,
        )
        .order_by(k.expires_at)
    ).all()
    found: dict[int, list] = {}
    for app_id, key_name, expires_at in rows:
        found.setdefault(app_id, []).append((key_name, expires_at))
    return found


def _failing_webhooks(session: Session, app_ids: list[int], now: datetime) -> dict[int, list]:
    """Each app's prod webhook endpoints that are disabled or failing over an hour (the
    dashboard's rule: app_states.webhook_failing), as (url, enabled)."""
    if not app_ids:
        return {}
    e = WebhookEndpoint.__table__.c
    rows = session.execute(
        select(e.app_id, e.url, e.enabled)
        .where(e.app_id.in_(app_ids), app_states.webhook_failing())
        .order_by(e.id),
        app_states.time_params_with_warning(now),
    ).all()
    found: dict[int, list] = {}
    for app_id, url, enabled in rows:
        found.setdefault(app_id, []).append((url, enabled))
    return found


def _organizations_without_admin(session: Session, app_ids: list[int]) -> dict[int, int]:
    if not app_ids:
        return {}
    o, m = Organization.__table__.c, OrganizationMember.__table__.c
    admin = exists(select(m.id).where(m.organization_id == o.id, m.role == "admin"))
    rows = session.execute(
        select(o.app_id, func.count())
        .where(o.app_id.in_(app_ids), o.environment == PRODUCTION.value, ~admin)
        .group_by(o.app_id)
    ).all()
    return dict(rows)


def _days(delta: timedelta) -> str:
    days = max(0, math.ceil(delta.total_seconds() / 86400))
    return "today" if days == 0 else ("in 1 day" if days == 1 else f"in {days} days")


def _blockers(
    workspace: Workspace,
    expiring: list,
    without_admin: int,
    now: datetime,
    webhooks: list | tuple = (),  # (url, enabled) per failing endpoint
) -> list[AppBlocker]:
    found: list[AppBlocker] = []
    if workspace.status == WorkspaceStatus.FROZEN:
        found.append(
            AppBlocker(
                kind=BlockerKind.WORKSPACE_FROZEN,
                message=f"The workspace {workspace.name} is frozen: changes are refused.",
                page=rules.BLOCKER_PAGES[BlockerKind.WORKSPACE_FROZEN],
            )
        )
    for key_name, expires_at in expiring:
        found.append(
            AppBlocker(
                kind=BlockerKind.KEY_EXPIRING,
                message=f"API key {key_name} expires {_days(expires_at - now)}.",
                page=rules.BLOCKER_PAGES[BlockerKind.KEY_EXPIRING],
            )
        )
    for url, enabled in webhooks:
        host = urlsplit(url).hostname or "an endpoint"
        found.append(
            AppBlocker(
                kind=BlockerKind.WEBHOOK_FAILING,
                message=f"The webhook endpoint at {host} is disabled."
                if not enabled
                else f"The webhook endpoint at {host} has been failing for over an hour.",
                page=rules.BLOCKER_PAGES[BlockerKind.WEBHOOK_FAILING],
            )
        )
    if without_admin:
        noun = "organization has" if without_admin == 1 else "organizations have"
        found.append(
            AppBlocker(
                kind=BlockerKind.ORGANIZATION_WITHOUT_ADMIN,
                message=f"{without_admin} {noun} no admin member.",
                page=rules.BLOCKER_PAGES[BlockerKind.ORGANIZATION_WITHOUT_ADMIN],
            )
        )
    return found


def _next_action(missing: list[Gap], blockers: list[AppBlocker]) -> NextAction | None:
    """The first missing baseline requirement, else the most important blocker's fix."""
    if missing:
        requirement = rules.REQUIREMENTS[missing[0]]
        return NextAction(label=requirement.action, page=requirement.page)
    for blocker in blockers:
        if blocker.kind == BlockerKind.KEY_EXPIRING:
            return NextAction(label="Replace the expiring API key", page=blocker.page)
        if blocker.kind == BlockerKind.WEBHOOK_FAILING:
            return NextAction(label="Check the failing webhook endpoint", page=blocker.page)
        if blocker.kind == BlockerKind.ORGANIZATION_WITHOUT_ADMIN:
            return NextAction(label="Give each organization an admin", page=blocker.page)
    return None


def list_apps(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    search: str | None = None,
    state: str | None = None,
    sort: str = "name",
    direction: str = "asc",
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[AppCard]:
    """The workspace's apps as portfolio cards, a page at a time: state, prod counts, the
    next action and blockers. A fixed number of queries per page, whatever its size."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    term = _search_term(search)
    wanted = _valid_state(state)
    now = utcnow()
    params: dict[str, Any] = {
        "workspace_id": workspace.id,
        **app_states.time_params_with_warning(now),
    }
    if term is not None:
        params["search"] = term
    page = _LIST.page(
        session,
        _list_query(term is not None, wanted, _frozen(workspace)),
        sort=sort,
        direction=direction,
        limit=limit,
        cursor=cursor,
        params=params,
    )
    ids = [row.id for row in page.rows]
    organizations = _counts(session, Organization, ids)
    end_users = _counts(session, EndUser, ids)
    expiring = _expiring_keys(session, ids, now)
    without_admin = _organizations_without_admin(session, ids)
    webhooks = _failing_webhooks(session, ids, now)
    cards = []
    for row in page.rows:
        missing = rules.gaps(
            has_sign_in_method=bool(row.has_method),
            has_sender=bool(row.has_sender),
            has_active_key=bool(row.has_key),
        )
        blockers = _blockers(
            workspace,
            expiring.get(row.id, []),
            without_admin.get(row.id, 0),
            now,
            webhooks.get(row.id, []),
        )
        cards.append(
            AppCard(
                id=row.id,
                name=row.name,
                slug=row.slug,
                state=rules.state(missing=missing, last_active_at=row.last_active_at, now=now),
                organizations=organizations.get(row.id, 0),
                end_users=end_users.get(row.id, 0),
                created_at=row.created_at,
                next_action=_next_action(missing, blockers),
                blockers=blockers,
            )
        )
    return AppCardPage(items=cards, next_cursor=page.next_cursor)


def count_apps(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    search: str | None = None,
    state: str | None = None,
) -> int:
    """How many apps list_apps walks through with the same filters."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    term = _search_term(search)
    query = _list_query(
        term is not None, _valid_state(state), _frozen(workspace)
    ).with_only_columns(func.count())
    params: dict[str, Any] = {
        "workspace_id": workspace.id,
        **app_states.time_params_with_warning(utcnow()),
    }
    if term is not None:
        params["search"] = term
    return session.execute(query, params).scalar_one()


def app_choices(
    *, session: Session, actor: Actor, workspace_id: str, limit: int = 50
) -> list[AppChoice]:
    """The app switcher's list: the workspace's apps by name (a bounded list)."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    rows = session.execute(
        select(App.name, App.slug)
        .where(App.workspace_id == workspace.id)
        .order_by(func.lower(App.name), App.id)
        .limit(limit)
    ).all()
    return [AppChoice(name=name, slug=slug) for name, slug in rows]


# One app ----------------------------------------------------------------------------------


def _has_active_key(session: Session, app: App, now: datetime) -> bool:
    k = AppApiKey.__table__.c
    return (
        session.execute(
            select(k.id)
            .where(
                k.app_id == app.id,
                k.environment == PRODUCTION.value,
                k.revoked_at.is_(None),
                or_(k.expires_at.is_(None), k.expires_at > now),
            )
            .limit(1)
        ).first()
        is not None
    )


def _enabled_methods(app: App) -> list[str]:
    enabled = {
        SignInMethod.PASSWORD: app.password_enabled,
        SignInMethod.MAGIC_LINK: app.magic_link_enabled,
        SignInMethod.GOOGLE: app.google_enabled,
        SignInMethod.GITHUB: app.github_enabled,
    }
    return [method.value for method, on in enabled.items() if on]


def _auth(app: App) -> AuthSettings:
    return AuthSettings(
        sign_in_methods=_enabled_methods(app),
        password_min_length=app.password_min_length,
        password_require_uppercase=app.password_require_uppercase,
        password_require_lowercase=app.password_require_lowercase,
        password_require_digit=app.password_require_digit,
        password_require_symbol=app.password_require_symbol,
        session_lifetime_minutes=app.session_lifetime_minutes,
        mfa_required=app.mfa_required,
        redirect_urls=list(app.redirect_urls or []),
        google_client_id=app.google_client_id or "",
        google_secret_set=app.google_client_secret_sealed is not None,
        github_client_id=app.github_client_id or "",
        github_secret_set=app.github_client_secret_sealed is not None,
    )


def _email(app: App) -> EmailSettings:
    return EmailSettings(
        sender_name=app.email_sender_name or "",
        sender_address=app.email_sender_address or "",
        reply_to=app.email_reply_to or "",
    )


def _read_only_reason(workspace: Workspace) -> str:
    try:
        permissions.require_writable(workspace)
    except PortalError as exc:
        return str(exc)
    return ""


def get_app(
    *, session: Session, actor: Actor, workspace_id: str, app_slug: str, visit: bool = False
) -> AppDetail:
    """An open app: state, baseline checklist, blockers, settings, and what the reader may do.
    `visit` records the opening for the dashboard's Recent apps."""
    workspace, app = find_app(session, actor, Action.VIEW_WORKSPACE, workspace_id, app_slug)
    now = utcnow()
    present = {
        Gap.SIGN_IN_METHOD: bool(_enabled_methods(app)),
        Gap.EMAIL_SENDER: bool(app.email_sender_address),
        Gap.API_KEY: _has_active_key(session, app, now),
    }
    missing = [r.gap for r in BASELINE if not present[r.gap]]
    blockers = _blockers(
        workspace,
        _expiring_keys(session, [app.id], now).get(app.id, []),
        _organizations_without_admin(session, [app.id]).get(app.id, 0),
        now,
        _failing_webhooks(session, [app.id], now).get(app.id, []),
    )
    held = permissions.workspace_permission(session, actor, workspace)
    if visit:
        remember_app(session, actor, app)
    return AppDetail(
        id=app.id,
        workspace_id=str(workspace.id),
        workspace_name=workspace.name,
        name=app.name,
        slug=app.slug,
        created_at=app.created_at,
        state=rules.state(missing=missing, last_active_at=app.last_active_at, now=now),
        baseline=[
            BaselineItem(
                gap=r.gap, label=r.done_label, done=present[r.gap], action=r.action, page=r.page
            )
            for r in BASELINE
        ],
        blockers=blockers,
        next_action=_next_action(missing, blockers),
        organizations=_counts(session, Organization, [app.id]).get(app.id, 0),
        end_users=_counts(session, EndUser, [app.id]).get(app.id, 0),
        auth=_auth(app),
        email=_email(app),
        can_administer=held is not None and held.includes(Permission.ADMINISTER),
        read_only_reason=_read_only_reason(workspace),
    )


def rename_app(
    *, session: Session, actor: Actor, workspace_id: str, app_slug: str, name: str
) -> AppSummary:
    """A new name; the slug (and so every link to the app) stays."""
    workspace, app = find_app(session, actor, Action.MANAGE_APPS, workspace_id, app_slug)
    name = _valid_name(name)
    if name != app.name:
        before = app.name
        app.name = name
        app.updated_at = utcnow()
        session.add(app)
        remember_app(session, actor, app)
        _record(
            session,
            actor,
            "app.renamed",
            workspace,
            app,
            before={"name": before},
            after={"name": name},
        )
        _updated(session, workspace, app, "name")
    return _summary(app)


def _valid_email(value: str | None, field: str, *, required: str | None = None) -> str | None:
    text = (value or "").strip().lower()
    if not text:
        if required:
            raise Invalid(required, field=field)
        return None
    if (
        len(text) > 320
        or not _EMAIL.match(text)
        or text != clean_text(text, field=field, max_length=320)
    ):
        raise Invalid("Enter an email address like support@example.com.", field=field)
    return text


def update_email_settings(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    sender_name: str,
    sender_address: str,
    reply_to: str = "",
) -> EmailSettings:
    """The sender of the app's mail (its name and address) and an optional reply-to."""
    workspace, app = find_app(session, actor, Action.MANAGE_APPS, workspace_id, app_slug)
    name = clean_text(
        sender_name, field="sender_name", max_length=80, required="Enter the sender's name."
    )
    address = _valid_email(
        sender_address, "sender_address", required="Enter the address mail is sent from."
    )
    reply = _valid_email(reply_to, "reply_to")
    before = _email(app)
    app.email_sender_name, app.email_sender_address, app.email_reply_to = name, address, reply
    app.updated_at = utcnow()
    session.add(app)
    after = _email(app)
    if after != before:
        remember_app(session, actor, app)
        _record(
            session,
            actor,
            "app.email_settings_changed",
            workspace,
            app,
            before=before.model_dump(),
            after=after.model_dump(),
        )
        _updated(session, workspace, app, "email_settings")
    return after


def _bounded(value: Any, field: str, low: int, high: int, what: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(f"Enter {what} as a whole number.", field=field) from None
    if not low <= number <= high:
        raise Invalid(f"Use {low} to {high}.", field=field)
    return number


def _allowed_redirect(url: str) -> bool:
    """https:// to any host, http:// to this machine only; never credentials in the URL
    (`http://localhost@evil.example` is evil.example)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and host in ("localhost", "127.0.0.1")


def _redirect_urls(urls: list[str] | str) -> list[str]:
    items = urls.splitlines() if isinstance(urls, str) else list(urls or [])
    cleaned: list[str] = []
    for raw in items:
        url = str(raw).strip()
        if not url:
            continue
        if len(url) > 2000 or any(c.isspace() for c in url) or not _allowed_redirect(url):
            raise Invalid(
                f"{url[:80]} is not an allowed redirect URL: use https:// (http:// only for "
                "localhost).",
                field="redirect_urls",
            )
        if url not in cleaned:
            cleaned.append(url)
    if len(cleaned) > _REDIRECT_URLS_MAX:
        raise Invalid(f"Use at most {_REDIRECT_URLS_MAX} redirect URLs.", field="redirect_urls")
    return cleaned


def update_auth_settings(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    sign_in_methods: list[str],
    password_min_length: int | str = 12,
    password_require_uppercase: bool = False,
    password_require_lowercase: bool = False,
    password_require_digit: bool = False,
    password_require_symbol: bool = False,
    session_lifetime_minutes: int | str = 7 * 24 * 60,
    mfa_required: bool = False,
    redirect_urls: list[str] | str = (),
) -> AuthSettings:
    """Sign-in methods, password policy, session lifetime, MFA and allowed redirect URLs. Each
    refused value is an Invalid naming its field; nothing is saved unless all are valid."""
    workspace, app = find_app(session, actor, Action.MANAGE_APPS, workspace_id, app_slug)
    methods = set()
    for method in sign_in_methods or []:
        try:
            methods.add(SignInMethod(method))
        except ValueError:
            raise Invalid(
                f"{str(method)[:40]} is not a sign-in method.", field="sign_in_methods"
            ) from None
    length = _bounded(password_min_length, "password_min_length", *_PASSWORD_LENGTH, "the length")
    lifetime = _bounded(
        session_lifetime_minutes, "session_lifetime_minutes", *_SESSION_MINUTES, "the lifetime"
    )
    urls = _redirect_urls(redirect_urls)
    for method, client_id in (
        (SignInMethod.GOOGLE, app.google_client_id),
        (SignInMethod.GITHUB, app.github_client_id),
    ):
        if method in methods and not client_id:
            raise Invalid(
                f"Save {OAUTH_NAMES[method]}'s client ID and secret first, then enable it.",
                field="sign_in_methods",
            )
    before = _auth(app)
    app.password_enabled = SignInMethod.PASSWORD in methods
    app.magic_link_enabled = SignInMethod.MAGIC_LINK in methods
    app.google_enabled = SignInMethod.GOOGLE in methods
    app.github_enabled = SignInMethod.GITHUB in methods
    app.password_min_length = length
    app.password_require_uppercase = bool(password_require_uppercase)
    app.password_require_lowercase = bool(password_require_lowercase)
    app.password_require_digit = bool(password_require_digit)
    app.password_require_symbol = bool(password_require_symbol)
    app.session_lifetime_minutes = lifetime
    app.mfa_required = bool(mfa_required)
    app.redirect_urls = urls
    app.updated_at = utcnow()
    session.add(app)
    after = _auth(app)
    if after != before:
        remember_app(session, actor, app)
        _record(
            session,
            actor,
            "app.auth_settings_changed",
            workspace,
            app,
            before=before.model_dump(),
            after=after.model_dump(),
        )
        _updated(session, workspace, app, "auth_settings")
    return after


def delete_app(
    *, session: Session, actor: Actor, workspace_id: str, app_slug: str, confirm_name: str
) -> None:
    """Delete the app and everything it owns (keys, organizations, end users, activity), once
    its name is typed exactly."""
    workspace, app = find_app(session, actor, Action.MANAGE_APPS, workspace_id, app_slug)
    if (confirm_name or "").strip() != app.name:
        raise Invalid(f"Type the app's name, {app.name}, to delete it.", field="confirm_name")
    _record(
        session, actor, "app.deleted", workspace, app, before={"name": app.name, "slug": app.slug}
    )
    # Fanned out after the commit, when the app is gone: the payload carries all it names,
    # and the row points at no app (its endpoints, the only per-app subscribers, go with it).
    events.emit(
        session, type=EventType.APP_DELETED, workspace_id=workspace.id, data={"app": _app_ref(app)}
    )
    session.execute(delete(App).where(col(App.id) == app.id))


def send_test_email(*, session: Session, actor: Actor, workspace_id: str, app_slug: str) -> str:
    """A test message from the app's saved sender to the person asking; returns where it went.
    Through SMTP when configured, else into the dev outbox."""
    workspace, app = find_app(session, actor, Action.MANAGE_APPS, workspace_id, app_slug)
    if not app.email_sender_address:
        raise Invalid("Save a sender address first, then send a test.", field="sender_address")
    sender = formataddr((app.email_sender_name or app.name, app.email_sender_address))
    mailer.send(
        session=session,
        to=actor.email,
        subject=f"Test email from {app.name}",
        body=(
            f"This is a test message from the app {app.name} in the workspace "
            f"{workspace.name}.\n\nIf you can read it, {app.name}'s mail is sent from "
            f"{sender}"
            + (f" with replies to {app.email_reply_to}" if app.email_reply_to else "")
            + ".\n"
        ),
        sender=sender,
        reply_to=app.email_reply_to,
    )
    return actor.email


DETAIL_APPS = 10  # the workspace detail page lists this many; the portfolio has the rest


def apps_of_workspace(session: Session, workspace: Workspace) -> tuple[list[AppLink], int]:
    """The first apps by name with their state, and how many there are (the caller has
    checked read access on the workspace)."""
    params = {"workspace_id": workspace.id, **app_states.time_params(utcnow())}
    rows = session.execute(
        select(_A.id, _A.name, _A.slug, app_states.state().label("state"))
        .where(_A.workspace_id == bindparam("workspace_id", type_=_A.workspace_id.type))
        .order_by(func.lower(_A.name), _A.id)
        .limit(DETAIL_APPS),
        params,
    ).all()
    total = session.execute(
        select(func.count()).select_from(App.__table__).where(_A.workspace_id == workspace.id)
    ).scalar_one()
    links = [AppLink(id=str(r.id), name=r.name, slug=r.slug, state=r.state) for r in rows]
    return links, total


ACTIVITY_DAYS = 30


def activity_by_day(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    environment: str = PRODUCTION.value,
    days: int = ACTIVITY_DAYS,
) -> list[ActivityDay]:
    """API calls and sign-ins per day for the last `days` days (today last), zeros included:
    one grouped query over the app's activity rows."""
    _, app = find_app(session, actor, Action.VIEW_WORKSPACE, workspace_id, app_slug)
    today = utcnow().date()
    first = today - timedelta(days=days - 1)
    a = AppActivity.__table__.c
    rows = session.execute(
        select(a.day, func.sum(a.api_calls), func.sum(a.sign_ins))
        .where(a.app_id == app.id, a.environment == environment, a.day >= first)
        .group_by(a.day)
    ).all()
    found = {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in rows}
    return [
        ActivityDay(
            day=first + timedelta(days=n),
            api_calls=found.get(first + timedelta(days=n), (0, 0))[0],
            sign_ins=found.get(first + timedelta(days=n), (0, 0))[1],
        )
        for n in range(days)
    ]


def list_audit(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    actor_filter: str | None = None,
    action_filter: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[AuditEventPublic]:
    """The app's audit log, newest first: its settings, keys, organizations and end users,
    whoever changed them (a person, or a key on the data-plane API). Needs read."""
    workspace, app = find_app(session, actor, Action.VIEW_WORKSPACE, workspace_id, app_slug)
    return audit.feed(
        session,
        "workspace_id",
        workspace.id,
        account_id=workspace.account_id,
        actor_filter=actor_filter,
        action_filter=action_filter,
        target=("app", str(app.id)),
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )


AUDIT_CSV_MAX_ROWS = 10_000


def audit_csv(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    actor_filter: str | None = None,
    action_filter: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> str:
    """The app's audit log with the same filters as CSV (newest first, at most
    AUDIT_CSV_MAX_ROWS rows): when (UTC), actor, action, target, details."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["when_utc", "actor", "action", "target", "details"])
    cursor, written = None, 0
    while written < AUDIT_CSV_MAX_ROWS:
        page = list_audit(
            session=session,
            actor=actor,
            workspace_id=workspace_id,
            app_slug=app_slug,
            actor_filter=actor_filter,
            action_filter=action_filter,
            since=since,
            until=until,
            limit=100,
            cursor=cursor,
        )
        for event in page.items[: AUDIT_CSV_MAX_ROWS - written]:
            details = {"before": event.before, "after": event.after}
            writer.writerow(
                [
                    event.created_at.isoformat(),
                    _csv_safe(event.actor_label),
                    event.action,
                    _csv_safe(event.target_label or event.target_type),
                    _csv_safe(json.dumps(details, sort_keys=True, default=str)),
                ]
            )
            written += 1
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


OAUTH_NAMES = {SignInMethod.GOOGLE: "Google", SignInMethod.GITHUB: "GitHub"}
_CLIENT_ID_MAX = 200
_CLIENT_SECRET_MAX = 300


def _oauth_provider(provider: Any) -> SignInMethod:
    if provider not in (SignInMethod.GOOGLE.value, SignInMethod.GITHUB.value):
        raise Invalid("provider must be google or github.", field="provider")
    return SignInMethod(provider)


def set_oauth_client(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    app_slug: str,
    provider: str,
    client_id: str,
    client_secret: str = "",
) -> AuthSettings:
    """Save an OAuth client for Google or GitHub sign-in. The secret is sealed at rest and
    never shown again; left empty, the saved one stays (an ID alone can be corrected)."""
    workspace, app = find_app(session, actor, Action.MANAGE_APPS, workspace_id, app_slug)
    chosen = _oauth_provider(provider)
    name = chosen.value
    client = clean_text(
        client_id if isinstance(client_id, str) else "",
        field=f"{name}_client_id",
        max_length=_CLIENT_ID_MAX,
        required="Enter the client ID from the provider's console.",
    )
    secret = client_secret.strip() if isinstance(client_secret, str) else ""
    stored = getattr(app, f"{name}_client_secret_sealed")
    if not secret and stored is None:
        raise Invalid("Enter the client secret.", field=f"{name}_client_secret")
    if len(secret) > _CLIENT_SECRET_MAX or any(c.isspace() or not c.isprintable() for c in secret):
        raise Invalid("That is not a client secret.", field=f"{name}_client_secret")
    setattr(app, f"{name}_client_id", client)
    if secret:
        setattr(app, f"{name}_client_secret_sealed", sealing.seal(secret))
    app.updated_at = utcnow()
    session.add(app)
    remember_app(session, actor, app)
    _record(
        session,
        actor,
        "app.oauth_client_saved",
        workspace,
        app,
        after={"provider": name, "client_id": client, "secret_changed": bool(secret)},
    )
    _updated(session, workspace, app, "oauth_clients")
    return _auth(app)


def remove_oauth_client(
    *, session: Session, actor: Actor, workspace_id: str, app_slug: str, provider: str
) -> AuthSettings:
    """Forget the provider's client; its sign-in method is turned off with it."""
    workspace, app = find_app(session, actor, Action.MANAGE_APPS, workspace_id, app_slug)
    name = _oauth_provider(provider).value
    setattr(app, f"{name}_client_id", None)
    setattr(app, f"{name}_client_secret_sealed", None)
    setattr(app, f"{name}_enabled", False)
    app.updated_at = utcnow()
    session.add(app)
    _record(session, actor, "app.oauth_client_removed", workspace, app, after={"provider": name})
    _updated(session, workspace, app, "oauth_clients")
    return _auth(app)
