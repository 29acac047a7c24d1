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

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from portal.api.problems import BearerRequired
from portal.api.threads import off_loop
from portal.db import transaction
from portal.domain.apps import AppPrincipal
from portal.domain.errors import Unauthenticated
from portal.services import app_activity, app_key_auth

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
