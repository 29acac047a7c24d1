"""Demo data for `make run`: one demo person, their account, a few workspaces, apps in the
first one (services/demo_apps.py), and listed apps in the app directory from a demo publisher
(services/demo_directory.py). Idempotent."""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal.domain.workspaces import (
    EnvironmentName,
    EnvironmentStatus,
    TenancyModel,
    WorkspaceStatus,
)
from portal.models import App, Environment, PermissionGrant, User, Workspace
from portal.models._base import utcnow
from portal.services import audit, auth, demo_apps, demo_directory

DEMO_EMAIL = "demo@portal.localhost"
DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - published demo credential
DEMO_WORKSPACES = (
    ("Acme Production", "acme-production", TenancyModel.DEDICATED, "eu-central"),
    ("Acme Staging", "acme-staging", TenancyModel.SHARED, "eu-central"),
    ("Acme Sandbox", "acme-sandbox", TenancyModel.SHARED, "us-east"),
)


APPS_WORKSPACE = "acme-production"  # the demo person's first pick: where the apps are
SCALE_WORKSPACE = ("Acme Scale", "acme-scale")


def _demo_account(session: Session) -> int | None:
    return session.exec(
        select(PermissionGrant.account_id)
        .join(User, col(User.id) == col(PermissionGrant.user_id))
        .where(User.email == DEMO_EMAIL, col(PermissionGrant.account_id).is_not(None))
    ).first()


def _demo_workspace(session: Session, slug: str) -> Workspace | None:
    account_id = _demo_account(session)
    if account_id is None:
        return None
    return session.exec(
        select(Workspace).where(Workspace.account_id == account_id, Workspace.slug == slug)
    ).first()


def seed_demo_apps_if_missing(session: Session) -> int:
    """The demo apps, for a demo database made before apps existed."""
    workspace = _demo_workspace(session, APPS_WORKSPACE)
    if workspace is None:
        return 0
    if session.exec(select(App.id).where(App.workspace_id == workspace.id)).first() is not None:
        return 0
    return demo_apps.seed_demo_apps(session, workspace)


def scale_workspace(session: Session) -> Workspace:
    """The demo account's workspace for apps at scale (created ready, like the others)."""
    found = _demo_workspace(session, SCALE_WORKSPACE[1])
    if found is not None:
        return found
    account_id = _demo_account(session)
    if account_id is None:
        raise LookupError("no demo account: run seed-demo first")
    name, slug = SCALE_WORKSPACE
    return _add_workspace(session, account_id, name, slug, TenancyModel.DEDICATED, "eu-central")


def seed_demo(*, session: Session) -> bool:
    """Create the demo data if it is missing; returns whether anything was created."""
    if session.exec(select(User).where(User.email == DEMO_EMAIL)).first() is not None:
        apps = seed_demo_apps_if_missing(session)
        return apps + demo_directory.seed_demo_directory(session) > 0
    user = auth.create_user(
        session=session,
        email=DEMO_EMAIL,
        name="Dana Demo",
        password=DEMO_PASSWORD,
        account_name="Acme Inc.",
    )
    account_id = session.exec(
        select(PermissionGrant.account_id).where(PermissionGrant.user_id == user.id)
    ).one()
    for name, slug, tenancy, region in DEMO_WORKSPACES:
        workspace = _add_workspace(session, account_id, name, slug, tenancy, region)
        if slug == APPS_WORKSPACE:
            demo_apps.seed_demo_apps(session, workspace)
    demo_directory.seed_demo_directory(session)
    return True


def _add_workspace(
    session: Session, account_id: int, name: str, slug: str, tenancy: str, region: str
) -> Workspace:
    now = utcnow()
    workspace = Workspace(
        account_id=account_id,
        name=name,
        slug=slug,
        tenancy_model=tenancy,
        region=region,
        status=WorkspaceStatus.ACTIVE,
    )
    session.add(workspace)
    session.flush()
    # Demo workspaces arrive already provisioned: their environments are ready.
    for env in EnvironmentName:
        session.add(
            Environment(
                workspace_id=workspace.id,
                name=env,
                status=EnvironmentStatus.READY,
                ready_at=now,
            )
        )
    audit.record(
        session,
        actor=None,
        action="workspace.created",
        target_type="workspace",
        target_id=workspace.id,
        account_id=account_id,
        workspace_id=workspace.id,
        after={"name": name, "slug": slug, "tenancy_model": tenancy, "region": region},
    )
    return workspace
