"""The Secrets page state: the matrix in typed rows, add with the name's message at the field,
versions with edit and roll back, reveal that keeps the value out of every state, copy,
delete, a .env block previewed before it applies; a reader, a frozen workspace and another
account's forged calls refused."""

from __future__ import annotations

import json
import uuid

import pytest

from portal.db import transaction
from portal.domain.workspaces import WorkspaceStatus
from portal.models import Workspace
from portal.pages.workspaces.secrets import (
    REVEAL_BOX,
    PickedSecretsState,
    SecretMatrixRow,
    SecretsState,
)
from portal.services import workspace_secrets, workspaces
from tests.conftest import from_snapshot
from tests.factories import account_of, grant, make_workspace
from tests.state.support import database_snapshot, every_state, redirect_path, run, toasts

VALUE = "s3cret-VALUE-kept-in-no-state-7f1a"


def _set(actor, ws, name, value, environment="prod"):
    with transaction() as session:
        workspace_secrets.set_secret(
            session=session,
            actor=actor,
            workspace_id=ws,
            environment=environment,
            name=name,
            value=value,
        )


@pytest.fixture
def site(db, person, browse):
    """Ada administers workspace Vault with two secrets; Rex reads it; Eve is elsewhere."""
    made = from_snapshot(db, "secrets-site", lambda: _site(db, person))
    tokens = made.pop("tokens")
    return {**made, **{who: browse(made["path"], token=tokens[who]) for who in tokens}}


def _site(db, person) -> dict:
    ada, ada_token, ada_actor = person(name="Ada", account_name="Ada Co")
    account = account_of(db, ada.id)
    ws = str(make_workspace(db, account, name="Vault").id)
    rex, rex_token, _ = person(name="Rex")
    grant(db, rex.id, account_id=account, permission="read")
    _, eve_token, eve_actor = person(name="Eve", account_name="Eve Co")
    eve_ws = str(make_workspace(db, account_of(db, eve_actor.user_id), name="Eve's").id)
    db.commit()
    _set(ada_actor, ws, "DATABASE_URL", VALUE)
    _set(ada_actor, ws, "API_KEY", "key-one", environment="dev")
    path = f"/workspaces/{ws}/secrets"
    return {
        "ws": ws,
        "eve_ws": eve_ws,
        "path": path,
        "tokens": {"ada": ada_token, "rex": rex_token, "eve": eve_token},
        "ada_token": ada_token,
        "actor": ada_actor,
    }


def _loaded(client) -> SecretsState:
    state = client.state(SecretsState)
    run(state.load)
    return state


def _scripts(events) -> list[str]:
    return [str(e.payload.get("javascript_code", "")) for e in events if e.name == "_call_script"]


def _persisted(client):
    """Every byte Reflex would keep of this tab (each state serialized) and the delta."""
    for state in every_state(client):
        yield state._serialize()
    yield repr(client.root.dict()).encode()


def test_the_matrix_has_a_row_per_name_and_a_column_per_environment(site):
    state = _loaded(site["ada"])
    assert state.found and state.workspace_name == "Vault"
    assert state.can_administer and state.read_only == ""
    assert [row.name for row in state.rows] == ["API_KEY", "DATABASE_URL"]
    row = state.rows[1]
    assert isinstance(row, SecretMatrixRow)
    assert [(c.environment, c.present, c.version) for c in row.cells] == [
        ("dev", False, 0),
        ("staging", False, 0),
        ("prod", True, 1),
    ]
    assert row.updated_by == site["actor"].email and row.updated_at.endswith("Z")
    assert (state.pager_page["secrets"], state.pager_has_next["secrets"]) == (1, False)
    # The pick follows the page.
    with transaction() as session:
        assert workspaces.last_workspace(session=session, actor=site["actor"]) == site["ws"]


def test_add_shows_the_name_rule_at_the_field_then_saves(site):
    state = _loaded(site["ada"])
    run(state.start_add, "", "staging")
    assert state.add_open and state.add_environment == "staging"
    run(state.add_secret, {"name": "lower-case", "value": "x", "environment": "staging"})
    assert "capital letters" in state.add_errors["name"]
    assert state.add_open  # kept open with what was typed
    run(state.add_secret, {"name": "STRIPE_KEY", "value": "", "environment": "moon"})
    assert "environment" in state.add_errors
    events = run(state.add_secret, {"name": "STRIPE_KEY", "value": "sk", "environment": "staging"})
    assert not state.add_open and state.add_errors == {}
    assert toasts(events) == [("success", "STRIPE_KEY saved in staging (version 1).")]
    row = next(r for r in state.rows if r.name == "STRIPE_KEY")
    assert [c.present for c in row.cells] == [False, True, False]


