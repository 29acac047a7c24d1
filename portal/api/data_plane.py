"""The data-plane API: what the customer's product calls with an app's secret key.

/v1/organizations (and their members), /v1/end-users, POST /v1/end-users/{id}/sign-ins and
POST /v1/sign-ins/magic-link. Each route is a thin door onto portal.services.organizations
and portal.services.end_users through an AppScope of the key's app and environment: another
app's ids are 404, a read key's writes 403, a frozen workspace's writes 409.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from portal.api import problems
from portal.api.app_auth import Key, as_app, write_as_app
from portal.api.data_plane_schemas import (
    EndUserCreate,
    EndUserListPublic,
    EndUserSort,
    EndUserUpdate,
    MagicLinkRedeem,
    MemberListPublic,
    MemberSet,
    OrganizationCreate,
    OrganizationListPublic,
    OrganizationSort,
    OrganizationUpdate,
    SignInCreate,
)
from portal.api.idempotency import IdempotencyKey
from portal.api.schemas import FILTER_SCHEMA, INT32_MAX, Direction, Filter, WireInteger
from portal.api.workspaces import Cursor, Limit
from portal.domain.dto import (
    EndUserPublic,
    EndUserSession,
    MagicLinkSent,
    MemberOfOrganization,
    OrganizationPublic,
    TotpEnrollment,
)
from portal.domain.paging import DEFAULT_LIMIT
from portal.services import app_scope, end_users, organizations

router = APIRouter(tags=["data plane"])

OrganizationId = Annotated[
    int, Path(ge=1, le=INT32_MAX, description="The organization's id."), WireInteger
]
EndUserId = Annotated[int, Path(ge=1, le=INT32_MAX, description="The end user's id."), WireInteger]
Search = Annotated[
    Filter | None,
    Query(
        max_length=120, json_schema_extra=FILTER_SCHEMA, description="Part of the name (any case)."
    ),
]

_READ = problems.responses(401, 404, 422)
_LIST = problems.responses(400, 401, 404, 422)
_WRITE = problems.responses(400, 401, 403, 404, 409, 422)


def _read(session, principal):
    return app_scope.for_key(session, principal)


def _write(session, principal):
    return app_scope.for_key(session, principal, write=True)


# Organizations ------------------------------------------------------------------------------


@router.get(
    "/v1/organizations",
    response_model=OrganizationListPublic,
    responses=_LIST,
    operation_id="list_organizations",
    summary="List the organizations of the key's app environment",
)
async def list_organizations(
    key: Key,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    search: Search = None,
    sort: OrganizationSort = "name",
    direction: Direction = "asc",
) -> OrganizationListPublic:
    page = await as_app(
        key,
        lambda session, principal: organizations.list_organizations(
            session=session,
            scope=_read(session, principal),
            search=search,
            sort=sort,
            direction=direction,
            limit=limit,
            cursor=cursor,
        ),
    )
    return OrganizationListPublic(items=page.items, next_cursor=page.next_cursor)


@router.post(
    "/v1/organizations",
    response_model=OrganizationPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
    operation_id="create_organization",
    summary="Create an organization",
)
async def create_organization(
    key: Key, body: OrganizationCreate, request: Request, idempotency: IdempotencyKey = None
) -> Response:
    return await write_as_app(
        key,
        request,
        idempotency,
        body,
        lambda session, principal: organizations.create_organization(
            session=session, scope=_write(session, principal), name=body.name
        ),
        status_code=status.HTTP_201_CREATED,
        headers=lambda created: {"Location": f"/v1/organizations/{created.id}"},
    )


@router.get(
    "/v1/organizations/{organization_id}",
    response_model=OrganizationPublic,
    responses=_READ,
    operation_id="get_organization",
    summary="One organization",
)
async def get_organization(key: Key, organization_id: OrganizationId) -> OrganizationPublic:
    return await as_app(
        key,
        lambda session, principal: organizations.get_organization(
            session=session, scope=_read(session, principal), organization_id=organization_id
        ),
        organization_id=organization_id,
    )


@router.patch(
    "/v1/organizations/{organization_id}",
    response_model=OrganizationPublic,
    responses=_WRITE,
    operation_id="update_organization",
    summary="Rename an organization",
)
async def update_organization(
    key: Key,
    organization_id: OrganizationId,
    body: OrganizationUpdate,
    request: Request,
    idempotency: IdempotencyKey = None,
) -> Response:
    return await write_as_app(
        key,
        request,
        idempotency,
        body,
        lambda session, principal: organizations.rename_organization(
            session=session,
            scope=_write(session, principal),
            organization_id=organization_id,
            name=body.name,
        ),
        organization_id=organization_id,
    )


@router.delete(
    "/v1/organizations/{organization_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_WRITE,
    operation_id="delete_organization",
    summary="Delete an organization and its memberships",
)
async def delete_organization(key: Key, organization_id: OrganizationId) -> Response:
    await as_app(
        key,
        lambda session, principal: organizations.delete_organization(
            session=session, scope=_write(session, principal), organization_id=organization_id
        ),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/v1/organizations/{organization_id}/members",
    response_model=MemberListPublic,
    responses=_LIST,
    operation_id="list_organization_members",
    summary="List an organization's members",
)
async def list_members(
    key: Key, organization_id: OrganizationId, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> MemberListPublic:
    page = await as_app(
        key,
        lambda session, principal: organizations.list_members(
            session=session,
            scope=_read(session, principal),
            organization_id=organization_id,
            limit=limit,
            cursor=cursor,
        ),
        organization_id=organization_id,
    )
    return MemberListPublic(items=page.items, next_cursor=page.next_cursor)


@router.put(
    "/v1/organizations/{organization_id}/members/{end_user_id}",
    response_model=MemberOfOrganization,
    responses=_WRITE,
    operation_id="set_organization_member",
    summary="Add an end user to an organization, or change their role",
)
async def set_member(
    key: Key,
    organization_id: OrganizationId,
    end_user_id: EndUserId,
    body: MemberSet,
    request: Request,
    idempotency: IdempotencyKey = None,
) -> Response:
    return await write_as_app(
        key,
        request,
        idempotency,
        body,
        lambda session, principal: organizations.set_member(
            session=session,
            scope=_write(session, principal),
            organization_id=organization_id,
            end_user_id=end_user_id,
            role=body.role,
        ),
        organization_id=organization_id,
    )


@router.delete(
    "/v1/organizations/{organization_id}/members/{end_user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_WRITE,
    operation_id="remove_organization_member",
    summary="Remove an end user from an organization",
)
async def remove_member(
    key: Key, organization_id: OrganizationId, end_user_id: EndUserId
) -> Response:
    await as_app(
        key,
        lambda session, principal: organizations.remove_member(
            session=session,
            scope=_write(session, principal),
            organization_id=organization_id,
            end_user_id=end_user_id,
        ),
        organization_id=organization_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# End users ----------------------------------------------------------------------------------


@router.get(
    "/v1/end-users",
    response_model=EndUserListPublic,
    responses=_LIST,
    operation_id="list_end_users",
    summary="List the end users of the key's app environment",
)
async def list_end_users(
    key: Key,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    search: Search = None,
    sort: EndUserSort = "email",
    direction: Direction = "asc",
) -> EndUserListPublic:
    page = await as_app(
        key,
        lambda session, principal: end_users.list_end_users(
            session=session,
            scope=_read(session, principal),
            search=search,
            sort=sort,
            direction=direction,
            limit=limit,
            cursor=cursor,
        ),
    )
    return EndUserListPublic(items=page.items, next_cursor=page.next_cursor)


@router.post(
    "/v1/end-users",
    response_model=EndUserPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
    operation_id="create_end_user",
    summary="Create an end user (with a password under the app's policy, or without)",
)
async def create_end_user(
    key: Key, body: EndUserCreate, request: Request, idempotency: IdempotencyKey = None
) -> Response:
    return await write_as_app(
        key,
        request,
        idempotency,
        body,
        lambda session, principal: end_users.create_end_user(
            session=session,
            scope=_write(session, principal),
            email=body.email,
            name=body.name,
            password=body.password,
        ),
        status_code=status.HTTP_201_CREATED,
        headers=lambda created: {"Location": f"/v1/end-users/{created.id}"},
    )


@router.get(
    "/v1/end-users/{end_user_id}",
    response_model=EndUserPublic,
    responses=_READ,
    operation_id="get_end_user",
    summary="One end user",
)
async def get_end_user(key: Key, end_user_id: EndUserId) -> EndUserPublic:
    return await as_app(
        key,
        lambda session, principal: end_users.get_end_user(
            session=session, scope=_read(session, principal), end_user_id=end_user_id
        ),
    )


@router.patch(
    "/v1/end-users/{end_user_id}",
    response_model=EndUserPublic,
    responses=_WRITE,
    operation_id="update_end_user",
    summary="Rename, disable or enable an end user, or set their password",
)
async def update_end_user(
    key: Key,
    end_user_id: EndUserId,
    body: EndUserUpdate,
    request: Request,
    idempotency: IdempotencyKey = None,
) -> Response:
    return await write_as_app(
        key,
        request,
        idempotency,
        body,
        lambda session, principal: end_users.update_end_user(
            session=session,
            scope=_write(session, principal),
            end_user_id=end_user_id,
            name=body.name,
            disabled=body.disabled,
            password=body.password,
        ),
    )


@router.delete(
    "/v1/end-users/{end_user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_WRITE,
    operation_id="delete_end_user",
    summary="Delete an end user, their memberships and sessions",
)
async def delete_end_user(key: Key, end_user_id: EndUserId) -> Response:
    await as_app(
        key,
        lambda session, principal: end_users.delete_end_user(
            session=session, scope=_write(session, principal), end_user_id=end_user_id
        ),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/end-users/{end_user_id}/totp",
    response_model=TotpEnrollment,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
    operation_id="enroll_end_user_totp",
    summary="Enroll a TOTP second factor (its secret is in this answer only)",
)
async def enroll_totp(key: Key, end_user_id: EndUserId) -> TotpEnrollment:
    return await as_app(
        key,
        lambda session, principal: end_users.enroll_totp(
            session=session, scope=_write(session, principal), end_user_id=end_user_id
        ),
    )


@router.post(
    "/v1/end-users/{end_user_id}/sign-ins",
    response_model=EndUserSession | MagicLinkSent,
    status_code=status.HTTP_201_CREATED,
    responses={
        202: {"model": MagicLinkSent, "description": "A magic link was mailed."},
        **_WRITE,
    },
    operation_id="sign_in_end_user",
    summary="Sign an end user in: a session token (201), or a magic link mailed (202)",
)
async def sign_in(
    key: Key, end_user_id: EndUserId, body: SignInCreate, response: Response
) -> EndUserSession | MagicLinkSent:
    result = await as_app(
        key,
        lambda session, principal: end_users.sign_in(
            session=session,
            scope=_write(session, principal),
            end_user_id=end_user_id,
            method=body.method,
            password=body.password,
            totp_code=body.totp_code,
        ),
    )
    if isinstance(result, MagicLinkSent):
        response.status_code = status.HTTP_202_ACCEPTED
    return result


@router.post(
    "/v1/sign-ins/magic-link",
    response_model=EndUserSession,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
    operation_id="redeem_magic_link",
    summary="Trade a magic link's token for an end-user session",
)
async def redeem_magic_link(key: Key, body: MagicLinkRedeem) -> EndUserSession:
    return await as_app(
        key,
        lambda session, principal: end_users.redeem_magic_link(
            session=session,
            scope=_write(session, principal),
            token=body.token,
            totp_code=body.totp_code,
        ),
    )
