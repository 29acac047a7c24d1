"""The Data Vault: collections and their schema rules, records sealed and masked, the blind
index, reveal, permissions (people and app keys), freeze, and that no value leaks into a
list, an audit row, a log line, an error message or the database in clear."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import select

from portal.domain.errors import Conflict, Frozen, Invalid, NotFound, PermissionDenied
from portal.domain.masking import SECRET_MASK
from portal.domain.vault import TOKEN_PATTERN
from portal.domain.workspaces import WorkspaceStatus
from portal.models import AuditEvent, VaultBlindIndex, VaultRecord, Workspace
from portal.services import app_api_keys, app_key_auth, envelope, vault
from tests import factories

EMAIL = "Jane.Leak-7f3a@Example.com"
PHONE = "+1 (415) 555-4242"
NATIONAL_ID = "NID-never-leaks-9b2c"
BIRTH = "1990-05-17"
CLEAR = (EMAIL, EMAIL.lower(), PHONE, "14155554242", NATIONAL_ID, BIRTH)

FIELDS = [
    {"name": "email", "type": "email", "sensitivity": "masked", "searchable": True},
    {"name": "phone", "type": "phone", "sensitivity": "masked", "searchable": True},
    {"name": "national_id", "type": "string", "sensitivity": "secret"},
    {"name": "born", "type": "date", "sensitivity": "masked"},
    {"name": "plan", "type": "string", "sensitivity": "public"},
]
VALUES = {
    "email": EMAIL,
    "phone": PHONE,
    "national_id": NATIONAL_ID,
    "born": BIRTH,
    "plan": "Gold",
}


@pytest.fixture
def tenant(db):
    """Alice administers the account of workspace `ws` (with a `customers` collection);
    Reggie reads it; Bob administers another account."""
    alice = factories.make_user(db, name="Alice")
    account = factories.account_of(db, alice.id)
    reggie = factories.make_user(db, name="Reggie")
    factories.grant(db, reggie.id, account_id=account, permission="read")
    bob = factories.make_user(db, name="Bob")
    factories.account_of(db, bob.id)
    actors = {
        "alice": factories.actor_for(db, alice),
        "reggie": factories.actor_for(db, reggie),
        "bob": factories.actor_for(db, bob),
    }
    ws = factories.make_workspace(db, account, "Acme")
    vault.create_collection(
        session=db, actor=actors["alice"], workspace_id=str(ws.id), name="customers", fields=FIELDS
    )
    db.commit()
    return actors, str(ws.id)


def _create(db, caller, ws, values=None, collection="customers"):
    return vault.create_record(
        session=db,
        caller=caller,
        workspace_id=ws,
        collection=collection,
        values=VALUES if values is None else values,
    )


def _reveal(db, caller, ws, token, field):
    return vault.reveal_value(
        session=db, caller=caller, workspace_id=ws, collection="customers", token=token, field=field
    )


def _search(db, caller, ws, field, value, **kwargs):
    return vault.search_records(
        session=db,
        caller=caller,
        workspace_id=ws,
        collection="customers",
        field=field,
        value=value,
        **kwargs,
    )


def _everything_said(db, caplog, *results) -> str:
    """Every place a value must never appear: what services returned, the audit rows, log
    lines, and every column of the vault's tables and the data keys (raw rows)."""
    parts = [repr(result) for result in results]
    parts += [
        f"{e.action} {e.target_id} {e.before} {e.after}" for e in db.exec(select(AuditEvent)).all()
    ]
    parts += [record.getMessage() for record in caplog.records]
    for table in (
        "vault_collections",
        "vault_records",
        "vault_blind_indexes",
        "workspace_data_keys",
    ):
        parts += [repr(tuple(row)) for row in db.execute(text(f"SELECT * FROM {table}")).all()]  # noqa: S608
    return "\n".join(parts)


def _app_principal(db, alice, ws, scope="read_write"):
    app = factories.make_app(db, alice, ws, "Checkout")
    secret = app_api_keys.create_key(
        session=db, actor=alice, workspace_id=ws, app_slug=app.slug, name="Vault", scope=scope
    ).secret
    return app_key_auth.resolve_app_key(session=db, secret=secret)


# Records -------------------------------------------------------------------------------------


