"""Demo data for `make run`: one demo person, their account, a few workspaces, apps in the
first one (services/demo_apps.py), and listed apps in the app directory from a demo publisher
(services/demo_directory.py). Idempotent."""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal.domain.access import Actor
from portal.domain.workspaces import (
    EnvironmentName,
    EnvironmentStatus,
    TenancyModel,
    WorkspaceStatus,
)
from portal.models import (
    App,
    Environment,
    PermissionGrant,
    Secret,
    User,
    VaultCollection,
    Workspace,
    WorkspaceFile,
)
from portal.models._base import utcnow
from portal.services import (
    audit,
    auth,
    demo_apps,
    demo_directory,
    files,
    vault,
    workspace_secrets,
)

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


# The Secrets page's demo: names in some environments, not all; DATABASE_URL with history.
DEMO_SECRETS = (
    ("dev", "DATABASE_URL", "postgres://acme:dev-password@localhost:5432/acme"),
    ("staging", "DATABASE_URL", "postgres://acme:staging-password@db.staging.acme.test/acme"),
    ("prod", "DATABASE_URL", "postgres://acme:first-prod-password@db.acme.test/acme"),
    ("prod", "DATABASE_URL", "postgres://acme:rotated-prod-password@db.acme.test/acme"),
    ("dev", "STRIPE_SECRET_KEY", "sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc"),
    ("prod", "STRIPE_SECRET_KEY", "sk_live_demo_not_a_real_key_51Hx"),
    ("staging", "SENTRY_DSN", "https://public@sentry.acme.test/42"),
    ("prod", "SENTRY_DSN", "https://public@sentry.acme.test/42"),
    ("dev", "FEATURE_FLAGS", "new-checkout,dark-mode"),
)


def _seed_demo_secrets(session: Session, workspace: Workspace) -> int:
    """DEMO_SECRETS, set by the demo person through the service (encrypted, versioned,
    audited like any secret)."""
    user = session.exec(select(User).where(User.email == DEMO_EMAIL)).one()
    actor = Actor(user_id=user.id, email=user.email, name=user.name, is_platform_admin=False)
    for environment, name, value in DEMO_SECRETS:
        workspace_secrets.set_secret(
            session=session,
            actor=actor,
            workspace_id=str(workspace.id),
            environment=environment,
            name=name,
            value=value,
        )
    return len(DEMO_SECRETS)


# The Data Vault page's demo: a Customers collection (masked, secret and public fields; email
# searchable) with a few records.
DEMO_VAULT_FIELDS = (
    {"name": "email", "type": "email", "sensitivity": "masked", "searchable": True},
    {"name": "phone", "type": "phone", "sensitivity": "masked"},
    {"name": "date_of_birth", "type": "date", "sensitivity": "masked"},
    {"name": "national_id", "type": "string", "sensitivity": "secret"},
    {"name": "country", "type": "string", "sensitivity": "public"},
)
DEMO_VAULT_RECORDS = (
    {
        "email": "jane.doe@example.com",
        "phone": "+1 415 555 4242",
        "date_of_birth": "1990-05-17",
        "national_id": "078-05-1120",
        "country": "US",
    },
    {"email": "li.wei@example.org", "phone": "+44 20 7946 0958", "country": "GB"},
    {"email": "amara@example.net", "date_of_birth": "1984-11-02", "country": "NG"},
)


def _seed_demo_vault(session: Session, workspace: Workspace) -> int:
    """The customers collection and DEMO_VAULT_RECORDS, stored by the demo person through
    the service (sealed, indexed, audited like any record)."""
    user = session.exec(select(User).where(User.email == DEMO_EMAIL)).one()
    actor = Actor(user_id=user.id, email=user.email, name=user.name, is_platform_admin=False)
    vault.create_collection(
        session=session,
        actor=actor,
        workspace_id=str(workspace.id),
        name="customers",
        fields=list(DEMO_VAULT_FIELDS),
    )
    for values in DEMO_VAULT_RECORDS:
        vault.create_record(
            session=session,
            caller=actor,
            workspace_id=str(workspace.id),
            collection="customers",
            values=values,
        )
    return len(DEMO_VAULT_RECORDS)


def seed_demo_vault_if_missing(session: Session) -> int:
    """The demo vault, for a demo database made before the vault existed."""
    workspace = _demo_workspace(session, APPS_WORKSPACE)
    if workspace is None:
        return 0
    if session.exec(
        select(VaultCollection.id).where(VaultCollection.workspace_id == workspace.id)
    ).first():
        return 0
    return _seed_demo_vault(session, workspace)


# The Files page's demo: a few documents in folders, the runbook with an earlier version.
DEMO_FILES = (
    ("README.md", b"# Acme Production\n\nRunbooks, contracts and reports of this workspace.\n"),
    ("contracts/acme-msa-2026.pdf", b"%PDF-1.7\n% Acme master services agreement (demo)\n"),
    ("reports/2026/q1-usage.csv", b"month,api_calls,sign_ins\n2026-01,120431,8812\n"),
    ("runbooks/rotate-keys.md", b"# Rotating API keys\n\n1. Create a new key.\n"),
    (
        "runbooks/rotate-keys.md",
        b"# Rotating API keys\n\n1. Create a new key.\n2. Deploy it.\n3. Revoke the old one.\n",
    ),
)


def _seed_demo_files(session: Session, workspace: Workspace) -> int:
    """DEMO_FILES, uploaded by the demo person through the service (stored, versioned,
    audited like any upload)."""
    user = session.exec(select(User).where(User.email == DEMO_EMAIL)).one()
    actor = Actor(user_id=user.id, email=user.email, name=user.name, is_platform_admin=False)
    for path, content in DEMO_FILES:
        files.upload_file(
            session=session,
            actor=actor,
            workspace_id=str(workspace.id),
            path=path,
            chunks=[content],
        )
    return len(DEMO_FILES)


def seed_demo_files_if_missing(session: Session) -> int:
    """The demo files, for a demo database made before files existed."""
    workspace = _demo_workspace(session, APPS_WORKSPACE)
    if workspace is None:
        return 0
    if session.exec(
        select(WorkspaceFile.id).where(WorkspaceFile.workspace_id == workspace.id)
    ).first():
        return 0
    return _seed_demo_files(session, workspace)


def seed_demo_secrets_if_missing(session: Session) -> int:
    """The demo secrets, for a demo database made before secrets existed."""
    workspace = _demo_workspace(session, APPS_WORKSPACE)
    if workspace is None:
        return 0
    if session.exec(select(Secret.id).where(Secret.workspace_id == workspace.id)).first():
        return 0
    return _seed_demo_secrets(session, workspace)


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
        secrets = seed_demo_secrets_if_missing(session)
        documents = seed_demo_files_if_missing(session)
        records = seed_demo_vault_if_missing(session)
        directory = demo_directory.seed_demo_directory(session)
        return apps + secrets + documents + records + directory > 0
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
            _seed_demo_secrets(session, workspace)
            _seed_demo_files(session, workspace)
            _seed_demo_vault(session, workspace)
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
