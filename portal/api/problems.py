"""RFC 9457 problem documents for every error the API returns."""

from __future__ import annotations

import itertools
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette._utils import get_route_path
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from portal.domain.errors import (
    Conflict,
    Frozen,
    Invalid,
    NotFound,
    PermissionDenied,
    PortalError,
    ReadOnly,
    Throttled,
    Unauthenticated,
)
from portal.domain.paging import InvalidCursor

log = logging.getLogger("portal.api")

PROBLEM_JSON = "application/problem+json"
_BASE = "https://portal.dev/problems/"
# The challenge a 401 from the token-authenticated API carries (RFC 6750).
BEARER_CHALLENGE = 'Bearer realm="portal"'

_STATUS: list[tuple[type[PortalError], int, str, str]] = [
    (Unauthenticated, 401, "unauthenticated", "Authentication required"),
    (NotFound, 404, "not-found", "Not found"),
    (PermissionDenied, 403, "permission-denied", "Permission denied"),
    (Frozen, 409, "workspace-frozen", "Workspace is frozen"),
    (ReadOnly, 409, "workspace-read-only", "Workspace is read-only"),
    # A cursor is not something a person typed. One not of the form the list gives (not
    # base64url, too long) is a 400 (see _validation_error); one of that form that names no
    # position of this list (forged, truncated, from another list or sort) is a page that does
    # not exist: 404, as a well-formed id that names no workspace is.
    (InvalidCursor, 404, "invalid-cursor", "Invalid cursor"),
    (Conflict, 409, "conflict", "Conflict with the current state"),
    (Invalid, 422, "invalid", "Invalid request"),
    (Throttled, 429, "throttled", "Too many requests"),
]


class ProblemFieldError(BaseModel):
    field: str = Field(description="Where the error is: e.g. body.name, query.limit.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document (`application/problem+json`)."""

    type: str = Field(description="A URI naming the kind of problem, e.g. .../workspace-frozen.")
    title: str
    status: int
    detail: str = Field(description="What went wrong, fit to show a person.")
    field: str | None = Field(default=None, description="The input the detail is about.")
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="Every invalid input, for a request that failed validation."
    )


class BearerRequired(Exception):  # noqa: N818 - reads as the response it becomes
    """No usable personal access token: 401 with a Bearer challenge."""

    def __init__(self, message: str, *, invalid_token: bool) -> None:
        super().__init__(message)
        self.message = message
        self.invalid_token = invalid_token


_DESCRIPTIONS = {
    400: "The body is not JSON (bad-request), or the cursor is not of the form a list's "
    "next_cursor has (invalid-cursor)",
    401: "No valid personal access token (a Bearer challenge is in WWW-Authenticate)",
    403: "The token's owner can read the workspace but lacks the permission the action needs",
    404: "Not found, or a tenant the token's owner cannot read; on a list, a cursor that this "
    "list did not give (invalid-cursor)",
    409: "The workspace is frozen (workspace-frozen) or being offboarded (workspace-read-only), "
    "or the request does not fit its current state (conflict: already frozen, not frozen, "
    "not being offboarded, a confirm_name that is not its name, an Idempotency-Key already "
    "used for another request)",
    422: "Invalid input; `field` or `errors` say which",
    429: "Too many requests",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the problem documents a route can return."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": Problem, "description": _DESCRIPTIONS[status]}
        if status == 401:
            entry["headers"] = {
                "WWW-Authenticate": {
                    "description": "The Bearer challenge (RFC 6750).",
                    "schema": {"type": "string"},
                }
            }
        documented[status] = entry
    return documented


