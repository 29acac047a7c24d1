"""Demo data for `make run`: one demo person, their account and a few workspaces. Idempotent."""

from __future__ import annotations

from sqlmodel import Session, select

from portal.domain.workspaces import (
    EnvironmentName,
    EnvironmentStatus,
    TenancyModel,
    WorkspaceStatus,
)
from portal.models import Environment, PermissionGrant, User, Workspace
from portal.models._base import utcnow
from portal.services import audit, auth

DEMO_EMAIL = "demo@portal.localhost"
DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - published demo credential
DEMO_WORKSPACES = (
    ("Acme Production", "acme-production", TenancyModel.DEDICATED, "eu-central"),
    ("Acme Staging", "acme-staging", TenancyModel.SHARED, "eu-central"),
    ("Acme Sandbox", "acme-sandbox", TenancyModel.SHARED, "us-east"),
)


def seed_demo(*, session: Session) -> bool:
    """Create the demo data if it is missing; returns whether anything was created."""
    if session.exec(select(User).where(User.email == DEMO_EMAIL)).first() is not None:
        return False
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
    now = utcnow()
    for name, slug, tenancy, region in DEMO_WORKSPACES:
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
    return True
