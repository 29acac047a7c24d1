"""Secrets: versions, the matrix, reveal, .env import, permissions, freeze, and that no value
leaks into a list, an audit row, a log line, an error message or the database in clear."""

from __future__ import annotations

import base64
import logging
import os
import stat
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import select

from portal.domain.errors import Frozen, Invalid, NotFound, PermissionDenied
from portal.domain.secrets import SecretChange, SecretOrigin, parse_dotenv
from portal.domain.workspaces import WorkspaceStatus
from portal.models import AuditEvent, Secret, SecretVersion, Workspace, WorkspaceDataKey
from portal.services import envelope, workspace_secrets
from tests import factories

VALUE = "pa55-VALUE-that-must-never-leak-4e1d"
OTHER_VALUE = "another-VALUE-never-shown-9b2c"


@pytest.fixture
def tenant(db):
    """Alice administers the account of workspace `ws`; Reggie reads it; Bob is elsewhere."""
    alice = factories.make_user(db, name="Alice")
    account = factories.account_of(db, alice.id)
    reggie = factories.make_user(db, name="Reggie")
    factories.grant(db, reggie.id, account_id=account, permission="read")
    bob = factories.make_user(db, name="Bob")
    actors = {
        "alice": factories.actor_for(db, alice),
        "reggie": factories.actor_for(db, reggie),
        "bob": factories.actor_for(db, bob),
    }
    ws = factories.make_workspace(db, account, "Acme")
    db.commit()
    return actors, str(ws.id)


def _set(db, actor, ws, name="DATABASE_URL", value=VALUE, environment="prod"):
    return workspace_secrets.set_secret(
        session=db, actor=actor, workspace_id=ws, environment=environment, name=name, value=value
    )


def _reveal(db, actor, ws, name="DATABASE_URL", environment="prod", version=None):
    return workspace_secrets.reveal_secret(
        session=db,
        actor=actor,
        workspace_id=ws,
        environment=environment,
        name=name,
        version=version,
    )


def _everything_said(db, caplog, *results) -> str:
    """Every place a value must never appear: what services returned, the audit rows' before
    and after, log lines, and every column of the secrets tables (sealed, not in clear)."""
    events = db.exec(select(AuditEvent)).all()
    parts = [repr(result) for result in results]
    parts += [f"{e.action} {e.target_id} {e.before} {e.after}" for e in events]
    parts += [record.getMessage() for record in caplog.records]
    for table in ("secrets", "secret_versions", "workspace_data_keys"):
        parts += [repr(tuple(row)) for row in db.execute(text(f"SELECT * FROM {table}")).all()]  # noqa: S608
    return "\n".join(parts)


# Versions, reveal, rollback, copy, delete -----------------------------------------------------


def test_set_keeps_versions_and_reveal_returns_the_current_value(tenant, db, caplog):
    caplog.set_level(logging.DEBUG)
    actors, ws = tenant
    alice = actors["alice"]
    first = _set(db, alice, ws)
    assert (first.name, first.environment, first.version) == ("DATABASE_URL", "prod", 1)
    assert first.updated_by == alice.email
    second = _set(db, alice, ws, value=OTHER_VALUE)
    assert second.version == 2
    again = _set(db, alice, ws, value=OTHER_VALUE)  # the same value: no new version
    assert again.version == 2
    assert _reveal(db, alice, ws) == OTHER_VALUE
    assert _reveal(db, alice, ws, version=1) == VALUE

    versions = workspace_secrets.list_versions(
        session=db, actor=alice, workspace_id=ws, environment="prod", name="DATABASE_URL"
    )
    assert [(v.version, v.origin, v.current) for v in versions.items] == [
        (2, SecretOrigin.SET, True),
        (1, SecretOrigin.SET, False),
    ]
    listed = workspace_secrets.list_secrets(
        session=db, actor=alice, workspace_id=ws, environment="prod"
    )
    assert [s.name for s in listed.items] == ["DATABASE_URL"]
    db.commit()

    actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert actions == ["secret.created", "secret.updated", "secret.revealed", "secret.revealed"]
    revealed = db.exec(select(AuditEvent).where(AuditEvent.action == "secret.revealed")).first()
    assert revealed.after == {"name": "DATABASE_URL", "environment": "prod", "version": 2}
    said = _everything_said(db, caplog, first, second, versions, listed)
    assert VALUE not in said and OTHER_VALUE not in said
    assert "DATABASE_URL" in said  # the check looks where names are