def test_edit_keeps_versions_and_rolls_back_an_earlier_one(site):
    state = _loaded(site["ada"])
    run(state.open_secret, "DATABASE_URL", "prod")
    assert state.detail_open and state.detail_version == 1
    assert state.copy_targets == ["dev", "staging"]
    run(state.save_value, {"value": "second value"})
    assert state.detail_version == 2
    assert [(v.version, v.current) for v in state.versions] == [(2, True), (1, False)]
    run(state.save_value, {"value": "second value"})  # the same value: no new version
    assert "nothing changed" in state.detail_errors["value"]
    events = run(state.rollback, 1)
    assert any("rolled back" in message for _, message in toasts(events))
    assert state.detail_version == 3 and state.versions[0].origin == "rollback"
    with transaction() as session:
        assert (
            workspace_secrets.reveal_secret(
                session=session,
                actor=site["actor"],
                workspace_id=site["ws"],
                environment="prod",
                name="DATABASE_URL",
            )
            == VALUE
        )
    run(state.rollback, "not a number")
    assert state.detail_version == 3  # refused (NotFound), nothing changed


def test_a_revealed_value_goes_out_in_the_script_and_into_no_state(site):
    client = site["ada"]
    state = _loaded(client)
    run(state.open_secret, "DATABASE_URL", "prod")
    events = run(state.reveal)
    [script] = _scripts(events)
    assert json.dumps(VALUE) in script and REVEAL_BOX in script
    assert "setTimeout(hide, seconds * 1000)" in script and script.endswith(", 30)")
    for blob in _persisted(client):
        assert VALUE.encode() not in blob
    # A write hides a value shown before (it would be stale).
    events = run(state.save_value, {"value": "newer"})
    assert any("replaceChildren()" in s and VALUE not in s for s in _scripts(events))
    for blob in _persisted(client):
        assert b"newer" not in blob


def test_copy_and_delete(site):
    state = _loaded(site["ada"])
    run(state.open_secret, "DATABASE_URL", "prod")
    run(state.copy_secret, {"to_environment": "prod"})
    assert "another environment" in state.detail_errors["to_environment"]
    run(state.copy_secret, {"to_environment": "dev"})
    row = next(r for r in state.rows if r.name == "DATABASE_URL")
    assert [c.present for c in row.cells] == [True, False, True]
    events = run(state.delete_secret)
    assert toasts(events) == [("success", "DATABASE_URL deleted from prod.")]
    assert not state.detail_open
    row = next(r for r in state.rows if r.name == "DATABASE_URL")
    assert [c.present for c in row.cells] == [True, False, False]


def test_a_pasted_block_is_previewed_then_applied_as_previewed(site):
    client = site["ada"]
    state = _loaded(client)
    run(state.set_paste_open, True)
    block = f"DATABASE_URL={VALUE}\nNEW_ONE=fresh-value-123\nAPI_KEY=changed\n"
    run(state.paste, {"environment": "prod", "text": block + "9BAD=x\n"})
    assert [(e.line, "9BAD" in e.message) for e in state.preview_errors] == [(4, True)]
    assert not state.preview_ready
    run(state.paste, {"environment": "prod", "text": block})
    assert [(i.name, i.change) for i in state.preview_items] == [
        ("DATABASE_URL", "unchanged"),
        ("NEW_ONE", "created"),
        ("API_KEY", "created"),  # set in dev, not in prod
    ]
    assert state.preview_ready and "2 created, 1 unchanged" in state.preview_summary
    for blob in _persisted(client):
        assert b"fresh-value-123" not in blob
    # Edited after the preview: previewed again, not applied.
    stored = database_snapshot()
    run(state.paste, {"environment": "prod", "text": block + "ANOTHER=1\n"})
    assert database_snapshot() == stored
    assert [i.name for i in state.preview_items][-1] == "ANOTHER"
    events = run(state.paste, {"environment": "prod", "text": block + "ANOTHER=1\n"})
    assert toasts(events) == [("success", "Applied to prod: 3 created, 1 unchanged.")]
    assert not state.paste_open and state.preview_items == []
    names = {r.name: [c.present for c in r.cells] for r in state.rows}
    assert names["NEW_ONE"] == [False, False, True] and names["API_KEY"] == [True, False, True]


