"""The workspace dashboard (seed 000): a triage board across the picked workspace's apps.

Apps, Live organizations, Need action, Needs attention, Operational apps and Recent apps. The
counts are SQL aggregates and the lists are bounded, so the dashboard runs the same number of
queries for 10 apps as for 1,000 (tests/services/test_dashboard.py counts them).
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, case, func, select
from sqlmodel import Session

from portal.domain import apps as rules
from portal.domain.access import Action, Actor
from portal.domain.apps import PRODUCTION, BlockerKind, Gap
from portal.domain.dto import ActionItem, Dashboard, RecentApp
from portal.domain.workspaces import WorkspaceStatus
from portal.models import App, AppVisit, Organization, Workspace
from portal.models._base import utcnow
from portal.services import app_states as sql
from portal.services import permissions

ITEMS_SHOWN = 10  # Need action: the most important first, at most this many
RECENT_SHOWN = 5

_A, _O, _V = App.__table__.c, Organization.__table__.c, AppVisit.__table__.c


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
            _count_if(sql.operating()),
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
    """Apps with a blocker or a setup gap: blockers first (an expiring key before an
    organization without an admin), then the gaps in baseline order."""
    expiring = sql.has_expiring_key()
    orphaned = sql.has_organization_without_admin()
    has_method, has_sender, has_key = (
        sql.has_sign_in_method(),
        sql.has_sender(),
        sql.has_active_key(),
    )
    rank = case(
        (expiring, 0),
        (orphaned, 1),
        (~has_method, 2),
        (~has_sender, 3),
        (~has_key, 4),
        else_=5,
    )
    return (
        select(
            _A.name,
            _A.slug,
            expiring.label("expiring"),
            orphaned.label("orphaned"),
            has_method.label("has_method"),
            has_sender.label("has_sender"),
            has_key.label("has_key"),
        )
        .where(_A.workspace_id == _WORKSPACE, sql.needs_action(workspace_frozen=False))
        .order_by(rank, func.lower(_A.name), _A.id)
        .limit(ITEMS_SHOWN)
    )


def _app_items(session: Session, params: dict) -> list[ActionItem]:
    rows = session.execute(_items_query(), params).all()
    items = []
    for row in rows:
        if row.expiring:
            problem, action, page = (
                "An API key expires within 7 days.",
                "Replace the expiring API key",
                rules.BLOCKER_PAGES[BlockerKind.KEY_EXPIRING],
            )
        elif row.orphaned:
            problem, action, page = (
                "An organization has no admin member.",
                "Give each organization an admin",
                rules.BLOCKER_PAGES[BlockerKind.ORGANIZATION_WITHOUT_ADMIN],
            )
        else:
            missing = rules.gaps(
                has_sign_in_method=bool(row.has_method),
                has_sender=bool(row.has_sender),
                has_active_key=bool(row.has_key),
            )
            requirement = rules.REQUIREMENTS[missing[0] if missing else Gap.API_KEY]
            problem = requirement.missing_label
            action, page = requirement.action, requirement.page
        items.append(
            ActionItem(
                app_name=row.name,
                app_slug=row.slug,
                problem=problem,
                action=action,
                page=page,
                blocker=bool(row.expiring or row.orphaned),
            )
        )
    return items


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
