"""The one door to an app environment's data (organizations, end users), from either side:

- the data-plane API with an app's secret key (`for_key`): the key's app and environment;
  writes need a read-write key;
- the console (`for_console`): a person with read on the workspace reads; MANAGE_APPS
  (administer) writes.

Either way a write into a frozen or offboarding workspace is refused, and the services of
organizations and end users see only an `AppScope`: they cannot reach another app.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from portal.domain.access import Action, Actor
from portal.domain.apps import AppPrincipal
from portal.domain.errors import Invalid
from portal.domain.workspaces import EnvironmentName
from portal.services import app_key_auth
from portal.services.apps import find_app


@dataclass(frozen=True)
class AppScope:
    app_id: int
    environment: str
    workspace_id: uuid.UUID
    account_id: int
    actor: Actor | None  # the person, in the console; None for an app key
    via: str  # who acted, for the audit trail: the person's email or the key's prefix
    key: tuple[int, str] | None = None  # the app key (id, display prefix) on the data plane


def environment_of(value: str | None) -> EnvironmentName:
    try:
        return EnvironmentName((value or EnvironmentName.PROD).strip().lower())
    except ValueError:
        raise Invalid(
            f"Choose an environment: {', '.join(EnvironmentName)}.", field="environment"
        ) from None


def for_key(session: Session, principal: AppPrincipal, *, write: bool = False) -> AppScope:
    if write:
        app_key_auth.require_write(session, principal)
    return AppScope(
        app_id=principal.app_id,
        environment=principal.environment.value,
        workspace_id=uuid.UUID(principal.workspace_id),
        account_id=principal.account_id,
        actor=None,
        via=f"key {principal.key_prefix}…",
        key=(principal.key_id, principal.key_prefix),
    )


def for_console(
    session: Session,
    actor: Actor,
    *,
    workspace_id: str,
    app_slug: str,
    environment: str | None = None,
    write: bool = False,
) -> AppScope:
    action = Action.MANAGE_APPS if write else Action.VIEW_WORKSPACE
    workspace, app = find_app(session, actor, action, workspace_id, app_slug)
    return AppScope(
        app_id=app.id,
        environment=environment_of(environment).value,
        workspace_id=workspace.id,
        account_id=workspace.account_id,
        actor=actor,
        via=actor.email,
    )
