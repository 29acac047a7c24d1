"""Workspaces: create, list, detail, activity, freeze, offboard, and the picker's choice.

Every public function takes the caller's session (one transaction, opened by the caller with
portal.db.transaction()) and writes its audit row into it. Permission is decided in
permissions.py; writes inside a workspace go through permissions.require_writable.
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import bindparam, func, or_, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.db import UtcTimestampText, UuidText
from portal.domain.access import Actor, Permission
from portal.domain.dto import (
    AuditEventPublic,
    EnvironmentPublic,
    WorkspaceDetail,
    WorkspacePublic,
    WorkspaceRow,
    WorkspaceSummary,
)
from portal.domain.errors import Invalid, NotFound
from portal.domain.paging import Page
from portal.models import Account, AuditEvent, Environment, Process, User, Workspace
from portal.models._base import utcnow
from portal.services import audit, keyset, permissions, provisioning
from portal.services.keyset import Key

_HIDDEN_STATUSES = ("deleted",)
STATUSES = ("provisioning", "active", "frozen", "offboarding")
TENANCY_MODELS = ("shared", "dedicated")
ENVIRONMENTS = ("dev", "staging", "prod")
NAME_MAX = 120
_SLUG_MAX = 100  # leaves room for "-NNN" under the column's 140
_SLUG_ATTEMPTS = 5

# The list reads table columns (a Core statement: rows as tuples, no ORM loading), and the
# workspace id as text.
_W, _A = Workspace.__table__.c, Account.__table__.c
_WORKSPACE_ID = type_coerce(_W.id, UuidText())
_CREATED_AT = type_coerce(_W.created_at, UtcTimestampText())
# The list's sort keys: a column each (names compare case-insensitively); ties break by id.
# created_at (the default) walks ix_workspaces_created_at_id.
_LIST = keyset.Keyset(
    "workspaces",
    sorts={
        "name": Key(func.lower(_W.name), str),
        "account": Key(func.lower(_A.name), str),
        "tenancy_model": Key(_W.tenancy_model, str),
        "status": Key(_W.status, str),
        "region": Key(_W.region, str),
        "created_at": Key(_CREATED_AT, datetime),
    },
    tiebreak=Key(_WORKSPACE_ID, uuid.UUID),
)
SORTS = tuple(_LIST.sorts)
DIRECTIONS = keyset.DIRECTIONS
# Newest first: ids grow with every insert, so they order the feed without ties.
_ACTIVITY = keyset.Keyset(
    "audit-events", sorts={"newest": None}, tiebreak=Key(col(AuditEvent.id), int)
)
# Parametrized once: Page[X] inside a function costs a class build on many calls.
WorkspaceRowPage = Page[WorkspaceRow]
AuditEventPage = Page[AuditEventPublic]


# Helpers ----------------------------------------------------------------------------------


def _summary(workspace: Workspace, account: Account) -> WorkspaceSummary:
    return WorkspaceSummary(
        id=str(workspace.id),
        name=workspace.name,
        slug=workspace.slug,
        account_id=account.id,
        account_name=account.name,
        status=workspace.status,
    )


def _public(session: Session, workspace: Workspace) -> WorkspacePublic:
    account = session.get(Account, workspace.account_id)
    return WorkspacePublic(**_public_fields(workspace, account))


def _public_fields(workspace: Workspace, account: Account) -> dict[str, Any]:
    return {
        "id": str(workspace.id),
        "name": workspace.name,
        "slug": workspace.slug,
        "account_id": account.id,
        "account_name": account.name,
        "tenancy_model": workspace.tenancy_model,
        "region": workspace.region,
        "status": workspace.status,
        "created_at": workspace.created_at,
        "frozen_at": workspace.frozen_at,
        "offboarding_started_at": workspace.offboarding_started_at,
        "purge_after": workspace.purge_after,
    }


def _valid_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid("Enter a name for the workspace.", field="name")
    if len(name) > NAME_MAX:
        raise Invalid(f"Use at most {NAME_MAX} characters.", field="name")
    if any(not ch.isprintable() for ch in name):
        raise Invalid("Use letters, digits, spaces and punctuation only.", field="name")
    return name


def slugify(name: str) -> str:
    """Lowercase ASCII words joined by hyphens ("Acme Dev" -> "acme-dev")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:_SLUG_MAX].rstrip("-") or "workspace"


