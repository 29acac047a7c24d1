"""Every page of routes.PAGES with something on it, for the tests that walk them all (the
phone layout, accessibility).

    world = make_world(server)
    for path in signed_out_paths(world): ...
    server.sign_in(page, world.email)
    for path in signed_in_paths(world): ...

`signed_in_paths` fails when routes.PAGES gains a page this module does not open, so a new
page is walked from the day it is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

from portal import routes
from portal.config import get_settings
from portal.domain.developer import Visibility
from portal.domain.dto import UserPublic
from portal.models import DeveloperApp, User
from portal.services import (
    accounts,
    developer_apps,
    developer_team,
    developer_terms,
    distribution,
    files,
    installations,
    vault,
    webhook_endpoints,
    workspace_secrets,
)
from portal.services.file_storage import LocalStorage
from tests.factories import account_of, actor_for, create_workspace, make_app, make_token
from tests.webhook_rows import delivery, failure


@dataclass(frozen=True)
class World:
    email: str
    account_id: int
    workspace_id: str
    invitation_path: str
    app_slug: str
    developer_app_slug: str
    install_path: str  # a live install link of the developer app (its consent page)
    # A pending invitation to the developer app's team, sent to someone else (its page then
    # says whom it is for).
    developer_invitation_path: str = ""
    # A public developer app with version 1 published: the directory lists it, and its
    # consent page from the directory (/directory/{slug}) has something to show.
    directory_app_slug: str = ""
    # An endpoint of the app with a few messages: its page has health and a log to show.
    endpoint_id: int = 0


_WORLDS: dict[str, World] = {}


def make_world(server) -> World:
    """The world of make_a_world, once per test process and server: the walks only read it."""
    if server.url not in _WORLDS:
        _WORLDS[server.url] = make_a_world(server)
    return _WORLDS[server.url]


def make_a_world(server) -> World:
    """A platform administrator (every page is theirs to open) with an account, a workspace
    (its environments provisioning), a token, accepted developer terms, a developer app with
    version 1 published and an install link, a public app for the directory, another app
    waiting for staff to list it publicly, and a pending invitation of someone else."""
    email = server.person(name="Olive Owner", account_name="Acme Phone Inc.", platform_admin=True)
    with server.db() as session:
        user = UserPublic.model_validate(
            session.exec(select(User).where(User.email == email)).one(), from_attributes=True
        )
        actor = actor_for(session, user)
        account_id = account_of(session, user.id)
        workspace = create_workspace(session, actor, account_id, "Staging Sandbox")
        make_token(session, user, "CI deploys", actor=actor)
        # Secrets: the Secrets page's matrix has rows, one name in two environments.
        for environment, name in (
            ("dev", "DATABASE_URL"),
            ("prod", "DATABASE_URL"),
            ("dev", "API_TOKEN"),
        ):
            workspace_secrets.set_secret(
                session=session,
                actor=actor,
                workspace_id=str(workspace.id),
                environment=environment,
                name=name,
                value=f"every-page {environment} value",
            )
        # Data Vault: a collection with records (masked, secret and public values).
        vault.create_collection(
            session=session,
            actor=actor,
            workspace_id=str(workspace.id),
            name="customers",
            fields=[
                {"name": "email", "type": "email", "sensitivity": "masked", "searchable": True},
                {"name": "phone", "type": "phone", "sensitivity": "masked"},
                {"name": "national_id", "type": "string", "sensitivity": "secret"},
                {"name": "country", "type": "string", "sensitivity": "public"},
            ],
        )
        for values in (
            {"email": "jane@example.com", "phone": "+1 415 555 4242", "country": "US"},
            {"email": "li@example.org", "national_id": "AB123456C", "country": "GB"},
        ):
            vault.create_record(
                session=session,
                caller=actor,
                workspace_id=str(workspace.id),
                collection="customers",
                values=values,
            )
        # Files: a folder and a file with two versions, in the server's own store.
        store = LocalStorage(Path(server.env["PORTAL_DATA_DIR"]) / "files")
        for path, content in (
            ("contracts/acme-msa.pdf", b"%PDF-1.7 every page"),
            ("README.txt", b"What this workspace holds.\n"),
            ("README.txt", b"What this workspace holds, and who to ask.\n"),
        ):
            files.upload_file(
                session=session,
                actor=actor,
                workspace_id=str(workspace.id),
                path=path,
                chunks=[content],
                storage=store,
            )
        app = make_app(session, actor, workspace.id, "Acme Storefront")
        endpoint_id = webhook_endpoints.create_endpoint(
            session=session,
            actor=actor,
            workspace_id=str(workspace.id),
            app_slug=app.slug,
            url="https://hooks.acme.example/portal",
            categories=["sign_in"],
        ).endpoint.id
        delivery(session, endpoint_id, attempts=[failure("timeout", status_code=None), {}])
        delivery(session, endpoint_id, status="failed", attempts=[failure()])
        developer_terms.accept(
            session=session, actor=actor, version=get_settings().developer_terms_version
        )
        developer_app = developer_apps.create_app(
            session=session, actor=actor, name="Acme Sync", description="Syncs Acme's data."
        )
        # Version 1 published and an install link for it: the consent page has a real link.
        draft = developer_apps.get_draft(session=session, actor=actor, app_id=developer_app.id)
        developer_apps.save_draft(
            session=session, actor=actor, app_id=developer_app.id, text=draft.text
        )
        developer_apps.publish(session=session, actor=actor, app_id=developer_app.id)
        link = installations.create_link(session=session, actor=actor, app_id=developer_app.id)
        listed = developer_apps.create_app(
            session=session, actor=actor, name="Acme Listed", description="In the directory."
        )
        developer_apps.save_draft(session=session, actor=actor, app_id=listed.id, text=draft.text)
        developer_apps.publish(session=session, actor=actor, app_id=listed.id)
        # Public as platform staff's approval would make it (tests/e2e/test_directory.py).
        listed_row = session.get(DeveloperApp, listed.id)
        listed_row.visibility = Visibility.PUBLIC
        session.add(listed_row)
        # Another app asks platform staff for a public listing: the reviews table has a row.
        reviewed = developer_apps.create_app(
            session=session, actor=actor, name="Acme Insights", description="Usage reports."
        )
        developer_apps.save_draft(session=session, actor=actor, app_id=reviewed.id, text=draft.text)
        developer_apps.publish(session=session, actor=actor, app_id=reviewed.id)
        distribution.request_public(
            session=session,
            actor=actor,
            app_id=reviewed.id,
            reason="Acme's customers ask for weekly usage reports of their workspaces.",
        )
        team_invited = developer_team.invite(
            session=session,
            actor=actor,
            app_id=developer_app.id,
            email="dev.invited@example.com",
            role="developer",
        )
        invited = accounts.invite(
            session=session,
            actor=actor,
            account_id=account_id,
            email="ana.invited@example.com",
            permission="read",
        )
    return World(
        email=email,
        account_id=account_id,
        workspace_id=str(workspace.id),
        invitation_path="/" + invited.link.split("/", 3)[3],
        app_slug=app.slug,
        developer_app_slug=developer_app.slug,
        install_path="/install/" + installations.link_token(link.id),
        developer_invitation_path="/" + team_invited.link.split("/", 3)[3],
        directory_app_slug=listed.slug,
        endpoint_id=endpoint_id,
    )


SIGNED_OUT_ROUTES = (
    routes.SIGN_IN,
    routes.SIGN_UP,
    routes.RESET_PASSWORD,
    routes.DEV_OUTBOX,
    routes.INVITATION,
)


def _path(route: str, world: World) -> str:
    return {
        routes.WORKSPACE_DETAIL: routes.workspace_url(world.workspace_id),
        routes.WORKSPACE_PROCESS_LOG: routes.workspace_process_log_url(world.workspace_id),
        routes.WORKSPACE_SECRETS: routes.workspace_secrets_url(world.workspace_id),
        routes.WORKSPACE_FILES: routes.workspace_files_url(world.workspace_id),
        routes.WORKSPACE_VAULT: routes.workspace_vault_url(world.workspace_id),
        routes.ACCOUNT_DETAIL: routes.account_url(world.account_id),
        routes.INVITATION: world.invitation_path,
        routes.INSTALL: world.install_path,
        routes.DIRECTORY_APP: routes.directory_app_url(world.directory_app_slug),
        routes.DEVELOPER_INVITATION: world.developer_invitation_path,
        routes.APP_OVERVIEW: routes.app_url(world.workspace_id, world.app_slug, "overview"),
        routes.APP_AUTH: routes.app_url(world.workspace_id, world.app_slug, "auth"),
        routes.APP_EMAIL: routes.app_url(world.workspace_id, world.app_slug, "email"),
        routes.APP_API_KEYS: routes.app_url(world.workspace_id, world.app_slug, "api-keys"),
        routes.APP_ORGANIZATIONS: routes.app_url(
            world.workspace_id, world.app_slug, "organizations"
        ),
        routes.APP_END_USERS: routes.app_url(world.workspace_id, world.app_slug, "end-users"),
        routes.APP_AUDIT: routes.app_url(world.workspace_id, world.app_slug, "audit"),
        routes.APP_WEBHOOKS: routes.app_url(world.workspace_id, world.app_slug, "webhooks"),
        routes.APP_WEBHOOK_ENDPOINT: routes.app_webhook_endpoint_url(
            world.workspace_id, world.app_slug, world.endpoint_id
        ),
        **{
            route: routes.developer_app_url(world.developer_app_slug, tab)
            for route, tab in (
                (routes.DEVELOPER_APP_GENERAL, "general"),
                (routes.DEVELOPER_APP_VERSIONS, "versions"),
                (routes.DEVELOPER_APP_SECURITY, "security"),
                (routes.DEVELOPER_APP_WEBHOOKS, "webhooks"),
            )
        },
    }.get(route, route)


def signed_out_paths(world: World) -> list[str]:
    return [_path(route, world) for route in SIGNED_OUT_ROUTES] + [
        routes.RESET_PASSWORD + "?token=not-a-real-token",
        "/no-such-page",  # the not-found page, as a signed-out visitor meets it
    ]


def signed_in_paths(world: World) -> list[str]:
    """Every page a signed-in person opens (signed-out-only pages redirect them)."""
    signed_in = [route for route in routes.PAGES if route not in routes.SIGNED_OUT_ONLY]
    missing = set(routes.PAGES) - set(signed_in) - set(SIGNED_OUT_ROUTES)
    assert not missing, f"pages no walk opens: {missing}"
    return [_path(route, world) for route in signed_in]


# Phones ----------------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}

# What sticks out past the right edge, to name in a failure.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      out.push(`${el.tagName.toLowerCase()}.${String(el.className).slice(0, 60)} ` +
               `right=${Math.round(box.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: width, out: out.slice(0, 8)};
}"""

