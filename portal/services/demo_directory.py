"""Demo data for the app directory (`make run`): a demo publisher (a person nobody signs in
as) with two public developer apps, each with version 1 published and its listing approved,
so /directory has apps the demo person can install into their workspaces. Idempotent."""

from __future__ import annotations

import secrets

from sqlmodel import Session, select

from portal.domain.access import Actor
from portal.domain.developer import DistributionState, Visibility
from portal.models import DeveloperApp, DeveloperDistributionRequest, User
from portal.models._base import utcnow
from portal.services import auth, developer_apps, developer_terms, terms_versions

PUBLISHER_EMAIL = "publisher@portal.localhost"

# (name, description, scopes, event categories, data types)
DIRECTORY_APPS = (
    (
        "Status Relay",
        "Posts your workspace's status changes to your team's chat.",
        ("workspace:read",),
        ("workspace",),
        ("workspace_profile",),
    ),
    (
        "Audit Archive",
        "Keeps a copy of your workspace's audit log for seven years.",
        ("workspace:read", "audit:read"),
        ("workspace",),
        ("workspace_profile", "audit_events"),
    ),
)


def _manifest(name: str, description: str, scopes, categories, data_types) -> str:
    def items(values) -> str:
        return "".join(f"  - {value}\n" for value in values)

    slug = name.lower().replace(" ", "-")
    return (
        f"display:\n  name: {name}\n  description: {description}\n"
        f"redirect_urls:\n  - https://{slug}.example/oauth/callback\n"
        f"scopes:\n{items(scopes)}"
        f"webhook_url: https://{slug}.example/hooks\n"
        f"event_categories:\n{items(categories)}"
        f"data_types:\n{items(data_types)}"
    )


def seed_demo_directory(session: Session) -> int:
    """The demo publisher and their listed apps, unless present; returns how many apps it made."""
    if session.exec(select(User.id).where(User.email == PUBLISHER_EMAIL)).first() is not None:
        return 0
    made = auth.create_user(
        session=session,
        email=PUBLISHER_EMAIL,
        name="Demo Publisher",
        password=secrets.token_urlsafe(24),  # nobody signs in as the publisher
        account_name="Demo Publisher",
    )
    publisher = Actor(user_id=made.id, email=made.email, name=made.name, is_platform_admin=False)
    developer_terms.accept(
        session=session, actor=publisher, version=terms_versions.current(session).version
    )
    for name, description, scopes, categories, data_types in DIRECTORY_APPS:
        app = developer_apps.create_app(
            session=session, actor=publisher, name=name, description=description
        )
        developer_apps.save_draft(
            session=session,
            actor=publisher,
            app_id=app.id,
            text=_manifest(name, description, scopes, categories, data_types),
        )
        developer_apps.publish(session=session, actor=publisher, app_id=app.id)
        # Listed as platform staff would list it after a review (the demo has no staff).
        now = utcnow()
        request = DeveloperDistributionRequest(
            app_id=app.id,
            reason="Demo data: listed for the demo's app directory.",
            state=DistributionState.APPROVED,
            requested_by_user_id=made.id,
            requested_at=now,
            decided_at=now,
            note="Listed by the demo data.",
        )
        row = session.get(DeveloperApp, app.id)
        row.visibility = Visibility.PUBLIC
        session.add_all([request, row])
        session.flush()
        developer_apps.record_event(
            session,
            None,
            "developer_app.distribution_approved",
            row,
            before={"visibility": Visibility.PRIVATE},
            after={"request_id": request.id, "visibility": row.visibility, "note": request.note},
        )
    return len(DIRECTORY_APPS)
