"""The /v1 API's one way to an Actor: `Authorization: Bearer pat_...` (a personal access token).

Every route that touches data depends on `Token` (`require_token`), which refuses a request
without a Bearer header at once; the token itself is checked in the route's transaction, by
`portal.api.threads.as_actor` (or `Bearer.actor` inside a write), which is the only way a
route gets an Actor: no cookies, no query parameters, no headers naming a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from portal.api.problems import BearerRequired
from portal.domain.access import Actor, ClientInfo
from portal.domain.developer import SCOPES
from portal.domain.errors import PermissionDenied, Unauthenticated
from portal.services import api_tokens, client_credentials

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


@dataclass(frozen=True)
class Bearer:
    """The personal access token a request presented, not yet checked."""

    secret: str
    client: ClientInfo
    # The route the request reached ("GET", "/v1/workspaces/{workspace_id}"): what an
    # installed app's token may call is decided by it and the token's scopes.
    route: tuple[str, str] = ("", "")

    def actor(self, session: Session) -> Actor:
        """The token's Actor, or a 401 problem (unknown, revoked, expired) with a Bearer
        challenge. Marks the token used (at most once a minute) in `session`'s transaction.

        An installed developer app's token (`at_...`, from POST /v1/oauth/token) is an Actor
        of its installation: a route its scopes do not open is refused here (403), and the
        services refuse any workspace but its own (404)."""
        try:
            if self.secret.startswith(INSTALLATION_TOKEN_PREFIX):
                actor = client_credentials.resolve_token(session=session, secret=self.secret)
            else:
                return api_tokens.resolve_token(
                    session=session, secret=self.secret, client=self.client
                )
        except Unauthenticated as exc:
            raise BearerRequired(exc.message, invalid_token=True) from None
        if self.route not in routes_of(actor.scopes):
            raise PermissionDenied(
                "The app's token has no scope for this route. Its installed version's "
                "manifest lists the scopes it may use."
            )
        return actor


INSTALLATION_TOKEN_PREFIX = "at_"  # noqa: S105 - a prefix, not a secret


def routes_of(scopes: frozenset[str]) -> set[tuple[str, str]]:
    """The (method, path) pairs the scopes open (domain/developer.py SCOPES)."""
    return {route for name in scopes if name in SCOPES for route in SCOPES[name].routes}


async def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Bearer:
    """The request's Bearer token, or a 401 problem with a Bearer challenge when there is
    none. No database work here: the token is looked up in the route's one transaction, on
    its worker thread (one hop per request, not one for this and one for the route)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise BearerRequired(
            "Send a personal access token: Authorization: Bearer pat_...", invalid_token=False
        )
    route = request.scope.get("route")
    return Bearer(
        secret=credentials.credentials,
        client=client_info(request),
        route=(request.method, getattr(route, "path_format", "")),
    )


Token = Annotated[Bearer, Depends(require_token)]
