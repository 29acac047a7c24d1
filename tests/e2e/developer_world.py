"""What the developer portal's browser tests set up through the services (what a person could
not do quickly in the browser, or what another test already does there), and the steps they
share in the browser: a developer who accepted the terms, an app (with a published version),
someone added to its team, a workspace to install into, a tab of the open app, and the
screenshots of a page at both widths in both colour schemes, a new client secret read from
its toast."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal.config import get_settings
from portal.domain.developer import TeamRole
from portal.models import DeveloperAppMember, User
from portal.services import developer_apps, developer_terms
from tests.e2e.conftest import SCREENSHOTS, Server, save_screenshot
from tests.e2e.helpers import settle, use_scheme
from tests.factories import account_of, actor_for, make_workspace

# A manifest that validates: two scopes, a webhook, one event category and one data type.
MANIFEST = """\
display:
  name: Harbor Sync
  description: Keeps Harbor in step with the workspace.
redirect_urls:
  - https://harbor.example/oauth/callback
scopes:
  - workspace:read
  - audit:read
webhook_url: https://harbor.example/hooks
event_categories:
  - apps
data_types:
  - workspace_profile
"""


@dataclass(frozen=True)
class DevApp:
    id: int
    slug: str


def user(session: Session, email: str) -> User:
    return session.exec(select(User).where(User.email == email)).one()


def developer(server: Server, name: str = "Dana Developer", *, account_name: str = "") -> str:
    """A person (server.person) who accepted the current developer terms; returns the email."""
    email = server.person(name=name, account_name=account_name)
    with server.db() as session:
        developer_terms.accept(
            session=session,
            actor=actor_for(session, user(session, email)),
            version=get_settings().developer_terms_version,
        )
    return email


def new_app(server: Server, owner: str, name: str) -> DevApp:
    """An app `owner` (a developer) creates: they are its owner; nothing published."""
    with server.db() as session:
        actor = actor_for(session, user(session, owner))
        app = developer_apps.create_app(session=session, actor=actor, name=name)
        return DevApp(id=app.id, slug=app.slug)


def published_app(server: Server, owner: str, name: str, manifest: str = MANIFEST) -> DevApp:
    """An app of `owner` with version 1 published from `manifest` (private, no allowlist)."""
    with server.db() as session:
        actor = actor_for(session, user(session, owner))
        app = developer_apps.create_app(session=session, actor=actor, name=name)
        developer_apps.save_draft(session=session, actor=actor, app_id=app.id, text=manifest)
        developer_apps.publish(session=session, actor=actor, app_id=app.id)
        return DevApp(id=app.id, slug=app.slug)


def add_to_team(server: Server, app: DevApp, email: str, role: TeamRole) -> None:
    """Put `email` on the app's team with `role`, as an accepted invitation would."""
    with server.db() as session:
        session.add(DeveloperAppMember(app_id=app.id, user_id=user(session, email).id, role=role))


def workspace(server: Server, admin: str, name: str) -> str:
    """An active workspace in the account `admin` administers; returns its id (a UUID)."""
    with server.db() as session:
        made = make_workspace(session, account_of(session, user(session, admin).id), name=name)
        return str(made.id)


def tab(page: Page, label: str) -> None:
    """Open the app's tab `label` (General, Versions, Security, Webhooks) from its tab bar."""
    tabs = page.get_by_role("navigation", name="Developer app pages")
    tabs.get_by_role("link", name=label).click()
    expect(tabs.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")


def looks(page: Page, name: str) -> None:
    """NAME-1440-light.png ... NAME-390-dark.png (when screenshots are on)."""
    if not SCREENSHOTS:
        return
    size = page.viewport_size
    for scheme in ("light", "dark"):
        use_scheme(page, scheme)
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900})
            settle(page)
            _transitions_done(page)
            save_screenshot(page, f"{name}-{width}-{scheme}")
    use_scheme(page, "light")
    if size:
        page.set_viewport_size(size)


def _transitions_done(page: Page) -> None:
    """Wait until what a new width or colour scheme set moving has stopped (a toast's toaster
    slides to its place for a phone: caught halfway, it looks cut off at the left)."""
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running'"
        " || a.effect?.getComputedTiming().endTime === Infinity)",
        polling=50,
        timeout=5_000,
    )


def secret_toast(page: Page):
    """The toast a new client secret is shown in, once (Security tab)."""
    return page.locator("[data-sonner-toast]").filter(has_text="Copy it now")


def read_secret_once(page: Page) -> str:
    """The client secret in its toast, with the toast's words and Copy button checked."""
    toast = secret_toast(page)
    expect(toast).to_contain_text("Copy it now: Portal keeps only a hash")
    expect(toast).to_contain_text(re.compile(r"cs_\S{40,}"))
    expect(toast.get_by_role("button", name="Copy")).to_be_visible()
    return re.search(r"cs_[A-Za-z0-9_\-]+", toast.inner_text()).group(0)


def close_secret_toast(page: Page) -> None:
    toast = secret_toast(page)
    toast.get_by_role("button", name="Close toast").click()
    expect(toast).to_have_count(0)
