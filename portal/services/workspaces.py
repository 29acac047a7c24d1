"""Workspaces: create, list, detail, activity, freeze, offboard, and the picker's choice.

Every public function takes the caller's session (one transaction, opened by the caller with
portal.db.transaction()) and writes its audit row into it. Permission is decided in
permissions.py: each function names its Action to permissions.require, which also refuses
writes inside a frozen or offboarding workspace.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from slugify import slugify as python_slugify
from sqlalchemy import and_, bindparam, case, delete, func, or_, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.db import UtcTimestampText, UuidText, lock_row_for_write, savepoint
from portal.domain.access import Action, Actor, Permission
from portal.domain.dto import (
    AuditEventPublic,
    EnvironmentPublic,
    PickerResults,
    WorkspaceChoice,
    WorkspaceDetail,
    WorkspacePublic,
    WorkspaceRow,
    WorkspaceSummary,
)
from portal.domain.errors import Conflict, Invalid, NotFound
from portal.domain.events import EventType
from portal.domain.paging import Page
from portal.domain.processes import ProcessStatus
from portal.domain.text import clean as clean_text
from portal.domain.workspaces import (
    VISIBLE_STATUSES,
    EnvironmentName,
    EnvironmentStatus,
    TenancyModel,
    WorkspaceStatus,
)
from portal.models import (
    Account,
    AuditEvent,
    Environment,
    Process,
    User,
    Workspace,
    WorkspacePick,
)
from portal.models._base import utcnow
from portal.services import apps, audit, events, keyset, permissions, provisioning, slugs
from portal.services.keyset import Key

NAME_MAX = 120
REASON_MAX = 500
FILTER_MAX = 320  # a search term: a name's part, an actor's email, an action
_SLUG_MAX = 100  # leaves room for "-NNN" under the column's 140
_SLUG_COLUMN = 140

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
# Parametrized once: Page[X] inside a function costs a class build on many calls.
WorkspaceRowPage = Page[WorkspaceRow]


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
    return clean_text(
        name, field="name", max_length=NAME_MAX, required="Enter a name for the workspace."
    )


def slugify(name: str) -> str:
    """Lowercase ASCII words joined by hyphens ("Acme Dev" -> "acme-dev").

    Other scripts are transliterated (python-slugify with text-unidecode: "北京 Ops" ->
    "bei-jing-ops", "Москва" -> "moskva") rather than dropped, so two names in the same
    script do not collapse to the same slug. Cut at a word boundary; a name with nothing to
    spell (emoji only) becomes "workspace".
    """
    return python_slugify(name, max_length=_SLUG_MAX, word_boundary=True) or "workspace"


def _free_slug(session: Session, account_id: int, base: str) -> str:
    """`base`, or `base-2`, `base-3`, ...: the first one no workspace of the account uses.

    Slugs are unique within an account only, so the answer says nothing about other tenants.
    """
    taken = set(
        session.exec(
            select(Workspace.slug).where(
                Workspace.account_id == account_id,
                or_(
                    Workspace.slug == base,
                    col(Workspace.slug).startswith(f"{base}-", autoescape=True),
                ),
            )
        ).all()
    )
    return slugs.next_free(base, taken, _SLUG_COLUMN)


def _lock_slugs(session: Session, account_id: int) -> None:
    """Hold the account's slugs until the transaction ends, so that two concurrent creates in
    one account cannot both pick the same free slug; creates in other accounts, and every other
    request, go on.

    PostgreSQL: the account's row is locked FOR NO KEY UPDATE (rows that merely reference the
    account, such as audit events, are not held up); a second create waits there and then
    reads the slugs the first one committed (READ COMMITTED takes a snapshot per statement).

    SQLite: the database's write lock (BEGIN IMMEDIATE), taken before the slugs are read
    (portal.db.lock_row_for_write says why a plain transaction is not enough).
    """
    lock_row_for_write(session, Account, account_id, key_share=True)


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


def _event(session: Session, kind: EventType, workspace: Workspace, **extra: Any) -> None:
    events.emit(
        session,
        type=kind,
        workspace_id=workspace.id,
        data={"name": workspace.name, "status": str(workspace.status)} | extra,
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
    account = permissions.require(session, actor, Action.CREATE_WORKSPACE, account_id)
    name = _valid_name(name)
    try:
        tenancy = TenancyModel((tenancy_model or TenancyModel.SHARED).strip().lower())
    except ValueError:
        raise Invalid(
            f"Choose a tenancy model: {' or '.join(TenancyModel)}.", field="tenancy_model"
        ) from None
    regions = get_settings().regions
    if not regions:
        raise Invalid("No regions are configured (PORTAL_REGIONS).", field="region")
    region = (region or regions[0]).strip()
    if region not in regions:
        raise Invalid(f"Choose a region: {', '.join(regions)}.", field="region")

    _lock_slugs(session, account.id)
    workspace = Workspace(
        account_id=account.id,
        name=name,
        slug=_free_slug(session, account.id, slugify(name)),
        tenancy_model=tenancy,
        region=region,
        status=WorkspaceStatus.PROVISIONING,
    )
    session.add(workspace)
    session.flush()
    for env_name in EnvironmentName:
        session.add(
            Environment(
                workspace_id=workspace.id, name=env_name, status=EnvironmentStatus.PROVISIONING
            )
        )
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
        .where(col(Workspace.status) != WorkspaceStatus.DELETED)
        .order_by(col(Account.name), col(Workspace.name))
    ).all()
    return [_summary(workspace, account) for workspace, account in rows]


def get(*, session: Session, actor: Actor, workspace_id: str) -> WorkspaceSummary:
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    return _summary(workspace, session.get(Account, workspace.account_id))


def _valid_status(status: str | None) -> str | None:
    if status is not None and status not in VISIBLE_STATUSES:
        raise Invalid(f"status must be one of: {', '.join(VISIBLE_STATUSES)}.", field="status")
    return status or None


def _name_term(name_contains: str | None) -> str | None:
    """The name filter as a LIKE operand: lowercased, its wildcards escaped with "/"."""
    term = clean_text(name_contains, field="name", max_length=FILTER_MAX).lower()
    if not term:
        return None
    return f"%{_like_escaped(term)}%"


def _filtered(query, *, by_name: bool, by_status: bool):
    """`query` narrowed to the workspaces the `reader` parameter can read, not deleted, and
    by the `name` and `status` parameters where asked."""
    query = query.where(permissions.workspaces_readable_by(bindparam("reader"))).where(
        _W.status != WorkspaceStatus.DELETED
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
    order = {name: i for i, name in enumerate(EnvironmentName)}
    rows = sorted(rows, key=lambda row: (order.get(row.name, len(order)), row.name))
    return [EnvironmentPublic.model_validate(row) for row in rows]


def list_environments(
    *, session: Session, actor: Actor, workspace_id: str
) -> list[EnvironmentPublic]:
    """dev, staging and prod of the workspace, in that order, with their status."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    return _environments(session, workspace)


