"""The saga engine: recorded background processes made of named, idempotent steps.

A process (provisioning saga, export) is a row in `processes` with its `process_steps`.
Workers call `claim_next` to take one runnable process for a lease, then `run_claimed`, which
runs its due steps one by one, each in its own transaction:

- a step that raises is retried with exponential backoff (BACKOFF_BASE_SECONDS doubled per
  attempt, capped at BACKOFF_CAP_SECONDS); after MAX_ATTEMPTS the step and its process are
  failed with the cause, and the kind's failure hook runs (provisioning fails its environment);
- a step that raises `Paused` (e.g. its workspace is frozen) writes nothing and waits
  PAUSE_SECONDS without using up an attempt;
- a worker that dies mid-process leaves a stale lease (`claimed_until` in the past): the next
  worker resumes from the first unfinished step. Steps are idempotent, so rerunning the step
  that was running when the worker died is safe; finished steps are never rerun.

Step functions live in a registry, `STEPS[kind][step name]`, filled by the module of each kind
(provisioning, exports) when it is imported; tests swap entries to inject failures.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, or_, update
from sqlmodel import Session, col, select

from portal.db import transaction
from portal.domain.access import Action, Actor
from portal.domain.errors import Invalid, NotFound
from portal.domain.paging import Page, clamp_limit
from portal.domain.processes import (
    ProcessKind,
    ProcessPublic,
    ProcessStatus,
    ProcessStepPublic,
    duration_seconds,
)
from portal.models import Process, ProcessStep, Workspace
from portal.models._base import utcnow
from portal.services import audit, keyset, permissions

log = logging.getLogger("portal.processes")

# Tunables (module constants so tests can shrink them).
# How long a claim lasts; renewed before every step. A single step running longer than this
# could be picked up by a second worker: harmless, since steps are idempotent.
LEASE_SECONDS = 120.0
MAX_ATTEMPTS = 5  # tries of one step before it, and its process, fail
BACKOFF_BASE_SECONDS = 2.0  # wait after the first failure; doubles after each
BACKOFF_CAP_SECONDS = 300.0
PAUSE_SECONDS = 30.0  # how often a paused step (frozen workspace) looks again
ERROR_MAX_CHARS = 1000

RUNNABLE = (ProcessStatus.PENDING.value, ProcessStatus.RUNNING.value)

# The Process Log pages newest first: ids grow with every insert, so they order it without ties.
_LIST = keyset.Keyset(
    "processes", sorts={"newest": None}, tiebreak=keyset.Key(col(Process.id), int)
)
ProcessPage = Page[ProcessPublic]
UNFINISHED_STEP = (ProcessStatus.PENDING.value, ProcessStatus.RUNNING.value)


class Paused(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a step that must not write now (e.g. a frozen workspace). The step is
    rescheduled without using an attempt; `reason` is shown on the step meanwhile."""

    def __init__(self, reason: str, *, seconds: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seconds = seconds


@dataclass
class StepContext:
    """What a step function gets: the step's transaction and its rows."""

    session: Session
    process: Process
    step: ProcessStep
    now: datetime


StepFunction = Callable[[StepContext], None]

# kind -> step name -> function. Filled by the kind's module (see _KIND_MODULES).
STEPS: dict[str, dict[str, StepFunction]] = {}
# kind -> hook(session, process, step, error) run in the transaction that fails the process.
ON_FAILURE: dict[str, Callable[[Session, Process, ProcessStep, str], None]] = {}
# kind -> hook(session, process, step) run in the transaction that re-queues a failed one.
ON_RETRY: dict[str, Callable[[Session, Process, ProcessStep], None]] = {}

_KIND_MODULES = {
    ProcessKind.PROVISION.value: "portal.services.provisioning",
    ProcessKind.EXPORT.value: "portal.services.exports",
}


def _load_kind(kind: str) -> None:
    if kind not in STEPS and kind in _KIND_MODULES:
        importlib.import_module(_KIND_MODULES[kind])


def step_function(kind: str, name: str) -> StepFunction:
    _load_kind(kind)
    try:
        return STEPS[kind][name]
    except KeyError:
        raise LookupError(f"no step {name!r} for processes of kind {kind!r}") from None


def backoff_seconds(attempts: int) -> float:
    """Wait before the next try after `attempts` failed tries: 2, 4, 8, ... capped."""
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2 ** max(0, attempts - 1)))


