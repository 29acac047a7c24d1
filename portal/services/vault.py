"""The Data Vault: a workspace's sensitive records, stored sealed, shown masked, found by token.

Who may do what (portal/domain/access.py):

- a person (the console, or a personal access token on /v1) with read on the workspace lists
  collections and records (values masked) and searches; MANAGE_VAULT (administer; refused on
  a frozen or offboarding workspace) creates, changes and deletes collections and records;
  REVEAL_VAULT (administer; allowed while frozen, it reads) reads one field of one record in
  clear, audited as `vault.revealed` (collection, token and field: never the value);
- an app of the workspace, with its secret key on /v1 (the customer's product tokenizing and
  detokenizing): any key reads masked records and searches; a read-write key creates, updates
  and deletes records and reveals (a read key cannot: detokenizing is the vault's most
  sensitive read). Collections are the console's: a key cannot change a schema. Another
  workspace, or another account's, is NotFound.

Storage. A record's values are one JSON document sealed (AES-256-GCM) with a key of the
record's own, which is sealed with the workspace's data key (services/envelope.py, shared
with Secrets; itself wrapped by the master key). Both bind the workspace, the collection and
the record's token as associated data, so a ciphertext copied to another row does not open.
Deleting a record deletes its key with it (crypto-shredding: the row held the only copy of
the key; a database backup taken before still holds both until it expires). Every field,
public ones too, is sealed: a list has to open each record to mask its masked fields anyway,
so a clear column would save nothing, and "public" is how the console shows a value, not a
promise that it may sit in clear in every database backup.

Search. Exact match only, on fields marked searchable, through a blind index: an
HMAC-SHA256 of the normalised value (domain/vault.search_form: an email case-folded, a phone
number its digits) under a key derived (HKDF) from the workspace's data key, bound to the
collection and field. The database holds digests, never the value; without the master key a
digest cannot be tested against guesses. What it does show is equality: records with the
same value in a searchable field have the same digest. The index key goes when the data key
goes (the purge), and a master-key rotation leaves it as it is.

Schema changes (`update_collection`). Adding fields is always fine (existing records simply
have no value for them), and so is changing a field's sensitivity (masking happens on read).
Making a field searchable indexes the existing records' values in the same transaction;
making it not searchable drops its digests. Removing or retyping a field is refused while the
collection has records (Conflict): their values would be left without a schema, or of the
wrong type. Delete those records (or the collection, with `force`) first, or add a new field.

Deleting a collection that still has records is refused unless `force` (the console asks the
person to confirm with the record count); forced, the records go with it, audited with their
count. Nothing here logs, audits or raises with a value in it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import bindparam, delete, func
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.db import lock_row_for_write
from portal.domain.access import Action, Actor
from portal.domain.apps import AppPrincipal
from portal.domain.errors import Conflict, Invalid, NotFound, PermissionDenied
from portal.domain.masking import masked
from portal.domain.paging import Page
from portal.domain.vault import (
    TOKEN_BYTES,
    TOKEN_PREFIX,
    VaultCollectionPublic,
    VaultField,
    VaultRecordPublic,
    check_fields,
    check_name,
    check_token,
    check_value,
    check_values,
    search_form,
)
from portal.domain.workspaces import WorkspaceStatus
from portal.models import VaultBlindIndex, VaultCollection, VaultRecord, Workspace
from portal.models._base import utcnow
from portal.services import app_key_auth, audit, envelope, keyset, permissions
from portal.services.keyset import Key

# Who calls: a person (console or personal access token), or an app's secret key.
Caller = Actor | AppPrincipal

_C = VaultCollection.__table__.c
_R = VaultRecord.__table__.c
_B = VaultBlindIndex.__table__.c

_COLLECTIONS = keyset.Keyset(
    "vault-collections", sorts={"name": Key(_C.name, str)}, tiebreak=Key(_C.id, int)
)
_COLLECTIONS_QUERY = select(VaultCollection).where(
    _C.workspace_id == bindparam("workspace_id", type_=_C.workspace_id.type)
)
# A collection's records, newest first; a search walks the same order.
_RECORDS = keyset.Keyset("vault-records", sorts={"newest": None}, tiebreak=Key(_R.id, int))
_RECORDS_QUERY = select(VaultRecord).where(_R.collection_id == bindparam("collection_id"))
_SEARCH = keyset.Keyset("vault-search", sorts={"newest": None}, tiebreak=Key(_R.id, int))
_SEARCH_QUERY = (
    select(VaultRecord)
    .join(VaultBlindIndex.__table__, _B.record_id == _R.id)
    .where(
        _B.collection_id == bindparam("collection_id"),
        _B.field == bindparam("field"),
        _B.digest == bindparam("digest"),
    )
)

CollectionPage = Page[VaultCollectionPublic]
RecordPage = Page[VaultRecordPublic]

_INDEX_INFO = b"portal vault blind index v1"
_UPDATE_BATCH = 500  # records opened at a time when a field becomes searchable


# Who may ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Door:
    """The workspace a call may act in, and who acts, for the audit trail."""

    workspace: Workspace
    actor: Actor | None
    app_key: tuple[int, str] | None
    label: str


def _door(session: Session, caller: Caller, action: Action, workspace_id: Any) -> _Door:
    if isinstance(caller, Actor):
        workspace = permissions.require(session, caller, action, workspace_id)
        return _Door(workspace, caller, None, caller.email)
    # An app key acts in its own workspace only.
    if str(workspace_id) != caller.workspace_id:
        raise NotFound("Workspace not found.")
    workspace = session.get(Workspace, uuid.UUID(caller.workspace_id))
    if workspace is None or workspace.status == WorkspaceStatus.DELETED:
        raise NotFound("Workspace not found.")
    if action is Action.MANAGE_VAULT:
        workspace = app_key_auth.require_write(session, caller)
    elif action is Action.REVEAL_VAULT and not caller.can_write:
        raise PermissionDenied("Revealing a vault value needs a read-write key.")
    key = (caller.key_id, caller.key_prefix)
    return _Door(workspace, None, key, f"key {caller.key_prefix}…")


def _people_only(caller: Caller) -> Actor:
    if not isinstance(caller, Actor):
        raise PermissionDenied(
            "An app key works with records; collections are managed in the console or with "
            "a personal access token."
        )
    return caller


def _record_audit(
    session: Session,
    door: _Door,
    action: str,
    *,
    target_type: str,
    target_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """An audit row of the vault: collection names, tokens and field names, never a value."""
    audit.record(
        session,
        actor=door.actor,
        app_key=door.app_key,
        action=action,
        target_type=target_type,
        target_id=target_id,
        account_id=door.workspace.account_id,
        workspace_id=door.workspace.id,
        before=before,
        after=after,
    )


# Keys and sealing -------------------------------------------------------------------------------


def _data_key(session: Session, workspace: Workspace, *, create: bool) -> bytes:
    key = envelope.data_key(session, workspace.id, create=create)
    if key is None:
        raise envelope.KeyUnavailable("The workspace has vault records but no data key.")
    return key


def index_key(data_key: bytes) -> bytes:
    """The workspace's blind-index key: derived from its data key, so it is stored nowhere
    and goes when the data key goes."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INDEX_INFO).derive(data_key)