def problem(
    status: int, slug: str, title: str, detail: str, *, headers: dict | None = None, **extra
) -> JSONResponse:
    body = {"type": _BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(BearerRequired)
    async def _bearer_required(_request: Request, exc: BearerRequired) -> JSONResponse:
        challenge = BEARER_CHALLENGE
        if exc.invalid_token:
            challenge += ', error="invalid_token"'
        return problem(
            401,
            "unauthenticated",
            "Authentication required",
            exc.message,
            headers={"WWW-Authenticate": challenge},
        )

    @app.exception_handler(PortalError)
    async def _portal_error(_request: Request, exc: PortalError) -> JSONResponse:
        for cls, status, slug, title in _STATUS:
            if isinstance(exc, cls):
                extra = {"field": exc.field} if isinstance(exc, Invalid) and exc.field else {}
                if isinstance(exc, Invalid) and exc.errors:  # several inputs at fault
                    extra["errors"] = [{"field": f, "message": m} for f, m in exc.errors]
                headers = (
                    {"Retry-After": str(exc.retry_after_seconds)}
                    if isinstance(exc, Throttled)
                    else None
                )
                return problem(status, slug, title, exc.message, headers=headers, **extra)
        return problem(400, "bad-request", "Bad request", exc.message)

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        slug = _HTTP_SLUGS.get(exc.status_code, "http-error")
        return problem(exc.status_code, slug, str(exc.detail), str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        locations = [tuple(err.get("loc", ())) for err in exc.errors()]
        if locations and all(loc[:2] == ("query", "cursor") for loc in locations):
            # Not the form the pager gives (base64url, bounded): the same 400 as any other
            # cursor it did not give.
            return problem(
                400,
                "invalid-cursor",
                "Invalid cursor",
                "The cursor is not valid; start from the first page.",
                field="cursor",
            )
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        # One input at fault: named in `field` too, as a service's refusal names it.
        names = {loc[1] for loc in locations if len(loc) > 1 and isinstance(loc[1], str)}
        extra = {"field": names.pop()} if len(names) == 1 else {}
        return problem(
            422, "invalid", "Invalid request", "The request is not valid.", errors=errors, **extra
        )

    @app.exception_handler(Exception)
    async def _server_error(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in the API", exc_info=exc)
        return problem(
            500, "server-error", "Internal server error", "Something went wrong on our side."
        )

    _problems_in_openapi(app)


_HTTP_SLUGS = {404: "not-found", 405: "method-not-allowed"}


# The methods an operation of the API can have; what a path answers is looked up among them.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class _Unrouted(BaseRoute):
    """Takes every request, whatever its method, on /v1 and below (see install_fallback)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            path = get_route_path(scope)
            if path == "/v1" or path.startswith("/v1/"):
                return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = _unrouted(request, _allowed_methods(scope["app"], scope))
        await response(scope, receive, send)


def _allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """The methods the API's routes take on the request's path (empty: no such path)."""
    # The API's own routes: those ahead of the fallback (Reflex mounts its app after them).
    routes = list(
        itertools.takewhile(lambda route: not isinstance(route, _Unrouted), app.router.routes)
    )
    return [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def _unrouted(request: Request, allowed: list[str]) -> Response:
    if not allowed:
        return problem(404, "not-found", "Not found", f"The API has no {request.url.path}.")
    allow = {"Allow": ", ".join([*allowed, "OPTIONS"])}
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=allow)
    return problem(
        405,
        "method-not-allowed",
        "Method not allowed",
        f"{request.url.path} does not take {request.method}; it takes {', '.join(allowed)}.",
        headers=allow,
    )


def install_fallback(app: FastAPI) -> None:
    """Answer every /v1 request no route takes with a problem document: 404 for a path the
    API does not have, 405 with `Allow` for a method the path does not take (TRACE too).

    Call after every router is included: Starlette hands a request to the first route that
    matches its path and method, else to the first that matches its path only (which answers
    a bare 405). This route matches both for every /v1 path, so it is that first full match.
    Without it, a request no route takes falls through to the app the API is mounted beside
    (Reflex), which answers a plain-text 404. OPTIONS is answered 204 with `Allow` (a CORS
    preflight never gets here: the CORS middleware answers it first).
    """
    app.router.routes.append(_Unrouted())


def _problems_in_openapi(app: FastAPI) -> None:
    """Document error responses as application/problem+json, which is what they are."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        schema_ref = str(content.get("application/json", {}))
                        if "OAuthError" in schema_ref:
                            continue  # RFC 6749 errors are plain JSON (api/oauth.py)
                        if status[:1] in "45" and "application/json" in content:
                            content[PROBLEM_JSON] = content.pop("application/json")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
