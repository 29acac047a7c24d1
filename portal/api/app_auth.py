"""The data-plane API's door: `Authorization: Bearer sk_<env>_...` (an app's secret key).

Like the management API's tokens (portal/api/auth.py), the key is only read here; it is
checked in the route's one transaction on a worker thread (`as_app`), which is the only way a
data-plane route reaches an app. Each request is counted in the app's activity (in memory,
portal/services/app_activity.py), never with a database write of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal.api.idempotency import REPLAYED_HEADER
from portal.api.problems import BearerRequired
from portal.api.threads import off_loop
from portal.db import transaction
from portal.domain.apps import AppPrincipal
from portal.domain.errors import Unauthenticated
from portal.services import app_activity, app_idempotency, app_key_auth

T = TypeVar("T")

app_key_scheme = HTTPBearer(
    scheme_name="appSecretKey",
    bearerFormat="sk_<environment>_...",
    description="An app's secret key, created on the app's API keys page. It names its "
    "environment; a read key cannot write.",
    auto_error=False,
)


@dataclass(frozen=True)
class AppKey:
    """The secret key a request presented, not yet checked."""

    secret: str


async def require_app_key(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(app_key_scheme)],
) -> AppKey:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise BearerRequired(
            "Send the app's secret key: Authorization: Bearer sk_<environment>_...",
            invalid_token=False,
        )
    return AppKey(secret=credentials.credentials)


Key = Annotated[AppKey, Depends(require_app_key)]


def run_as_app(
    key: AppKey, work: Callable[[Session, AppPrincipal], T], *, organization_id: int | None = None
) -> T:
    """`work(session, principal)` in one transaction once the key is checked; counts the call."""
    with transaction() as session:
        try:
            principal = app_key_auth.resolve_app_key(session=session, secret=key.secret)
        except Unauthenticated as exc:
            raise BearerRequired(exc.message, invalid_token=True) from None
        # The call counts for the organization only once the service found it in this app
        # (a forged id of another app's organization must not make that one look live).
        counted_for = None
        try:
            result = work(session, principal)
            counted_for = organization_id
        finally:
            app_activity.count(
                app_id=principal.app_id,
                environment=principal.environment.value,
                organization_id=counted_for,
                api_calls=1,
            )
        return result


async def as_app(
    key: AppKey, work: Callable[[Session, AppPrincipal], T], *, organization_id: int | None = None
) -> T:
    """run_as_app on one of the API's worker threads."""
    return await off_loop(lambda: run_as_app(key, work, organization_id=organization_id))


class _KeyTaken(Exception):  # noqa: N818 - internal signal
    """A concurrent request stored a response under the same Idempotency-Key first."""


def _write_once(
    key: AppKey,
    idempotency_key: str,
    fingerprint: tuple[str, str, str],
    change: Callable[[Session, AppPrincipal], BaseModel],
    status_code: int,
    headers_for: Callable[[BaseModel], dict[str, str]],
    organization_id: int | None,
) -> Response:
    method, path, request_hash = fingerprint

    def once(session: Session, principal: AppPrincipal) -> Response:
        lookup = {"key": idempotency_key, "method": method, "path": path}
        stored = app_idempotency.stored_response(
            session=session, principal=principal, request_hash=request_hash, **lookup
        )
        if stored is not None:
            headers = {"Content-Type": "application/json", REPLAYED_HEADER: "true"}
            return Response(stored.body, status_code=stored.status_code, headers=headers)
        model = change(session, principal)
        body = model.model_dump_json()
        try:
            app_idempotency.store_response(
                session=session,
                principal=principal,
                request_hash=request_hash,
                status_code=status_code,
                body=body,
                **lookup,
            )
        except IntegrityError:
            raise _KeyTaken from None
        return Response(
            body,
            status_code=status_code,
            media_type="application/json",
            headers=headers_for(model),
        )

    for attempt in range(2):
        try:
            return run_as_app(key, once, organization_id=organization_id)
        except _KeyTaken:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def write_as_app(
    key: AppKey,
    request: Request,
    idempotency_key: str | None,
    payload: BaseModel | None,
    change: Callable[[Session, AppPrincipal], BaseModel],
    *,
    status_code: int = 200,
    headers: Callable[[BaseModel], dict[str, str]] | None = None,
    organization_id: int | None = None,
) -> Response:
    """A data-plane write honouring `Idempotency-Key` (see services/app_idempotency.py)."""
    headers_for = headers or (lambda _model: {})
    if idempotency_key is None:
        model = await as_app(key, change, organization_id=organization_id)
        return Response(
            model.model_dump_json(),
            status_code=status_code,
            media_type="application/json",
            headers=headers_for(model),
        )
    fingerprint = (
        request.method,
        request.url.path,
        app_idempotency.request_fingerprint(request.method, request.url.path, payload),
    )
    return await off_loop(
        lambda: _write_once(
            key, idempotency_key, fingerprint, change, status_code, headers_for, organization_id
        )
    )
