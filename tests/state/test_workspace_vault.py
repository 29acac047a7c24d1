"""The Data Vault page state: collections picked and created (errors at the schema's fields),
records masked and paged, exact search whose value reaches no var the browser gets, reveal
that keeps the value out of every state, add/edit with per-field errors, delete; a reader, a
frozen workspace and another account's forged calls refused."""

from __future__ import annotations

import json
import pickle
import uuid

import pytest

from portal.db import transaction
from portal.domain.workspaces import WorkspaceStatus
from portal.models import Workspace
from portal.pages.workspaces.vault import REVEAL_BOX, PickedVaultState, RecordRow, VaultState
from portal.services import vault, workspaces
from tests.conftest import from_snapshot
from tests.factories import account_of, grant, make_workspace
from tests.state.support import database_snapshot, every_state, redirect_path, run, toasts

EMAIL = "jane.revealed@example.com"
SSN = "078-05-1120-secret"
FIELDS = [
    {"name": "email", "type": "email", "sensitivity": "masked", "searchable": True},
    {"name": "phone", "type": "phone", "sensitivity": "masked"},
    {"name": "ssn", "type": "string", "sensitivity": "secret"},
    {"name": "full_name", "type": "string", "sensitivity": "public"},
]


def _store(actor, ws, collection, values) -> str:
    with transaction() as session:
        return vault.create_record(
            session=session, caller=actor, workspace_id=ws, collection=collection, values=values
        ).token


def _collection(actor, ws, name="customers", fields=FIELDS):
    with transaction() as session:
        vault.create_collection(
            session=session, actor=actor, workspace_id=ws, name=name, fields=fields
        )


@pytest.fixture
def site(db, person, browse):
    """Ada administers workspace Vault (customers: two records); Rex reads it; Eve is
    elsewhere with a record of her own."""
    made = from_snapshot(db, "vault-site", lambda: _site(db, person))
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
    _collection(ada_actor, ws)
    first = _store(ada_actor, ws, "customers", {"email": EMAIL, "phone": "+1 415 555 4242"})
    second = _store(
        ada_actor, ws, "customers", {"email": "bo@example.org", "ssn": SSN, "full_name": "Bo"}
    )
    _collection(eve_actor, eve_ws)
    eve_token_of_record = _store(eve_actor, eve_ws, "customers", {"email": "eve@example.net"})
    path = f"/workspaces/{ws}/vault"
    return {
        "ws": ws,
        "path": path,
        "first": first,
        "second": second,
        "eve_record": eve_token_of_record,
        "tokens": {"ada": ada_token, "rex": rex_token, "eve": eve_token},
        "ada_token": ada_token,
        "actor": ada_actor,
    }


def _loaded(client) -> VaultState:
    state = client.state(VaultState)
    run(state.load)
    return state


def _scripts(events) -> list[str]:
    return [str(e.payload.get("javascript_code", "")) for e in events if e.name == "_call_script"]


def _persisted(client):
    """Every byte Reflex would keep of this tab (each state serialized) and the delta."""
    for state in every_state(client):
        yield state._serialize()
    yield repr(client.root.dict()).encode()


def _shown(client):
    """What the browser gets: every state's base vars."""
    return repr(client.root.dict()).encode()


def test_records_are_masked_typed_rows_newest_first(site):
    state = _loaded(site["ada"])
    assert state.found and state.workspace_name == "Vault" and state.can_write
    assert [(c.name, c.record_count) for c in state.collections] == [("customers", 2)]
    assert state.collection == "customers" and state.record_count == 2
    assert [f.name for f in state.fields] == ["email", "phone", "ssn", "full_name"]
    assert state.search_field == "email"
    second, first = state.rows
    assert isinstance(first, RecordRow) and first.token == site["first"]
    assert {c.field: c.value for c in first.cells} == {
        "email": "j***@example.com",
        "phone": "**** 4242",
    }
    assert {c.field: c.value for c in second.cells} == {
        "email": "b***@example.org",
        "ssn": "••••••",
        "full_name": "Bo",
    }
    assert first.updated_by == site["actor"].email and first.updated_at.endswith("Z")
    assert (state.pager_page["records"], state.pager_has_next["records"]) == (1, False)
    for blob in _persisted(site["ada"]):
        assert EMAIL.encode() not in blob and SSN.encode() not in blob
    with transaction() as session:
        assert workspaces.last_workspace(session=session, actor=site["actor"]) == site["ws"]


