"""The workspace dashboard (seed 000): a triage board across the picked workspace's apps.

Apps, Live organizations, Need action, Needs attention, Operational apps and Recent apps. The
counts are SQL aggregates and the lists are bounded, so the dashboard runs the same number of
queries for 10 apps as for 1,000 (tests/services/test_dashboard.py counts them).
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy import bindparam, case, func, or_, select
from sqlmodel import Session

from portal.domain import apps as rules
from portal.domain.access import Action, Actor
from portal.domain.apps import PRODUCTION, AppState, BlockerKind, Gap
from portal.domain.dto import ActionItem, Dashboard, RecentApp
from portal.domain.workspaces import WorkspaceStatus
from portal.models import App, AppVisit, Organization, WebhookEndpoint, Workspace
from portal.models._base import utcnow
from portal.services import app_states as sql
from portal.services import permissions

ITEMS_SHOWN = 10  # Need action: the most important first, at most this many
RECENT_SHOWN = 5

_A, _O, _V = App.__table__.c, Organization.__table__.c, AppVisit.__table__.c
_E = WebhookEndpoint.__table__.c


# Each statement is built once, its values bound per call: building these expression trees
# and their cache keys cost more than running them (bench/dashboard.py).
_WORKSPACE = bindparam("workspace_id", type_=_A.workspace_id.type)
_READER = bindparam("reader")


def _count_if(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@lru_cache(maxsize=2)
def _counts_query(frozen: bool):
    return (
        select(
            func.count(),
            _count_if(~sql.baseline_complete()),
            _count_if(sql.is_state(AppState.OPERATING)),  # as the portfolio filter counts
            _count_if(sql.needs_action(workspace_frozen=frozen)),
        )
        .select_from(App.__table__)
        .where(_A.workspace_id == _WORKSPACE)
    )


def _counts(session: Session, workspace: Workspace, params: dict) -> tuple[int, ...]:
    """apps, needs attention (setup), operational, need action: one pass over the apps."""
    frozen = workspace.status == WorkspaceStatus.FROZEN
    row = session.execute(_counts_query(frozen), params).one()
    return tuple(int(value) for value in row)


_LIVE = (
    select(func.count())
    .select_from(Organization.__table__)
    .join(App.__table__, _A.id == _O.app_id)
    .where(
        _A.workspace_id == _WORKSPACE,
        _O.environment == PRODUCTION.value,
        _O.last_active_at.is_not(None),
        _O.last_active_at >= sql.ACTIVE_SINCE,
    )
)


def _live_organizations(session: Session, params: dict) -> int:
    return session.execute(_LIVE, params).scalar_one()


@lru_cache(maxsize=1)
def _items_query():
    """Apps with an expiring key or a setup gap: the expiring keys first, then the gaps in
    baseline order. (Organizations without an admin are listed one by one: _ORG_ITEMS.)"""
    expiring = sql.has_expiring_key()
    has_method, has_sender, has_key = (
        sql.has_sign_in_method(),
        sql.has_sender(),
        sql.has_active_key(),
    )
    rank = case(
        (expiring, 0),
        (~has_method, 1),
        (~has_sender, 2),
        (~has_key, 3),
        else_=4,
    )
    return (
        select(
            _A.name,
            _A.slug,
            expiring.label("expiring"),
            has_method.label("has_method"),
            has_sender.label("has_sender"),
            has_key.label("has_key"),
        )
        .where(_A.workspace_id == _WORKSPACE, or_(expiring, ~sql.baseline_complete()))
        .order_by(rank, func.lower(_A.name), _A.id)
        .limit(ITEMS_SHOWN)
    )


# Organizations without an admin member, by app then organization name.
_ORG_ITEMS = (
    select(_O.name.label("organization"), _A.name, _A.slug)
    .join(App.__table__, _A.id == _O.app_id)
    .where(
        _A.workspace_id == _WORKSPACE,
        _O.environment == PRODUCTION.value,
        sql.organization_without_admin(),
    )
    .order_by(func.lower(_A.name), func.lower(_O.name), _O.id)
    .limit(ITEMS_SHOWN)
)


# Prod webhook endpoints disabled or failing over an hour, by app then oldest endpoint.
_WEBHOOK_ITEMS = (
    select(_A.name, _A.slug, _E.url, _E.enabled, _E.failing_since)
    .join(App.__table__, _A.id == _E.app_id)
    .where(_A.workspace_id == _WORKSPACE, sql.webhook_failing())
    .order_by(func.lower(_A.name), _E.id)
    .limit(ITEMS_SHOWN)
)


def _webhook_item(row) -> ActionItem:
    # The host names the endpoint; a whole URL (up to 2,000 characters) would not fit a line.
    host = urlsplit(row.url).hostname or "an endpoint"
    problem = (
        f"The webhook endpoint at {host} is disabled: its events are not sent."
        if not row.enabled
        else f"The webhook endpoint at {host} has been failing for over an hour."
    )
    return ActionItem(
        app_name=row.name,
        app_slug=row.slug,
        problem=problem,
        action="Fix the endpoint, then turn it back on"
        if not row.enabled
        else "Check the failing endpoint",
        page=rules.BLOCKER_PAGES[BlockerKind.WEBHOOK_FAILING],
        blocker=True,
    )


def _app_items(session: Session, params: dict) -> list[ActionItem]:
    """Need action, most important first: expiring keys, failing webhooks, organizations
    without an admin, then setup gaps; at most ITEMS_SHOWN."""
    expiring, gaps = [], []
    for row in session.execute(_items_query(), params).all():
        if row.expiring:
            expiring.append(
                ActionItem(
                    app_name=row.name,
                    app_slug=row.slug,
                    problem="An API key expires within 7 days.",
                    action="Replace the expiring API key",
                    page=rules.BLOCKER_PAGES[BlockerKind.KEY_EXPIRING],
                    blocker=True,
                )
            )
            continue
        missing = rules.gaps(
            has_sign_in_method=bool(row.has_method),
            has_sender=bool(row.has_sender),
            has_active_key=bool(row.has_key),
        )
        requirement = rules.REQUIREMENTS[missing[0] if missing else Gap.API_KEY]
        gaps.append(
            ActionItem(
                app_name=row.name,
                app_slug=row.slug,
                problem=requirement.missing_label,
                action=requirement.action,
                page=requirement.page,
                blocker=False,
            )
        )
    organizations = [
        ActionItem(
            app_name=row.name,
            app_slug=row.slug,
            problem=f"The organization {row.organization} has no admin member.",
            action="Give it an admin",
            page=rules.BLOCKER_PAGES[BlockerKind.ORGANIZATION_WITHOUT_ADMIN],
            blocker=True,
        )
        for row in session.execute(_ORG_ITEMS, params).all()
    ]
    webhooks = [_webhook_item(row) for row in session.execute(_WEBHOOK_ITEMS, params).all()]
    return (expiring + webhooks + organizations + gaps)[:ITEMS_SHOWN]


_RECENT = (
    select(_A.name, _A.slug, sql.state().label("state"), _V.visited_at)
    .join(AppVisit.__table__, _V.app_id == _A.id)
    .where(_V.user_id == _READER, _A.workspace_id == _WORKSPACE)
    .order_by(_V.visited_at.desc())
    .limit(RECENT_SHOWN)
)


def _recent(session: Session, params: dict) -> list[RecentApp]:
    """The apps this person last opened or changed in the workspace."""
    rows = session.execute(_RECENT, params).all()
    return [
        RecentApp(name=row.name, slug=row.slug, state=row.state, visited_at=row.visited_at)
        for row in rows
    ]


def workspace_dashboard(*, session: Session, actor: Actor, workspace_id: str) -> Dashboard:
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    params = {
        "workspace_id": workspace.id,
        "reader": actor.user_id,
        **sql.time_params_with_warning(utcnow()),
    }
    apps, attention, operational, need_action = _counts(session, workspace, params)
    items: list[ActionItem] = []
    if workspace.status == WorkspaceStatus.FROZEN:
        items.append(
            ActionItem(
                app_name="",
                app_slug="",
                problem=f"The workspace {workspace.name} is frozen: every change is refused.",
                action="Open the workspace",
                page="",
                blocker=True,
            )
        )
    if need_action:
        items.extend(_app_items(session, params))
    return Dashboard(
        workspace_id=str(workspace.id),
        workspace_name=workspace.name,
        apps=apps,
        live_organizations=_live_organizations(session, params) if apps else 0,
        need_action=need_action,
        needs_attention=attention,
        operational=operational,
        action_items=items[:ITEMS_SHOWN],
        recent=_recent(session, params) if apps else [],
    )
