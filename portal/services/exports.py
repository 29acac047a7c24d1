"""Workspace export: a versioned archive of everything in a workspace except secret values.

`start_export` records an export process; the process worker runs its steps, one per entity
(table) and then "write archive", so progress moves entity by entity. The archive is
`<data_dir>/exports/<process id>.zip`:

    manifest.json      {schema_version, portal_version, workspace_id, exported_at, counts}
    <entity>.jsonl     one JSON object per row, for every table that references the workspace
                       (directly, or through a row that does: process_steps via processes)

The entities are found from the table metadata, so a new table holding workspace data is
exported without a change here. Secret values never leave: a line holds only the columns its
model declares not secret (`__not_secret__`, portal/models/_base.py), so a column marked with
`secret_field` and a column nobody classified yet are both left out; tables in
EXCLUDED_TABLES (people's own records that merely point at the workspace) are not exported.

Files are in it as metadata (files.jsonl, file_versions.jsonl: path, size, content type,
SHA-256, who and when), not their content: an archive holds no binary data (a bytes column is
written as null), and a workspace's files can be gigabytes; their API downloads them.
"""

from __future__ import annotations

import json
import os
import shutil
import tomllib
import uuid
import zipfile
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Select, Table, or_, select
from sqlmodel import Session, SQLModel

from portal.config import ROOT, get_settings
from portal.domain.access import Action, Actor
from portal.domain.errors import NotFound
from portal.domain.processes import ProcessKind, ProcessStatus
from portal.models import Workspace
from portal.models._base import secret_columns
from portal.services import audit, permissions, processes

KIND = ProcessKind.EXPORT.value
SCHEMA_VERSION = 1
WRITE_ARCHIVE_STEP = "write archive"
_EXPORT_PREFIX = "export "

# Tables that point at a workspace without being its data: a user's picker choice, and
# their recent and pinned workspaces.
# A developer app's allowlist names workspaces it lets install it: the developer's record,
# not the workspace's (its installations are the workspace's, and are exported).
# An installed app's access tokens are short-lived credentials, not the workspace's data.
# The event outbox is a queue for the delivery worker, not a record: its rows go with the
# workspace (ON DELETE CASCADE) and are never archived; so are the deliveries made from it and
# their attempt logs (what receivers answered, kept for delivery health).
EXCLUDED_TABLES = frozenset(
    {
        "users",
        "workspace_picks",
        "app_visits",
        "developer_app_allowlist",
        "developer_tokens",
        "event_outbox",
        "webhook_deliveries",
        "webhook_attempts",
    }
)


def exported_columns(table: Table) -> list[Column]:
    """The columns an archive holds: those declared not secret (fail closed: a secret or an
    unclassified column is left out)."""
    classified = secret_columns(table)
    return [column for column in table.columns if classified[column.name] is False]


def exports_dir() -> Path:
    return get_settings().data_dir / "exports"


def archive_path(process_id: int) -> Path:
    return exports_dir() / f"{int(process_id)}.zip"


def _parts_dir(process_id: int) -> Path:
    return exports_dir() / f"{int(process_id)}.parts"


def remove_files(process_id: int) -> None:
    """Delete an export's archive and partial files (the purge calls this)."""
    archive_path(process_id).unlink(missing_ok=True)
    shutil.rmtree(_parts_dir(process_id), ignore_errors=True)