def test_a_new_collection_shows_schema_errors_at_their_fields_then_is_created(site):
    state = _loaded(site["ada"])
    run(state.start_collection)
    run(state.add_draft_field)
    run(state.add_draft_field)
    assert state.draft_rows == [0, 1, 2]
    run(state.remove_draft_field, 1)
    assert state.draft_rows == [0, 2]
    form = {
        "name": "Card Holders",
        "field-0-name": "card",
        "field-0-type": "number",
        "field-0-sensitivity": "masked",
        "field-2-name": "Bad Name",
        "field-2-type": "string",
        "field-2-sensitivity": "public",
    }
    run(state.create_collection, form)
    assert "lowercase" in state.collection_errors["name"]
    run(state.create_collection, {**form, "name": "card_holders"})
    # The second row sent is the row with id 2: the error is shown there.
    assert list(state.collection_errors) == ["field-2-name"]
    assert "lowercase" in state.collection_errors["field-2-name"]
    events = run(
        state.create_collection,
        {**form, "name": "card_holders", "field-2-name": "holder", "field-2-searchable": "on"},
    )
    assert toasts(events) == [("success", "Collection card_holders created.")]
    assert not state.collection_open and state.collection == "card_holders"
    assert [(f.name, f.type, f.searchable) for f in state.fields] == [
        ("card", "number", False),
        ("holder", "string", True),
    ]
    assert [c.name for c in state.collections] == ["card_holders", "customers"]
    assert state.rows == [] and state.search_field == "holder"


def test_search_finds_exact_values_and_keeps_the_value_from_the_browser(site):
    client = site["ada"]
    state = _loaded(client)
    run(state.search, {"field": "email", "value": "JANE.REVEALED@example.com"})
    assert state.searching and [r.token for r in state.rows] == [site["first"]]
    assert b"JANE.REVEALED" not in _shown(client)
    # To page the results the state keeps the value's blind index, never the value itself
    # (the whole state is stored, backend vars too).
    assert len(state._search_digest) == 64
    assert b"jane.revealed" not in pickle.dumps(state).lower()
    run(state.search, {"field": "phone", "value": "555"})  # not searchable
    assert "not searchable" in state.search_errors["field"]
    assert [r.token for r in state.rows] == [site["first"]]  # the results shown before stay
    run(state.search, {"field": "email", "value": "nobody"})
    assert "email address" in state.search_errors["value"]
    run(state.search, {"field": "email", "value": "nobody@example.com"})
    assert state.searching and state.rows == []
    run(state.clear_search)
    assert not state.searching and len(state.rows) == 2
    assert state._search_digest == ""


def test_a_revealed_value_goes_out_in_the_script_and_into_no_state(site):
    client = site["ada"]
    state = _loaded(client)
    run(state.open_record, site["second"])
    assert state.detail_open and state.detail_token == site["second"]
    assert [(v.field, v.value, v.present) for v in state.detail_values] == [
        ("email", "b***@example.org", True),
        ("phone", "", False),
        ("ssn", "••••••", True),
        ("full_name", "Bo", True),
    ]
    events = run(state.reveal, "ssn")
    [script] = _scripts(events)
    assert json.dumps(SSN) in script and REVEAL_BOX in script
    assert "setTimeout(hide, seconds * 1000)" in script and script.endswith(", 30)")
    for blob in _persisted(client):
        assert SSN.encode() not in blob
    # Refused: a field the record lacks, a field the schema lacks.
    assert "no value" in toasts(run(state.reveal, "phone"))[0][1]
    assert "no such field" in toasts(run(state.reveal, "password"))[0][1]


def test_add_and_edit_show_the_service_errors_at_each_field(site):
    client = site["ada"]
    state = _loaded(client)
    run(state.set_add_open, True)
    run(state.add_record, {"value-email": "not-an-email", "value-phone": "12"})
    assert "email address" in state.add_errors["email"]
    assert "phone number" in state.add_errors["phone"]
    assert state.add_open
    run(state.add_record, {"value-email": " "})
    assert "at least one field" in state.add_errors["values"]
    events = run(state.add_record, {"value-email": "new@example.com", "value-ssn": "n3w-ssn-9"})
    assert toasts(events)[0][0] == "success" and not state.add_open
    assert state.record_count == 3 and len(state.rows) == 3
    for blob in _persisted(client):
        assert b"n3w-ssn-9" not in blob
    new = state.rows[0].token
    run(state.open_record, new)
    run(state.save_record, {"value-phone": "bad"})
    assert "phone number" in state.detail_errors["phone"]
    run(state.save_record, {"value-phone": ""})
    assert "Type a new value" in state.detail_errors["values"]
    events = run(state.save_record, {"value-phone": "+44 20 7946 0958"})
    assert any("replaceChildren()" in s for s in _scripts(events))  # a shown value goes
    assert {v.field: v.value for v in state.detail_values}["phone"] == "**** 0958"
    assert {c.field: c.value for c in state.rows[0].cells}["phone"] == "**** 0958"


def test_delete_a_record_then_the_collection_with_its_records(site):
    state = _loaded(site["ada"])
    run(state.open_record, site["first"])
    events = run(state.delete_record)
    assert toasts(events) == [("success", f"Record {site['first']} erased.")]
    assert not state.detail_open and [r.token for r in state.rows] == [site["second"]]
    assert state.record_count == 1 and state.record_count_text == "1 record"
    events = run(state.delete_collection)
    assert toasts(events) == [("success", "Collection customers deleted.")]
    assert state.collections == [] and state.collection == "" and state.rows == []


