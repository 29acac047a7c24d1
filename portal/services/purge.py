"""The purge at the end of the offboarding window: it deletes every row that references the
workspace, in every table, and records that it did on the account's audit feed.

Which rows: everything `exports.workspace_rows` finds (tables with a foreign key to the
workspace, and their children), deleted children first; columns that merely point at the
workspace with ON DELETE SET NULL (users.last_workspace_id, the picker's choice) are cleared;
then the workspace itself. Export archives of the workspace are deleted from disk too, and
the stored bytes of its files (data directory or S3 bucket) once the purge commits.

Audit rows are append-only: on PostgreSQL a trigger refuses DELETE unless the transaction set
`portal.audit_purge = on`, which only this purge does (and sets back off when done).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import Table, text, update
from sqlmodel import Session, SQLModel, col, select

from portal.domain.processes import ProcessKind, ProcessStatus
from portal.domain.workspaces import WorkspaceStatus
from portal.models import Process, ProcessStep, Workspace
from portal.services import audit, exports, files

log = logging.getLogger("portal.purge")

KIND = ProcessKind.PURGE.value
STEP = "delete workspace data"
BATCH = 10  # workspaces purged per call


def _set_null_columns() -> list[tuple[Table, str]]:
    """(table, column) pairs that reference workspaces.id with ON DELETE SET NULL."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if (
                fk.column.table.name == Workspace.__tablename__
                and (fk.ondelete or "").upper() == "SET NULL"
            ):
                found.append((table, fk.parent.name))
    return found


def _audit_purge(session: Session, on: bool) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL portal.audit_purge = '{'on' if on else 'off'}'"))


def _delete_everything(session: Session, workspace_id: uuid.UUID) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, column in _set_null_columns():
        result = session.execute(
            table.update().where(table.c[column] == workspace_id).values({column: None})
        )
        if result.rowcount:
            counts[f"{table.name}.{column} cleared"] = result.rowcount
    selections = exports.workspace_rows(workspace_id)
    workspaces_table = Workspace.__tablename__
    _audit_purge(session, True)
    try:
        for table in reversed(exports.entity_tables()):
            if table.name == workspaces_table:
                continue
            (key,) = table.primary_key.columns
            ids = selections[table.name].with_only_columns(key).scalar_subquery()
            result = session.execute(table.delete().where(key.in_(ids)))
            counts[table.name] = result.rowcount or 0
        root = SQLModel.metadata.tables[workspaces_table]
        counts[workspaces_table] = session.execute(
            root.delete().where(root.c.id == workspace_id)
        ).rowcount
    finally:
        _audit_purge(session, False)
    return counts


def purge_workspace(session: Session, *, workspace: Workspace, now: datetime) -> Process:
    """Delete the workspace and everything that references it; record a purge process and an
    account-level audit event. Runs in the caller's transaction."""
    workspace_id = workspace.id
    facts = {"id": str(workspace_id), "name": workspace.name, "slug": workspace.slug}
    account_id = workspace.account_id
    export_ids = session.exec(
        select(Process.id).where(
            Process.workspace_id == workspace_id, Process.kind == ProcessKind.EXPORT.value
        )
    ).all()
    if workspace in session:
        session.expunge(workspace)  # the bulk delete below removes its row
    counts = _delete_everything(session, workspace_id)
    process = Process(
        account_id=account_id,
        workspace_id=None,
        kind=KIND,
        status=ProcessStatus.SUCCEEDED.value,
        subject=f"{facts['name']} ({facts['slug']})"[:200],
        progress=100,
        result={"workspace": facts, "counts": counts},
        created_at=now,
        started_at=now,
        finished_at=now,
    )
    session.add(process)
    session.flush()
    session.add(
        ProcessStep(
            process_id=process.id,
            position=0,
            name=STEP,
            status=ProcessStatus.SUCCEEDED.value,
            attempts=1,
            started_at=now,
            finished_at=now,
        )
    )
    audit.record(
        session,
        actor=None,
        action="workspace.purged",
        target_type="workspace",
        target_id=workspace_id,
        account_id=account_id,
        workspace_id=None,
        after=facts,
    )
    session.flush()
    for export_id in export_ids:
        exports.remove_files(export_id)
    # The files' bytes (either store) go once the rows' deletion commits.
    files.delete_workspace_content_on_commit(session, workspace_id)
    log.info("purged workspace %s (%s): %s", facts["slug"], workspace_id, counts)
    return process


def purge_due(*, session: Session, now: datetime) -> list[str]:
    """Purge every offboarding workspace whose hard-delete window has ended; the caller
    commits. Returns the purged workspace ids."""
    due = session.exec(
        select(Workspace.id)
        .where(
            Workspace.status == WorkspaceStatus.OFFBOARDING,
            col(Workspace.purge_after).is_not(None),
            col(Workspace.purge_after) <= now,
        )
        .order_by(col(Workspace.purge_after))
        .limit(BATCH)
    ).all()
    purged: list[str] = []
    for workspace_id in due:
        # Compare-and-set: a restore that got there first wins; on PostgreSQL this also locks
        # the row until the purge commits.
        taken = session.execute(
            update(Workspace)
            .where(
                col(Workspace.id) == workspace_id,
                col(Workspace.status) == WorkspaceStatus.OFFBOARDING,
                col(Workspace.purge_after) <= now,
            )
            .values(status=WorkspaceStatus.DELETED)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            continue
        workspace = session.get(Workspace, workspace_id, populate_existing=True)
        purge_workspace(session, workspace=workspace, now=now)
        purged.append(str(workspace_id))
    return purged
