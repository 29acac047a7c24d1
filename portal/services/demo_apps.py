"""Apps for the demo workspace, one in each situation the dashboard triages, and apps at scale
for benchmarks (`python -m portal seed-demo --scale N`).

The demo apps: Storefront and Billing Portal operate (live organizations, a week of activity;
Billing Portal's prod key expires in 3 days: a blocker), Partner API is ready (no activity
yet), Support Desk is ready but one organization has no admin (a blocker), Mobile App is in
setup (no email sender). Data-plane activity is written here directly, as the activity flush
would have written it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import insert, select
from sqlmodel import Session

from portal.domain import app_keys
from portal.domain.workspaces import EnvironmentName
from portal.models import (
    App,
    AppActivity,
    AppApiKey,
    EndUser,
    Organization,
    OrganizationMember,
    Workspace,
)
from portal.models._base import utcnow
from portal.services.tokens import token_hash

PROD = EnvironmentName.PROD.value


def _key(app: App, name: str, *, expires_in_days: int | None = None) -> AppApiKey:
    secret = app_keys.new_key(EnvironmentName.PROD)  # discarded: nobody needs the demo's keys
    now = utcnow()
    return AppApiKey(
        app_id=app.id,
        environment=PROD,
        name=name,
        key_prefix=app_keys.display_prefix(secret),
        key_hash=token_hash(secret),
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        last_used_at=now - timedelta(minutes=5),
    )


def _organization(session: Session, app: App, name: str, *, live: bool, admin: bool = True):
    now = utcnow()
    org = Organization(
        app_id=app.id,
        environment=PROD,
        name=name,
        last_active_at=now - timedelta(hours=2) if live else None,
    )
    session.add(org)
    session.flush()
    domain = name.lower().replace(" ", "")
    for n, role in enumerate(("admin" if admin else "member", "member", "member")):
        user = EndUser(
            app_id=app.id,
            environment=PROD,
            email=f"user{n + 1}@{domain}.example",
            name=f"{name} user {n + 1}",
            last_sign_in_at=now - timedelta(hours=n + 1) if live else None,
        )
        session.add(user)
        session.flush()
        session.add(OrganizationMember(organization_id=org.id, end_user_id=user.id, role=role))
    if live:
        today = now.date()
        rng = random.Random(f"{app.slug}-{name}")  # noqa: S311 - demo numbers, not secrets
        for day in range(7):
            session.add(
                AppActivity(
                    app_id=app.id,
                    environment=PROD,
                    organization_id=org.id,
                    day=today - timedelta(days=day),
                    api_calls=rng.randint(200, 2_000),
                    sign_ins=rng.randint(5, 60),
                )
            )
    return org


def _app(session: Session, workspace: Workspace, name: str, slug: str, **settings) -> App:
    app = App(workspace_id=workspace.id, name=name, slug=slug, **settings)
    session.add(app)
    session.flush()
    return app


def seed_demo_apps(session: Session, workspace: Workspace) -> int:
    """The demo workspace's five apps; returns how many were created."""
    now = utcnow()
    sender = {"email_sender_name": "Acme", "email_sender_address": "no-reply@acme.example"}

    storefront = _app(session, workspace, "Storefront", "storefront", last_active_at=now, **sender)
    session.add(_key(storefront, "Storefront backend"))
    _organization(session, storefront, "Globex", live=True)
    _organization(session, storefront, "Initech", live=True)
    _organization(session, storefront, "Umbrella", live=False)

    billing = _app(
        session,
        workspace,
        "Billing Portal",
        "billing-portal",
        last_active_at=now - timedelta(hours=3),
        magic_link_enabled=True,
        **sender,
    )
    session.add(_key(billing, "Invoicing service", expires_in_days=3))
    _organization(session, billing, "Hooli", live=True)

    partner = _app(session, workspace, "Partner API", "partner-api", **sender)
    session.add(_key(partner, "Partner gateway"))

    support = _app(session, workspace, "Support Desk", "support-desk", **sender)
    session.add(_key(support, "Helpdesk sync"))
    _organization(session, support, "Vandelay Industries", live=False, admin=False)

    _app(session, workspace, "Mobile App", "mobile-app")
    session.flush()
    return 5


# Scale --------------------------------------------------------------------------------------

_BATCH = 10_000


def seed_scale(
    session: Session,
    workspace: Workspace,
    *,
    apps: int,
    organizations_per_app: int = 100,
    end_users_per_app: int = 1_000,
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """`apps` apps in `workspace` with their organizations and end users, inserted in batches
    (1,000 apps, 100,000 organizations and 1,000,000 end users in a few minutes on SQLite)."""
    report = progress or (lambda _what, _done, _total: None)
    now = utcnow()
    taken = set(session.execute(select(App.slug).where(App.workspace_id == workspace.id)).scalars())
    rows = []
    for n in range(apps):
        slug = f"scale-app-{n + 1:05d}"
        if slug in taken:
            continue
        rows.append(
            {
                "workspace_id": workspace.id,
                "name": f"Scale App {n + 1:05d}",
                "slug": slug,
                "created_at": now,
                "updated_at": now,
                "redirect_urls": [],
                "last_active_at": now if n % 3 == 0 else None,
                "email_sender_address": "no-reply@scale.example" if n % 2 == 0 else None,
            }
        )
    if rows:
        session.execute(insert(App), rows)
    # Only the apps made now get organizations and end users: a second run adds apps.
    new_slugs = [row["slug"] for row in rows]
    app_ids = [
        app_id
        for chunk in range(0, len(new_slugs), 500)
        for app_id in session.execute(
            select(App.id).where(
                App.workspace_id == workspace.id, App.slug.in_(new_slugs[chunk : chunk + 500])
            )
        ).scalars()
    ]
    report("apps", len(app_ids), len(app_ids))

    def insert_per_app(model, what: str, per_app: int, make_row) -> None:
        total, batch, done = len(app_ids) * per_app, [], 0
        for app_index, app_id in enumerate(app_ids):
            batch.extend(make_row(app_index, app_id, i) for i in range(per_app))
            if len(batch) >= _BATCH or app_index == len(app_ids) - 1:
                session.execute(insert(model), batch)
                done += len(batch)
                batch = []
                report(what, done, total)

    insert_per_app(
        Organization,
        "organizations",
        organizations_per_app,
        lambda a, app_id, i: {
            "app_id": app_id,
            "environment": PROD,
            "name": f"Org {a + 1}-{i + 1}",
            "created_at": now,
            "last_active_at": now if i % 4 == 0 else None,
        },
    )
    insert_per_app(
        EndUser,
        "end users",
        end_users_per_app,
        lambda a, app_id, i: {
            "app_id": app_id,
            "environment": PROD,
            "email": f"user{i + 1}@app{a + 1}.scale.example",
            "name": f"User {i + 1}",
            "created_at": now,
        },
    )
