"""The audit trail. Services call `record` inside the transaction of the change it records."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import bindparam, func, type_coerce
from sqlmodel import Session, col, or_, select

from portal.db import UtcTimestampText, UuidText
from portal.domain.access import Actor, ActorKind
from portal.domain.dto import AuditEventPublic
from portal.domain.paging import Page
from portal.domain.text import clean as clean_text
from portal.models import (
    App,
    AuditEvent,
    Environment,
    Invitation,
    PermissionGrant,
    Process,
    User,
    Workspace,
)
from portal.services import keyset
from portal.services.keyset import Key

SYSTEM = "system"
APP_KEY = "app_key"  # an app's secret key on the data-plane API


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: str | int | uuid.UUID,
    account_id: int | None,
    workspace_id: uuid.UUID | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    app_key: tuple[int, str] | None = None,
) -> None:
    """Add an audit row to the caller's transaction. `actor=None` means the system (a worker),
    or, with `app_key` (its id and display prefix), an app's key on the data-plane API.

    `before` / `after` hold the settings that changed, never secrets.
    """
    if actor is None and app_key is not None:
        kind, actor_id, label, ip, agent = APP_KEY, str(app_key[0]), f"key {app_key[1]}…", "", ""
    elif actor is None:
        kind, actor_id, label, ip, agent = SYSTEM, "", "Portal", "", ""
    else:
        kind = actor.kind.value
        actor_id = str(actor.token_id if actor.kind is ActorKind.TOKEN else actor.user_id)
        label = (
            actor.email if actor.kind is ActorKind.USER else f"{actor.email} ({actor.token_name})"
        )
        ip, agent = actor.client.ip_address, actor.client.user_agent
    session.add(
        AuditEvent(
            account_id=account_id,
            workspace_id=workspace_id,
            actor_type=kind,
            actor_id=actor_id,
            actor_label=label[:320],
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            before=before,
            after=after,
            ip_address=ip[:64],
            user_agent=agent[:512],
        )
    )


# Reading: what a person recognises in place of "environment 21" ---------------------------


def _ints(ids: set[str]) -> list[int]:
    return [int(value) for value in ids if value.isdigit()]


def _uuids(ids: set[str]) -> list[uuid.UUID]:
    found = []
    for value in ids:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


def _recorded(event: AuditEventPublic, key: str) -> str:
    """A value the event itself recorded (a name or an email), newest first."""
    for side in (event.after, event.before):
        value = (side or {}).get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def label_targets(
    session: Session,
    events: list[AuditEventPublic],
    *,
    account_id: int,
    workspace_id: uuid.UUID | None = None,
) -> list[AuditEventPublic]:
    """`events` with `target_label` set: the workspace's name, "staging environment",
    "invitation to ana@example.com", a member's email, "export #12".

    For the services that list a feed the caller may read (workspace or account activity):
    each lookup is limited to `account_id`'s own rows, so a target of any other account is
    never named, only described by its type. One query per target type on the page, never
    one per event. In a workspace's own feed (`workspace_id`) its environments go without
    the workspace's name.
    """
    wanted: dict[str, set[str]] = {}
    for event in events:
        wanted.setdefault(event.target_type, set()).add(event.target_id)
    names: dict[tuple[str, str], str] = {}

    if ids := _uuids(wanted.get("workspace", set())):
        rows = session.exec(
            select(Workspace.id, Workspace.name).where(
                col(Workspace.id).in_(ids), Workspace.account_id == account_id
            )
        ).all()
        names.update({("workspace", str(wid)): name for wid, name in rows})
    if ids := _ints(wanted.get("environment", set())):
        rows = session.exec(
            select(Environment.id, Environment.name, Workspace.id, Workspace.name)
            .join(Workspace, col(Workspace.id) == col(Environment.workspace_id))
            .where(col(Environment.id).in_(ids), Workspace.account_id == account_id)
        ).all()
        names.update(
            {
                ("environment", str(eid)): f"{env} environment"
                + ("" if wid == workspace_id else f" of {ws}")
                for eid, env, wid, ws in rows
            }
        )
    if ids := _ints(wanted.get("app", set())):
        rows = session.exec(
            select(App.id, App.name)
            .join(Workspace, col(Workspace.id) == col(App.workspace_id))
            .where(col(App.id).in_(ids), Workspace.account_id == account_id)
        ).all()
        names.update({("app", str(aid)): f"app {name}" for aid, name in rows})
    if ids := _ints(wanted.get("invitation", set())):
        rows = session.exec(
            select(Invitation.id, Invitation.email).where(
                col(Invitation.id).in_(ids), Invitation.account_id == account_id
            )
        ).all()
        names.update({("invitation", str(iid)): f"invitation to {email}" for iid, email in rows})
    if ids := _ints(wanted.get("process", set())):
        rows = session.exec(
            select(Process.id, Process.kind).where(
                col(Process.id).in_(ids), Process.account_id == account_id
            )
        ).all()
        names.update({("process", str(pid)): f"{kind} #{pid}" for pid, kind in rows})
    if ids := _ints(wanted.get("user", set())):
        # Members (past ones too) are named by the email their events recorded; a current
        # member's email comes from the account's own grants.
        rows = session.exec(
            select(User.id, User.email)
            .join(PermissionGrant, col(PermissionGrant.user_id) == col(User.id))
            .outerjoin(Workspace, col(Workspace.id) == col(PermissionGrant.workspace_id))
            .where(
                col(User.id).in_(ids),
                or_(
                    PermissionGrant.account_id == account_id,
                    Workspace.account_id == account_id,
                ),
            )
            .distinct()
        ).all()
        names.update({("user", str(uid)): email for uid, email in rows})

    return [event.model_copy(update={"target_label": _label(event, names)}) for event in events]


def _label(event: AuditEventPublic, names: dict[tuple[str, str], str]) -> str:
    found = names.get((event.target_type, event.target_id))
    if found:
        return found
    kind = event.target_type
    if kind == "user":
        return _recorded(event, "email") or "a former member"
    if kind == "workspace":
        name = _recorded(event, "name")
        return f"{name} (deleted)" if name else "a deleted workspace"
    if kind == "app":
        name = _recorded(event, "name")
        return f"app {name} (deleted)" if name else "a deleted app"
    if kind == "invitation":
        email = _recorded(event, "email")
        return f"invitation to {email}" if email else "an invitation"
    if kind == "secret":  # target_id is "<environment>/<name>"; "*" for an import
        name, environment = _recorded(event, "name"), _recorded(event, "environment")
        if name:
            return f"secret {name} in {environment}"
        return f"secrets in {environment}" if environment else "secrets"
    if kind == "file":  # target_id is the file's id; its path is in before/after
        path = _recorded(event, "path")
        return f"file {path}" if path else "a file"
    if kind == "vault_collection":  # target_id is the collection's name
        return f"vault collection {event.target_id}"
    if kind == "vault_record":  # target_id is the record's token; never a value
        collection = _recorded(event, "collection")
        where = f" in {collection}" if collection else ""
        return f"vault record {event.target_id}{where}"
    if kind == "environment":
        name = _recorded(event, "name") or _recorded(event, "environment")
        return f"{name} environment" if name else "an environment"
    return kind.replace("_", " ")


# Feeds ----------------------------------------------------------------------------------------
# A feed reads table columns (a Core statement), one statement per scope and set of filters,
# built once; newest first (ids grow with every insert, so they order it without ties).

_E = AuditEvent.__table__.c
_EVENT_COLUMNS = (
    _E.id,
    type_coerce(_E.created_at, UtcTimestampText()).label("created_at"),
    _E.account_id,
    type_coerce(_E.workspace_id, UuidText()).label("workspace_id"),
    _E.actor_type,
    _E.actor_id,
    _E.actor_label,
    _E.action,
    _E.target_type,
    _E.target_id,
    _E.before,
    _E.after,
    _E.ip_address,
    _E.user_agent,
)
_EVENT_FIELDS = tuple(column.key for column in _EVENT_COLUMNS)
_EVENTS = TypeAdapter(list[AuditEventPublic])
FEED = keyset.Keyset("audit-events", sorts={"newest": None}, tiebreak=Key(_E.id, int))
AuditEventPage = Page[AuditEventPublic]
FILTER_MAX = 320


@lru_cache(maxsize=32)
def _feed_query(
    scope: str, by_actor: bool, by_action: bool, by_target: bool, since: bool, until: bool
):
    """A feed's statement (`scope` is workspace_id or account_id), built once per filters."""
    query = select(*_EVENT_COLUMNS).where(_E[scope] == bindparam("scope"))
    if by_actor:
        query = query.where(
            or_(
                _E.actor_id == bindparam("actor"),
                func.lower(_E.actor_label).like(bindparam("actor_label"), escape="/"),
            )
        )
    if by_action:
        query = query.where(_E.action.like(bindparam("action"), escape="/"))
    if by_target:
        query = query.where(
            _E.target_type == bindparam("target_type"), _E.target_id == bindparam("target_id")
        )
    if since:
        query = query.where(_E.created_at >= bindparam("since", type_=_E.created_at.type))
    if until:
        query = query.where(_E.created_at < bindparam("until", type_=_E.created_at.type))
    return query