def test_a_reader_sees_the_matrix_and_is_refused_every_write_and_reveal(site):
    client = site["rex"]
    state = _loaded(client)
    assert [row.name for row in state.rows] == ["API_KEY", "DATABASE_URL"]
    assert not state.can_administer and not state.can_write
    run(state.open_secret, "DATABASE_URL", "prod")  # versions are metadata: readable
    assert state.detail_open and state.versions[0].version == 1
    stored = database_snapshot(ignore=("sessions",))
    events = run(state.reveal)
    assert _scripts(events) == []
    assert "administer" in toasts(events)[0][1]
    run(state.save_value, {"value": "rex was here"})
    assert "administer" in state.detail_errors["value"]
    for refused in (
        run(state.rollback, 1),
        run(state.delete_secret),
    ):
        assert "administer" in toasts(refused)[0][1]
    run(state.add_secret, {"name": "REX", "value": "x", "environment": "dev"})
    assert "administer" in state.add_errors["name"]
    run(state.paste, {"environment": "dev", "text": "REX=1"})
    assert "administer" in state.paste_errors["text"]
    assert database_snapshot(ignore=("sessions",)) == stored


def test_a_frozen_workspace_reads_and_reveals_but_refuses_writes(db, site):
    with transaction() as session:
        row = session.get(Workspace, uuid.UUID(site["ws"]))
        row.status = WorkspaceStatus.FROZEN
        session.add(row)
    state = _loaded(site["ada"])
    assert "frozen" in state.read_only and state.can_administer and not state.can_write
    run(state.open_secret, "DATABASE_URL", "prod")
    assert VALUE in _scripts(run(state.reveal))[0]
    run(state.save_value, {"value": "thawed"})
    assert "frozen" in state.detail_errors["value"]
    assert "frozen" in toasts(run(state.delete_secret))[0][1]
    run(state.add_secret, {"name": "NEW", "value": "x", "environment": "dev"})
    assert "frozen" in state.add_errors["name"]
    assert state.versions[0].version == 1


def test_another_account_finds_nothing_and_forged_calls_change_nothing(site):
    client = site["eve"]
    state = _loaded(client)
    assert not state.found and state.rows == []
    stored = database_snapshot(ignore=("sessions",))
    events = run(state.open_secret, "DATABASE_URL", "prod")
    assert toasts(events) == [("error", "Workspace not found.")]
    assert not state.detail_open and state.detail_name == ""
    # The handlers act on the URL's workspace with whatever name a forged client got in.
    state.detail_name, state.detail_environment = "DATABASE_URL", "prod"
    for handler, args in (
        (state.reveal, ()),
        (state.rollback, (1,)),
        (state.delete_secret, ()),
        (state.save_value, ({"value": "eve"},)),
        (state.copy_secret, ({"to_environment": "dev"},)),
        (state.add_secret, ({"name": "EVE", "value": "x", "environment": "dev"},)),
        (state.paste, ({"environment": "prod", "text": "DATABASE_URL=eve"},)),
        (state.next_page, ("versions",)),
        (state.start_add, ("EVE", "mars")),
    ):
        events = run(handler, *args)
        assert _scripts(events) == []
    assert state.detail_errors == {"to_environment": "Workspace not found."}
    assert state.add_environment == "dev"  # an unknown environment is not taken
    assert database_snapshot(ignore=("sessions",)) == stored


def test_forged_names_and_environments_are_refused_by_the_service(site):
    state = _loaded(site["ada"])
    for name, environment in (("../etc/passwd", "prod"), ("DATABASE_URL", "moon"), (5, None)):
        events = run(state.open_secret, name, environment)
        assert toasts(events) and toasts(events)[0][0] == "error"
        assert not state.detail_open and state.detail_name == ""


def test_the_picked_secrets_page_redirects_to_the_pick(db, site, browse):
    with transaction() as session:
        workspaces.remember_workspace(session=session, actor=site["actor"], workspace_id=site["ws"])
    state = browse("/secrets", token=site["ada_token"]).state(PickedSecretsState)
    assert redirect_path(run(state.open_picked)) == site["path"]