def blind_index(key: bytes, collection_id: int, field: VaultField, value: str) -> str:
    """The digest an exact search for `value` in the field looks up."""
    message = envelope.associated_data(
        "v1", str(collection_id), field.name, search_form(field.type, value)
    )
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _associated(purpose: str, workspace_id: uuid.UUID, collection_id: int, token: str) -> bytes:
    return envelope.associated_data(purpose, str(workspace_id), str(collection_id), token)


def _seal_record(
    data_key: bytes, record: VaultRecord, values: dict[str, str], record_key: bytes | None
) -> None:
    """Seal `values` into the record with its key (a new key for a new record)."""
    ids = (record.workspace_id, record.collection_id, record.token)
    if record_key is None:
        record_key = secrets.token_bytes(envelope.KEY_BYTES)
        record.wrapped_key = envelope.seal(
            data_key,
            base64.b64encode(record_key).decode("ascii"),
            _associated("portal vault record key v1", *ids),
        )
    document = json.dumps(values, sort_keys=True, ensure_ascii=False)
    record.values_sealed = envelope.seal(
        record_key, document, _associated("portal vault record v1", *ids)
    )


def _open_record(data_key: bytes, record: VaultRecord) -> tuple[bytes, dict[str, str]]:
    """The record's key and its values."""
    ids = (record.workspace_id, record.collection_id, record.token)
    record_key = base64.b64decode(
        envelope.open_sealed(
            data_key, record.wrapped_key, _associated("portal vault record key v1", *ids)
        )
    )
    document = envelope.open_sealed(
        record_key, record.values_sealed, _associated("portal vault record v1", *ids)
    )
    return record_key, json.loads(document)


