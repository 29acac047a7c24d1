"""The /v1 API's one way to an Actor: `Authorization: Bearer pat_...` (a personal access token).

Every route that touches data depends on `require_actor`; there is no other way for a route
to get one (no cookies, no query parameters, no headers naming a user).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from portal.api.problems import BearerRequired
from portal.api.threads import in_transaction
from portal.domain.access import Actor, ClientInfo
from portal.domain.errors import Unauthenticated
from portal.services import api_tokens

# Documents the scheme in the OpenAPI document; errors are ours (auto_error=False).
bearer = HTTPBearer(
    scheme_name="personalAccessToken",
    bearerFormat="pat_...",
    description="A personal access token created in account settings.",
    auto_error=False,
)


def client_info(request: Request) -> ClientInfo:
    """Where the request came from, for the audit trail."""
    return ClientInfo(
        ip_address=(request.client.host if request.client else "")[:64],
        user_agent=request.headers.get("user-agent", "")[:512],
    )


async def require_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The token's Actor, or a 401 problem with a Bearer challenge.

    A missing or non-Bearer header is refused on the event loop; the token itself is looked
    up on a worker thread (a blocking database read must not hold the loop).
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise BearerRequired(
            "Send a personal access token: Authorization: Bearer pat_...", invalid_token=False
        )
    secret, client = credentials.credentials, client_info(request)
    try:
        return await in_transaction(
            lambda session: api_tokens.resolve_token(session=session, secret=secret, client=client)
        )
    except Unauthenticated as exc:
        raise BearerRequired(exc.message, invalid_token=True) from None


CurrentActor = Annotated[Actor, Depends(require_actor)]
