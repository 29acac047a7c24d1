"""Workspace export: the archive read back against the database, secrets left out, access."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, col, select

from portal.domain.errors import NotFound, PermissionDenied
from portal.domain.workspaces import WorkspaceStatus
from portal.models import (
    AppActivity,
    AuditEvent,
    EndUser,
    Environment,
    Invitation,
    Organization,
    OrganizationMember,
    PermissionGrant,
    Process,
    ProcessStep,
    Workspace,
)
from portal.models._base import SECRET, model_for, secret_columns, utcnow
from portal.services import (
    app_api_keys,
    exports,
    processes,
    vault,
    workspace_secrets,
    workspaces,
)
from tests import factories
from tests.services.processes_support import (
    Clock,
    failing,
    run_all,
    run_round,
    use_data_dir,
)

SECRET_VALUE = "second-export-value-b91c"
VAULT_VALUE = "vaulted-export-value@example.com"


@pytest.fixture
def exported(db, tmp_path, monkeypatch):
    """A provisioned workspace with a member, an invitation and a neighbour; not yet exported."""
    use_data_dir(monkeypatch, tmp_path / "data")
    actor, account_id = factories.admin_actor(db)
    workspace = factories.create_workspace(db, actor, account_id, "Exported")
    neighbour = factories.create_workspace(db, actor, account_id, "Neighbour")
    member = factories.make_user(db)
    factories.grant(db, member.id, workspace_id=workspace.id, permission="read")
    db.add(
        Invitation(
            account_id=account_id,
            workspace_id=workspace.id,
            email="invitee@example.com",
            permission="read",
            token_hash="f" * 64,
            expires_at=utcnow() + timedelta(days=7),
        )
    )
    # An app with what an app owns: each is exported, its key's hash is not.
    app = factories.make_app(db, actor, workspace.id, "Exported App")
    app_api_keys.create_key(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=app.slug, name="Key"
    )
    org = Organization(app_id=app.id, name="Globex")
    person = EndUser(app_id=app.id, email="ana@globex.example")
    db.add_all([org, person])
    db.flush()
    db.add(OrganizationMember(organization_id=org.id, end_user_id=person.id, role="admin"))
    db.add(AppActivity(app_id=app.id, organization_id=org.id, day=utcnow().date(), api_calls=3))
    for value in ("first-export-value-7f3a", SECRET_VALUE):  # two versions
        workspace_secrets.set_secret(
            session=db,
            actor=actor,
            workspace_id=str(workspace.id),
            environment="prod",
            name="EXPORTED_SECRET",
            value=value,
        )
    # A vault collection with one record: its token is exported, its values never.
    vault.create_collection(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        name="customers",
        fields=[{"name": "email", "type": "email", "searchable": True}],
    )
    vault.create_record(
        session=db,
        caller=actor,
        workspace_id=str(workspace.id),
        collection="customers",
        values={"email": VAULT_VALUE},
    )
    db.commit()
    run_all(Clock())
    return actor, workspace, neighbour, member


def _read(path):
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        entities = {
            name.removesuffix(".jsonl"): [
                json.loads(line) for line in archive.read(name).decode().splitlines()
            ]
            for name in archive.namelist()
            if name.endswith(".jsonl")
        }
    return manifest, entities


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_export_archive_reads_back_with_counts_matching_the_database(exported, db):
    actor, workspace, neighbour, _member = exported
    process_id = exports.start_export(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    run_all(Clock())

    path = exports.archive_for_download(session=db, actor=actor, process_id=process_id)
    assert path == exports.archive_path(process_id) and path.is_file()
    assert not (path.parent / f"{process_id}.parts").exists()
    manifest, entities = _read(path)

    assert manifest["schema_version"] == 1
    assert manifest["workspace_id"] == str(workspace.id)
    assert manifest["portal_version"]
    assert manifest["exported_at"]
    process_ids = select(Process.id).where(Process.workspace_id == workspace.id)
    expected = {
        "workspaces": 1,
        "environments": _count(db, Environment, Environment.workspace_id == workspace.id),
        "processes": _count(db, Process, Process.workspace_id == workspace.id),
        "process_steps": _count(db, ProcessStep, col(ProcessStep.process_id).in_(process_ids)),
        "audit_events": _count(db, AuditEvent, AuditEvent.workspace_id == workspace.id),
        "permission_grants": _count(
            db, PermissionGrant, PermissionGrant.workspace_id == workspace.id
        ),
        "invitations": _count(db, Invitation, Invitation.workspace_id == workspace.id),
        "apps": 1,
        "app_api_keys": 1,
        "organizations": 1,
        "end_users": 1,
        "organization_members": 1,
        "app_activity": 1,
        "end_user_tokens": 0,
        "webhook_endpoints": 0,
        "app_idempotency_records": 0,
        "developer_installations": 0,
        "secrets": 1,
        "secret_versions": 2,
        "workspace_data_keys": 1,
        "files": 0,
        "file_versions": 0,
        "vault_collections": 1,
        "vault_records": 1,
        "vault_blind_indexes": 1,
    }
    assert manifest["counts"] == expected
    assert {name: len(rows) for name, rows in entities.items()} == expected
    assert expected["environments"] == 3 and expected["processes"] == 2  # saga and export
    assert expected["permission_grants"] == 1 and expected["invitations"] == 1

    # Only this workspace's rows.
    assert entities["workspaces"][0]["id"] == str(workspace.id)
    assert {row["workspace_id"] for row in entities["environments"]} == {str(workspace.id)}
    assert str(neighbour.id) not in path.read_bytes().decode("latin-1")

    process = db.get(Process, process_id)
    db.refresh(process)
    assert process.status == "succeeded" and process.progress == 100
    assert process.result["counts"] == expected
    public = processes.get_process(session=db, actor=actor, process_id=process_id)
    assert public.downloadable and public.counts == expected


def test_no_secret_ever_reaches_an_archive(exported, db):
    actor, workspace, _neighbour, _member = exported
    process_id = exports.start_export(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    run_all(Clock())
    path = exports.archive_for_download(session=db, actor=actor, process_id=process_id)
    _manifest, entities = _read(path)

    keys = {key for rows in entities.values() for row in rows for key in row}
    assert "token_hash" not in keys and "password_hash" not in keys
    for entity, rows in entities.items():
        classified = secret_columns(SQLModel.metadata.tables[entity])
        assert {key: classified[key] for row in rows for key in row if classified[key]} == {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            for line in archive.read(name).decode().splitlines():
                assert "token_hash" not in line and "password_hash" not in line
    assert ("f" * 64) not in path.read_bytes().decode("latin-1")
    assert entities["invitations"][0]["email"] == "invitee@example.com"  # the rest is there
    # Secrets: names and metadata, never a value, a sealed value or a wrapped data key.
    assert [(row["name"], row["environment"], row["version"]) for row in entities["secrets"]] == [
        ("EXPORTED_SECRET", "prod", 2)
    ]
    assert {row["version"] for row in entities["secret_versions"]} == {1, 2}
    assert "value_sealed" not in keys and "wrapped_key" not in keys
    with zipfile.ZipFile(path) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
    for value in (SECRET_VALUE, "first-export-value-7f3a", "v1:"):
        assert value.encode() not in everything
    # The vault: the collection's schema and the record's token, never a value or a digest.
    assert [row["name"] for row in entities["vault_collections"]] == ["customers"]
    assert entities["vault_records"][0]["token"].startswith("tok_")
    assert "values_sealed" not in keys and "digest" not in keys
    for value in (VAULT_VALUE, VAULT_VALUE.split("@")[0]):
        assert value.encode() not in everything


def test_every_column_of_every_table_is_classified():
    """A new column must say whether it holds a secret before any export can carry it."""
    unclassified = [
        f"{table.name}.{name}"
        for table in SQLModel.metadata.sorted_tables
        for name, secret in secret_columns(table).items()
        if secret is None
    ]
    assert unclassified == [], (
        f"Unclassified columns: {', '.join(unclassified)}. Declare each one in its model "
        "(portal/models/): a secret (the hash of a password or token, key material, an "
        "encrypted value, anything that lets its reader act as someone) with "
        "`secret_field(...)` from portal.models._base instead of `Field(...)`; any other "
        "column by adding its name to the class's `__not_secret__`."
    )


def test_classifications_name_real_columns_and_never_both():
    for table in SQLModel.metadata.sorted_tables:
        model = model_for(table)
        declared = set(model.__not_secret__)
        columns = {column.name for column in table.columns}
        assert declared <= columns, f"{model.__name__}.__not_secret__ names no column: " + (
            ", ".join(sorted(declared - columns))
        )
        secrets = {column.name for column in table.columns if column.info.get(SECRET)}
        assert declared & secrets == set(), f"{table.name}: both secret and not secret"


# Columns whose name sounds secret but whose value is not, each with the reason.
_NOT_SECRET_DESPITE_THE_NAME = {
    # SHA-256 of a request body, to tell a replayed request from a different one.
    "idempotency_records.request_hash",
    # The client's Idempotency-Key header: a request id it chose, not a credential.
    "idempotency_records.key",
    "app_idempotency_records.key",
    # An app's password policy and which sign-in methods it offers: settings, not passwords.
    "apps.password_enabled",
    "apps.password_min_length",
    "apps.password_require_uppercase",
    "apps.password_require_lowercase",
    "apps.password_require_digit",
    "apps.password_require_symbol",
    # A vault record's token: what the customer's product keeps in place of the values. It
    # opens nothing without a key or token that may reveal, and the export is where a customer
    # finds which tokens they hold.
    "vault_records.token",
}


def test_columns_named_like_secrets_are_marked_secret():
    """A second guard against a hash or key classified as not secret by mistake."""
    suspicious = {
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if any(word in column.name for word in ("hash", "secret", "password", "token", "key"))
        and not column.name.endswith(("_at", "_id", "_prefix"))
    }
    assert {"users.password_hash", "sessions.token_hash"} <= suspicious  # the filter sees them
    marked = {
        f"{table.name}.{name}"
        for table in SQLModel.metadata.sorted_tables
        for name, secret in secret_columns(table).items()
        if secret
    }
    assert suspicious - marked - _NOT_SECRET_DESPITE_THE_NAME == set()
    assert "sent_emails.body" in marked  # reset and invitation links carry live tokens
    assert "users" in exports.EXCLUDED_TABLES  # people's records are not workspace data


def test_an_export_holds_only_columns_declared_not_secret(monkeypatch):
    invitations = SQLModel.metadata.tables[Invitation.__tablename__]
    names = [column.name for column in exports.exported_columns(invitations)]
    assert "token_hash" not in names and {"id", "email", "workspace_id"} <= set(names)

    # Fail closed: a column nobody classified is left out, not exported.
    unclassified = tuple(name for name in Invitation.__not_secret__ if name != "email")
    monkeypatch.setattr(Invitation, "__not_secret__", unclassified)
    assert secret_columns(invitations)["email"] is None
    names = [column.name for column in exports.exported_columns(invitations)]
    assert "email" not in names and "id" in names


def test_progress_moves_entity_by_entity_and_a_failed_write_is_retried(exported, db, monkeypatch):
    actor, workspace, _neighbour, _member = exported
    monkeypatch.setattr(processes, "BACKOFF_BASE_SECONDS", 0.0)
    step, calls = failing(processes.step_function("export", "write archive"), 1)
    monkeypatch.setitem(processes.STEPS["export"], "write archive", step)
    process_id = exports.start_export(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    clock = Clock()

    run_round(clock)
    db.expire_all()
    process = db.get(Process, process_id)
    total = len(exports.step_names())
    assert process.status == "running"
    assert process.progress == int((total - 1) * 100 / total)
    with pytest.raises(NotFound):
        exports.archive_for_download(session=db, actor=actor, process_id=process_id)

    run_all(clock)
    db.expire_all()
    assert db.get(Process, process_id).status == "succeeded"
    assert len(calls) == 2
    manifest, _entities = _read(exports.archive_path(process_id))
    assert manifest["counts"]["environments"] == 3


def test_write_archive_rerun_after_the_archive_was_written_is_harmless(exported, db):
    actor, workspace, *_ = exported
    process_id = exports.start_export(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    run_all(Clock())
    process = db.get(Process, process_id)
    db.refresh(process)
    step = processes.steps_of(db, process_id)[-1]
    exports.write_archive(
        processes.StepContext(session=db, process=process, step=step, now=utcnow())
    )
    assert process.result["counts"]["workspaces"] == 1


def test_export_needs_administer_and_works_on_a_frozen_workspace(exported, db):
    actor, workspace, _neighbour, member = exported
    reader = factories.actor_for(db, member)
    outsider = factories.actor_for(db, factories.make_user(db))
    with pytest.raises(PermissionDenied, match="administer"):
        exports.start_export(session=db, actor=reader, workspace_id=str(workspace.id))
    with pytest.raises(NotFound):
        exports.start_export(session=db, actor=outsider, workspace_id=str(workspace.id))

    workspaces.freeze(session=db, actor=actor, workspace_id=str(workspace.id))
    process_id = exports.start_export(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "workspace.export_started")).one()
    assert event.after == {"process_id": process_id}
    run_all(Clock())
    db.expire_all()
    assert db.get(Workspace, workspace.id).status == WorkspaceStatus.FROZEN
    assert exports.archive_for_download(session=db, actor=actor, process_id=process_id).is_file()

    with pytest.raises(PermissionDenied):
        exports.archive_for_download(session=db, actor=reader, process_id=process_id)
    with pytest.raises(NotFound):
        exports.archive_for_download(session=db, actor=outsider, process_id=process_id)
    saga = db.exec(
        select(Process.id).where(Process.workspace_id == workspace.id, Process.kind == "provision")
    ).one()
    with pytest.raises(NotFound):  # not an export
        exports.archive_for_download(session=db, actor=actor, process_id=saga)
    with pytest.raises(NotFound):
        exports.archive_for_download(session=db, actor=actor, process_id=123456)
