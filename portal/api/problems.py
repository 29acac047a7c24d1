"""RFC 9457 problem documents for every error the API returns."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from portal.domain.errors import (
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
    # A cursor is not something a person typed: one this list did not give is a client's
    # bug (forged, truncated, from another list or sort), 400 rather than a 422 to correct.
    (InvalidCursor, 400, "invalid-cursor", "Invalid cursor"),
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
    400: "The body is not JSON (bad-request), or the cursor is not one this list gave "
    "(invalid-cursor)",
    401: "No valid personal access token (a Bearer challenge is in WWW-Authenticate)",
    403: "The token's owner can read the workspace but lacks the permission the action needs",
    404: "Not found, or a tenant the token's owner cannot read",
    409: "The workspace is frozen (workspace-frozen) or being offboarded (workspace-read-only)",
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
                headers = (
                    {"Retry-After": str(exc.retry_after_seconds)}
                    if isinstance(exc, Throttled)
                    else None
                )
                return problem(status, slug, title, exc.message, headers=headers, **extra)
        return problem(400, "bad-request", "Bad request", exc.message)

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return problem(
            exc.status_code, "http-error", str(exc.detail), str(exc.detail), headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        return problem(
            422, "invalid", "Invalid request", "The request is not valid.", errors=errors
        )

    @app.exception_handler(Exception)
    async def _server_error(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in the API", exc_info=exc)
        return problem(
            500, "server-error", "Internal server error", "Something went wrong on our side."
        )

    _problems_in_openapi(app)


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
                        if status[:1] in "45" and "application/json" in content:
                            content[PROBLEM_JSON] = content.pop("application/json")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