def _index(
    session: Session,
    data_key: bytes,
    collection: VaultCollection,
    record: VaultRecord,
    values: dict[str, str],
) -> None:
    """The record's blind-index rows, one per searchable field it has a value for."""
    session.execute(delete(VaultBlindIndex).where(_B.record_id == record.id))
    key = index_key(data_key)
    for field in _fields(collection):
        if field.searchable and field.name in values:
            session.add(
                VaultBlindIndex(
                    record_id=record.id,
                    collection_id=collection.id,
                    field=field.name,
                    digest=blind_index(key, collection.id, field, values[field.name]),
                )
            )


# Views ---------------------------------------------------------------------------------------


def _fields(collection: VaultCollection) -> list[VaultField]:
    return [VaultField.model_validate(field) for field in collection.fields]


def _count(session: Session, collection_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(VaultRecord)
        .where(VaultRecord.collection_id == collection_id)
    ).one()


def _collection_public(collection: VaultCollection, count: int) -> VaultCollectionPublic:
    return VaultCollectionPublic(
        name=collection.name,
        fields=_fields(collection),
        record_count=count,
        created_at=collection.created_at,
        updated_at=collection.updated_at,
        updated_by=collection.updated_by,
    )


def _record_public(
    collection: VaultCollection,
    record: VaultRecord,
    values: dict[str, str],
    revealed: dict[str, str] | None = None,
) -> VaultRecordPublic:
    """The record with each value masked as its field says; `revealed` in clear."""
    revealed = revealed or {}
    shown = {}
    for field in _fields(collection):  # the schema's order
        if field.name in revealed:
            shown[field.name] = revealed[field.name]
        elif field.name in values:
            shown[field.name] = masked(field.type, field.sensitivity, values[field.name])
    return VaultRecordPublic(
        token=record.token,
        collection=collection.name,
        values=shown,
        revealed=sorted(revealed),
        created_at=record.created_at,
        updated_at=record.updated_at,
        updated_by=record.updated_by,
    )


def _collection(
    session: Session, workspace: Workspace, name: Any, *, lock: bool = False
) -> VaultCollection:
    try:
        check_name(name)
    except Invalid:
        raise NotFound("Collection not found.") from None
    query = select(VaultCollection).where(
        VaultCollection.workspace_id == workspace.id, VaultCollection.name == name
    )
    if lock:
        query = query.with_for_update()
    found = session.exec(query).first()
    if found is None:
        raise NotFound(f"There is no collection {name}.")
    return found


def _record(
    session: Session, collection: VaultCollection, token: Any, *, lock: bool = False
) -> VaultRecord:
    query = select(VaultRecord).where(
        VaultRecord.token == check_token(token), VaultRecord.collection_id == collection.id
    )
    if lock:
        query = query.with_for_update()
    found = session.exec(query).first()
    if found is None:
        raise NotFound("Record not found.")
    return found