def test_rollback_makes_an_old_value_current_as_a_new_version(tenant, db, caplog):
    actors, ws = tenant
    alice = actors["alice"]
    _set(db, alice, ws)
    _set(db, alice, ws, value=OTHER_VALUE)
    rolled = workspace_secrets.rollback_secret(
        session=db, actor=alice, workspace_id=ws, environment="prod", name="DATABASE_URL", version=1
    )
    assert rolled.version == 3
    assert _reveal(db, alice, ws) == VALUE
    versions = workspace_secrets.list_versions(
        session=db, actor=alice, workspace_id=ws, environment="prod", name="DATABASE_URL"
    )
    assert versions.items[0].origin is SecretOrigin.ROLLBACK
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "secret.rolled_back")).one()
    assert event.before == {"name": "DATABASE_URL", "environment": "prod", "version": 2}
    assert event.after == {
        "name": "DATABASE_URL",
        "environment": "prod",
        "version": 3,
        "from_version": 1,
    }
    for version, error in ((3, Invalid), (9, NotFound)):
        with pytest.raises(error) as refused:
            workspace_secrets.rollback_secret(
                session=db,
                actor=alice,
                workspace_id=ws,
                environment="prod",
                name="DATABASE_URL",
                version=version,
            )
        assert VALUE not in str(refused.value) and OTHER_VALUE not in str(refused.value)


def test_copy_to_another_environment_and_the_matrix(tenant, db, caplog):
    actors, ws = tenant
    alice = actors["alice"]
    _set(db, alice, ws, name="API_TOKEN", environment="dev")
    _set(db, alice, ws, name="ZED", environment="staging", value="z")
    copied = workspace_secrets.copy_secret(
        session=db,
        actor=alice,
        workspace_id=ws,
        environment="dev",
        name="API_TOKEN",
        to_environment="prod",
    )
    assert (copied.environment, copied.version) == ("prod", 1)
    assert _reveal(db, alice, ws, name="API_TOKEN") == VALUE
    with pytest.raises(Invalid) as same:
        workspace_secrets.copy_secret(
            session=db,
            actor=alice,
            workspace_id=ws,
            environment="dev",
            name="API_TOKEN",
            to_environment="dev",
        )
    assert same.value.field == "to_environment"

    first = workspace_secrets.list_secret_names(session=db, actor=alice, workspace_id=ws, limit=1)
    assert [row.name for row in first.items] == ["API_TOKEN"]
    assert [cell.environment for cell in first.items[0].environments] == ["dev", "prod"]
    assert first.items[0].updated_by == alice.email
    rest = workspace_secrets.list_secret_names(
        session=db, actor=alice, workspace_id=ws, limit=1, cursor=first.next_cursor
    )
    assert [row.name for row in rest.items] == ["ZED"] and rest.next_cursor is None
    assert [c.environment for c in rest.items[0].environments] == ["staging"]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "secret.copied")).one()
    assert event.after["from_environment"] == "dev" and event.target_id == "prod/API_TOKEN"
    assert VALUE not in _everything_said(db, caplog, first, rest, copied)


def test_delete_removes_the_secret_and_its_versions(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    _set(db, alice, ws)
    _set(db, alice, ws, value=OTHER_VALUE)
    workspace_secrets.delete_secret(
        session=db, actor=alice, workspace_id=ws, environment="prod", name="DATABASE_URL"
    )
    db.commit()
    assert db.exec(select(Secret)).all() == [] and db.exec(select(SecretVersion)).all() == []
    with pytest.raises(NotFound):
        _reveal(db, alice, ws)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "secret.deleted")).one()
    assert event.before == {"name": "DATABASE_URL", "environment": "prod", "version": 2}
    assert event.after is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("lower_case", "capital letters"),
        ("1ST", "not starting with a digit"),
        ("WITH-DASH", "capital letters"),
        ("", "Enter a name"),
        ("A" * 57, "at most 56"),
    ],
)
def test_names_are_checked_with_a_message_at_the_field(tenant, db, name, message):
    actors, ws = tenant
    with pytest.raises(Invalid) as refused:
        _set(db, actors["alice"], ws, name=name)
    assert refused.value.field == "name" and message in refused.value.message