def get_workspace_detail(*, session: Session, actor: Actor, workspace_id: str) -> WorkspaceDetail:
    """Everything the detail page shows. Needs read on the workspace."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
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
    still_provisioning = workspace.status == WorkspaceStatus.PROVISIONING or any(
        env.status == EnvironmentStatus.PROVISIONING for env in environments
    )
    stuck = still_provisioning and now - provisioning_since > timedelta(
        minutes=settings.provisioning_stuck_minutes
    )

    days_left = None
    if workspace.status == WorkspaceStatus.OFFBOARDING and workspace.purge_after is not None:
        days_left = max(0, math.ceil((workspace.purge_after - now) / timedelta(days=1)))

    held = permissions.workspace_permission(session, actor, workspace)
    app_links, app_count = apps.apps_of_workspace(session, workspace)
    return WorkspaceDetail(
        **_public_fields(workspace, account),
        environments=environments,
        purge_days_left=days_left,
        can_administer=held is Permission.ADMINISTER,
        administrators=permissions.administrator_emails(session, account_id=account.id),
        provisioning_stuck=stuck,
        provisioning_process_id=process.id if process is not None else None,
        coderunners_enabled=bool(settings.coderunner_url),
        apps=app_links,
        app_count=app_count,
    )


# Activity ---------------------------------------------------------------------------------


def _like_escaped(text: str) -> str:
    """`text` as a literal part of a LIKE pattern (escape character "/")."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


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
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    return audit.feed(
        session,
        "workspace_id",
        workspace.id,
        account_id=workspace.account_id,
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
    account = permissions.require(session, actor, Action.VIEW_ACCOUNT, account_id)
    return audit.feed(
        session,
        "account_id",
        account.id,
        account_id=account.id,
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
    workspace = permissions.require(session, actor, Action.RENAME_WORKSPACE, workspace_id)
    name = _valid_name(name)
    before = {"name": workspace.name}
    if name != workspace.name:
        workspace.name = name
        session.add(workspace)
        _record(session, actor, "workspace.renamed", workspace, before=before, after={"name": name})
        _event(session, EventType.WORKSPACE_RENAMED, workspace, previous_name=before["name"])
    return _public(session, workspace)


def freeze(
    *, session: Session, actor: Actor, workspace_id: str, reason: str = ""
) -> WorkspacePublic:
    """Refuse every write in the workspace until it is unfrozen; reads keep working."""
    workspace = permissions.require(session, actor, Action.FREEZE_WORKSPACE, workspace_id)
    if workspace.status == WorkspaceStatus.FROZEN:
        raise Conflict(f"{workspace.name} is already frozen.")
    if workspace.status == WorkspaceStatus.OFFBOARDING:
        raise Conflict(
            f"{workspace.name} is being offboarded and is already read-only; restore it first."
        )
    reason = clean_text(reason, field="reason", max_length=REASON_MAX)
    before = _status_transition(workspace)
    workspace.status_before = workspace.status
    workspace.status = WorkspaceStatus.FROZEN
    workspace.frozen_at = utcnow()
    session.add(workspace)
    after = {**_status_transition(workspace), "frozen_at": _iso(workspace.frozen_at)}
    if reason:
        after["reason"] = reason
    _record(session, actor, "workspace.frozen", workspace, before=before, after=after)
    _event(session, EventType.WORKSPACE_FROZEN, workspace, frozen_at=_iso(workspace.frozen_at))
    return _public(session, workspace)


def unfreeze(*, session: Session, actor: Actor, workspace_id: str) -> WorkspacePublic:
    """Back to the status the workspace had when it was frozen."""
    workspace = permissions.require(session, actor, Action.UNFREEZE_WORKSPACE, workspace_id)
    if workspace.status != WorkspaceStatus.FROZEN:
        raise Conflict(f"{workspace.name} is not frozen.")
    before = {**_status_transition(workspace), "frozen_at": _iso(workspace.frozen_at)}
    workspace.status = workspace.status_before or WorkspaceStatus.ACTIVE
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
    _event(session, EventType.WORKSPACE_UNFROZEN, workspace)
    return _public(session, workspace)


def offboard(
    *, session: Session, actor: Actor, workspace_id: str, confirm_name: str
) -> WorkspacePublic:
    """Start the hard-delete window: read-only now, purged when the window ends.

    `confirm_name` must be the workspace's name, typed exactly. A frozen workspace can be
    offboarded; restoring it brings it back frozen.
    """
    workspace = permissions.require(session, actor, Action.OFFBOARD_WORKSPACE, workspace_id)
    if workspace.status == WorkspaceStatus.OFFBOARDING:
        raise Conflict(f"{workspace.name} is already being offboarded.")
    if (confirm_name or "") != workspace.name:
        # 409, not 422: the confirmation is checked against the workspace as it is now (it may
        # have been renamed since the person read its name).
        raise Conflict(
            f"Type the workspace name, {workspace.name}, exactly to confirm.",
            field="confirm_name",
        )
    now = utcnow()
    before = _status_transition(workspace)
    workspace.status_before = workspace.status
    workspace.status = WorkspaceStatus.OFFBOARDING
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
    _event(
        session, EventType.WORKSPACE_OFFBOARDED, workspace, purge_after=_iso(workspace.purge_after)
    )
    return _public(session, workspace)


def restore(*, session: Session, actor: Actor, workspace_id: str) -> WorkspacePublic:
    """Stop offboarding during the hard-delete window; back to the status it had before."""
    workspace = permissions.require(session, actor, Action.RESTORE_WORKSPACE, workspace_id)
    if workspace.status != WorkspaceStatus.OFFBOARDING:
        raise Conflict(f"{workspace.name} is not being offboarded.")
    if workspace.purge_after is not None and utcnow() >= workspace.purge_after:
        raise Conflict(
            f"The hard-delete window of {workspace.name} has ended: it can no longer be restored."
        )
    before = {**_status_transition(workspace), "purge_after": _iso(workspace.purge_after)}
    workspace.status = workspace.status_before or WorkspaceStatus.ACTIVE
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
    _event(session, EventType.WORKSPACE_RESTORED, workspace)
    return _public(session, workspace)


# The picker's choice ----------------------------------------------------------------------


def remember_workspace(*, session: Session, actor: Actor, workspace_id: str) -> None:
    """Keep the picker's choice on the user, across pages and sign-ins.

    A preference, not a change to the workspace: allowed on a frozen one, and not audited.
    """
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound()
    if user.last_workspace_id != workspace.id:
        user.last_workspace_id = workspace.id
        session.add(user)
        _record_pick(session, user.id, workspace.id)


def last_workspace(*, session: Session, actor: Actor) -> str | None:
    """The remembered workspace's id, if the actor can still read it (and it still exists)."""
    user = session.get(User, actor.user_id)
    if user is None or user.last_workspace_id is None:
        return None
    try:
        workspace = permissions.require(
            session, actor, Action.VIEW_WORKSPACE, user.last_workspace_id
        )
    except NotFound:
        return None
    return str(workspace.id)


def workspace_to_open(*, session: Session, actor: Actor) -> str | None:
    """The workspace a page of one workspace (/process-log, /secrets, ...) opens: the
    remembered one, else the first the actor can read by name (someone who has not picked one
    yet), else None (they can read none)."""
    remembered = last_workspace(session=session, actor=actor)
    if remembered is not None:
        return remembered
    first = list_workspaces(session=session, actor=actor, sort="name", direction="asc", limit=1)
    return first.items[0].id if first.items else None


# The picker: search on the server, pinned and recent first ----------------------------------

PICKER_LIMIT = 15  # what the picker shows at most, whatever the number of workspaces
RECENT_KEPT = 8  # recent picks remembered per person; pinned ones stay while pinned


def _pick_row(session: Session, user_id: int, workspace_id: uuid.UUID) -> WorkspacePick:
    """The person's row for the workspace, created if missing (another tab may race us)."""
    key = {"user_id": user_id, "workspace_id": workspace_id}
    row = session.get(WorkspacePick, key)
    if row is not None:
        return row
    row = WorkspacePick(**key)
    try:
        with savepoint(session):
            session.add(row)
            session.flush()
    except IntegrityError:
        row = session.get(WorkspacePick, key)
    return row


def _record_pick(session: Session, user_id: int, workspace_id: uuid.UUID) -> None:
    """Recent = the person's last RECENT_KEPT picks; older unpinned ones are forgotten."""
    row = _pick_row(session, user_id, workspace_id)
    row.picked_at = utcnow()
    session.add(row)
    session.flush()
    stale = session.exec(
        select(WorkspacePick.workspace_id)
        .where(WorkspacePick.user_id == user_id, col(WorkspacePick.pinned_at).is_(None))
        .order_by(col(WorkspacePick.picked_at).desc().nulls_last())
        .offset(RECENT_KEPT)
    ).all()
    if stale:
        session.exec(
            delete(WorkspacePick).where(
                col(WorkspacePick.user_id) == user_id,
                col(WorkspacePick.workspace_id).in_(stale),
            )
        )


def _choices(reader: int | BindParameter[int], query: str | None, *, picked_only: bool = False):
    """Workspaces `reader` (a user id, or a bound parameter in a statement built once) can
    read, with their pick row: pinned, then recent, then by name. `picked_only`: only those
    the person pinned or picked (read from their few pick rows)."""
    pick = and_(
        col(WorkspacePick.workspace_id) == col(Workspace.id),
        col(WorkspacePick.user_id) == reader,
    )
    statement = (
        select(Workspace, Account, WorkspacePick)
        .join(Account, col(Account.id) == col(Workspace.account_id))
        .join(WorkspacePick, pick, isouter=not picked_only)
        .where(permissions.workspaces_readable_by(reader))
        .where(col(Workspace.status) != WorkspaceStatus.DELETED)
    )
    # Typed text, so the one free-text rule (domain/text.py): control characters are refused.
    term = clean_text(query, field="query", max_length=NAME_MAX).lower()
    if term:
        statement = statement.where(
            or_(
                func.lower(col(Workspace.name)).contains(term, autoescape=True),
                func.lower(col(Account.name)).contains(term, autoescape=True),
            )
        )
    pinned = col(WorkspacePick.pinned_at).is_not(None)
    return statement.order_by(
        case((pinned, 0), (col(WorkspacePick.picked_at).is_not(None), 1), else_=2),
        case((pinned, None), else_=col(WorkspacePick.picked_at)).desc().nulls_last(),
        func.lower(col(Workspace.name)),
        func.lower(col(Account.name)),
        col(Workspace.id),
    )


def _choice(
    workspace: Workspace, account: Account, pick: WorkspacePick | None = None
) -> WorkspaceChoice:
    return WorkspaceChoice(
        id=str(workspace.id),
        name=workspace.name,
        account_name=account.name,
        status=workspace.status,
        slug=workspace.slug,
        pinned=pick is not None and pick.pinned_at is not None,
        recent=pick is not None and pick.picked_at is not None,
    )


def search_for_picker(
    *, session: Session, actor: Actor, query: str | None = None, limit: int = PICKER_LIMIT
) -> PickerResults:
    """At most `limit` readable workspaces whose name or account name contains `query`:
    pinned first (by name), then recent picks (latest first), then the rest by name. One query,
    whatever the number of workspaces; `more` says whether others match too."""
    limit = max(1, min(limit, PICKER_LIMIT))
    rows = session.exec(_choices(actor.user_id, query).limit(limit + 1)).all()
    return PickerResults(
        items=[_choice(*row) for row in rows[:limit]],
        more=len(rows) > limit,
    )


# current_choice's three steps, built once (it runs on every signed-in page load).
_READER = bindparam("reader")
_REMEMBERED = _choices(_READER, None).where(col(Workspace.id) == bindparam("remembered"))
_FIRST_PICKED = _choices(_READER, None, picked_only=True).limit(1)
_FIRST_BY_NAME = (
    select(Workspace, Account)
    .join(Account, col(Account.id) == col(Workspace.account_id))
    .where(permissions.workspaces_readable_by(_READER))
    .where(col(Workspace.status) != WorkspaceStatus.DELETED)
    .order_by(func.lower(col(Workspace.name)), col(Workspace.id))
    .limit(1)
)


def current_choice(*, session: Session, actor: Actor) -> WorkspaceChoice | None:
    """The picker's current workspace: the remembered pick if still readable, else the first
    the picker would offer (pinned, recent, by name); None when the person can read none.

    Runs on every signed-in page load, so each step reads only what it needs: the remembered
    workspace by its key, then the person's own picks (a few rows), and only then the first
    readable workspace by name (ties by id), which walks ix_workspaces_lower_name_id and
    stops there instead of sorting every readable workspace."""
    reader = {"reader": actor.user_id}
    user = session.get(User, actor.user_id)
    if user is not None and user.last_workspace_id is not None:
        remembered = {**reader, "remembered": user.last_workspace_id}
        row = session.exec(_REMEMBERED, params=remembered).first()
        if row is not None:
            return _choice(*row)
    row = session.exec(_FIRST_PICKED, params=reader).first()
    if row is None:
        row = session.exec(_FIRST_BY_NAME, params=reader).first()
    return _choice(*row) if row is not None else None


def _set_pinned(session: Session, actor: Actor, workspace_id: str, pinned: bool) -> WorkspaceChoice:
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    row = _pick_row(session, actor.user_id, workspace.id)
    if (row.pinned_at is not None) != pinned:
        row.pinned_at = utcnow() if pinned else None
        session.add(row)
        session.flush()
    return _choice(workspace, session.get(Account, workspace.account_id), row)


def pin_workspace(*, session: Session, actor: Actor, workspace_id: str) -> WorkspaceChoice:
    """Keep the workspace at the top of the person's picker. Needs read on it; a preference,
    so allowed on a frozen workspace and not audited."""
    return _set_pinned(session, actor, workspace_id, True)


def unpin_workspace(*, session: Session, actor: Actor, workspace_id: str) -> WorkspaceChoice:
    """Stop keeping the workspace at the top of the picker (it may stay among the recent)."""
    return _set_pinned(session, actor, workspace_id, False)


# Live progress: a cheap change check ------------------------------------------------------


def change_mark(*, session: Session, actor: Actor, workspace_id: str) -> str:
    """A short fingerprint of what a detail page shows live (workspace status, processes and
    their progress, environments done, newest audit event), in one small query: a page polls
    this and reloads only when it changed. Needs read on the workspace."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    key = workspace.id
    of_processes = col(Process.workspace_id) == key
    finished = col(Process.status).in_((ProcessStatus.SUCCEEDED, ProcessStatus.FAILED))
    started = col(Process.status) != ProcessStatus.PENDING  # pending -> running moves it
    row = session.exec(
        select(
            select(func.max(Process.id)).where(of_processes).scalar_subquery(),
            select(func.coalesce(func.sum(Process.progress), 0))
            .where(of_processes)
            .scalar_subquery(),
            select(func.count()).where(of_processes, finished).scalar_subquery(),
            select(func.count()).where(of_processes, started).scalar_subquery(),
            select(func.count())
            .where(col(Environment.workspace_id) == key, Environment.status != "provisioning")
            .scalar_subquery(),
            select(func.max(AuditEvent.id))
            .where(col(AuditEvent.workspace_id) == key)
            .scalar_subquery(),
        )
    ).one()
    return "|".join([workspace.status, *(str(value or 0) for value in row)])
