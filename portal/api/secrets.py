"""/v1/workspaces/{id}/environments/{environment}/secrets: thin doors onto
portal.services.workspace_secrets.

The list gives names and metadata, never values. PUT sets a value (administer; refused while
frozen) and honours Idempotency-Key; what the idempotency record keeps of the request is an
HMAC of the value, and of the response the metadata only. A reveal is the one answer that
carries a value: it needs administer, is audited, is sent with `Cache-Control: no-store`, and
takes no Idempotency-Key (its answer is never stored for a replay).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Request, Response, status
from pydantic import AfterValidator, BaseModel, Field

from portal.api import problems
from portal.api.auth import Token
from portal.api.idempotency import IdempotencyKey, run_write
from portal.api.schemas import INT32_MAX, JsonIntegerIn
from portal.api.threads import as_actor, run_as
from portal.api.workspaces import Cursor, Limit, WorkspaceId, _write_responses
from portal.domain.paging import DEFAULT_LIMIT
from portal.domain.secrets import NAME_MAX, NAME_PATTERN, VALUE_MAX, SecretPublic
from portal.domain.workspaces import EnvironmentName
from portal.services import workspace_secrets

router = APIRouter(
    prefix="/v1/workspaces/{workspace_id}/environments/{environment}/secrets", tags=["secrets"]
)

Environment = Annotated[
    Literal[tuple(env.value for env in EnvironmentName)],  # type: ignore[valid-type]
    Path(description="The environment: dev, staging or prod."),
]
SecretName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=NAME_MAX,
        pattern=NAME_PATTERN,
        description="The secret's name: capital letters, digits and underscores, not "
        "starting with a digit (e.g. DATABASE_URL).",
    ),
]

_NO_STORE = {
    "Cache-Control": {
        "description": "`no-store`: the value must not be cached.",
        "schema": {"type": "string", "enum": ["no-store"]},
    }
}


def _text(value: str) -> str:
    """The service's rule for a value, refused here as a 422 naming the field."""
    if "\x00" in value:
        raise ValueError("A value cannot hold a NUL character.")
    return value


class SecretSet(BaseModel):
    model_config = {"extra": "forbid"}

    value: Annotated[
        str,
        AfterValidator(_text),
        Field(
            max_length=VALUE_MAX,
            json_schema_extra={"not": {"pattern": "\\u0000"}},
            description="The value (any text, line breaks included; no NUL character). "
            "Never returned by a list; POST .../reveal reads it back.",
        ),
    ]


class SecretReveal(BaseModel):
    model_config = {"extra": "forbid"}

    version: JsonIntegerIn(1, INT32_MAX) | None = Field(
        default=None, description="An earlier version; default: current."
    )


class SecretValue(BaseModel):
    """One revealed value (audited as secret.revealed)."""

    name: str
    environment: str
    version: int
    value: str


class SecretListPublic(BaseModel):
    items: list[SecretPublic]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class _Fingerprint(BaseModel):
    """What the idempotency record hashes of a PUT's body: never the value itself."""

    value_hmac: str


@router.get(
    "",
    response_model=SecretListPublic,
    responses=problems.responses(400, 401, 404, 422),
    operation_id="list_secrets",
    summary="The environment's secrets in name order: names and metadata, never values",
)
async def list_secrets(
    token: Token,
    workspace_id: WorkspaceId,
    environment: Environment,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> SecretListPublic:
    page = await as_actor(
        token,
        lambda session, actor: workspace_secrets.list_secrets(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            environment=environment,
            limit=limit,
            cursor=cursor,
        ),
    )
    return SecretListPublic(items=page.items, next_cursor=page.next_cursor)


@router.put(
    "/{name}",
    response_model=SecretPublic,
    responses=_write_responses(200, body=True),
    operation_id="set_secret",
    summary="Create the secret or store a new version of its value (administer)",
)
def set_secret(
    request: Request,
    token: Token,
    workspace_id: WorkspaceId,
    environment: Environment,
    name: SecretName,
    payload: SecretSet,
    key: IdempotencyKey = None,
) -> Response:
    return run_write(
        request=request,
        token=token,
        key=key,
        payload=_Fingerprint(value_hmac=workspace_secrets.request_fingerprint(payload.value)),
        status_code=status.HTTP_200_OK,
        response_model=SecretPublic,
        change=lambda session, actor: workspace_secrets.set_secret(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            environment=environment,
            name=name,
            value=payload.value,
        ),
    )


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems.responses(401, 403, 404, 409, 422),
    operation_id="delete_secret",
    summary="Delete the secret from the environment, with its versions (administer)",
)
def delete_secret(
    token: Token, workspace_id: WorkspaceId, environment: Environment, name: SecretName
) -> Response:
    run_as(
        token,
        lambda session, actor: workspace_secrets.delete_secret(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            environment=environment,
            name=name,
        ),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{name}/reveal",
    response_model=SecretValue,
    responses={200: {"headers": _NO_STORE}, **problems.responses(400, 401, 403, 404, 422)},
    operation_id="reveal_secret",
    summary="Read one value (administer; audited as secret.revealed)",
)
def reveal_secret(
    token: Token,
    workspace_id: WorkspaceId,
    environment: Environment,
    name: SecretName,
    payload: Annotated[SecretReveal | None, Body()] = None,
) -> Response:
    version = (payload or SecretReveal()).version

    def reveal(session, actor) -> SecretValue:
        value = workspace_secrets.reveal_secret(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            environment=environment,
            name=name,
            version=version,
        )
        current = workspace_secrets.get_secret(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            environment=environment,
            name=name,
        )
        return SecretValue(
            name=name, environment=environment, version=version or current.version, value=value
        )

    body = run_as(token, reveal).model_dump_json()
    return Response(
        content=body,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