def test_a_record_is_stored_sealed_and_shown_masked(tenant, db, caplog):
    caplog.set_level(logging.DEBUG)
    actors, ws = tenant
    alice, reggie = actors["alice"], actors["reggie"]
    created = _create(db, alice, ws)
    assert re.fullmatch(TOKEN_PATTERN, created.token)
    assert created.values == {
        "email": "J***@Example.com",
        "phone": "**** 4242",
        "national_id": SECRET_MASK,
        "born": "1990-**-**",
        "plan": "Gold",
    }
    assert created.updated_by == alice.email and created.revealed == []
    db.commit()
    got = vault.get_record(
        session=db, caller=reggie, workspace_id=ws, collection="customers", token=created.token
    )
    assert got.values == created.values
    listed = vault.list_records(session=db, caller=reggie, workspace_id=ws, collection="customers")
    assert [r.token for r in listed.items] == [created.token]
    collections = vault.list_collections(session=db, caller=reggie, workspace_id=ws)
    assert [(c.name, c.record_count) for c in collections.items] == [("customers", 1)]

    said = _everything_said(db, caplog, created, got, listed, collections)
    for value in CLEAR:
        assert value not in said, value
    assert created.token in said  # the check looks where tokens are


def test_reveal_needs_administer_and_is_audited_without_the_value(tenant, db, caplog):
    actors, ws = tenant
    alice, reggie = actors["alice"], actors["reggie"]
    token = _create(db, alice, ws).token
    assert _reveal(db, alice, ws, token, "national_id") == NATIONAL_ID
    record = vault.reveal_record(
        session=db,
        caller=alice,
        workspace_id=ws,
        collection="customers",
        token=token,
        field="email",
    )
    assert record.values["email"] == EMAIL and record.revealed == ["email"]
    assert record.values["national_id"] == SECRET_MASK  # one field at a time
    with pytest.raises(PermissionDenied):
        _reveal(db, reggie, ws, token, "national_id")
    with pytest.raises(Invalid) as unknown:
        _reveal(db, alice, ws, token, "nope")
    assert unknown.value.field == "reveal"
    db.commit()
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "vault.revealed")).all()
    assert [e.after for e in events] == [
        {"collection": "customers", "token": token, "field": "national_id"},
        {"collection": "customers", "token": token, "field": "email"},
    ]
    assert all(e.target_type == "vault_record" and e.target_id == token for e in events)
    said = _everything_said(db, caplog)
    for value in CLEAR:
        assert value not in said


def test_update_sets_and_removes_values_and_keeps_the_token(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    token = _create(db, alice, ws).token
    updated = vault.update_record(
        session=db,
        caller=alice,
        workspace_id=ws,
        collection="customers",
        token=token,
        values={"plan": "Silver", "born": None},
    )
    assert updated.token == token
    assert updated.values["plan"] == "Silver" and "born" not in updated.values
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "vault.record_updated")).one()
    assert event.after == {"collection": "customers", "token": token, "fields": ["born", "plan"]}
    with pytest.raises(NotFound):
        _reveal(db, alice, ws, token, "born")
    with pytest.raises(Invalid) as emptied:
        vault.update_record(
            session=db,
            caller=alice,
            workspace_id=ws,
            collection="customers",
            token=token,
            values=dict.fromkeys(VALUES),
        )
    assert emptied.value.field == "values"


def test_values_are_checked_field_by_field_without_quoting_them(tenant, db):
    actors, ws = tenant
    bad = {
        "email": "not-an-email-LEAK",
        "phone": "call me LEAK",
        "born": "1990-02-30",
        "unknown": "LEAK",
    }
    with pytest.raises(Invalid) as refused:
        _create(db, actors["alice"], ws, values=bad)
    fields = [field for field, _message in refused.value.errors]
    assert fields == ["values.email", "values.phone", "values.born", "values.unknown"]
    assert refused.value.field == "values.email"
    assert refused.value.message.startswith("email: Enter an email address")
    assert "LEAK" not in repr(refused.value.errors) and "LEAK" not in refused.value.message
    with pytest.raises(Invalid) as empty:
        _create(db, actors["alice"], ws, values={})
    assert empty.value.field == "values"
    with pytest.raises(Invalid):
        vault.create_collection(
            session=db,
            actor=actors["alice"],
            workspace_id=ws,
            name="numbers",
            fields=[{"name": "n", "type": "number"}, {"name": "n", "type": "string"}],
        )


