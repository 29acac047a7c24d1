"""/v1/workspaces/{id}/vault: the Data Vault's doors, thin, onto portal.services.vault.

Two kinds of caller, on the same routes: a person's personal access token (`pat_...`), or the
secret key of an app of the workspace (`sk_<environment>_...`: the customer's product
tokenizing and detokenizing). The services decide what each may do (a read key reads masked
records; a read-write key also writes and reveals; collections are created by people).

- collections: list, create (a person's token), get one;
- records: create (`POST .../{collection}/records`, answers the token), list (newest first,
  cursor-paged), get by token (values masked; `?reveal=field` shows that one field in clear to
  a caller allowed to reveal, audited as vault.revealed), update, delete (erases the record
  and its key);
- search (`POST .../{collection}/search`): an exact value of a searchable field, in the body
  so that it never sits in a URL, an access log or a browser's history.

A record's values never reach a log line or the idempotency store in clear: what a write's
Idempotency-Key is bound to is an HMAC of them, and every answer with a record in it is sent
`Cache-Control: no-store`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from sqlmodel import Session

from portal.api import problems
from portal.api.app_auth import AppKey, app_key_scheme, as_app, run_as_app, write_as_app
from portal.api.auth import Bearer, Token, bearer, client_info
from portal.api.idempotency import IdempotencyKey, run_write
from portal.api.problems import BearerRequired
from portal.api.threads import as_actor, off_loop, run_as
from portal.api.workspaces import Cursor, Limit, WorkspaceId, _write_responses
from portal.domain import app_keys
from portal.domain.paging import DEFAULT_LIMIT
from portal.domain.vault import (
    FIELDS_MAX,
    NAME_MAX,
    NAME_PATTERN,
    TOKEN_PATTERN,
    VALUE_MAX,
    FieldType,
    Sensitivity,
    VaultCollectionPublic,
    VaultRecordPublic,
)
from portal.services import vault

T = TypeVar("T")

router = APIRouter(prefix="/v1/workspaces/{workspace_id}/vault", tags=["vault"])

CollectionName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=NAME_MAX,
        pattern=NAME_PATTERN,
        description="The collection's name: lowercase letters, digits and underscores.",
    ),
]
RecordToken = Annotated[
    str, Path(pattern=TOKEN_PATTERN, description="The record's token, as its creation gave it.")
]

_NO_STORE = {
    "Cache-Control": {
        "description": "`no-store`: a record, even masked, is not to be cached.",
        "schema": {"type": "string", "enum": ["no-store"]},
    }
}
_LOCATION = {"Location": {"description": "Where the new thing is.", "schema": {"type": "string"}}}
_READ = problems.responses(401, 403, 404, 422)
_LIST = problems.responses(400, 401, 403, 404, 422)


# Either door ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """What the request presented: a person's token or an app's secret key, not yet checked."""

    token: Bearer | None = None
    key: AppKey | None = None


async def require_credentials(
    request: Request,
    personal: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    app: Annotated[HTTPAuthorizationCredentials | None, Depends(app_key_scheme)],
) -> Credentials:
    """Both schemes read the one Authorization header; its prefix says which it is."""
    presented = personal or app
    if presented is None or presented.scheme.lower() != "bearer":
        raise BearerRequired(
            "Send a personal access token (Authorization: Bearer pat_...) or an app's secret "
            "key (Authorization: Bearer sk_<environment>_...).",
            invalid_token=False,
        )
    if presented.credentials.startswith(app_keys.PREFIX):
        return Credentials(key=AppKey(secret=presented.credentials))
    route = request.scope.get("route")
    return Credentials(
        token=Bearer(
            secret=presented.credentials,
            client=client_info(request),
            route=(request.method, getattr(route, "path_format", "")),
        )
    )


Caller = Annotated[Credentials, Depends(require_credentials)]


def _run(credentials: Credentials, work: Callable[[Session, vault.Caller], T]) -> T:
    if credentials.key is not None:
        return run_as_app(credentials.key, work)
    assert credentials.token is not None
    return run_as(credentials.token, work)


async def _read(credentials: Credentials, work: Callable[[Session, vault.Caller], T]) -> T:
    if credentials.key is not None:
        return await as_app(credentials.key, work)
    assert credentials.token is not None
    return await as_actor(credentials.token, work)


async def _write(
    credentials: Credentials,
    request: Request,
    idempotency_key: str | None,
    fingerprint: BaseModel,
    change: Callable[[Session, vault.Caller], BaseModel],
    *,
    response_model: type[BaseModel],
    status_code: int = status.HTTP_200_OK,
    headers: Callable[[Any], dict[str, str]] | None = None,
) -> Response:
    """A write through either door, honouring Idempotency-Key; answers `no-store`."""

    def with_no_store(model: Any) -> dict[str, str]:
        return {**(headers(model) if headers else {}), "Cache-Control": "no-store"}

    if credentials.key is not None:
        return await write_as_app(
            credentials.key,
            request,
            idempotency_key,
            fingerprint,
            change,
            status_code=status_code,
            headers=with_no_store,
        )
    assert credentials.token is not None
    token = credentials.token
    return await off_loop(
        lambda: run_write(
            request=request,
            token=token,
            key=idempotency_key,
            payload=fingerprint,
            status_code=status_code,
            response_model=response_model,
            change=change,
            headers=with_no_store,
        )
    )


def _no_store(model: BaseModel, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(
        model.model_dump_json(),
        status_code=status_code,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


# Schemas --------------------------------------------------------------------------------------


class FieldSpec(BaseModel):
    model_config = {"extra": "forbid"}

    type: FieldType
    sensitivity: Sensitivity = Field(
        default=Sensitivity.MASKED,
        description="How a record's value shows outside a reveal: public (in clear), masked "
        "(j***@example.com, **** 4242) or secret (••••••).",
    )
    searchable: bool = Field(
        default=False, description="Whether an exact-match search may find records by it."
    )


Fields = Annotated[
    dict[str, FieldSpec],
    Field(
        min_length=1,
        max_length=FIELDS_MAX,
        json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN, "maxLength": NAME_MAX}},
        description="The schema: field name -> its type, sensitivity and searchable flag. "
        "Names: lowercase letters, digits and underscores, starting with a letter.",
    ),
]


class VaultCollectionCreate(BaseModel):
    model_config = {"extra": "forbid"}

    name: str = Field(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)
    fields: Fields


class VaultCollectionOut(BaseModel):
    name: str
    fields: dict[str, FieldSpec]
    record_count: int
    created_at: datetime
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, collection: VaultCollectionPublic) -> VaultCollectionOut:
        return cls(
            name=collection.name,
            fields={
                field.name: FieldSpec(
                    type=field.type, sensitivity=field.sensitivity, searchable=field.searchable
                )
                for field in collection.fields
            },
            record_count=collection.record_count,
            created_at=collection.created_at,
            updated_at=collection.updated_at,
            updated_by=collection.updated_by,
        )


class VaultCollectionListPublic(BaseModel):
    items: list[VaultCollectionOut]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


_VALUE = {"type": "string", "maxLength": VALUE_MAX}
_NAMES = {"propertyNames": {"pattern": NAME_PATTERN, "maxLength": NAME_MAX}}


class VaultRecordCreate(BaseModel):
    model_config = {"extra": "forbid"}

    values: dict[str, str] = Field(
        json_schema_extra={**_NAMES, "minProperties": 1, "additionalProperties": _VALUE},
        description="Field name -> value, as text; each is checked against its field's type "
        "(email, phone, date as YYYY-MM-DD, number) and every problem is reported by field.",
    )


class VaultRecordUpdate(BaseModel):
    model_config = {"extra": "forbid"}

    values: dict[str, str | None] = Field(
        json_schema_extra={
            **_NAMES,
            "minProperties": 1,
            "additionalProperties": {"anyOf": [_VALUE, {"type": "null"}]},
        },
        description="The fields to set; null removes a field's value. The others stay.",
    )


class VaultSearch(BaseModel):
    model_config = {"extra": "forbid"}

    field: str = Field(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)
    value: str = Field(
        max_length=VALUE_MAX,
        description="The exact value (an email in any case, a phone number with or without "
        "spaces).",
    )


class VaultRecordListPublic(BaseModel):
    items: list[VaultRecordPublic]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class _Fingerprint(BaseModel):
    """What an idempotent write is bound to: never the values themselves."""

    values_hmac: str


def _fingerprint(values: Any) -> _Fingerprint:
    return _Fingerprint(values_hmac=vault.request_fingerprint(values))


def _record_location(workspace_id: Any, collection: str) -> Callable[[Any], dict[str, str]]:
    prefix = router.prefix.format(workspace_id=workspace_id)
    return lambda record: {"Location": f"{prefix}/{collection}/records/{record.token}"}


# Collections ----------------------------------------------------------------------------------


@router.get(
    "",
    response_model=VaultCollectionListPublic,
    responses=_LIST,
    operation_id="list_vault_collections",
    summary="The workspace's vault collections in name order, with schema and record count",
)
async def list_collections(
    caller: Caller, workspace_id: WorkspaceId, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> VaultCollectionListPublic:
    page = await _read(
        caller,
        lambda session, who: vault.list_collections(
            session=session, caller=who, workspace_id=str(workspace_id), limit=limit, cursor=cursor
        ),
    )
    return VaultCollectionListPublic(
        items=[VaultCollectionOut.of(c) for c in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "",
    response_model=VaultCollectionOut,
    status_code=status.HTTP_201_CREATED,
    responses=_write_responses(201, _LOCATION, body=True),
    operation_id="create_vault_collection",
    summary="Create a collection with its schema (administer; a person's token)",
)
def create_collection(
    request: Request,
    token: Token,
    workspace_id: WorkspaceId,
    payload: VaultCollectionCreate,
    key: IdempotencyKey = None,
) -> Response:
    fields = [{"name": name, **spec.model_dump()} for name, spec in payload.fields.items()]
    return run_write(
        request=request,
        token=token,
        key=key,
        payload=payload,
        status_code=status.HTTP_201_CREATED,
        response_model=VaultCollectionOut,
        change=lambda session, actor: VaultCollectionOut.of(
            vault.create_collection(
                session=session,
                actor=actor,
                workspace_id=str(workspace_id),
                name=payload.name,
                fields=fields,
            )
        ),
        headers=lambda created: {
            "Location": f"{router.prefix.format(workspace_id=workspace_id)}/{created.name}"
        },
    )


@router.get(
    "/{collection}",
    response_model=VaultCollectionOut,
    responses=_READ,
    operation_id="get_vault_collection",
    summary="One collection with its schema and record count",
)
async def get_collection(
    caller: Caller, workspace_id: WorkspaceId, collection: CollectionName
) -> VaultCollectionOut:
    found = await _read(
        caller,
        lambda session, who: vault.get_collection(
            session=session, caller=who, workspace_id=str(workspace_id), collection=collection
        ),
    )
    return VaultCollectionOut.of(found)


# Records --------------------------------------------------------------------------------------


@router.post(
    "/{collection}/records",
    response_model=VaultRecordPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_write_responses(201, {**_LOCATION, **_NO_STORE}, body=True),
    operation_id="create_vault_record",
    summary="Store a record (tokenize): answers its token and its values masked",
)
async def create_record(
    request: Request,
    caller: Caller,
    workspace_id: WorkspaceId,
    collection: CollectionName,
    payload: VaultRecordCreate,
    key: IdempotencyKey = None,
) -> Response:
    return await _write(
        caller,
        request,
        key,
        _fingerprint(payload.values),
        lambda session, who: vault.create_record(
            session=session,
            caller=who,
            workspace_id=str(workspace_id),
            collection=collection,
            values=payload.values,
        ),
        response_model=VaultRecordPublic,
        status_code=status.HTTP_201_CREATED,
        headers=_record_location(workspace_id, collection),
    )


@router.get(
    "/{collection}/records",
    response_model=VaultRecordListPublic,
    responses={200: {"headers": _NO_STORE}, **_LIST},
    operation_id="list_vault_records",
    summary="The collection's records, newest first, values masked",
)
async def list_records(
    caller: Caller,
    workspace_id: WorkspaceId,
    collection: CollectionName,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    page = await _read(
        caller,
        lambda session, who: vault.list_records(
            session=session,
            caller=who,
            workspace_id=str(workspace_id),
            collection=collection,
            limit=limit,
            cursor=cursor,
        ),
    )
    return _no_store(VaultRecordListPublic(items=page.items, next_cursor=page.next_cursor))


@router.post(
    "/{collection}/search",
    response_model=VaultRecordListPublic,
    responses={200: {"headers": _NO_STORE}, **_LIST},
    operation_id="search_vault_records",
    summary="Records whose searchable field holds exactly this value, values masked",
)
async def search_records(
    caller: Caller,
    workspace_id: WorkspaceId,
    collection: CollectionName,
    payload: VaultSearch,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    page = await _read(
        caller,
        lambda session, who: vault.search_records(
            session=session,
            caller=who,
            workspace_id=str(workspace_id),
            collection=collection,
            field=payload.field,
            value=payload.value,
            limit=limit,
            cursor=cursor,
        ),
    )
    return _no_store(VaultRecordListPublic(items=page.items, next_cursor=page.next_cursor))


@router.get(
    "/{collection}/records/{token}",
    response_model=VaultRecordPublic,
    responses={200: {"headers": _NO_STORE}, **_READ},
    operation_id="get_vault_record",
    summary="One record by its token, values masked; ?reveal=field shows that field in clear "
    "(administer, or an app's read-write key; audited as vault.revealed)",
)
async def get_record(
    caller: Caller,
    workspace_id: WorkspaceId,
    collection: CollectionName,
    token: RecordToken,
    reveal: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=NAME_MAX,
            pattern=NAME_PATTERN,
            description="A field to show in clear (one at a time; audited).",
        ),
    ] = None,
) -> Response:
    def work(session: Session, who: vault.Caller) -> VaultRecordPublic:
        where = {
            "session": session,
            "caller": who,
            "workspace_id": str(workspace_id),
            "collection": collection,
            "token": token,
        }
        if reveal is None:
            return vault.get_record(**where)
        return vault.reveal_record(**where, field=reveal)

    return _no_store(await _read(caller, work))


@router.patch(
    "/{collection}/records/{token}",
    response_model=VaultRecordPublic,
    responses=_write_responses(200, _NO_STORE, body=True),
    operation_id="update_vault_record",
    summary="Set or remove some of a record's values; its token stays",
)
async def update_record(
    request: Request,
    caller: Caller,
    workspace_id: WorkspaceId,
    collection: CollectionName,
    token: RecordToken,
    payload: VaultRecordUpdate,
    key: IdempotencyKey = None,
) -> Response:
    return await _write(
        caller,
        request,
        key,
        _fingerprint(payload.values),
        lambda session, who: vault.update_record(
            session=session,
            caller=who,
            workspace_id=str(workspace_id),
            collection=collection,
            token=token,
            values=payload.values,
        ),
        response_model=VaultRecordPublic,
    )


@router.delete(
    "/{collection}/records/{token}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems.responses(401, 403, 404, 409, 422),
    operation_id="delete_vault_record",
    summary="Erase a record: its values, its key and its search digests",
)
async def delete_record(
    caller: Caller, workspace_id: WorkspaceId, collection: CollectionName, token: RecordToken
) -> Response:
    await off_loop(
        lambda: _run(
            caller,
            lambda session, who: vault.delete_record(
                session=session,
                caller=who,
                workspace_id=str(workspace_id),
                collection=collection,
                token=token,
            ),
        )
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