def _field(collection: VaultCollection, name: Any, *, where: str = "field") -> VaultField:
    for field in _fields(collection):
        if field.name == name:
            return field
    raise Invalid(f"The collection {collection.name} has no such field.", field=where)


def _n_records(count: int) -> str:
    return "1 record" if count == 1 else f"{count:,} records"


# Collections ---------------------------------------------------------------------------------


def list_collections(
    *,
    session: Session,
    caller: Caller,
    workspace_id: str,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[VaultCollectionPublic]:
    """The workspace's collections in name order, with their schema and record count."""
    door = _door(session, caller, Action.VIEW_WORKSPACE, workspace_id)
    page = _COLLECTIONS.page(
        session,
        _COLLECTIONS_QUERY,
        sort="name",
        direction="asc",
        limit=limit,
        cursor=cursor,
        params={"workspace_id": door.workspace.id},
    )
    collections = [row[0] for row in page.rows]
    counts: dict[int, int] = {}
    if collections:
        counts = dict(
            session.exec(
                select(VaultRecord.collection_id, func.count())
                .where(col(VaultRecord.collection_id).in_([c.id for c in collections]))
                .group_by(VaultRecord.collection_id)
            ).all()
        )
    return CollectionPage(
        items=[_collection_public(c, counts.get(c.id, 0)) for c in collections],
        next_cursor=page.next_cursor,
    )


def get_collection(
    *, session: Session, caller: Caller, workspace_id: str, collection: str
) -> VaultCollectionPublic:
    door = _door(session, caller, Action.VIEW_WORKSPACE, workspace_id)
    found = _collection(session, door.workspace, collection)
    return _collection_public(found, _count(session, found.id))


def _schema(fields: list[VaultField]) -> list[dict[str, Any]]:
    return [field.model_dump(mode="json") for field in fields]


def create_collection(
    *, session: Session, actor: Actor, workspace_id: str, name: str, fields: list[Any]
) -> VaultCollectionPublic:
    """A new, empty collection with its schema."""
    door = _door(session, _people_only(actor), Action.MANAGE_VAULT, workspace_id)
    name = check_name(name)
    checked = check_fields(fields)
    lock_row_for_write(session, Workspace, door.workspace.id, key_share=True)
    taken = session.exec(
        select(VaultCollection.id).where(
            VaultCollection.workspace_id == door.workspace.id, VaultCollection.name == name
        )
    ).first()
    if taken is not None:
        raise Conflict(f"There is already a collection {name}.", field="name")
    now = utcnow()
    collection = VaultCollection(
        workspace_id=door.workspace.id,
        name=name,
        fields=_schema(checked),
        created_at=now,
        updated_at=now,
        updated_by=door.label,
    )
    session.add(collection)
    session.flush()
    _record_audit(
        session,
        door,
        "vault.collection_created",
        target_type="vault_collection",
        target_id=name,
        after={"name": name, "fields": collection.fields},
    )
    return _collection_public(collection, 0)


def update_collection(
    *, session: Session, actor: Actor, workspace_id: str, collection: str, fields: list[Any]
) -> VaultCollectionPublic:
    """Replace the collection's schema with `fields` (see the module's docstring for what a
    collection with records accepts)."""
    door = _door(session, _people_only(actor), Action.MANAGE_VAULT, workspace_id)
    found = _collection(session, door.workspace, collection, lock=True)
    checked = check_fields(fields)
    old = {field.name: field for field in _fields(found)}
    new = {field.name: field for field in checked}
    count = _count(session, found.id)
    removed = sorted(set(old) - set(new))
    retyped = sorted(name for name in set(old) & set(new) if old[name].type != new[name].type)
    if count and (removed or retyped):
        names = ", ".join(removed + retyped)
        raise Conflict(
            f"{found.name} has {_n_records(count)}: removing or retyping a field ({names}) would "
            "leave their values without a schema. Add a new field instead, or delete the "
            "records first.",
            field="fields",
        )
    before = list(found.fields)
    found.fields = _schema(checked)
    found.updated_at = utcnow()
    found.updated_by = door.label
    session.add(found)
    indexed = sorted(
        name for name in new if new[name].searchable and not (name in old and old[name].searchable)
    )
    unindexed = [
        name for name in old if old[name].searchable and not (name in new and new[name].searchable)
    ]
    for name in unindexed:
        session.execute(
            delete(VaultBlindIndex).where(_B.collection_id == found.id, _B.field == name)
        )
    if count and indexed:
        _index_existing(session, door.workspace, found, [new[name] for name in indexed])
    _record_audit(
        session,
        door,
        "vault.collection_updated",
        target_type="vault_collection",
        target_id=found.name,
        before={"name": found.name, "fields": before},
        after={"name": found.name, "fields": found.fields},
    )
    session.flush()
    return _collection_public(found, count)


def _index_existing(
    session: Session, workspace: Workspace, collection: VaultCollection, fields: list[VaultField]
) -> None:
    """Digests of the fields that just became searchable, for every record that has them."""
    data_key = _data_key(session, workspace, create=False)
    key = index_key(data_key)
    after = 0
    while True:
        records = session.exec(
            select(VaultRecord)
            .where(VaultRecord.collection_id == collection.id, col(VaultRecord.id) > after)
            .order_by(col(VaultRecord.id))
            .limit(_UPDATE_BATCH)
        ).all()
        for record in records:
            _key, values = _open_record(data_key, record)
            for field in fields:
                if field.name in values:
                    session.add(
                        VaultBlindIndex(
                            record_id=record.id,
                            collection_id=collection.id,
                            field=field.name,
                            digest=blind_index(key, collection.id, field, values[field.name]),
                        )
                    )
            after = record.id
        session.flush()
        if len(records) < _UPDATE_BATCH:
            return


def delete_collection(
    *, session: Session, actor: Actor, workspace_id: str, collection: str, force: bool = False
) -> None:
    """Delete the collection; one that still has records only with `force` (they go too)."""
    door = _door(session, _people_only(actor), Action.MANAGE_VAULT, workspace_id)
    found = _collection(session, door.workspace, collection, lock=True)
    count = _count(session, found.id)
    if count and not force:
        raise Conflict(
            f"{found.name} still has {_n_records(count)}: delete them first, or confirm deleting "
            "the collection with its records.",
            field="force",
        )
    _record_audit(
        session,
        door,
        "vault.collection_deleted",
        target_type="vault_collection",
        target_id=found.name,
        before={"name": found.name, "fields": found.fields, "record_count": count},
    )
    session.execute(delete(VaultBlindIndex).where(_B.collection_id == found.id))
    session.execute(delete(VaultRecord).where(_R.collection_id == found.id))
    session.execute(delete(VaultCollection).where(_C.id == found.id))
    session.expunge(found)


# Records -------------------------------------------------------------------------------------


def list_records(
    *,
    session: Session,
    caller: Caller,
    workspace_id: str,
    collection: str,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[VaultRecordPublic]:
    """The collection's records, newest first, values masked."""
    door = _door(session, caller, Action.VIEW_WORKSPACE, workspace_id)
    found = _collection(session, door.workspace, collection)
    page = _RECORDS.page(
        session,
        _RECORDS_QUERY,
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params={"collection_id": found.id},
    )
    return _masked_page(session, door, found, [row[0] for row in page.rows], page.next_cursor)


def _masked_page(
    session: Session,
    door: _Door,
    collection: VaultCollection,
    records: list[VaultRecord],
    next_cursor: str | None,
) -> Page[VaultRecordPublic]:
    items = []
    if records:
        data_key = _data_key(session, door.workspace, create=False)
        for record in records:
            _key, values = _open_record(data_key, record)
            items.append(_record_public(collection, record, values))
    return RecordPage(items=items, next_cursor=next_cursor)


def _search_target(
    session: Session, caller: Caller, workspace_id: str, collection: str, field: str
) -> tuple[_Door, VaultCollection, VaultField]:
    door = _door(session, caller, Action.VIEW_WORKSPACE, workspace_id)
    found = _collection(session, door.workspace, collection)
    target = _field(found, field)
    if not target.searchable:
        raise Invalid(f"{target.name} is not searchable.", field="field")
    return door, found, target


def search_digest(
    *, session: Session, caller: Caller, workspace_id: str, collection: str, field: str, value: str
) -> str:
    """The blind index an exact search for `value` in the field looks up: what a page keeps
    to page a search's results, instead of the value itself (a page's state is stored)."""
    door, found, target = _search_target(session, caller, workspace_id, collection, field)
    return _digest_of(session, door, found, target, value)


def _digest_of(
    session: Session, door: _Door, found: VaultCollection, target: VaultField, value: Any
) -> str:
    try:
        checked = check_value(target.type, value)
    except ValueError as exc:
        raise Invalid(str(exc), field="value") from None
    data_key = envelope.data_key(session, door.workspace.id, create=False)
    if data_key is None:  # nothing was ever stored: a digest that matches nothing
        return ""
    return blind_index(index_key(data_key), found.id, target, checked)


def search_records(
    *,
    session: Session,
    caller: Caller,
    workspace_id: str,
    collection: str,
    field: str,
    value: str | None = None,
    digest: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[VaultRecordPublic]:
    """Records whose searchable `field` holds exactly `value` (normalised: an email in any
    case, a phone number whatever its spaces), newest first, values masked. `digest` (from
    search_digest) stands for the value when a caller must not keep the value itself."""
    if (value is None) == (digest is None):
        raise Invalid("Search with a value.", field="value")
    door, found, target = _search_target(session, caller, workspace_id, collection, field)
    if value is not None:
        digest = _digest_of(session, door, found, target, value)
    if not digest:
        return RecordPage(items=[], next_cursor=None)
    page = _SEARCH.page(
        session,
        _SEARCH_QUERY,
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params={"collection_id": found.id, "field": target.name, "digest": str(digest)[:64]},
    )
    return _masked_page(session, door, found, [row[0] for row in page.rows], page.next_cursor)


def get_record(
    *, session: Session, caller: Caller, workspace_id: str, collection: str, token: str
) -> VaultRecordPublic:
    """One record by its token, values masked."""
    door = _door(session, caller, Action.VIEW_WORKSPACE, workspace_id)
    found = _collection(session, door.workspace, collection)
    record = _record(session, found, token)
    _key, values = _open_record(_data_key(session, door.workspace, create=False), record)
    return _record_public(found, record, values)


def reveal_record(
    *,
    session: Session,
    caller: Caller,
    workspace_id: str,
    collection: str,
    token: str,
    field: str,
) -> VaultRecordPublic:
    """The record with one field in clear (the rest masked), for an administrator or an
    app's read-write key; audited as `vault.revealed` whether or not anyone reads it."""
    door = _door(session, caller, Action.REVEAL_VAULT, workspace_id)
    found = _collection(session, door.workspace, collection)
    target = _field(found, field, where="reveal")
    record = _record(session, found, token)
    _key, values = _open_record(_data_key(session, door.workspace, create=False), record)
    if target.name not in values:
        raise NotFound(f"The record has no value for {target.name}.")
    _record_audit(
        session,
        door,
        "vault.revealed",
        target_type="vault_record",
        target_id=record.token,
        after={"collection": found.name, "token": record.token, "field": target.name},
    )
    return _record_public(found, record, values, {target.name: values[target.name]})


def reveal_value(
    *,
    session: Session,
    caller: Caller,
    workspace_id: str,
    collection: str,
    token: str,
    field: str,
) -> str:
    """One field's value in clear (reveal_record's, alone): what the console shows."""
    record = reveal_record(
        session=session,
        caller=caller,
        workspace_id=workspace_id,
        collection=collection,
        token=token,
        field=field,
    )
    return record.values[field]


def request_fingerprint(values: Any) -> str:
    """What an idempotent API write records of a record's values to tell one request from
    another: an HMAC under the server's secret key (a plain hash stored beside the key would
    let anyone with the database test guesses at a phone number)."""
    secret_key = get_settings().secret_key.get_secret_value().encode()
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False)
    message = b"portal vault request v1\x00" + canonical.encode("utf-8", "surrogatepass")
    return hmac.new(secret_key, message, hashlib.sha256).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def create_record(
    *, session: Session, caller: Caller, workspace_id: str, collection: str, values: Any
) -> VaultRecordPublic:
    """Store a record (tokenize): returns it masked, with the token to keep instead."""
    door = _door(session, caller, Action.MANAGE_VAULT, workspace_id)
    found = _collection(session, door.workspace, collection)
    checked = {k: v for k, v in check_values(_fields(found), values).items() if v is not None}
    data_key = _data_key(session, door.workspace, create=True)
    now = utcnow()
    record = VaultRecord(
        workspace_id=door.workspace.id,
        collection_id=found.id,
        token=new_token(),
        wrapped_key="",
        values_sealed="",
        created_at=now,
        updated_at=now,
        updated_by=door.label,
    )
    _seal_record(data_key, record, checked, None)
    session.add(record)
    session.flush()
    _index(session, data_key, found, record, checked)
    _record_audit(
        session,
        door,
        "vault.record_created",
        target_type="vault_record",
        target_id=record.token,
        after={"collection": found.name, "token": record.token, "fields": sorted(checked)},
    )
    session.flush()
    return _record_public(found, record, checked)


def update_record(
    *,
    session: Session,
    caller: Caller,
    workspace_id: str,
    collection: str,
    token: str,
    values: Any,
) -> VaultRecordPublic:
    """Set the given fields' values (None removes one); the others stay. The token stays."""
    door = _door(session, caller, Action.MANAGE_VAULT, workspace_id)
    found = _collection(session, door.workspace, collection)
    checked = check_values(_fields(found), values, partial=True)
    record = _record(session, found, token, lock=True)
    data_key = _data_key(session, door.workspace, create=False)
    record_key, current = _open_record(data_key, record)
    updated = dict(current)
    for name, value in checked.items():
        if value is None:
            updated.pop(name, None)
        else:
            updated[name] = value
    if not updated:
        raise Invalid(
            "A record keeps at least one value: delete the record instead.", field="values"
        )
    changed = sorted(
        name for name in set(current) | set(updated) if current.get(name) != updated.get(name)
    )
    if changed:
        record.updated_at = utcnow()
        record.updated_by = door.label
        _seal_record(data_key, record, updated, record_key)
        session.add(record)
        session.flush()
        _index(session, data_key, found, record, updated)
        _record_audit(
            session,
            door,
            "vault.record_updated",
            target_type="vault_record",
            target_id=record.token,
            after={"collection": found.name, "token": record.token, "fields": changed},
        )
        session.flush()
    return _record_public(found, record, updated)


def delete_record(
    *, session: Session, caller: Caller, workspace_id: str, collection: str, token: str
) -> None:
    """Erase the record: its row, its key (so nothing left anywhere opens its values) and its
    blind-index digests."""
    door = _door(session, caller, Action.MANAGE_VAULT, workspace_id)
    found = _collection(session, door.workspace, collection)
    record = _record(session, found, token, lock=True)
    _record_audit(
        session,
        door,
        "vault.record_deleted",
        target_type="vault_record",
        target_id=record.token,
        before={"collection": found.name, "token": record.token},
    )
    session.execute(delete(VaultBlindIndex).where(_B.record_id == record.id))
    session.execute(delete(VaultRecord).where(_R.id == record.id))
    session.expunge(record)
