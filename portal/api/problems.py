"""RFC 9457 problem documents for every error the API returns."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from portal.domain.errors import (
    Frozen,
    Invalid,
    NotFound,
    PermissionDenied,
    PortalError,
    Throttled,
    Unauthenticated,
)

PROBLEM_JSON = "application/problem+json"
_BASE = "https://portal.dev/problems/"

_STATUS: list[tuple[type[PortalError], int, str, str]] = [
    (Unauthenticated, 401, "unauthenticated", "Authentication required"),
    (NotFound, 404, "not-found", "Not found"),
    (PermissionDenied, 403, "permission-denied", "Permission denied"),
    (Frozen, 409, "workspace-frozen", "Workspace is frozen"),
    (Invalid, 422, "invalid", "Invalid request"),
    (Throttled, 429, "throttled", "Too many requests"),
]


def problem(
    status: int, slug: str, title: str, detail: str, *, headers: dict | None = None, **extra
) -> JSONResponse:
    body = {"type": _BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI) -> None:
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
        return problem(exc.status_code, "http-error", str(exc.detail), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        return problem(
            422, "invalid", "Invalid request", "The request is not valid.", errors=errors
        )
