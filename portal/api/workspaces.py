"""/v1/workspaces: thin doors onto portal.services.workspaces (and exports for /export).

Each route parses, calls one service in one transaction, and maps the result to its response
model; permission, tenancy and freeze rules are the services' (a tenant the token's owner
cannot read is 404, a write to a frozen workspace 409). Writes honour Idempotency-Key.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response, status

from portal.api import problems
from portal.api.auth import Token
from portal.api.idempotency import REPLAYED_RESPONSE_HEADER, IdempotencyKey, run_write
from portal.api.schemas import (
    FILTER_SCHEMA,
    AuditEventListPublic,
    Direction,
    EnvironmentListPublic,
    Filter,
    WireInteger,
    WorkspaceCreate,
    WorkspaceDetailPublic,
    WorkspaceFreeze,
    WorkspaceListPublic,
    WorkspaceOffboard,
    WorkspaceSort,
    WorkspaceStatus,
    WorkspaceUpdate,
)
from portal.api.threads import as_actor
from portal.domain.dto import WorkspacePublic
from portal.domain.paging import DEFAULT_LIMIT, MAX_LIMIT
from portal.domain.processes import ProcessPublic
from portal.services import exports, keyset, processes, workspaces

router = APIRouter(prefix="/v1/workspaces", tags=["workspaces"])

WorkspaceId = Annotated[uuid.UUID, Path(description="The workspace UUID.")]
Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1 to {MAX_LIMIT}."), WireInteger
]
# The keyset pager's cursors: unpadded base64url (never a length of 4n + 1) of at most
# CURSOR_MAX_CHARS; "" is the first page. Another form is a 400 problem, a cursor of this form
# that the list did not give a 404 (both invalid-cursor).
CURSOR_PATTERN = r"^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$"
Cursor = Annotated[
    str | None,
    Query(
        max_length=keyset.CURSOR_MAX_CHARS,
        pattern=CURSOR_PATTERN,
        description="`next_cursor` of the previous page, as it was given (opaque). Not of "
        "that form: 400; of that form but not given by this list: 404 (invalid-cursor).",
    ),
]

_READ = problems.responses(401, 404, 422)
_LIST = problems.responses(400, 401, 404, 422)
_WRITE = problems.responses(401, 403, 404, 409, 422)
_BODY = problems.responses(400)  # a body that is not JSON at all


def _write_responses(status_code: int, headers: dict | None = None, *, body: bool = False) -> dict:
    """The OpenAPI responses of a write: its success (with the replay header) and problems."""
    success = {"headers": {**REPLAYED_RESPONSE_HEADER, **(headers or {})}}
    return {status_code: success, **(_BODY if body else {}), **_WRITE}


def _created(model: WorkspacePublic) -> dict[str, str]:
    return {"Location": f"{router.prefix}/{model.id}"}


# Reads --------------------------------------------------------------------------------------


@router.get(
    "",
    response_model=WorkspaceListPublic,
    responses=_LIST,
    operation_id="list_workspaces",
    summary="List the workspaces the token's owner can read",
)
async def list_workspaces(
    token: Token,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    name: Annotated[
        Filter | None,
        Query(
            max_length=workspaces.NAME_MAX,
            json_schema_extra=FILTER_SCHEMA,
            description="Part of the name (any case).",
        ),
    ] = None,
    status: WorkspaceStatus | None = None,
    sort: WorkspaceSort = "created_at",
    direction: Direction = "desc",
) -> WorkspaceListPublic:
    page = await as_actor(
        token,
        lambda session, actor: workspaces.list_workspaces(
            session=session,
            actor=actor,
            name_contains=name,
            status=status,
            sort=sort,
            direction=direction,
            limit=limit,
            cursor=cursor,
        ),
    )
    return WorkspaceListPublic(items=page.items, next_cursor=page.next_cursor)


@router.get(
    "/{workspace_id}",
    response_model=WorkspaceDetailPublic,
    responses=_READ,
    operation_id="get_workspace",
    summary="One workspace with its environments",
)
async def get_workspace(token: Token, workspace_id: WorkspaceId) -> WorkspaceDetailPublic:
    detail = await as_actor(
        token,
        lambda session, actor: workspaces.get_workspace_detail(
            session=session, actor=actor, workspace_id=str(workspace_id)
        ),
    )
    return WorkspaceDetailPublic.model_validate(detail.model_dump())


@router.get(
    "/{workspace_id}/environments",
    response_model=EnvironmentListPublic,
    responses=_READ,
    operation_id="list_environments",
    summary="The workspace's dev, staging and prod environments with their status",
)
async def list_environments(token: Token, workspace_id: WorkspaceId) -> EnvironmentListPublic:
    items = await as_actor(
        token,
        lambda session, actor: workspaces.list_environments(
            session=session, actor=actor, workspace_id=str(workspace_id)
        ),
    )
    return EnvironmentListPublic(items=items)


@router.get(
    "/{workspace_id}/audit",
    response_model=AuditEventListPublic,
    responses=_LIST,
    operation_id="list_audit_events",
    summary="The workspace's audit trail, newest first",
)
async def list_audit_events(
    token: Token,
    workspace_id: WorkspaceId,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    actor_filter: Annotated[
        Filter | None,
        Query(
            alias="actor",
            max_length=workspaces.FILTER_MAX,
            json_schema_extra=FILTER_SCHEMA,
            description="An actor id, or part of the actor's label (email).",
        ),
    ] = None,
    action: Annotated[
        Filter | None,
        Query(
            max_length=64,
            json_schema_extra=FILTER_SCHEMA,
            description='An action or its prefix, e.g. "workspace.".',
        ),
    ] = None,
) -> AuditEventListPublic:
    page = await as_actor(
        token,
        lambda session, actor: workspaces.list_activity(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            actor_filter=actor_filter,
            action_filter=action,
            limit=limit,
            cursor=cursor,
        ),
    )
    return AuditEventListPublic(items=page.items, next_cursor=page.next_cursor)


# Writes -------------------------------------------------------------------------------------


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WorkspacePublic,
    responses=_write_responses(
        201,
        {"Location": {"description": "The new workspace.", "schema": {"type": "string"}}},
        body=True,
    ),
    operation_id="create_workspace",
    summary="Create a workspace (administer on the account); it starts provisioning",
)
def create_workspace(
    request: Request, token: Token, payload: WorkspaceCreate, key: IdempotencyKey = None
) -> Response:
    return run_write(
        request=request,
        token=token,
        key=key,
        payload=payload,
        status_code=status.HTTP_201_CREATED,
        response_model=WorkspacePublic,
        headers=_created,
        change=lambda session, actor: workspaces.create_workspace(
            session=session,
            actor=actor,
            account_id=payload.account_id,
            name=payload.name,
            tenancy_model=payload.tenancy_model,
            region=payload.region,
        ),
    )


@router.patch(
    "/{workspace_id}",
    response_model=WorkspacePublic,
    responses=_write_responses(200, body=True),
    operation_id="update_workspace",
    summary="Rename a workspace (administer; refused while frozen or offboarding)",
)
def update_workspace(
    request: Request,
    token: Token,
    workspace_id: WorkspaceId,
    payload: WorkspaceUpdate,
    key: IdempotencyKey = None,
) -> Response:
    return run_write(
        request=request,
        token=token,
        key=key,
        payload=payload,
        status_code=status.HTTP_200_OK,
        response_model=WorkspacePublic,
        change=lambda session, actor: workspaces.rename_workspace(
            session=session, actor=actor, workspace_id=str(workspace_id), name=payload.name
        ),
    )


@router.post(
    "/{workspace_id}/freeze",
    response_model=WorkspacePublic,
    responses=_write_responses(200, body=True),
    operation_id="freeze_workspace",
    summary="Freeze a workspace: every write refused, reads still work (administer)",
)
def freeze_workspace(
    request: Request,
    token: Token,
    workspace_id: WorkspaceId,
    payload: Annotated[WorkspaceFreeze | None, Body()] = None,
    key: IdempotencyKey = None,
) -> Response:
    payload = payload or WorkspaceFreeze()  # no body and {} are the same request
    return run_write(
        request=request,
        token=token,
        key=key,
        payload=payload,
        status_code=status.HTTP_200_OK,
        response_model=WorkspacePublic,
        change=lambda session, actor: workspaces.freeze(
            session=session, actor=actor, workspace_id=str(workspace_id), reason=payload.reason
        ),
    )


@router.post(
    "/{workspace_id}/unfreeze",
    response_model=WorkspacePublic,
    responses=_write_responses(200),
    operation_id="unfreeze_workspace",
    summary="Unfreeze a workspace (administer)",
)
def unfreeze_workspace(
    request: Request, token: Token, workspace_id: WorkspaceId, key: IdempotencyKey = None
) -> Response:
    return run_write(
        request=request,
        token=token,
        key=key,
        payload=None,
        status_code=status.HTTP_200_OK,
        response_model=WorkspacePublic,
        change=lambda session, actor: workspaces.unfreeze(
            session=session, actor=actor, workspace_id=str(workspace_id)
        ),
    )


def _process_location(model: ProcessPublic) -> dict[str, str]:
    return {"Location": f"/v1/processes/{model.id}"}


def _start_export(session, actor, workspace_id: uuid.UUID) -> ProcessPublic:
    process_id = exports.start_export(session=session, actor=actor, workspace_id=workspace_id)
    return processes.get_process(session=session, actor=actor, process_id=process_id)


@router.post(
    "/{workspace_id}/export",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ProcessPublic,
    responses=_write_responses(
        202,
        {
            "Location": {
                "description": "The export's process: GET it to follow progress.",
                "schema": {"type": "string"},
            }
        },
    ),
    operation_id="export_workspace",
    summary="Start an export of the workspace (administer); follow the process in Location",
)
def export_workspace(
    request: Request, token: Token, workspace_id: WorkspaceId, key: IdempotencyKey = None
) -> Response:
    return run_write(
        request=request,
        token=token,
        key=key,
        payload=None,
        status_code=status.HTTP_202_ACCEPTED,
        response_model=ProcessPublic,
        headers=_process_location,
        change=lambda session, actor: _start_export(session, actor, workspace_id),
    )


@router.post(
    "/{workspace_id}/offboard",
    response_model=WorkspacePublic,
    responses=_write_responses(200, body=True),
    operation_id="offboard_workspace",
    summary="Start offboarding: read-only, purged when the hard-delete window ends",
)
def offboard_workspace(
    request: Request,
    token: Token,
    workspace_id: WorkspaceId,
    payload: WorkspaceOffboard,
    key: IdempotencyKey = None,
) -> Response:
    return run_write(
        request=request,
        token=token,
        key=key,
        payload=payload,
        status_code=status.HTTP_200_OK,
        response_model=WorkspacePublic,
        change=lambda session, actor: workspaces.offboard(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            confirm_name=payload.confirm_name,
        ),
    )


@router.post(
    "/{workspace_id}/restore",
    response_model=WorkspacePublic,
    responses=_write_responses(200),
    operation_id="restore_workspace",
    summary="Restore a workspace being offboarded, within its hard-delete window",
)
def restore_workspace(
    request: Request, token: Token, workspace_id: WorkspaceId, key: IdempotencyKey = None
) -> Response:
    return run_write(
        request=request,
        token=token,
        key=key,
        payload=None,
        status_code=status.HTTP_200_OK,
        response_model=WorkspacePublic,
        change=lambda session, actor: workspaces.restore(
            session=session, actor=actor, workspace_id=str(workspace_id)
        ),
    )