def test_the_longest_name_is_audited_in_every_environment(tenant, db):
    """Its audit target, "<environment>/<name>", fits the audit's column (PostgreSQL refused a
    longer one where SQLite took it)."""
    actors, ws = tenant
    name = "A" * 56
    for environment in ("dev", "staging", "prod"):
        _set(db, actors["alice"], ws, name=name, environment=environment)
    db.commit()
    targets = db.exec(
        select(AuditEvent.target_id).where(AuditEvent.action == "secret.created")
    ).all()
    assert f"staging/{name}" in targets


def test_environment_and_value_are_checked(tenant, db):
    actors, ws = tenant
    with pytest.raises(Invalid) as refused:
        _set(db, actors["alice"], ws, environment="qa")
    assert refused.value.field == "environment"
    with pytest.raises(Invalid) as refused:
        _set(db, actors["alice"], ws, value="x" * (64 * 1024 + 1))
    assert refused.value.field == "value" and "65,536 characters" in refused.value.message
    assert "x" * 20 not in refused.value.message


# Encryption ------------------------------------------------------------------------------------


def test_a_ciphertext_copied_to_another_row_does_not_open(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    _set(db, alice, ws, name="SOURCE")
    _set(db, alice, ws, name="TARGET", value=OTHER_VALUE)
    _set(db, alice, ws, name="SOURCE", environment="dev", value=OTHER_VALUE)
    rows = {
        (secret.name, secret.environment): version
        for secret, version in db.exec(
            select(Secret, SecretVersion).where(SecretVersion.secret_id == Secret.id)
        ).all()
    }
    # Same workspace and key: only the row's identity (name, environment) differs.
    for target in (("TARGET", "prod"), ("SOURCE", "dev")):
        rows[target].value_sealed = rows[("SOURCE", "prod")].value_sealed
        db.add(rows[target])
        db.flush()
        with pytest.raises(envelope.Undecryptable) as broken:
            _reveal(db, alice, ws, name=target[0], environment=target[1])
        assert VALUE not in str(broken.value) and rows[target].value_sealed not in str(broken.value)
    assert _reveal(db, alice, ws, name="SOURCE") == VALUE  # the original still opens


def test_a_data_key_moved_to_another_workspace_does_not_open(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    _set(db, alice, ws)
    account = db.get(Workspace, uuid.UUID(ws)).account_id
    other = factories.make_workspace(db, account, "Other")
    _set(db, alice, str(other.id), value=OTHER_VALUE)
    keys = {row.workspace_id: row for row in db.exec(select(WorkspaceDataKey)).all()}
    keys[other.id].wrapped_key = keys[uuid.UUID(ws)].wrapped_key
    db.add(keys[other.id])
    db.flush()
    with pytest.raises(envelope.Undecryptable):
        _reveal(db, alice, str(other.id))


def test_the_key_file_is_generated_once_with_mode_0600(tenant, db):
    actors, ws = tenant
    path = envelope.key_file()
    assert not path.exists()
    _set(db, actors["alice"], ws)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    first = path.read_bytes()
    _set(db, actors["alice"], ws, name="SECOND")
    assert path.read_bytes() == first
    row = db.exec(select(WorkspaceDataKey)).one()
    assert row.master_key_id == envelope.read_key_file(path).id
    assert first.strip().decode() not in row.wrapped_key


def test_portal_master_key_is_used_when_set(tenant, db, monkeypatch):
    from portal.config import get_settings

    key = envelope.MasterKey(b"k" * 32)
    monkeypatch.setenv("PORTAL_MASTER_KEY", base64.b64encode(key.material).decode())
    get_settings.cache_clear()
    actors, ws = tenant
    _set(db, actors["alice"], ws)
    assert not envelope.key_file().exists()
    assert db.exec(select(WorkspaceDataKey)).one().master_key_id == key.id
    assert "k" * 32 not in repr(get_settings())


def test_a_lost_key_file_is_reported_not_replaced(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    _set(db, alice, ws)
    lost = envelope.read_key_file(envelope.key_file())
    envelope.key_file().unlink()
    with pytest.raises(envelope.KeyUnavailable) as missing:
        _reveal(db, alice, ws)
    assert f"master key {lost.id}" in str(missing.value)
    assert "restore the key file" in str(missing.value)
    account = db.get(Workspace, uuid.UUID(ws)).account_id
    other = str(factories.make_workspace(db, account, "Other").id)
    with pytest.raises(envelope.KeyUnavailable) as refused:  # no fresh key beside the lost one
        _set(db, alice, other)
    assert "restore it from a backup" in str(refused.value)
    assert not envelope.key_file().exists()
    envelope.write_key_file(envelope.key_file(), lost)  # the restore
    assert _reveal(db, alice, ws) == VALUE


# Rotation --------------------------------------------------------------------------------------


def _transaction_on(db):
    """envelope.rotate_master_key's `transaction`, on the test's database."""
    from portal.db import transaction

    db.commit()
    return transaction


def test_rotation_rewraps_every_data_key_and_values_still_open(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    account = db.get(Workspace, uuid.UUID(ws)).account_id
    other = str(factories.make_workspace(db, account, "Other").id)
    _set(db, alice, ws)
    _set(db, alice, other, value=OTHER_VALUE)
    old = envelope.read_key_file(envelope.key_file())
    sealed_before = sorted(v.value_sealed for v in db.exec(select(SecretVersion)).all())

    rotation = envelope.rotate_master_key(transaction=_transaction_on(db))

    assert rotation.rewrapped == 2 and rotation.old_key_id == old.id
    new = envelope.configured_master_key()
    assert new.id == rotation.new_key_id != old.id
    assert not envelope.next_key_file().exists()
    assert envelope.read_key_file(rotation.retired_file).id == old.id  # kept for backups
    db.expire_all()
    assert {row.master_key_id for row in db.exec(select(WorkspaceDataKey)).all()} == {new.id}
    # The secrets themselves were not touched, and still open.
    assert sorted(v.value_sealed for v in db.exec(select(SecretVersion)).all()) == sealed_before
    assert _reveal(db, alice, ws) == VALUE
    assert _reveal(db, alice, other) == OTHER_VALUE
    # Without the retired key, the data still opens: nothing is wrapped by it any more.
    rotation.retired_file.unlink()
    assert _reveal(db, alice, other) == OTHER_VALUE


def test_an_interrupted_rotation_loses_nothing_and_a_rerun_finishes_it(tenant, db, monkeypatch):
    actors, ws = tenant
    alice = actors["alice"]
    account = db.get(Workspace, uuid.UUID(ws)).account_id
    spaces = [ws] + [str(factories.make_workspace(db, account, f"W{i}").id) for i in range(2)]
    for number, space in enumerate(spaces):
        _set(db, alice, space, value=f"{VALUE}-{number}")
    old = envelope.configured_master_key()
    given = envelope.MasterKey(b"n" * 32)
    monkeypatch.setattr(envelope, "REWRAP_BATCH", 1)
    real_wrap = envelope.wrap
    calls = []

    def crash_on_the_second(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the operator's ^C, mid-batch
        return real_wrap(*args)

    monkeypatch.setattr(envelope, "wrap", crash_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        envelope.rotate_master_key(transaction=_transaction_on(db), new=given)
    monkeypatch.setattr(envelope, "wrap", real_wrap)

    # Mid-rotation: one data key under each master key; every value still opens.
    db.expire_all()
    wrapped_by = sorted(row.master_key_id for row in db.exec(select(WorkspaceDataKey)).all())
    assert wrapped_by == sorted([given.id, old.id, old.id])
    assert envelope.configured_master_key().id == old.id
    assert envelope.read_key_file(envelope.next_key_file()).id == given.id
    for number, space in enumerate(spaces):
        assert _reveal(db, alice, space) == f"{VALUE}-{number}"
    # A workspace's first secret meanwhile is wrapped with the new key.
    late = str(factories.make_workspace(db, account, "Late").id)
    _set(db, alice, late, value=OTHER_VALUE)
    db.commit()
    # Another key than the staged one is refused until this rotation is done.
    with pytest.raises(envelope.RotationRefused):
        envelope.rotate_master_key(
            transaction=_transaction_on(db), new=envelope.MasterKey(b"x" * 32)
        )

    rotation = envelope.rotate_master_key(transaction=_transaction_on(db))
    assert rotation.new_key_id == given.id and rotation.rewrapped == 2
    assert envelope.configured_master_key().id == given.id
    db.expire_all()
    assert {row.master_key_id for row in db.exec(select(WorkspaceDataKey)).all()} == {given.id}
    for number, space in enumerate(spaces):
        assert _reveal(db, alice, space) == f"{VALUE}-{number}"
    assert _reveal(db, alice, late) == OTHER_VALUE


def test_rotation_with_portal_master_key_leaves_the_new_key_pending(tenant, db, monkeypatch):
    from portal.config import get_settings

    old = envelope.MasterKey(b"o" * 32)
    monkeypatch.setenv("PORTAL_MASTER_KEY", base64.b64encode(old.material).decode())
    get_settings.cache_clear()
    actors, ws = tenant
    _set(db, actors["alice"], ws)
    with pytest.raises(envelope.RotationRefused):
        envelope.rotate_master_key(transaction=_transaction_on(db), new=old)
    rotation = envelope.rotate_master_key(transaction=_transaction_on(db))
    assert rotation.pending_file == envelope.next_key_file() and rotation.rewrapped == 1
    new = envelope.read_key_file(rotation.pending_file)
    assert _reveal(db, actors["alice"], ws) == VALUE  # through the pending file
    # The operator sets the new key and restarts: the data opens with it alone.
    monkeypatch.setenv("PORTAL_MASTER_KEY", base64.b64encode(new.material).decode())
    get_settings.cache_clear()
    rotation.pending_file.unlink()
    db.expire_all()
    assert _reveal(db, actors["alice"], ws) == VALUE


# Permissions and freeze -------------------------------------------------------------------


def test_another_account_gets_not_found_everywhere(tenant, db):
    actors, ws = tenant
    _set(db, actors["alice"], ws)
    bob = actors["bob"]
    common = {"session": db, "actor": bob, "workspace_id": ws}
    named = {**common, "environment": "prod", "name": "DATABASE_URL"}
    calls = [
        lambda: workspace_secrets.list_secrets(**common, environment="prod"),
        lambda: workspace_secrets.list_secret_names(**common),
        lambda: workspace_secrets.list_versions(**named),
        lambda: workspace_secrets.reveal_secret(**named),
        lambda: workspace_secrets.set_secret(**named, value="x"),
        lambda: workspace_secrets.delete_secret(**named),
        lambda: workspace_secrets.rollback_secret(**named, version=1),
        lambda: workspace_secrets.copy_secret(**named, to_environment="dev"),
        lambda: workspace_secrets.preview_dotenv(**common, environment="prod", text="A=1"),
        lambda: workspace_secrets.import_dotenv(**common, environment="prod", text="A=1"),
    ]
    for call in calls:
        with pytest.raises(NotFound) as refused:
            call()
        assert refused.value.message == "Workspace not found."


def test_a_reader_sees_names_but_cannot_reveal_or_write(tenant, db):
    actors, ws = tenant
    _set(db, actors["alice"], ws)
    reggie = actors["reggie"]
    named = {"session": db, "actor": reggie, "workspace_id": ws, "environment": "prod"}
    named["name"] = "DATABASE_URL"
    page = workspace_secrets.list_secrets(
        session=db, actor=reggie, workspace_id=ws, environment="prod"
    )
    assert [s.name for s in page.items] == ["DATABASE_URL"]
    assert workspace_secrets.list_versions(**named).items[0].version == 1
    for call in (
        lambda: workspace_secrets.reveal_secret(**named),
        lambda: workspace_secrets.set_secret(**named, value="x"),
        lambda: workspace_secrets.delete_secret(**named),
        lambda: workspace_secrets.rollback_secret(**named, version=1),
        lambda: workspace_secrets.copy_secret(**named, to_environment="dev"),
    ):
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert "administer" in refused.value.message
    with pytest.raises(PermissionDenied):  # the preview tells unchanged values apart
        workspace_secrets.preview_dotenv(
            session=db, actor=reggie, workspace_id=ws, environment="prod", text="A=1"
        )


def test_a_frozen_workspace_refuses_writes_but_reads_and_reveals(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    _set(db, alice, ws)
    row = db.get(Workspace, uuid.UUID(ws))
    row.status = WorkspaceStatus.FROZEN
    db.add(row)
    db.flush()
    named = {"session": db, "actor": alice, "workspace_id": ws, "environment": "prod"}
    named["name"] = "DATABASE_URL"
    for call in (
        lambda: workspace_secrets.set_secret(**named, value="x"),
        lambda: workspace_secrets.delete_secret(**named),
        lambda: workspace_secrets.rollback_secret(**named, version=1),
        lambda: workspace_secrets.copy_secret(**named, to_environment="dev"),
        lambda: workspace_secrets.import_dotenv(
            session=db, actor=alice, workspace_id=ws, environment="prod", text="A=1"
        ),
    ):
        with pytest.raises(Frozen):
            call()
    assert _reveal(db, alice, ws) == VALUE
    assert workspace_secrets.list_secret_names(session=db, actor=alice, workspace_id=ws).items


# .env ----------------------------------------------------------------------------------------


def test_the_dotenv_reader():
    parsed = parse_dotenv(
        "# a comment\n"
        "\n"
        "PLAIN=value # trailing comment\n"
        "export EXPORTED=yes\n"
        "SINGLE='lit#eral \\n'\n"
        'DOUBLE="a\\nb \\"q\\""  # ok\n'
        'MULTI="line one\n'
        'line two"\n'
        "EMPTY=\n"
        "URL=https://x.example/#anchor\n"
        "lower=1\n"
        "NO_EQUALS\n"
        "PLAIN=again\n"
        'OPEN="never closed\n'
    )
    values = {entry.name: (entry.line, entry.value) for entry in parsed.entries}
    assert values == {
        "PLAIN": (3, "value"),
        "EXPORTED": (4, "yes"),
        "SINGLE": (5, "lit#eral \\n"),
        "DOUBLE": (6, 'a\nb "q"'),
        "MULTI": (7, "line one\nline two"),
        "EMPTY": (9, ""),
        "URL": (10, "https://x.example/#anchor"),
    }
    errors = [(error.line, error.message) for error in parsed.errors]
    assert [line for line, _ in errors] == [11, 12, 13, 14]
    assert "capital letters" in errors[0][1]
    assert errors[1][1] == "Expected NAME=value."
    assert errors[2][1] == "PLAIN is set again (first on line 3)."
    assert "never closes" in errors[3][1]
    assert "x.example" not in repr(parsed.entries)  # a repr (or a traceback) hides values


def test_a_dotenv_block_is_previewed_then_applied(tenant, db, caplog):
    caplog.set_level(logging.DEBUG)
    actors, ws = tenant
    alice = actors["alice"]
    _set(db, alice, ws, name="KEEP")
    _set(db, alice, ws, name="CHANGE")
    block = f"KEEP={VALUE}\nCHANGE={OTHER_VALUE}\nexport NEW='{OTHER_VALUE}'\n"
    args = {"session": db, "actor": alice, "workspace_id": ws, "environment": "prod"}
    preview = workspace_secrets.preview_dotenv(**args, text=block)
    assert [(i.line, i.name, i.change) for i in preview.items] == [
        (1, "KEEP", SecretChange.UNCHANGED),
        (2, "CHANGE", SecretChange.UPDATED),
        (3, "NEW", SecretChange.CREATED),
    ]
    assert db.exec(select(SecretVersion)).all().__len__() == 2  # the preview changed nothing

    done = workspace_secrets.import_dotenv(**args, text=block)
    assert done == preview
    assert _reveal(db, alice, ws, name="CHANGE") == OTHER_VALUE
    assert _reveal(db, alice, ws, name="NEW") == OTHER_VALUE
    page = workspace_secrets.list_secrets(
        session=db, actor=alice, workspace_id=ws, environment="prod"
    )
    assert {(s.name, s.version) for s in page.items} == {("KEEP", 1), ("CHANGE", 2), ("NEW", 1)}
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "secret.imported")).one()
    assert event.after == {"environment": "prod", "created": ["NEW"], "updated": ["CHANGE"]}
    assert VALUE not in _everything_said(db, caplog, preview, done)
    assert OTHER_VALUE not in _everything_said(db, caplog, preview, done)


def test_a_dotenv_block_with_an_error_changes_nothing(tenant, db):
    actors, ws = tenant
    args = {"session": db, "actor": actors["alice"], "workspace_id": ws, "environment": "dev"}
    block = f"GOOD={VALUE}\nbad-name={VALUE}\n"
    preview = workspace_secrets.preview_dotenv(**args, text=block)
    assert [(e.line, VALUE in e.message) for e in preview.errors] == [(2, False)]
    with pytest.raises(Invalid) as refused:
        workspace_secrets.import_dotenv(**args, text=block)
    assert refused.value.field == "text" and refused.value.message.startswith("Line 2:")
    assert VALUE not in refused.value.message
    assert db.exec(select(Secret)).all() == []


def test_rotation_before_any_secret_is_refused_and_makes_no_key(db):
    with pytest.raises(envelope.RotationRefused) as refused:
        envelope.rotate_master_key(transaction=_transaction_on(db))
    assert "nothing to re-wrap" in str(refused.value)
    assert not envelope.key_file().exists() and not envelope.next_key_file().exists()