def _like_escaped(text: str) -> str:
    """`text` as a literal part of a LIKE pattern (escape character "/")."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def feed(
    session: Session,
    scope: str,
    scope_id: Any,
    *,
    account_id: int,
    actor_filter: str | None = None,
    action_filter: str | None = None,
    target: tuple[str, str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[AuditEventPublic]:
    """A page of the audit feed of a workspace or an account (`scope`), newest first, its
    targets labelled. The caller has checked read access on the scope. `actor_filter` is an
    actor's id or part of their label, `action_filter` a prefix of the action code, `target`
    (type, id) one target's events, `since`/`until` a time range (until excluded)."""
    values: dict[str, Any] = {"scope": scope_id}
    who = clean_text(actor_filter, field="actor", max_length=FILTER_MAX)
    if who:
        values["actor"] = who
        values["actor_label"] = f"%{_like_escaped(who.lower())}%"
    what = clean_text(action_filter, field="action", max_length=FILTER_MAX)
    if what:
        values["action"] = f"{_like_escaped(what)}%"
    if target is not None:
        values["target_type"], values["target_id"] = target
    if since is not None:
        values["since"] = since
    if until is not None:
        values["until"] = until
    query = _feed_query(
        scope,
        "actor" in values,
        "action" in values,
        target is not None,
        since is not None,
        until is not None,
    )
    page = FEED.page(
        session,
        query,
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params=values,
    )
    items = _EVENTS.validate_python(
        [dict(zip(_EVENT_FIELDS, row, strict=False)) for row in page.rows]
    )
    items = label_targets(
        session,
        items,
        account_id=account_id,
        workspace_id=scope_id if scope == "workspace_id" else None,
    )
    return AuditEventPage(items=items, next_cursor=page.next_cursor)