def test_delete_erases_the_record_its_key_and_its_digests(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    token = _create(db, alice, ws).token
    keep = _create(db, alice, ws, values={"email": "keep@example.com"}).token
    vault.delete_record(
        session=db, caller=alice, workspace_id=ws, collection="customers", token=token
    )
    db.commit()
    assert [r.token for r in db.exec(select(VaultRecord)).all()] == [keep]
    assert len(db.exec(select(VaultBlindIndex)).all()) == 1  # keep's email only
    with pytest.raises(NotFound):
        vault.get_record(
            session=db, caller=alice, workspace_id=ws, collection="customers", token=token
        )
    assert _search(db, alice, ws, "email", EMAIL).items == []
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "vault.record_deleted")).one()
    assert event.before == {"collection": "customers", "token": token}


def test_a_ciphertext_moved_to_another_row_does_not_open(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    first = _create(db, alice, ws).token
    second = _create(db, alice, ws, values={"plan": "Bronze"}).token
    rows = {r.token: r for r in db.exec(select(VaultRecord)).all()}
    rows[second].wrapped_key = rows[first].wrapped_key
    rows[second].values_sealed = rows[first].values_sealed
    db.add(rows[second])
    db.commit()
    with pytest.raises(envelope.Undecryptable) as refused:
        vault.get_record(
            session=db, caller=alice, workspace_id=ws, collection="customers", token=second
        )
    assert NATIONAL_ID not in str(refused.value)


def test_tokens_are_random_and_unguessable(tenant, db):
    actors, ws = tenant
    tokens = {_create(db, actors["alice"], ws, values={"plan": "x"}).token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(token) == len("tok_") + 32 for token in tokens)  # 192 random bits


def test_lists_page_with_a_cursor_newest_first(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    tokens = [_create(db, alice, ws, values={"plan": f"p{i}"}).token for i in range(3)]
    first = vault.list_records(
        session=db, caller=alice, workspace_id=ws, collection="customers", limit=2
    )
    assert [r.token for r in first.items] == tokens[:0:-1]
    rest = vault.list_records(
        session=db,
        caller=alice,
        workspace_id=ws,
        collection="customers",
        limit=2,
        cursor=first.next_cursor,
    )
    assert [r.token for r in rest.items] == tokens[:1] and rest.next_cursor is None


# The blind index -------------------------------------------------------------------------------


def test_search_finds_exact_values_however_they_are_typed(tenant, db, caplog):
    actors, ws = tenant
    alice, reggie = actors["alice"], actors["reggie"]
    token = _create(db, alice, ws).token
    other = _create(db, alice, ws, values={"email": "someone@example.com"}).token
    assert [r.token for r in _search(db, reggie, ws, "email", EMAIL.upper()).items] == [token]
    assert [r.token for r in _search(db, reggie, ws, "phone", "14155554242").items] == [token]
    assert [r.token for r in _search(db, reggie, ws, "phone", "+1 415-555 4242").items] == [token]
    assert _search(db, reggie, ws, "email", "jane@example.com").items == []
    found = _search(db, reggie, ws, "email", "someone@example.com")
    assert [r.token for r in found.items] == [other]
    assert found.items[0].values["email"] == "s***@example.com"
    with pytest.raises(Invalid) as not_searchable:
        _search(db, reggie, ws, "national_id", NATIONAL_ID)
    assert not_searchable.value.field == "field"
    with pytest.raises(Invalid) as malformed:
        _search(db, reggie, ws, "email", "no-at-sign-LEAK")
    assert malformed.value.field == "value" and "LEAK" not in malformed.value.message
    said = _everything_said(db, caplog)
    for value in CLEAR:
        assert value not in said


def test_a_search_pages_by_its_digest_without_the_value(tenant, db):
    """What a page keeps to page a search's results: the blind index, not the value."""
    actors, ws = tenant
    alice, reggie = actors["alice"], actors["reggie"]
    token = _create(db, alice, ws).token
    digest = vault.search_digest(
        session=db,
        caller=reggie,
        workspace_id=ws,
        collection="customers",
        field="email",
        value=EMAIL.upper(),
    )
    assert EMAIL.split("@")[0] not in digest and len(digest) == 64
    by_digest = vault.search_records(
        session=db,
        caller=reggie,
        workspace_id=ws,
        collection="customers",
        field="email",
        digest=digest,
    )
    assert [r.token for r in by_digest.items] == [token]
    # Another field's digest, or a forged one, finds nothing.
    for forged in (digest[::-1], "0" * 64):
        assert (
            vault.search_records(
                session=db,
                caller=reggie,
                workspace_id=ws,
                collection="customers",
                field="email",
                digest=forged,
            ).items
            == []
        )
    with pytest.raises(Invalid):  # exactly one of value and digest
        _search(db, reggie, ws, "email", EMAIL, digest=digest)


def test_same_value_same_digest_and_another_workspace_another_digest(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    account = db.get(Workspace, uuid.UUID(ws)).account_id
    second_ws = str(factories.make_workspace(db, account, "Second").id)
    vault.create_collection(
        session=db, actor=alice, workspace_id=second_ws, name="customers", fields=FIELDS
    )
    one = _create(db, alice, ws, values={"email": EMAIL}).token
    two = _create(db, alice, ws, values={"email": EMAIL.lower()}).token
    three = _create(db, alice, second_ws, values={"email": EMAIL}).token
    digests = {
        r.token: d.digest
        for d, r in db.exec(
            select(VaultBlindIndex, VaultRecord).where(VaultBlindIndex.record_id == VaultRecord.id)
        ).all()
    }
    assert digests[one] == digests[two]
    assert digests[three] != digests[one]
    assert all(len(digest) == 64 for digest in digests.values())


# Schema changes and collections ---------------------------------------------------------------


def test_schema_changes_add_fields_and_refuse_removing_or_retyping_with_records(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    token = _create(db, alice, ws).token
    added = vault.update_collection(
        session=db,
        actor=alice,
        workspace_id=ws,
        collection="customers",
        fields=[*FIELDS, {"name": "card", "type": "number", "sensitivity": "masked"}],
    )
    assert [f.name for f in added.fields][-1] == "card" and added.record_count == 1
    for fields in (
        FIELDS[1:],  # email removed
        [{**FIELDS[0], "type": "string"}, *FIELDS[1:]],  # email retyped
    ):
        with pytest.raises(Conflict) as refused:
            vault.update_collection(
                session=db, actor=alice, workspace_id=ws, collection="customers", fields=fields
            )
        assert "email" in refused.value.message and refused.value.field == "fields"
    # Sensitivity changes are fine: masking happens on read.
    public = [
        {**field, "sensitivity": "public"} if field["name"] == "national_id" else field
        for field in [*FIELDS, {"name": "card", "type": "number", "sensitivity": "masked"}]
    ]
    vault.update_collection(
        session=db, actor=alice, workspace_id=ws, collection="customers", fields=public
    )
    got = vault.get_record(
        session=db, caller=alice, workspace_id=ws, collection="customers", token=token
    )
    assert got.values["national_id"] == NATIONAL_ID


def test_making_a_field_searchable_indexes_existing_records(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    token = _create(db, alice, ws).token
    with pytest.raises(Invalid):
        _search(db, alice, ws, "national_id", NATIONAL_ID)
    searchable = [{**f, "searchable": True} if f["name"] == "national_id" else f for f in FIELDS]
    vault.update_collection(
        session=db, actor=alice, workspace_id=ws, collection="customers", fields=searchable
    )
    assert [r.token for r in _search(db, alice, ws, "national_id", NATIONAL_ID).items] == [token]
    not_searchable = [{**f, "searchable": False} if f["name"] == "email" else f for f in searchable]
    vault.update_collection(
        session=db, actor=alice, workspace_id=ws, collection="customers", fields=not_searchable
    )
    assert {d.field for d in db.exec(select(VaultBlindIndex)).all()} == {"phone", "national_id"}


def test_deleting_a_collection_with_records_needs_force(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    _create(db, alice, ws)
    with pytest.raises(Conflict) as refused:
        vault.delete_collection(session=db, actor=alice, workspace_id=ws, collection="customers")
    assert refused.value.field == "force" and "1 record:" in refused.value.message
    vault.delete_collection(
        session=db, actor=alice, workspace_id=ws, collection="customers", force=True
    )
    db.commit()
    assert db.exec(select(VaultRecord)).all() == [] and db.exec(select(VaultBlindIndex)).all() == []
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "vault.collection_deleted")).one()
    assert event.before["record_count"] == 1
    with pytest.raises(NotFound):
        vault.get_collection(session=db, caller=alice, workspace_id=ws, collection="customers")
    vault.create_collection(  # an empty one goes without force
        session=db, actor=alice, workspace_id=ws, name="empty", fields=FIELDS[:1]
    )
    vault.delete_collection(session=db, actor=alice, workspace_id=ws, collection="empty")


def test_collection_names_are_unique_per_workspace(tenant, db):
    actors, ws = tenant
    with pytest.raises(Conflict):
        vault.create_collection(
            session=db, actor=actors["alice"], workspace_id=ws, name="customers", fields=FIELDS
        )
    with pytest.raises(Invalid) as bad:
        vault.create_collection(
            session=db, actor=actors["alice"], workspace_id=ws, name="Bad Name", fields=FIELDS
        )
    assert bad.value.field == "name"


# Permissions and freeze ------------------------------------------------------------------------


def test_read_lists_administer_writes_and_another_account_gets_not_found(tenant, db):
    actors, ws = tenant
    alice, reggie, bob = actors["alice"], actors["reggie"], actors["bob"]
    token = _create(db, alice, ws).token
    with pytest.raises(PermissionDenied):
        _create(db, reggie, ws)
    with pytest.raises(PermissionDenied):
        vault.delete_record(
            session=db, caller=reggie, workspace_id=ws, collection="customers", token=token
        )
    with pytest.raises(PermissionDenied):
        vault.create_collection(
            session=db, actor=reggie, workspace_id=ws, name="mine", fields=FIELDS
        )
    for attempt in (
        lambda: vault.list_collections(session=db, caller=bob, workspace_id=ws),
        lambda: vault.get_record(
            session=db, caller=bob, workspace_id=ws, collection="customers", token=token
        ),
        lambda: _reveal(db, bob, ws, token, "email"),
        lambda: _create(db, bob, ws),
        lambda: _search(db, bob, ws, "email", EMAIL),
    ):
        with pytest.raises(NotFound):
            attempt()


def test_a_frozen_workspace_refuses_writes_and_still_reveals(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    token = _create(db, alice, ws).token
    workspace = db.get(Workspace, uuid.UUID(ws))
    workspace.status = WorkspaceStatus.FROZEN
    db.add(workspace)
    db.commit()
    for write in (
        lambda: _create(db, alice, ws),
        lambda: vault.update_record(
            session=db,
            caller=alice,
            workspace_id=ws,
            collection="customers",
            token=token,
            values={"plan": "x"},
        ),
        lambda: vault.delete_record(
            session=db, caller=alice, workspace_id=ws, collection="customers", token=token
        ),
        lambda: vault.create_collection(
            session=db, actor=alice, workspace_id=ws, name="more", fields=FIELDS
        ),
        lambda: vault.delete_collection(
            session=db, actor=alice, workspace_id=ws, collection="customers", force=True
        ),
    ):
        with pytest.raises(Frozen):
            write()
    assert _reveal(db, alice, ws, token, "email") == EMAIL
    assert (
        len(
            vault.list_records(
                session=db, caller=alice, workspace_id=ws, collection="customers"
            ).items
        )
        == 1
    )


def test_an_app_key_tokenizes_and_detokenizes_in_its_own_workspace(tenant, db, caplog):
    actors, ws = tenant
    alice = actors["alice"]
    principal = _app_principal(db, alice, ws)
    created = _create(db, principal, ws)
    assert created.updated_by == f"key {principal.key_prefix}…"
    assert _reveal(db, principal, ws, created.token, "national_id") == NATIONAL_ID
    found = _search(db, principal, ws, "email", EMAIL)
    assert [r.token for r in found.items] == [created.token]
    vault.delete_record(
        session=db, caller=principal, workspace_id=ws, collection="customers", token=created.token
    )
    with pytest.raises(PermissionDenied):  # schemas are the console's
        vault.create_collection(
            session=db, actor=principal, workspace_id=ws, name="mine", fields=FIELDS
        )
    db.commit()
    revealed = db.exec(select(AuditEvent).where(AuditEvent.action == "vault.revealed")).one()
    assert (revealed.actor_type, revealed.actor_id) == ("app_key", str(principal.key_id))
    # Another workspace (even of the same account) is not the key's.
    account = db.get(Workspace, uuid.UUID(ws)).account_id
    elsewhere = str(factories.make_workspace(db, account, "Elsewhere").id)
    with pytest.raises(NotFound):
        vault.list_collections(session=db, caller=principal, workspace_id=elsewhere)
    said = _everything_said(db, caplog, created, found)
    for value in CLEAR:
        assert value not in said


def test_a_read_key_reads_masked_but_neither_writes_nor_reveals(tenant, db):
    actors, ws = tenant
    alice = actors["alice"]
    token = _create(db, alice, ws).token
    principal = _app_principal(db, alice, ws, scope="read")
    got = vault.get_record(
        session=db, caller=principal, workspace_id=ws, collection="customers", token=token
    )
    assert got.values["national_id"] == SECRET_MASK
    with pytest.raises(PermissionDenied):
        _create(db, principal, ws)
    with pytest.raises(PermissionDenied):
        _reveal(db, principal, ws, token, "national_id")
