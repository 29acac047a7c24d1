"""Data-plane activity (API calls and end-user sign-ins) per app, environment, organization
and day: counted in memory and flushed in batches, never a database write per request.

`count(...)` adds to this process's tally under a lock (microseconds). `flush(session)` moves
the tally into `app_activity` (one upsert per app, environment, organization and day seen)
and moves `apps.last_active_at` and `organizations.last_active_at` forward: what makes an app
operating and an organization live. The worker flushes every few seconds
(portal/workers/activity.py) and when the app stops; a crash loses at most that many seconds
of counts, never a request.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from portal.models import App, AppActivity, Organization
from portal.models._base import utcnow


@dataclass(frozen=True)
class _Key:
    app_id: int
    environment: str
    organization_id: int | None
    day: date


@dataclass
class _Tally:
    api_calls: Counter
    sign_ins: Counter
    last_seen: dict  # (kind, id) -> the latest moment, kind "app" or "organization"


_lock = threading.Lock()
_tally = _Tally(Counter(), Counter(), {})


def count(
    *,
    app_id: int,
    environment: str,
    organization_id: int | None = None,
    api_calls: int = 0,
    sign_ins: int = 0,
    at: datetime | None = None,
) -> None:
    """Add to the tally (no database work)."""
    moment = at or utcnow()
    key = _Key(app_id, str(environment), organization_id, moment.date())
    with _lock:
        if api_calls:
            _tally.api_calls[key] += api_calls
        if sign_ins:
            _tally.sign_ins[key] += sign_ins
        # Only prod activity makes an app operating and an organization live: a call in dev or
        # staging is counted, but says nothing about customers.
        if str(environment) != "prod":
            return
        for seen in (("app", app_id), ("organization", organization_id)):
            if seen[1] is not None and _tally.last_seen.get(seen, moment) <= moment:
                _tally.last_seen[seen] = moment


def _take() -> _Tally:
    global _tally
    with _lock:
        taken, _tally = _tally, _Tally(Counter(), Counter(), {})
    return taken


def _give_back(taken: _Tally) -> None:
    """A flush that failed: its counts return to the tally for the next one."""
    with _lock:
        _tally.api_calls.update(taken.api_calls)
        _tally.sign_ins.update(taken.sign_ins)
        for seen, moment in taken.last_seen.items():
            if _tally.last_seen.get(seen, moment) <= moment:
                _tally.last_seen[seen] = moment


def pending() -> int:
    """How many distinct rows the next flush would write (for tests and the worker)."""
    with _lock:
        return len(set(_tally.api_calls) | set(_tally.sign_ins))


def flush(session: Session) -> int:
    """Write the tally in the caller's transaction; returns the rows written. Apps or
    organizations deleted meanwhile are skipped."""
    taken = _take()
    keys = set(taken.api_calls) | set(taken.sign_ins)
    if not keys:
        return 0
    try:
        written = _write(session, taken, keys)
    except BaseException:
        _give_back(taken)
        raise
    return written


def _write(session: Session, taken: _Tally, keys: set[_Key]) -> int:
    app_ids = {key.app_id for key in keys}
    org_ids = {key.organization_id for key in keys if key.organization_id is not None}
    alive_apps = set(session.execute(select(App.id).where(App.id.in_(app_ids))).scalars())
    # An organization counts only for its own app (an id counted for one app and reused by
    # another in the meantime must not make the other's organization live).
    org_owner = (
        dict(
            session.execute(
                select(Organization.id, Organization.app_id).where(Organization.id.in_(org_ids))
            ).all()
        )
        if org_ids
        else {}
    )
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = AppActivity.__table__
    written = 0
    for key in sorted(keys, key=lambda k: (k.app_id, k.environment, k.organization_id or 0, k.day)):
        if key.app_id not in alive_apps or (
            key.organization_id is not None and org_owner.get(key.organization_id) != key.app_id
        ):
            continue
        calls, sign_ins = taken.api_calls.get(key, 0), taken.sign_ins.get(key, 0)
        statement = insert(table).values(
            app_id=key.app_id,
            environment=key.environment,
            organization_id=key.organization_id,
            day=key.day,
            api_calls=calls,
            sign_ins=sign_ins,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[
                table.c.app_id,
                table.c.environment,
                table.c.day,
                text("coalesce(organization_id, 0)"),
            ],
            set_={
                "api_calls": table.c.api_calls + statement.excluded.api_calls,
                "sign_ins": table.c.sign_ins + statement.excluded.sign_ins,
            },
        )
        session.execute(statement)
        written += 1
    owners = {key.organization_id: key.app_id for key in keys if key.organization_id is not None}
    for (kind, ident), moment in taken.last_seen.items():
        model = App if kind == "app" else Organization
        if kind == "app" and ident not in alive_apps:
            continue
        if kind == "organization" and org_owner.get(ident) != owners.get(ident):
            continue
        column = model.__table__.c.last_active_at
        session.execute(
            update(model)
            .where(model.__table__.c.id == ident)
            .where((column.is_(None)) | (column < moment))
            .values(last_active_at=moment)
        )
    return written


def reset() -> None:
    """Forget the tally (tests)."""
    _take()