def test_delete_collection_is_refused_when_records_came_after_the_count_showed_none(site):
    state = _loaded(site["ada"])
    state.record_count = 0  # what the page showed before the records came
    events = run(state.delete_collection)
    assert "still has 2 records" in toasts(events)[0][1]
    assert [c.name for c in state.collections] == ["customers"]


def test_a_reader_sees_masked_records_and_searches_and_is_refused_the_rest(site):
    state = _loaded(site["rex"])
    assert len(state.rows) == 2 and not state.can_administer and not state.can_write
    run(state.search, {"field": "email", "value": EMAIL})
    assert [r.token for r in state.rows] == [site["first"]]
    run(state.open_record, site["first"])
    assert state.detail_open
    stored = database_snapshot(ignore=("sessions",))
    events = run(state.reveal, "email")
    assert _scripts(events) == [] and "administer" in toasts(events)[0][1]
    run(state.save_record, {"value-email": "rex@example.com"})
    assert "administer" in state.detail_errors["values"]
    assert "administer" in toasts(run(state.delete_record))[0][1]
    assert "administer" in toasts(run(state.delete_collection))[0][1]
    run(state.add_record, {"value-email": "rex@example.com"})
    assert "administer" in state.add_errors["values"]
    run(state.start_collection)
    run(state.create_collection, {"name": "rex", "field-0-name": "a", "field-0-type": "string"})
    assert "administer" in state.collection_errors["name"]
    assert database_snapshot(ignore=("sessions",)) == stored


def test_a_frozen_workspace_reads_and_reveals_but_refuses_writes(db, site):
    with transaction() as session:
        row = session.get(Workspace, uuid.UUID(site["ws"]))
        row.status = WorkspaceStatus.FROZEN
        session.add(row)
    state = _loaded(site["ada"])
    assert "frozen" in state.read_only and state.can_administer and not state.can_write
    run(state.open_record, site["first"])
    assert EMAIL in _scripts(run(state.reveal, "email"))[0]
    run(state.save_record, {"value-email": "thaw@example.com"})
    assert "frozen" in state.detail_errors["values"]
    assert "frozen" in toasts(run(state.delete_record))[0][1]
    run(state.add_record, {"value-email": "thaw@example.com"})
    assert "frozen" in state.add_errors["values"]
    assert state.record_count == 2


def test_another_account_finds_nothing_and_forged_calls_change_nothing(site):
    client = site["eve"]
    state = _loaded(client)
    assert not state.found and state.rows == [] and state.collections == []
    stored = database_snapshot(ignore=("sessions",))
    events = run(state.pick_collection, "customers")
    assert toasts(events) == [("error", "Workspace not found.")]
    assert state.collection == ""
    # The handlers act on the URL's workspace with whatever a forged client got in.
    state.collection, state.detail_token = "customers", site["first"]
    for handler, args in (
        (state.open_record, (site["first"],)),
        (state.reveal, ("email",)),
        (state.save_record, ({"value-email": "eve@example.com"},)),
        (state.delete_record, ()),
        (state.delete_collection, ()),
        (state.add_record, ({"value-email": "eve@example.com"},)),
        (state.search, ({"field": "email", "value": EMAIL},)),
        (state.next_page, ("records",)),
    ):
        events = run(handler, *args)
        assert _scripts(events) == [] or all(EMAIL not in s for s in _scripts(events))
    assert state.rows == [] and not state.detail_open
    assert database_snapshot(ignore=("sessions",)) == stored


def test_forged_tokens_and_field_names_are_refused_by_the_service(site):
    client = site["ada"]
    state = _loaded(client)
    stored = database_snapshot(ignore=("sessions",))
    # Another workspace's record, a token of no form, a path: not found in this collection.
    for token in (site["eve_record"], "tok_" + "A" * 32, "../customers", 7):
        events = run(state.open_record, token)
        assert toasts(events)[0][0] == "error" and not state.detail_open
    # A record opened, then a forged token in the backend var: the service checks it again.
    run(state.open_record, site["first"])
    state.detail_token = site["eve_record"]
    assert toasts(run(state.reveal, "email")) == [("error", "Record not found.")]
    assert toasts(run(state.delete_record)) == [("error", "Record not found.")]
    state.detail_token = site["first"]
    for field in ("../email", "EMAIL", "x" * 500, None):
        events = run(state.reveal, field)
        assert _scripts(events) == [] and toasts(events)[0][0] == "error"
    # A forged value name is the service's field error, nothing stored.
    run(state.save_record, {"value-admin": "1"})
    assert "no such field" in state.detail_errors["admin"]
    events = run(state.pick_collection, "../../etc")
    assert toasts(events)[0][0] == "error" and state.collection == "customers"
    assert database_snapshot(ignore=("sessions",)) == stored


def test_the_picked_vault_page_redirects_to_the_pick(db, site, browse):
    with transaction() as session:
        workspaces.remember_workspace(session=session, actor=site["actor"], workspace_id=site["ws"])
    state = browse("/vault", token=site["ada_token"]).state(PickedVaultState)
    assert redirect_path(run(state.open_picked)) == site["path"]
