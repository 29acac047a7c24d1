"""POST /v1/oauth/token: the OAuth 2.0 client_credentials grant (RFC 6749 section 4.4) for an
installed developer app. The client authenticates with its client id and secret (HTTP Basic,
or client_id and client_secret in the form) and names the installation; the answer is a
short-lived Bearer token (RFC 6750) limited to that installation's workspace and to the
scopes its installed version declares.

Errors are RFC 6749 section 5.2 error responses (`{"error": "invalid_client"}`), not problem
documents: that is what OAuth clients parse."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from portal.api import problems
from portal.api.threads import off_loop
from portal.db import transaction
from portal.services import client_credentials

router = APIRouter(tags=["oauth"])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 token type
    expires_in: int
    scope: str


class OAuthError(BaseModel):
    error: str
    error_description: str = ""


def _error(status: int, error: str, description: str, *, basic: bool = False) -> JSONResponse:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="portal"' if basic else "Basic"
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


@router.post(
    "/v1/oauth/token",
    summary="Exchange an installed app's client credentials for a scoped token",
    response_model=TokenResponse,
    responses={
        400: {"model": OAuthError, "description": "invalid_request, unsupported_grant_type"},
        401: {"model": OAuthError, "description": "invalid_client"},
        **problems.responses(422),
    },
)
async def token(
    request: Request,
    # Another grant type is RFC 6749's unsupported_grant_type below (the schema names the
    # one there is); missing client credentials are invalid_client (they may come as HTTP
    # Basic instead).
    grant_type: Annotated[
        str, Form(max_length=64, json_schema_extra={"enum": ["client_credentials"]})
    ],
    installation_id: Annotated[
        str, Form(max_length=20, json_schema_extra={"pattern": "^[0-9]{1,11}$"})
    ],
    client_id: Annotated[str | None, Form(max_length=64, min_length=1)] = None,
    client_secret: Annotated[str | None, Form(max_length=128, min_length=1)] = None,
) -> JSONResponse:
    if grant_type != "client_credentials":
        return _error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    basic = _basic(request)
    if basic is not None and (client_id or client_secret):
        return _error(400, "invalid_request", "Authenticate with one method, not two.")
    presented = basic or (client_id or "", client_secret or "")
    if not all(presented):
        return _error(401, "invalid_client", "Send the client id and secret.", basic=True)

    def work():
        with transaction() as session:
            return client_credentials.exchange(
                session=session,
                client_id=presented[0],
                client_secret=presented[1],
                installation_id=installation_id,
            )

    try:
        issued = await off_loop(work)
    except client_credentials.InvalidClient as exc:
        return _error(401, "invalid_client", exc.message, basic=basic is not None)
    except client_credentials.InvalidGrant as exc:
        return _error(400, "invalid_grant", exc.message)
    return JSONResponse(TokenResponse(**issued.model_dump()).model_dump(), headers=_NO_STORE)