def create(
    session: Session,
    *,
    kind: str,
    account_id: int,
    workspace_id: uuid.UUID | None,
    subject: str,
    steps: list[str],
) -> Process:
    """Record a pending process with its steps in the caller's transaction."""
    process = Process(
        account_id=account_id,
        workspace_id=workspace_id,
        kind=kind,
        status=ProcessStatus.PENDING.value,
        subject=subject[:200],
    )
    session.add(process)
    session.flush()
    for position, name in enumerate(steps):
        session.add(ProcessStep(process_id=process.id, position=position, name=name))
    session.flush()
    return process


# --- claiming ------------------------------------------------------------------------------


def _runnable(now: datetime):
    # Steps run in order, so only the first unfinished one can be waiting (backoff, pause);
    # the ones after it never carry a next_attempt_at.
    unfinished = exists().where(
        ProcessStep.process_id == Process.id, col(ProcessStep.status).in_(UNFINISHED_STEP)
    )
    waiting = exists().where(
        ProcessStep.process_id == Process.id,
        col(ProcessStep.status).in_(UNFINISHED_STEP),
        col(ProcessStep.next_attempt_at) > now,
    )
    free = or_(col(Process.claimed_until).is_(None), col(Process.claimed_until) < now)
    return and_(col(Process.status).in_(RUNNABLE), free, unfinished, ~waiting)