@lru_cache(maxsize=1)
def portal_version() -> str:
    try:
        return metadata.version("portal")
    except metadata.PackageNotFoundError:
        try:
            with open(ROOT / "pyproject.toml", "rb") as handle:
                return str(tomllib.load(handle)["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


# --- which rows belong to a workspace ----------------------------------------------------------


def _workspaces_table() -> Table:
    return SQLModel.metadata.tables[Workspace.__tablename__]


def entity_tables() -> list[Table]:
    """The workspaces table, then every table reachable from it through foreign keys
    pointing at an included table (parents before children)."""
    root = _workspaces_table()
    included: list[Table] = [root]
    names = {root.name}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in names or table.name in EXCLUDED_TABLES:
            continue
        if any(fk.column.table.name in names for fk in table.foreign_keys):
            included.append(table)
            names.add(table.name)
    return included


def workspace_rows(workspace_id: uuid.UUID) -> dict[str, Select]:
    """table name -> SELECT of that table's rows belonging to the workspace."""
    root = _workspaces_table()
    selections: dict[str, Select] = {root.name: select(root).where(root.c.id == workspace_id)}
    for table in entity_tables()[1:]:
        conditions = []
        for fk in table.foreign_keys:
            parent = fk.column.table
            if parent.name not in selections or parent is table:
                continue
            keys = selections[parent.name].with_only_columns(fk.column)
            conditions.append(fk.parent.in_(keys.scalar_subquery()))
        selections[table.name] = select(table).where(or_(*conditions))
    return selections


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None  # binary blobs are not exported
    return value


def _rows(session: Session, table: Table, query: Select) -> list[dict[str, Any]]:
    columns = exported_columns(table)
    ordered = query.with_only_columns(*columns).order_by(*table.primary_key.columns)
    return [
        {column.name: _json_value(value) for column, value in zip(columns, row, strict=True)}
        for row in session.execute(ordered).all()
    ]


# --- the process -----------------------------------------------------------------------------


def step_names() -> list[str]:
    return [f"{_EXPORT_PREFIX}{table.name}" for table in entity_tables()] + [WRITE_ARCHIVE_STEP]


def start_export(*, session: Session, actor: Actor, workspace_id: str | uuid.UUID) -> int:
    """Queue an export of the workspace (administer; allowed while frozen: it only reads).
    Returns the process id."""
    workspace = permissions.require(session, actor, Action.EXPORT_WORKSPACE, workspace_id)
    process = processes.create(
        session,
        kind=KIND,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        subject=workspace.name,
        steps=step_names(),
    )
    audit.record(
        session,
        actor=actor,
        action="workspace.export_started",
        target_type="workspace",
        target_id=workspace.id,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        after={"process_id": process.id},
    )
    session.flush()
    return process.id


def archive_for_download(*, session: Session, actor: Actor, process_id: int | str) -> Path:
    """The archive of a succeeded export (administer on its workspace); NotFound otherwise."""
    process, _workspace = processes.require_process(
        session, actor, process_id, Action.EXPORT_WORKSPACE
    )
    path = archive_path(process.id)
    if (
        process.kind != KIND
        or process.status != ProcessStatus.SUCCEEDED.value
        or not path.is_file()
    ):
        raise NotFound("Export not found.")
    return path


def _export_entity(table_name: str) -> processes.StepFunction:
    def export_entity(ctx: processes.StepContext) -> None:
        table = SQLModel.metadata.tables[table_name]
        query = workspace_rows(ctx.process.workspace_id)[table_name]
        rows = _rows(ctx.session, table, query)
        parts = _parts_dir(ctx.process.id)
        parts.mkdir(parents=True, exist_ok=True)
        target = parts / f"{table_name}.jsonl"
        temporary = target.with_suffix(".jsonl.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
                handle.write("\n")
        os.replace(temporary, target)  # a rerun rewrites the whole entity

    export_entity.__name__ = f"export_{table_name}"
    return export_entity


def _counts_from_parts(parts: Path, entities: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entity in entities:
        path = parts / f"{entity}.jsonl"
        if not path.is_file():
            raise RuntimeError(f"the {entity} part of the export is missing")
        with path.open("rb") as handle:
            counts[entity] = sum(1 for _line in handle)
    return counts


def write_archive(ctx: processes.StepContext) -> None:
    process = ctx.process
    target = archive_path(process.id)
    parts = _parts_dir(process.id)
    entities = [
        step.name.removeprefix(_EXPORT_PREFIX)
        for step in processes.steps_of(ctx.session, process.id)
        if step.name.startswith(_EXPORT_PREFIX)
    ]
    if parts.is_dir():
        counts = _counts_from_parts(parts, entities)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "portal_version": portal_version(),
            "workspace_id": str(process.workspace_id),
            "exported_at": ctx.now.isoformat(),
            "counts": counts,
        }
        temporary = target.with_suffix(".zip.tmp")
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
            for entity in entities:
                archive.write(parts / f"{entity}.jsonl", arcname=f"{entity}.jsonl")
        os.replace(temporary, target)
        shutil.rmtree(parts, ignore_errors=True)
    elif target.is_file():  # a rerun after the archive was written: read its manifest back
        with zipfile.ZipFile(target) as archive:
            manifest = json.loads(archive.read("manifest.json"))
    else:
        raise RuntimeError("the export's parts are missing; export again")
    process.result = {
        "archive": f"exports/{target.name}",
        "bytes": target.stat().st_size,
        "schema_version": manifest["schema_version"],
        "counts": manifest["counts"],
    }
    ctx.session.add(process)


processes.STEPS[KIND] = {
    **{f"{_EXPORT_PREFIX}{table.name}": _export_entity(table.name) for table in entity_tables()},
    WRITE_ARCHIVE_STEP: write_archive,
}