# Controls cut off at the right edge by a card that hides its overflow (the page does not
# scroll, yet the control cannot be read or reached); a table's own scrolling box is fine.
CUT_OFF = """() => {
  const width = window.innerWidth;
  const scrolls = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const x = getComputedStyle(up).overflowX;
      if ((x === 'auto' || x === 'scroll') && up.scrollWidth > up.clientWidth) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll('input, button, textarea, a, select')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !el.offsetParent || box.right <= width + 1 || scrolls(el)) continue;
    out.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.name || el.id || '')
      .slice(0, 30)}" right=${Math.round(box.right)}`);
  }
  return out.slice(0, 8);
}"""


def overflow(page, path: str) -> str | None:
    """What makes `path` scroll sideways or cuts a control off at the right edge, or None."""
    seen = page.evaluate(OVERFLOW)
    if seen["scroll"] > seen["inner"]:
        return f"{path}: {seen['scroll']} px wide in {seen['inner']} px: {seen['out']}"
    cut = page.evaluate(CUT_OFF)
    return f"{path}: cut off at the right edge: {cut}" if cut else None


# A backdrop filter makes the compositor blur what lies under the element again on every frame
# anything there changes: without a GPU, 15-45 ms a frame for a card (rxconfig.py: solid panels).
BLURRED = """() => {
  const out = [];
  for (const el of document.querySelectorAll('*')) {
    for (const part of [null, '::before', '::after']) {  // a card's panel is its ::before
      const filter = getComputedStyle(el, part).backdropFilter;
      if (filter && filter !== 'none') {
        out.push(`${el.tagName.toLowerCase()}.${String(el.className).slice(0, 40)}` +
                 `${part || ''}: ${filter}`);
      }
    }
  }
  return out.slice(0, 4);
}"""


def backdrop_blur(page, path: str) -> str | None:
    """The elements of `path` that blur what lies behind them, or None."""
    blurred = page.evaluate(BLURRED)
    return f"{path}: a backdrop filter redrawn on every frame: {blurred}" if blurred else None