def _free_slug(session: Session, base: str) -> str:
    """`base`, or `base-2`, `base-3`, ...: the first one no workspace uses."""
    taken = set(
        session.exec(
            select(Workspace.slug).where(
                or_(
                    Workspace.slug == base,
                    col(Workspace.slug).startswith(f"{base}-", autoescape=True),
                )
            )
        ).all()
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _insert_with_free_slug(session: Session, build, base: str) -> Workspace:
    """Insert build(slug) with the first free slug from `base`.

    On PostgreSQL a concurrent create can take the same slug between the look-up and the
    insert: the insert runs in a savepoint, and a unique violation retries with the next free
    suffix. SQLite serializes writers, and pysqlite's SAVEPOINT outside an explicit BEGIN
    would commit the outer transaction on RELEASE, so there it is a plain insert.
    """
    if session.get_bind().dialect.name == "sqlite":
        workspace = build(_free_slug(session, base))
        session.add(workspace)
        session.flush()
        return workspace
    for attempt in range(_SLUG_ATTEMPTS):
        workspace = build(_free_slug(session, base))
        try:
            with session.begin_nested():
                session.add(workspace)
                session.flush()
            return workspace
        except IntegrityError:
            if attempt == _SLUG_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _status_transition(workspace: Workspace) -> dict[str, Any]:
    return {"status": workspace.status}


def _record(
    session: Session,
    actor: Actor | None,
    action: str,
    workspace: Workspace,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="workspace",
        target_id=workspace.id,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        before=before,
        after=after,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# Create -----------------------------------------------------------------------------------


def create_workspace(
    *,
    session: Session,
    actor: Actor,
    account_id: int,
    name: str,
    tenancy_model: str | None = None,
    region: str | None = None,
) -> WorkspacePublic:
    """A new workspace in `provisioning`, its three environments, and its provisioning saga.

    Returns at once; the process worker provisions the environments. Needs administer on the
    parent account.
    """
    account = permissions.require_account(session, actor, account_id, Permission.ADMINISTER)
    name = _valid_name(name)
    tenancy_model = (tenancy_model or "shared").strip().lower()
    if tenancy_model not in TENANCY_MODELS:
        raise Invalid("Choose a tenancy model: shared or dedicated.", field="tenancy_model")
    regions = get_settings().regions
    if not regions:
        raise Invalid("No regions are configured (PORTAL_REGIONS).", field="region")
    region = (region or regions[0]).strip()
    if region not in regions:
        raise Invalid(f"Choose a region: {', '.join(regions)}.", field="region")

    workspace = _insert_with_free_slug(
        session,
        lambda slug: Workspace(
            account_id=account.id,
            name=name,
            slug=slug,
            tenancy_model=tenancy_model,
            region=region,
            status="provisioning",
        ),
        slugify(name),
    )
    for env_name in ENVIRONMENTS:
        session.add(Environment(workspace_id=workspace.id, name=env_name, status="provisioning"))
    session.flush()
    provisioning.start(session, workspace=workspace, actor=actor)
    _record(
        session,
        actor,
        "workspace.created",
        workspace,
        after={
            "name": workspace.name,
            "slug": workspace.slug,
            "tenancy_model": workspace.tenancy_model,
            "region": workspace.region,
        },
    )
    return WorkspacePublic(**_public_fields(workspace, account))


# Read -------------------------------------------------------------------------------------


def list_for_picker(*, session: Session, actor: Actor) -> list[WorkspaceSummary]:
    """The workspaces the actor can read, by account then name."""
    rows = session.exec(
        select(Workspace, Account)
        .join(Account, col(Account.id) == col(Workspace.account_id))
        .where(permissions.readable_workspaces(actor))
        .where(col(Workspace.status).not_in(_HIDDEN_STATUSES))
        .order_by(col(Account.name), col(Workspace.name))
    ).all()
    return [_summary(workspace, account) for workspace, account in rows]


def get(*, session: Session, actor: Actor, workspace_id: str) -> WorkspaceSummary:
    workspace = permissions.require_workspace(session, actor, workspace_id, Permission.READ)
    return _summary(workspace, session.get(Account, workspace.account_id))


def _valid_status(status: str | None) -> str | None:
    if status is not None and status not in STATUSES:
        raise Invalid(f"status must be one of: {', '.join(STATUSES)}.", field="status")
    return status or None


def _name_term(name_contains: str | None) -> str | None:
    """The name filter as a LIKE operand: lowercased, its wildcards escaped with "/"."""
    term = (name_contains or "").strip().lower()
    if not term:
        return None
    return "%" + term.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _filtered(query, *, by_name: bool, by_status: bool):
    """`query` narrowed to the workspaces the `reader` parameter can read, not deleted, and
    by the `name` and `status` parameters where asked."""
    query = query.where(permissions.workspaces_readable_by(bindparam("reader"))).where(
        # != each rather than NOT IN: an IN list is re-rendered on every execution
        *(_W.status != hidden for hidden in _HIDDEN_STATUSES)
    )
    if by_name:
        query = query.where(func.lower(_W.name).like(bindparam("name"), escape="/"))
    if by_status:
        query = query.where(_W.status == bindparam("status"))
    return query


_ROW_FIELDS = (
    "id",
    "name",
    "slug",
    "account_id",
    "account_name",
    "tenancy_model",
    "status",
    "region",
    "created_at",
)
_ROWS = TypeAdapter(list[WorkspaceRow])


@lru_cache(maxsize=4)
def _list_query(by_name: bool, by_status: bool):
    """The list's statement for one combination of filters, built once: its values are bound
    parameters (the keyset pager caches its ordered forms per statement)."""
    rows = select(
        _WORKSPACE_ID,
        _W.name,
        _W.slug,
        _W.account_id,
        _A.name.label("account_name"),
        _W.tenancy_model,
        _W.status,
        _W.region,
        _CREATED_AT,
    ).join_from(Workspace.__table__, Account.__table__, _A.id == _W.account_id)
    return _filtered(rows, by_name=by_name, by_status=by_status)


@lru_cache(maxsize=4)
def _count_query(by_name: bool, by_status: bool):
    # Workspaces alone: each has its account (a foreign key), so the join changes no count.
    return _filtered(
        select(func.count()).select_from(Workspace.__table__), by_name=by_name, by_status=by_status
    )


def _filter_values(actor: Actor, name_contains: str | None, status: str | None) -> dict:
    values: dict[str, Any] = {"reader": actor.user_id}
    status = _valid_status(status)
    term = _name_term(name_contains)
    if term is not None:
        values["name"] = term
    if status is not None:
        values["status"] = status
    return values


def list_workspaces(
    *,
    session: Session,
    actor: Actor,
    name_contains: str | None = None,
    status: str | None = None,
    sort: str = "created_at",
    direction: str = "desc",
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[WorkspaceRow]:
    """The workspaces the actor can read: filtered, sorted, a page at a time (keyset cursor).

    `sort` is one of SORTS, `direction` asc or desc; ties break by id in the same direction,
    so every row appears exactly once as the cursor walks the pages.
    """
    values = _filter_values(actor, name_contains, status)
    query = _list_query("name" in values, "status" in values)
    page = _LIST.page(
        session,
        query,
        sort=sort,
        direction=direction,
        limit=limit,
        cursor=cursor,
        params=values,
    )
    # One validation call for the page (pydantic's core loops over the rows).
    items = _ROWS.validate_python([dict(zip(_ROW_FIELDS, row, strict=False)) for row in page.rows])
    return WorkspaceRowPage(items=items, next_cursor=page.next_cursor)


def count_workspaces(
    *,
    session: Session,
    actor: Actor,
    name_contains: str | None = None,
    status: str | None = None,
) -> int:
    """How many workspaces list_workspaces would walk through with the same filters."""
    values = _filter_values(actor, name_contains, status)
    return session.execute(_count_query("name" in values, "status" in values), values).scalar_one()


def _environments(session: Session, workspace: Workspace) -> list[EnvironmentPublic]:
    rows = session.exec(select(Environment).where(Environment.workspace_id == workspace.id)).all()
    order = {name: i for i, name in enumerate(ENVIRONMENTS)}
    rows = sorted(rows, key=lambda row: (order.get(row.name, len(order)), row.name))
    return [EnvironmentPublic.model_validate(row) for row in rows]


def list_environments(
    *, session: Session, actor: Actor, workspace_id: str
) -> list[EnvironmentPublic]:
    """dev, staging and prod of the workspace, in that order, with their status."""
    workspace = permissions.require_workspace(session, actor, workspace_id, Permission.READ)
    return _environments(session, workspace)


def get_workspace_detail(*, session: Session, actor: Actor, workspace_id: str) -> WorkspaceDetail:
    """Everything the detail page shows. Needs read on the workspace."""
    workspace = permissions.require_workspace(session, actor, workspace_id, Permission.READ)
    account = session.get(Account, workspace.account_id)
    settings = get_settings()
    now = utcnow()
    environments = _environments(session, workspace)

    process = session.exec(
        select(Process)
        .where(Process.workspace_id == workspace.id, Process.kind == provisioning.KIND)
        .order_by(col(Process.created_at).desc(), col(Process.id).desc())
    ).first()
    provisioning_since = process.created_at if process is not None else workspace.created_at
    still_provisioning = workspace.status == "provisioning" or any(
        env.status == "provisioning" for env in environments
    )
    stuck = still_provisioning and now - provisioning_since > timedelta(
        minutes=settings.provisioning_stuck_minutes
    )

    days_left = None
    if workspace.status == "offboarding" and workspace.purge_after is not None:
        days_left = max(0, math.ceil((workspace.purge_after - now) / timedelta(days=1)))

    held = permissions.workspace_permission(session, actor, workspace)
    return WorkspaceDetail(
        **_public_fields(workspace, account),
        environments=environments,
        purge_days_left=days_left,
        can_administer=held is Permission.ADMINISTER,
        administrators=permissions.administrator_emails(session, account_id=account.id),
        provisioning_stuck=stuck,
        provisioning_process_id=process.id if process is not None else None,
        coderunners_enabled=bool(settings.coderunner_url),
        apps=[],  # filled by the apps issue
    )


# Activity ---------------------------------------------------------------------------------


def _activity(
    session: Session,
    scope,
    *,
    actor_filter: str | None,
    action_filter: str | None,
    limit: int | None,
    cursor: str | None,
) -> Page[AuditEventPublic]:
    query = select(AuditEvent).where(scope)
    who = (actor_filter or "").strip()
    if who:
        query = query.where(
            or_(
                AuditEvent.actor_id == who,
                func.lower(col(AuditEvent.actor_label)).contains(who.lower(), autoescape=True),
            )
        )
    what = (action_filter or "").strip()
    if what:
        query = query.where(col(AuditEvent.action).startswith(what, autoescape=True))
    page = _ACTIVITY.page(
        session, query, sort="newest", direction="desc", limit=limit, cursor=cursor
    )
    items = [
        AuditEventPublic(
            id=row.id,
            created_at=row.created_at,
            account_id=row.account_id,
            workspace_id=str(row.workspace_id) if row.workspace_id else None,
            actor_type=row.actor_type,
            actor_id=row.actor_id,
            actor_label=row.actor_label,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            before=row.before,
            after=row.after,
            ip_address=row.ip_address,
            user_agent=row.user_agent,
        )
        for row, _key in page.rows
    ]
    return AuditEventPage(items=items, next_cursor=page.next_cursor)


def list_activity(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    actor_filter: str | None = None,
    action_filter: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[AuditEventPublic]:
    """The workspace's audit feed, newest first. `actor_filter` matches an actor id exactly or
    a part of the actor's label (email); `action_filter` is a prefix ("workspace." or
    "workspace.frozen")."""
    workspace = permissions.require_workspace(session, actor, workspace_id, Permission.READ)
    return _activity(
        session,
        AuditEvent.workspace_id == workspace.id,
        actor_filter=actor_filter,
        action_filter=action_filter,
        limit=limit,
        cursor=cursor,
    )


def list_account_activity(
    *,
    session: Session,
    actor: Actor,
    account_id: int,
    actor_filter: str | None = None,
    action_filter: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[AuditEventPublic]:
    """The account's audit feed (its own events and its workspaces'), newest first. Needs
    read on the account."""
    account = permissions.require_account(session, actor, account_id, Permission.READ)
    return _activity(
        session,
        AuditEvent.account_id == account.id,
        actor_filter=actor_filter,
        action_filter=action_filter,
        limit=limit,
        cursor=cursor,
    )


# Writes -----------------------------------------------------------------------------------


def rename_workspace(
    *, session: Session, actor: Actor, workspace_id: str, name: str
) -> WorkspacePublic:
    """A new display name (the slug stays: URLs and integrations keep working)."""
    workspace = permissions.require_workspace_write(session, actor, workspace_id)
    name = _valid_name(name)
    before = {"name": workspace.name}
    if name != workspace.name:
        workspace.name = name
        session.add(workspace)
        _record(session, actor, "workspace.renamed", workspace, before=before, after={"name": name})
    return _public(session, workspace)


def freeze(
    *, session: Session, actor: Actor, workspace_id: str, reason: str = ""
) -> WorkspacePublic:
    """Refuse every write in the workspace until it is unfrozen; reads keep working."""
    workspace = permissions.require_workspace(session, actor, workspace_id, Permission.ADMINISTER)
    if workspace.status == "frozen":
        raise Invalid(f"{workspace.name} is already frozen.")
    if workspace.status == "offboarding":
        raise Invalid(
            f"{workspace.name} is being offboarded and is already read-only; restore it first."
        )
    before = _status_transition(workspace)
    workspace.status_before = workspace.status
    workspace.status = "frozen"
    workspace.frozen_at = utcnow()
    session.add(workspace)
    after = {**_status_transition(workspace), "frozen_at": _iso(workspace.frozen_at)}
    if reason.strip():
        after["reason"] = reason.strip()[:500]
    _record(session, actor, "workspace.frozen", workspace, before=before, after=after)
    return _public(session, workspace)


def unfreeze(*, session: Session, actor: Actor, workspace_id: str) -> WorkspacePublic:
    """Back to the status the workspace had when it was frozen."""
    workspace = permissions.require_workspace(session, actor, workspace_id, Permission.ADMINISTER)
    if workspace.status != "frozen":
        raise Invalid(f"{workspace.name} is not frozen.")
    before = {**_status_transition(workspace), "frozen_at": _iso(workspace.frozen_at)}
    workspace.status = workspace.status_before or "active"
    workspace.status_before = None
    workspace.frozen_at = None
    session.add(workspace)
    _record(
        session,
        actor,
        "workspace.unfrozen",
        workspace,
        before=before,
        after=_status_transition(workspace),
    )
    return _public(session, workspace)


def offboard(
    *, session: Session, actor: Actor, workspace_id: str, confirm_name: str
) -> WorkspacePublic:
    """Start the hard-delete window: read-only now, purged when the window ends.

    `confirm_name` must be the workspace's name, typed exactly. A frozen workspace can be
    offboarded; restoring it brings it back frozen.
    """
    workspace = permissions.require_workspace(session, actor, workspace_id, Permission.ADMINISTER)
    if workspace.status == "offboarding":
        raise Invalid(f"{workspace.name} is already being offboarded.")
    if (confirm_name or "") != workspace.name:
        raise Invalid(
            f"Type the workspace name, {workspace.name}, exactly to confirm.",
            field="confirm_name",
        )
    now = utcnow()
    before = _status_transition(workspace)
    workspace.status_before = workspace.status
    workspace.status = "offboarding"
    workspace.offboarding_started_at = now
    workspace.purge_after = now + timedelta(days=get_settings().offboarding_days)
    session.add(workspace)
    _record(
        session,
        actor,
        "workspace.offboarding_started",
        workspace,
        before=before,
        after={**_status_transition(workspace), "purge_after": _iso(workspace.purge_after)},
    )
    return _public(session, workspace)


def restore(*, session: Session, actor: Actor, workspace_id: str) -> WorkspacePublic:
    """Stop offboarding during the hard-delete window; back to the status it had before."""
    workspace = permissions.require_workspace(session, actor, workspace_id, Permission.ADMINISTER)
    if workspace.status != "offboarding":
        raise Invalid(f"{workspace.name} is not being offboarded.")
    if workspace.purge_after is not None and utcnow() >= workspace.purge_after:
        raise Invalid(
            f"The hard-delete window of {workspace.name} has ended: it can no longer be restored."
        )
    before = {**_status_transition(workspace), "purge_after": _iso(workspace.purge_after)}
    workspace.status = workspace.status_before or "active"
    # Offboarding a frozen workspace kept "frozen" here; what it had before the freeze is gone,
    # so a later unfreeze returns it to active.
    workspace.status_before = None
    workspace.offboarding_started_at = None
    workspace.purge_after = None
    session.add(workspace)
    _record(
        session,
        actor,
        "workspace.restored",
        workspace,
        before=before,
        after=_status_transition(workspace),
    )
    return _public(session, workspace)


# The picker's choice ----------------------------------------------------------------------


def remember_workspace(*, session: Session, actor: Actor, workspace_id: str) -> None:
    """Keep the picker's choice on the user, across pages and sign-ins.

    A preference, not a change to the workspace: allowed on a frozen one, and not audited.
    """
    workspace = permissions.require_workspace(session, actor, workspace_id, Permission.READ)
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound()
    if user.last_workspace_id != workspace.id:
        user.last_workspace_id = workspace.id
        session.add(user)


def last_workspace(*, session: Session, actor: Actor) -> str | None:
    """The remembered workspace's id, if the actor can still read it (and it still exists)."""
    user = session.get(User, actor.user_id)
    if user is None or user.last_workspace_id is None:
        return None
    try:
        workspace = permissions.require_workspace(
            session, actor, user.last_workspace_id, Permission.READ
        )
    except NotFound:
        return None
    return str(workspace.id)