def claim_next(session: Session, *, now: datetime, worker_id: str) -> int | None:
    """Claim one runnable process for LEASE_SECONDS; the caller commits. Returns its id.

    Runnable: pending or running, not held by a live lease (a stale one means its worker
    stopped), with an unfinished step that is due. The claim is a compare-and-set UPDATE,
    so two workers never hold the same process.
    """
    candidates = session.exec(
        select(Process.id).where(_runnable(now)).order_by(col(Process.id)).limit(10)
    ).all()
    lease = now + timedelta(seconds=LEASE_SECONDS)
    for process_id in candidates:
        claimed = session.execute(
            update(Process)
            .where(col(Process.id) == process_id, _runnable(now))
            .values(claimed_until=lease)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            log.debug("%s claimed process %s until %s", worker_id, process_id, lease)
            return process_id
    return None


# --- running -------------------------------------------------------------------------------


def _progress(steps: list[ProcessStep]) -> int:
    if not steps:
        return 100
    done = sum(1 for step in steps if step.status == ProcessStatus.SUCCEEDED.value)
    return int(done * 100 / len(steps))


def steps_of(session: Session, process_id: int) -> list[ProcessStep]:
    """A process's steps in order."""
    return list(
        session.exec(
            select(ProcessStep)
            .where(ProcessStep.process_id == process_id)
            .order_by(col(ProcessStep.position))
        ).all()
    )


def _cause(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:ERROR_MAX_CHARS]


def _begin_step(process_id: int, position: int, now: datetime) -> bool:
    """Mark the step running (its own committed transaction) and renew the lease.
    False when the process vanished (purged) or is no longer runnable."""
    with transaction() as session:
        process = session.get(Process, process_id)
        if process is None or process.status not in RUNNABLE:
            return False
        step = session.exec(
            select(ProcessStep).where(
                ProcessStep.process_id == process_id, ProcessStep.position == position
            )
        ).one()
        process.status = ProcessStatus.RUNNING.value
        process.started_at = process.started_at or now
        process.claimed_until = now + timedelta(seconds=LEASE_SECONDS)
        step.status = ProcessStatus.RUNNING.value
        step.started_at = step.started_at or now
        step.attempts += 1
        step.next_attempt_at = None
        session.add_all([process, step])
    return True


def _finish_process(session: Session, process: Process, now: datetime) -> None:
    process.status = ProcessStatus.SUCCEEDED.value
    process.progress = 100
    process.finished_at = now
    process.claimed_until = None
    process.error = None
    session.add(process)


def _run_step(process_id: int, position: int, clock: Callable[[], datetime]) -> str:
    """Run one step; returns "succeeded", "paused", "retry" or "failed"."""
    try:
        with transaction() as session:
            process = session.get(Process, process_id)
            if process is None:
                return "gone"
            steps = steps_of(session, process_id)
            step = steps[position]
            now = clock()
            step_function(process.kind, step.name)(
                StepContext(session=session, process=process, step=step, now=now)
            )
            step.status = ProcessStatus.SUCCEEDED.value
            step.finished_at = clock()
            step.error = None
            step.next_attempt_at = None
            process.progress = _progress(steps)
            session.add_all([process, step])
            if all(s.status == ProcessStatus.SUCCEEDED.value for s in steps):
                _finish_process(session, process, step.finished_at)
        return "succeeded"
    except Paused as paused:
        return _pause_step(process_id, position, paused, clock())
    except Exception as exc:
        log.warning("process %s step %s failed: %s", process_id, position, _cause(exc))
        return _fail_step(process_id, position, _cause(exc), clock())


def _pause_step(process_id: int, position: int, paused: Paused, now: datetime) -> str:
    with transaction() as session:
        step = session.exec(
            select(ProcessStep).where(
                ProcessStep.process_id == process_id, ProcessStep.position == position
            )
        ).one_or_none()
        if step is None:
            return "gone"
        step.status = ProcessStatus.PENDING.value
        step.attempts = max(0, step.attempts - 1)  # waiting is not a failed try
        step.error = paused.reason[:ERROR_MAX_CHARS]
        wait = PAUSE_SECONDS if paused.seconds is None else paused.seconds
        step.next_attempt_at = now + timedelta(seconds=wait)
        session.add(step)
    return "paused"


def _fail_step(process_id: int, position: int, cause: str, now: datetime) -> str:
    with transaction() as session:
        process = session.get(Process, process_id)
        if process is None:
            return "gone"
        steps = steps_of(session, process_id)
        step = steps[position]
        step.error = cause
        if step.attempts < MAX_ATTEMPTS:
            step.status = ProcessStatus.PENDING.value
            step.next_attempt_at = now + timedelta(seconds=backoff_seconds(step.attempts))
            session.add(step)
            return "retry"
        step.status = ProcessStatus.FAILED.value
        step.finished_at = now
        step.next_attempt_at = None
        process.status = ProcessStatus.FAILED.value
        process.error = f"{step.name}: {cause}"[:ERROR_MAX_CHARS]
        process.finished_at = now
        process.claimed_until = None
        process.progress = _progress(steps)
        session.add_all([process, step])
        _load_kind(process.kind)
        hook = ON_FAILURE.get(process.kind)
        if hook is not None:
            hook(session, process, step, cause)
    return "failed"


def _release(process_id: int) -> None:
    with transaction() as session:
        process = session.get(Process, process_id)
        if process is not None:
            process.claimed_until = None
            session.add(process)


def run_claimed(process_id: int, *, clock: Callable[[], datetime] = utcnow) -> str | None:
    """Run the due steps of a claimed process, in order, each in its own transaction.

    Stops at the end (process succeeded), at a failure (retried later, or the process
    failed) or at a step that is not due yet (backoff, pause); then releases the lease so any
    worker can continue when the next step is due. Returns the process status, or None when
    the process is gone.
    """
    while True:
        with transaction() as session:
            process = session.get(Process, process_id)
            if process is None:
                return None
            if process.status not in RUNNABLE:
                return process.status
            steps = steps_of(session, process_id)
            step = next((s for s in steps if s.status != ProcessStatus.SUCCEEDED.value), None)
            now = clock()
            if step is None:  # nothing left (e.g. a process recorded without steps)
                _finish_process(session, process, now)
                return process.status
            if step.status == ProcessStatus.FAILED.value:
                return process.status
            if step.next_attempt_at is not None and step.next_attempt_at > now:
                process.claimed_until = None
                session.add(process)
                return process.status
            position = step.position
        if not _begin_step(process_id, position, now):
            return _status_of(process_id)
        outcome = _run_step(process_id, position, clock)
        if outcome == "gone":
            return None
        if outcome != "succeeded":
            _release(process_id)
            return _status_of(process_id)


def _status_of(process_id: int) -> str | None:
    with transaction() as session:
        process = session.get(Process, process_id)
        return process.status if process else None


# --- retry and the Process Log ---------------------------------------------------------------


def require_process(
    session: Session, actor: Actor, process_id: int, action: Action
) -> tuple[Process, Workspace]:
    """The process if the actor may do `action` (a workspace action) to its workspace;
    NotFound for anything the actor may not read (including account-level purge records)."""
    try:
        key = int(process_id)
    except (TypeError, ValueError):
        raise NotFound("Process not found.") from None
    process = session.get(Process, key)
    if process is None or process.workspace_id is None:
        raise NotFound("Process not found.")
    try:
        workspace = permissions.require(session, actor, action, process.workspace_id)
    except NotFound:
        raise NotFound("Process not found.") from None
    return process, workspace


def retry(*, session: Session, actor: Actor, process_id: int) -> ProcessPublic:
    """Re-queue a failed process from its failed step (administer on the workspace)."""
    process, workspace = require_process(session, actor, process_id, Action.RETRY_PROCESS)
    if process.status != ProcessStatus.FAILED.value:
        raise Invalid("Only a failed process can be retried.")
    if process.kind == ProcessKind.PROVISION.value:
        permissions.require_writable(workspace)  # re-provisioning writes to the workspace
    steps = steps_of(session, process.id)
    failed = [s for s in steps if s.status == ProcessStatus.FAILED.value]
    for step in failed:
        step.status = ProcessStatus.PENDING.value
        step.attempts = 0
        step.next_attempt_at = None
        step.finished_at = None
        step.error = None
        session.add(step)
    before = {"status": process.status, "error": process.error}
    process.status = ProcessStatus.PENDING.value
    process.error = None
    process.finished_at = None
    process.claimed_until = None
    session.add(process)
    _load_kind(process.kind)
    hook = ON_RETRY.get(process.kind)
    if hook is not None and failed:
        hook(session, process, failed[0])
    audit.record(
        session,
        actor=actor,
        action="process.retried",
        target_type="process",
        target_id=process.id,
        account_id=process.account_id,
        workspace_id=process.workspace_id,
        before=before,
        after={"status": process.status, "kind": process.kind},
    )
    session.flush()
    return to_public(process, steps)


def to_public(process: Process, steps: list[ProcessStep]) -> ProcessPublic:
    result: dict[str, Any] = process.result or {}
    counts = result.get("counts")
    return ProcessPublic(
        id=process.id,
        kind=process.kind,
        status=process.status,
        subject=process.subject,
        account_id=process.account_id,
        workspace_id=str(process.workspace_id) if process.workspace_id else None,
        progress=process.progress,
        error=process.error,
        created_at=process.created_at,
        started_at=process.started_at,
        finished_at=process.finished_at,
        duration_seconds=duration_seconds(process.started_at, process.finished_at),
        steps=[
            ProcessStepPublic(
                position=step.position,
                name=step.name,
                status=step.status,
                attempts=step.attempts,
                next_attempt_at=step.next_attempt_at,
                started_at=step.started_at,
                finished_at=step.finished_at,
                duration_seconds=duration_seconds(step.started_at, step.finished_at),
                error=step.error,
            )
            for step in steps
        ],
        counts=dict(counts) if isinstance(counts, dict) else None,
        can_retry=process.status == ProcessStatus.FAILED.value
        and process.kind != ProcessKind.PURGE.value,
        downloadable=process.kind == ProcessKind.EXPORT.value
        and process.status == ProcessStatus.SUCCEEDED.value
        and bool(result.get("archive")),
    )


def _choice(value: str | None, allowed: type, field: str) -> str | None:
    if value is None or value == "":
        return None
    options = [member.value for member in allowed]
    if value not in options:
        raise Invalid(f"{field} must be one of: {', '.join(options)}.", field=field)
    return value


def list_purges(
    *, session: Session, actor: Actor, account_id: int, limit: int | None = None
) -> list[ProcessPublic]:
    """Purge runs of the account's offboarded workspaces, newest first (read on the account).

    A purge's record outlives its workspace (workspace_id is null), so its Process Log entry
    lives with the account rather than with a workspace one could pick.
    """
    permissions.require(session, actor, Action.VIEW_ACCOUNT, account_id)
    rows = list(
        session.exec(
            select(Process)
            .where(Process.account_id == account_id, Process.kind == ProcessKind.PURGE.value)
            .order_by(col(Process.id).desc())
            .limit(clamp_limit(limit))
        ).all()
    )
    steps = {row.id: [] for row in rows}
    if rows:
        for step in session.exec(
            select(ProcessStep)
            .where(col(ProcessStep.process_id).in_(list(steps)))
            .order_by(col(ProcessStep.process_id), col(ProcessStep.position))
        ).all():
            steps[step.process_id].append(step)
    return [to_public(row, steps[row.id]) for row in rows]


@lru_cache(maxsize=4)
def _list_query(by_kind: bool, by_status: bool):
    """The Process Log's statement for one combination of filters, built once (the keyset
    pager keeps its ordered forms per statement)."""
    query = select(Process).where(col(Process.workspace_id) == bindparam("workspace"))
    if by_kind:
        query = query.where(col(Process.kind) == bindparam("kind"))
    if by_status:
        query = query.where(col(Process.status) == bindparam("status"))
    return query


def list_processes(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str | uuid.UUID,
    kind: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[ProcessPublic]:
    """The workspace's processes, newest first, each with its steps (read on the workspace)."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    kind = _choice(kind, ProcessKind, "kind")
    status = _choice(status, ProcessStatus, "status")
    values: dict[str, Any] = {"workspace": workspace.id}
    if kind:
        values["kind"] = kind
    if status:
        values["status"] = status
    page = _LIST.page(
        session,
        _list_query("kind" in values, "status" in values),
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params=values,
    )
    rows = [row for row, _key in page.rows]
    steps_by_process: dict[int, list[ProcessStep]] = {row.id: [] for row in rows}
    if rows:
        for step in session.exec(
            select(ProcessStep)
            .where(col(ProcessStep.process_id).in_(list(steps_by_process)))
            .order_by(col(ProcessStep.process_id), col(ProcessStep.position))
        ).all():
            steps_by_process[step.process_id].append(step)
    items = [to_public(row, steps_by_process[row.id]) for row in rows]
    return ProcessPage(items=items, next_cursor=page.next_cursor)


def get_process(*, session: Session, actor: Actor, process_id: int) -> ProcessPublic:
    """One process with its steps (read on its workspace); NotFound otherwise."""
    process, _workspace = require_process(session, actor, process_id, Action.VIEW_WORKSPACE)
    return to_public(process, steps_of(session, process.id))


def latest_for_workspace(
    *, session: Session, actor: Actor, workspace_id: str | uuid.UUID, kind: str
) -> ProcessPublic | None:
    """The newest process of `kind` in the workspace (e.g. the provisioning saga's progress
    on the detail page, the last export); None when there is none."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    kind = _choice(kind, ProcessKind, "kind")
    process = session.exec(
        select(Process)
        .where(Process.workspace_id == workspace.id, Process.kind == kind)
        .order_by(col(Process.id).desc())
        .limit(1)
    ).first()
    return to_public(process, steps_of(session, process.id)) if process else None
